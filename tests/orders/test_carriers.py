"""The carriers stream and the cache the ship form and the API read (no request calls Cdiscount)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.orders.carriers import Carrier, carrier_labels, replace_carriers
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import StreamSchedule
from cdlink.store.users import create_user
from cdlink.web.app import create_app
from tests.support.web import ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, csrf_token, log_in


@pytest.fixture
def api(
    settings: Settings, shop: JobEnvironment, sandbox_clock: ManualClock
) -> Iterator[TestClient]:
    """An API client of the sandbox shop, whose app has no transport to the marketplace at all."""
    with shop.database.session() as session:
        create_user(session, sandbox_clock, ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
    app = create_app(settings, database=shop.database, clock=sandbox_clock)
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        log_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        page = client.post(
            "/settings/tokens", data={"name": "ERP", "csrf_token": csrf_token(client, "/settings")}
        )
        found = re.search(r'data-testid="new-token">(cdl_[^<]+)<', page.text)
        assert found
        client.cookies.clear()
        client.headers["Authorization"] = f"Bearer {found.group(1)}"
        yield client


def requested_at(shop: JobEnvironment) -> object:
    with shop.database.reading() as session:
        query = select(StreamSchedule.requested_at).where(
            StreamSchedule.connection_id == 1, StreamSchedule.stream == "carriers"
        )
        return session.scalars(query).first()


def test_given_carriers_never_read_when_the_api_asks_then_503_and_the_stream_is_asked_to_run(
    api: TestClient, shop: JobEnvironment
) -> None:
    answer = api.get("/api/v1/connections/1/carriers")

    assert answer.status_code == 503
    assert "try again in a few seconds" in answer.json()["hint"]
    assert requested_at(shop) is not None


def test_given_the_carriers_stream_ran_when_the_api_asks_then_the_marketplace_labels_are_listed(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    report = shop.runner().run(1, "carriers")
    answer = api.get("/api/v1/connections/1/carriers")

    assert report.outcome == "succeeded"
    assert report.counts["carriers"] > 0
    assert answer.status_code == 200
    assert "Colissimo" in answer.json()["carriers"]
    assert answer.json()["carriers"] == sorted(answer.json()["carriers"])


def test_given_an_unknown_connection_when_its_carriers_are_asked_then_404(
    api: TestClient,
) -> None:
    assert api.get("/api/v1/connections/99/carriers").status_code == 404


def test_given_labels_listed_twice_when_replaced_then_each_label_is_kept_once(
    shop: JobEnvironment, sandbox_clock: ManualClock
) -> None:
    listed = [Carrier("La Poste", "pcc"), Carrier("Colissimo", "pcc"), Carrier("La Poste", "LPO")]
    with shop.database.session() as session:
        kept = replace_carriers(session, 1, listed, sandbox_clock.now())
    with shop.database.session() as session:
        again = replace_carriers(session, 1, listed[:1], sandbox_clock.now())

    with shop.database.reading() as session:
        assert carrier_labels(session, 1) == ["La Poste"]
    assert (kept, again) == (2, 1)
