"""One role model (issue 15): every write route has a rule in ``cdlink.web.roles``, a member is
refused every administrator's write (browser session with CSRF, and API token) and may do the
daily work; an administrator passes every rule."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.stock.inventory import add_product, add_warehouse
from cdlink.store.engine import Database
from cdlink.store.models import ApiToken, StockLevel
from cdlink.web.app import create_app
from cdlink.web.identity import Role
from cdlink.web.roles import ADMIN_READS, WRITES, route_templates, write_routes
from tests.support.connections import add_connection
from tests.support.databases import SchemaTemplates
from tests.support.web import ADMIN_PASSWORD, BASE_URL, add_user, csrf_token, log_in

MEMBER_EMAIL = "staff@boutique.fr"
MEMBER_PASSWORD = "staff password 1"
ADMIN_WRITES = sorted(route for route, role in WRITES.items() if role == Role.ADMIN)
MEMBER_WRITES = sorted(route for route, role in WRITES.items() if role == Role.MEMBER)
FORBIDDEN = "Only an administrator may do this."


def concrete(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", template)


def is_api(template: str) -> bool:
    return template.startswith("/api/")


@pytest.fixture
def member(web_database: Database, clock: ManualClock) -> str:
    with web_database.session() as session:
        add_user(session, clock, MEMBER_EMAIL, MEMBER_PASSWORD, is_admin=False)
    return MEMBER_EMAIL


@pytest.fixture
def member_browser(client: TestClient, member: str) -> TestClient:
    """A client logged in as a member (not an administrator)."""
    assert log_in(client, member, MEMBER_PASSWORD).status_code == 303
    return client


def personal_token(client: TestClient) -> str:
    """A personal API token made on the Settings page by whoever is logged in."""
    page = client.post(
        "/settings/tokens", data={"name": "ERP", "csrf_token": csrf_token(client, "/settings")}
    )
    found = re.search(r'data-testid="new-token">(cdl_[^<]+)<', page.text)
    assert found, page.text
    return found.group(1)


@pytest.fixture
def member_api(app: FastAPI, member: str) -> Iterator[TestClient]:
    """A client sending a member's API token, and no cookie."""
    with token_client(app, member) as client:
        yield client


@contextlib.contextmanager
def token_client(app: FastAPI, member: str) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        log_in(client, member, MEMBER_PASSWORD)
        secret = personal_token(client)
        client.cookies.clear()
        client.headers["Authorization"] = f"Bearer {secret}"
        yield client


@pytest.fixture(scope="module")
def refusing_app(
    tmp_path_factory: pytest.TempPathFactory, schema_templates: SchemaTemplates
) -> Iterator[FastAPI]:
    """One app with a member, for the hundreds of refusals: a write refused by the role check
    changes nothing, so they share it rather than each making its own (about 0.4 s each)."""
    directory = tmp_path_factory.mktemp("roles")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=directory / "data", sync_embedded_enabled=False
    )
    database = Database(schema_templates.sqlite_copy(directory / "web.sqlite3"))
    clock = ManualClock()
    with database.session() as session:
        add_user(session, clock, MEMBER_EMAIL, MEMBER_PASSWORD, is_admin=False)
    yield create_app(settings, database=database, clock=clock)
    database.dispose()


@pytest.fixture(scope="module")
def refused_member(refusing_app: FastAPI) -> Iterator[TestClient]:
    """A member's browser session on ``refusing_app``."""
    with TestClient(refusing_app, base_url=BASE_URL, follow_redirects=False) as client:
        assert log_in(client, MEMBER_EMAIL, MEMBER_PASSWORD).status_code == 303
        yield client


@pytest.fixture(scope="module")
def refused_member_api(refusing_app: FastAPI) -> Iterator[TestClient]:
    """A member's API token on ``refusing_app``."""
    with token_client(refusing_app, MEMBER_EMAIL) as client:
        yield client


def write(client: TestClient, method: str, template: str) -> int:
    """Send a write as a browser would (CSRF form field for pages, header for the API)."""
    path = concrete(template)
    token = csrf_token(client, "/settings") if "Authorization" not in client.headers else ""
    if is_api(template):
        headers = {"X-CSRF-Token": token} if token else {}
        return client.request(method, path, json={}, headers=headers).status_code
    data = {"csrf_token": token} if token else {}
    return client.request(method, path, data=data, headers={"Accept-Language": "en"}).status_code


def test_given_the_app_when_its_routes_are_indexed_then_the_templates_are_fastapis_own(
    app: FastAPI,
) -> None:
    expected: dict[tuple[int, str], list[str]] = {}
    for context in iter_route_contexts(app.routes):
        if isinstance(context.route, Mount) or context.path is None:
            continue
        for method in getattr(context, "methods", None) or ():
            expected.setdefault((id(context.original_route), method), []).append(context.path)

    assert route_templates(app) == expected


def test_given_the_app_routes_when_walked_then_every_write_has_exactly_one_rule(
    app: FastAPI,
) -> None:
    routes = write_routes(app)
    reads = {
        template
        for (_, method), found in route_templates(app).items()
        if method == "GET"
        for template in found
    }

    assert len(routes) > 50
    assert routes - set(WRITES) == set(), "write routes without a role: add them to WRITES"
    assert set(WRITES) - routes == set(), "stale rules: these routes no longer exist"
    assert reads >= ADMIN_READS, "stale administrator reads"


@pytest.mark.parametrize(("method", "template"), ADMIN_WRITES)
def test_given_a_member_session_when_calling_an_admin_write_then_403(
    refused_member: TestClient, method: str, template: str
) -> None:
    path = concrete(template)
    token = csrf_token(refused_member, "/settings")
    if is_api(template):
        answer = refused_member.request(method, path, json={}, headers={"X-CSRF-Token": token})
        assert answer.status_code == 403, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["title"].startswith(FORBIDDEN)
    else:
        answer = refused_member.request(
            method, path, data={"csrf_token": token}, headers={"Accept-Language": "fr"}
        )
        assert answer.status_code == 403, answer.text
        assert "Seul un administrateur peut faire cela." in answer.text


@pytest.mark.parametrize(("method", "template"), [r for r in ADMIN_WRITES if is_api(r[1])])
def test_given_a_member_api_token_when_calling_an_admin_write_then_403(
    refused_member_api: TestClient, method: str, template: str
) -> None:
    answer = refused_member_api.request(method, concrete(template), json={})

    assert answer.status_code == 403, answer.text
    assert answer.json()["title"].startswith(FORBIDDEN)


@pytest.mark.parametrize(("method", "template"), ADMIN_WRITES + MEMBER_WRITES)
def test_given_an_administrator_when_calling_any_write_then_the_role_check_lets_it_through(
    browser: TestClient, method: str, template: str
) -> None:
    assert write(browser, method, template) != 403


@pytest.mark.parametrize(("method", "template"), MEMBER_WRITES)
def test_given_a_member_when_calling_a_member_write_then_the_role_check_lets_it_through(
    member_browser: TestClient, method: str, template: str
) -> None:
    assert write(member_browser, method, template) != 403


@pytest.mark.parametrize("template", sorted(ADMIN_READS))
def test_given_a_member_when_opening_an_administrator_form_then_403(
    refused_member: TestClient, template: str
) -> None:
    answer = refused_member.get(concrete(template), headers={"Accept-Language": "en"})

    assert answer.status_code == 403
    assert FORBIDDEN in answer.text


def test_given_a_member_token_when_setting_a_quantity_then_it_is_stored(
    member_api: TestClient, web_database: Database, clock: ManualClock
) -> None:
    with web_database.session() as session:
        add_product(session, clock, "MUG-01", title="Mug")
        add_warehouse(session, clock, "MAIN", "Main")

    answer = member_api.put("/api/v1/stock/MUG-01/MAIN", json={"quantity": 7})
    refused = member_api.post("/api/v1/warehouses", json={"code": "SECOND", "name": "Second"})

    assert answer.status_code == 200, answer.text
    assert refused.status_code == 403
    with web_database.reading() as session:
        assert [level.on_hand for level in session.query(StockLevel)] == [7]


def test_given_a_member_when_making_and_revoking_an_own_token_then_both_work(
    member_browser: TestClient, web_database: Database
) -> None:
    personal_token(member_browser)
    with web_database.reading() as session:
        token_id = session.query(ApiToken).one().id
    token = csrf_token(member_browser, "/settings")

    revoked = member_browser.post(f"/settings/tokens/{token_id}/revoke", data={"csrf_token": token})

    assert revoked.status_code in {200, 303}
    with web_database.reading() as session:
        assert session.query(ApiToken).one().revoked_at is not None


def test_given_a_member_and_an_admin_when_reading_me_then_the_role_is_told(
    member_api: TestClient, client: TestClient, admin: str
) -> None:
    assert member_api.get("/api/v1/me").json()["is_admin"] is False
    log_in(client, admin, ADMIN_PASSWORD)
    assert client.get("/api/v1/me").json()["is_admin"] is True


def test_given_a_member_when_opening_the_order_settings_then_they_are_shown_read_only(
    member_browser: TestClient, web_database: Database, clock: ManualClock
) -> None:
    connection_id = add_connection(web_database, clock)

    english = member_browser.get(
        f"/orders/settings/{connection_id}", headers={"Accept-Language": "en"}
    )
    french = member_browser.get(
        f"/orders/settings/{connection_id}", headers={"Accept-Language": "fr"}
    )

    assert english.status_code == 200
    assert "Only an administrator may change these settings." in english.text
    assert "Seul un administrateur peut modifier ces réglages." in french.text
