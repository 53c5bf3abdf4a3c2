"""The notification centre (read/unread, mark one or all read) and the alert hours (page, API),
with the sandbox clock moved towards a deadline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from tests.support.orders import run_until_success, stored
from tests.support.web import csrf_token


def raise_alerts(shop: JobEnvironment) -> None:
    report = shop.runner().run(1, "deadline_alerts")
    assert report.outcome == "succeeded", report.message


def about(api: TestClient, link: str) -> list[dict[str, Any]]:
    return [
        item for item in api.get("/api/v1/notifications").json()["items"] if item["link"] == link
    ]


def test_given_alert_hours_set_to_6_when_the_clock_nears_the_deadline_then_only_6h_alerts_come(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    order = stored(shop, order_id)
    deadline, link = order.acceptance_deadline, f"/orders/{order.id}"
    assert deadline is not None

    put = api.put("/api/v1/notification-settings?connection_id=1", json={"alert_hours": [6, 6]})
    got = api.get("/api/v1/notification-settings?connection_id=1").json()
    sandbox_clock.advance(deadline - timedelta(hours=11) - sandbox_clock.now())
    raise_alerts(shop)
    at_11h = about(api, link)
    sandbox_clock.advance(deadline - timedelta(hours=5) - sandbox_clock.now())
    raise_alerts(shop)
    at_5h = about(api, link)

    assert put.status_code == 200, put.text
    assert got == {"connection_id": 1, "alert_hours": [6]}
    assert at_11h == []
    assert [item["details"]["hours"] for item in at_5h] == [6]
    assert "less than 6 h left" in at_5h[0]["title"]


def test_given_bad_alert_hours_when_put_then_422_and_nothing_changes(api: TestClient) -> None:
    answers = [
        api.put("/api/v1/notification-settings?connection_id=1", json={"alert_hours": hours})
        for hours in ([0], [169], [], [1, 2, 3, 4, 5, 6])
    ]
    unknown = api.get("/api/v1/notification-settings?connection_id=9")

    assert [answer.status_code for answer in answers] == [422] * 4
    assert unknown.status_code == 404
    assert api.get("/api/v1/notification-settings?connection_id=1").json()["alert_hours"] == [
        12,
        2,
    ]


def test_given_unread_alerts_when_read_one_then_all_from_the_centre_then_none_is_unread(
    browser: TestClient, shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    sandbox.create_orders(2)
    run_until_success(shop)
    orders = sandbox.order_statuses()
    deadlines = [
        stored(shop, order_id).acceptance_deadline
        for order_id, status in orders.items()
        if status == "WaitingAcceptance"
    ]
    nearest = min(deadline for deadline in deadlines if deadline is not None)
    sandbox_clock.advance(nearest - timedelta(hours=1) - sandbox_clock.now())
    raise_alerts(shop)

    english = browser.get("/notifications?unread=true", headers={"Accept-Language": "en"})
    french = browser.get("/notifications", headers={"Accept-Language": "fr"})
    first = int(english.text.split('data-id="')[1].split('"')[0])
    token = csrf_token(browser, "/notifications")
    one = browser.post(f"/notifications/{first}/read", data={"csrf_token": token})
    after_one = browser.get("/notifications?unread=true").text
    every = browser.post("/notifications/read-all", data={"csrf_token": token})
    after_all = browser.get("/notifications?unread=true").text

    unread = int(english.text.split('data-testid="unread-count">')[1].split("<")[0])
    assert unread >= 2
    assert "left to accept or refuse it" in english.text
    assert "accepter ou la refuser" in french.text
    assert (one.status_code, every.status_code) == (303, 303)
    assert f'data-testid="unread-count">{unread - 1}<' in after_one
    assert f'data-id="{first}"' not in after_one
    assert 'data-testid="unread-count">0<' in after_all
    assert 'data-testid="read-all"' not in after_all


def test_given_the_centre_when_hours_are_saved_then_kept_and_bad_ones_explained_in_french(
    browser: TestClient, shop: JobEnvironment
) -> None:
    token = csrf_token(browser, "/notifications")
    saved = browser.post(
        "/notifications/settings/1", data={"alert_hours": "24, 3", "csrf_token": token}
    )
    page = browser.get("/notifications")
    bad = browser.post(
        "/notifications/settings/1",
        data={"alert_hours": "abc", "csrf_token": token},
        headers={"Accept-Language": "fr"},
    )

    assert saved.status_code == 303
    assert 'value="24, 3"' in page.text
    assert bad.status_code == 422
    assert "entre 1 et 168" in bad.text
