"""How the web app answers what goes wrong: a bug is a 500 problem (or page) with a trace id
that is also in the log; every error answer of the API is declared in its OpenAPI description
with the problem schema; a bad id in a page URL or form is a 404 or 422 page, never a 500."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.store import access
from cdlink.store.engine import Database
from cdlink.web.app import create_app
from cdlink.web.errors import PROBLEM_SCHEMA
from tests.support.web import ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, add_user, csrf_token

TRACE_ID = re.compile(r"[0-9a-f]{16}")
ENGLISH = {"Accept-Language": "en"}


def _boom() -> None:
    raise RuntimeError("a bug")


@pytest.fixture
def buggy(app: FastAPI) -> FastAPI:
    """The app with one API route and one page that fail as a bug would."""
    app.add_api_route("/api/v1/test-bug", _boom)
    app.add_api_route("/test-bug", _boom)
    return app


def test_given_a_bug_in_an_api_route_when_called_then_a_500_problem_names_the_logged_trace_id(
    buggy: FastAPI, browser: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="cdlink.web.errors"):
        answer = browser.get("/api/v1/test-bug")

    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["status"] == 500
    assert body["hint"]
    assert TRACE_ID.fullmatch(body["trace_id"])
    assert "a bug" not in answer.text
    [record] = [record for record in caplog.records if body["trace_id"] in record.getMessage()]
    assert record.exc_info is not None
    assert "RuntimeError: a bug" in caplog.text


def test_given_a_bug_in_a_page_when_opened_then_an_error_page_shows_the_trace_id(
    buggy: FastAPI, browser: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="cdlink.web.errors"):
        page = browser.get("/test-bug", headers=ENGLISH)

    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert "something went wrong on our side" in page.text
    found = re.search(r"<code>([0-9a-f]{16})</code>", page.text)
    assert found
    assert found.group(1) in caplog.text
    assert "RuntimeError" not in page.text


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in operations.items()
    ]


def test_given_the_openapi_description_then_every_operation_declares_its_problem_answers(
    browser: TestClient,
) -> None:
    schema = browser.get("/api/openapi.json").json()

    operations = _operations(schema)
    assert len(operations) > 40
    assert schema["components"]["schemas"]["Problem"]["required"] == ["title", "status", "hint"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path, method, operation in operations:
        expected = {"401", "403", "422", "500", "503"} | ({"404"} if "{" in path else set())
        assert expected <= set(operation["responses"]), (method, path)
        for status in expected:
            content = operation["responses"][status]["content"]
            assert content == {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }, (method, path, status)


def test_given_a_body_fastapi_refuses_when_sent_then_the_422_is_a_problem_as_described(
    browser: TestClient,
) -> None:
    token = csrf_token(browser, "/settings")

    refused = browser.post(
        "/api/v1/tokens", json={"name": ""}, headers={"X-CSRF-Token": token, **ENGLISH}
    )
    broken = browser.post(
        "/api/v1/tokens",
        content=b"{not json",
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )

    for answer in (refused, broken):
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"
        body = answer.json()
        assert set(body) <= set(PROBLEM_SCHEMA["properties"])
        assert set(PROBLEM_SCHEMA["required"]) <= set(body)
        allowed = set(PROBLEM_SCHEMA["properties"]["problems"]["items"]["properties"])
        assert all(set(problem) <= allowed for problem in body["problems"])
    assert refused.json()["problems"][0]["field"] == "name"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/orders/{2**63}", 422),
        ("/orders/999999", 404),
        (f"/orders/{2**31}", 422),
        (f"/apps/{2**63}/edit", 422),
        ("/apps/0/edit", 422),
        (f"/orders/imports/{2**64}", 422),
        (f"/orders/settings/{2**63}", 422),
        ("/orders?connection=\u00b2&page=1", 200),
        (f"/orders?connection={2**70}&purchased_to=9999-12-31", 200),
        ("/orders?page=0", 422),
        (f"/products?page={2**63}", 422),
    ],
)
def test_given_a_bad_id_in_a_page_url_when_opened_then_a_404_or_422_page_never_a_500(
    browser: TestClient, path: str, status: int
) -> None:
    page = browser.get(path, headers=ENGLISH)

    assert page.status_code == status, page.text[:300]
    assert page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    ("path", "data", "status"),
    [
        ("/settings/buffers", {"connection_id": "\u00b2", "quantity": "1"}, 422),
        ("/settings/buffers", {"connection_id": str(2**63), "quantity": "1"}, 422),
        ("/settings/warehouses/PARIS/map", {"connection_id": "\uff11"}, 422),
        (f"/settings/tokens/{2**63}/revoke", {}, 422),
        (f"/stock/{2**63}/count", {"warehouse": "PARIS", "quantity": "1"}, 422),
        (f"/apps/{2**63}/delete", {}, 422),
    ],
)
def test_given_a_bad_id_in_a_form_when_posted_then_a_422_page_never_a_500(
    browser: TestClient, path: str, data: dict[str, str], status: int
) -> None:
    token = csrf_token(browser, "/settings")

    answer = browser.post(path, data={"csrf_token": token, **data}, headers=ENGLISH)

    assert answer.status_code == status, answer.text[:300]


def test_given_a_value_the_database_refuses_when_sent_then_422_not_500(
    settings: Settings, database: Database, database_backend: str, clock: ManualClock
) -> None:
    with database.session() as session:
        user = add_user(session, clock, ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
        token = access.issue_api_token(session, user, "ERP", clock.now()).secret
    app = create_app(settings, database=database, clock=clock)
    with TestClient(app, base_url=BASE_URL) as api:
        api.headers["Authorization"] = f"Bearer {token}"

        answer = api.post("/api/v1/tokens", json={"name": "ERP\u0000night"})
        listed = api.get("/api/v1/tokens")

    if database_backend == "postgresql":  # PostgreSQL refuses NUL in text; SQLite keeps it
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["title"] == "a value cannot be stored"
        assert len(listed.json()) == 1
    else:
        assert answer.status_code == 201
