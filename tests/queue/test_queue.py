"""The Queue and errors page and ``/api/v1/streams`` (issue 21): every stream with its state,
failures in plain words with the detail folded away, Run now, the interval, the quarantine."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.store.engine import Database
from cdlink.store.models import StreamSchedule, SyncRun
from cdlink.sync.engine import quarantine, schedules
from tests.support.connections import add_connection
from tests.support.web import add_user, csrf_token, log_in

RAW_ERROR = "[no traceId] HTTP 404 Not Found: no Route matched with those values."


def _shop(database: Database, clock: ManualClock) -> int:
    """One application: orders failing (a 404), stock never run, one quarantined record."""
    connection_id = add_connection(database, clock, "Boutique")
    now = clock.now()
    with database.session() as session:
        orders = schedules.schedule_for(session, connection_id, "orders", default_interval=10)
        orders.next_run_at = now + timedelta(minutes=2)
        run = SyncRun(
            connection_id=connection_id,
            stream="orders",
            trigger="schedule",
            attempt=2,
            started_at=now - timedelta(minutes=1),
            finished_at=now - timedelta(minutes=1),
            outcome="failed",
            counts={},
            error_class="NotFound",
            failure_type="system",
            message=RAW_ERROR,
            retry_at=now + timedelta(minutes=2),
        )
        session.add(run)
        session.flush()
        orders.last_run_id, orders.last_outcome, orders.failures = run.id, "failed", 2
        schedules.schedule_for(session, connection_id, "stock")
        quarantine.keep(
            session,
            connection_id=connection_id,
            stream="orders",
            external_id="2612061234ABC",
            reason="field 'orderLines' is missing",
            raw={"reference": "2612061234ABC"},
            now=now,
        )
    return connection_id


def _headers(browser: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": csrf_token(browser, "/queue")}


def test_given_a_failing_stream_when_the_api_lists_streams_then_it_tells_the_failure_plainly(
    browser: TestClient, web_database: Database, clock: ManualClock
) -> None:
    connection_id = _shop(web_database, clock)

    streams = {item["stream"]: item for item in browser.get("/api/v1/streams").json()}

    orders = streams["orders"]
    assert orders["id"] == f"{connection_id}-orders"
    assert (orders["state"], orders["failures"], orders["interval"]) == ("failing", 2, "default")
    assert orders["failure"].startswith("Cdiscount answered that what cdlink asked for")
    assert orders["message"] == RAW_ERROR
    assert (streams["stock"]["state"], streams["stock"]["failure"]) == ("waiting", None)
    assert browser.get("/api/v1/streams", params={"connection_id": 99}).json() == []


def test_given_a_stream_when_run_now_and_its_interval_changed_through_the_api_then_both_apply(
    browser: TestClient, web_database: Database, clock: ManualClock
) -> None:
    connection_id = _shop(web_database, clock)
    headers = _headers(browser)

    ran = browser.post(f"/api/v1/streams/{connection_id}-stock/run", headers=headers)
    changed = browser.put(
        f"/api/v1/streams/{connection_id}-orders/interval", json={"every": "15m"}, headers=headers
    )

    assert (ran.status_code, ran.json()["state"]) == (202, "requested")
    assert (changed.status_code, changed.json()["interval"]) == (200, "15m")
    with web_database.reading() as session:
        stock = session.get_one(StreamSchedule, (connection_id, "stock"))
        orders = session.get_one(StreamSchedule, (connection_id, "orders"))
        assert (stock.requested_at, stock.requested_trigger) == (clock.now(), "manual")
        assert (orders.interval_seconds, orders.interval_source) == (900, "custom")
    unknown = browser.post("/api/v1/streams/99-orders/run", headers=headers)
    assert unknown.status_code == 404
    assert (
        browser.put(
            f"/api/v1/streams/{connection_id}-orders/interval",
            json={"every": "2m"},
            headers=headers,
        ).status_code
        == 422
    )


def test_given_a_stopped_stream_when_retried_then_it_is_active_and_due(
    browser: TestClient, web_database: Database, clock: ManualClock
) -> None:
    connection_id = _shop(web_database, clock)
    with web_database.session() as session:
        session.get_one(StreamSchedule, (connection_id, "orders")).state = schedules.DEAD
    assert browser.get("/api/v1/streams").json()[0]["state"] == "dead"

    browser.cookies.set("cdlink_language", "en")
    page = browser.get("/queue").text
    assert "Stopped after repeated failures" in page
    response = browser.post(
        f"/queue/streams/{connection_id}-orders/run",
        data={"csrf_token": csrf_token(browser, "/queue")},
    )

    assert (response.status_code, response.headers["location"]) == (303, "/queue?done=run")
    with web_database.reading() as session:
        orders = session.get_one(StreamSchedule, (connection_id, "orders"))
        assert (orders.state, orders.failures, orders.requested_at) == ("active", 0, clock.now())


def test_given_a_failure_when_the_queue_page_is_read_in_french_then_the_raw_error_is_folded_away(
    browser: TestClient, web_database: Database, clock: ManualClock
) -> None:
    _shop(web_database, clock)
    browser.cookies.set("cdlink_language", "fr")

    page = browser.get("/queue").text

    assert "File et erreurs" in page
    plain = page.index("Cdiscount a répondu que ce que cdlink demandait")
    folded = page.index('<details class="technical">', plain)
    assert page.index("no Route matched", plain) > folded
    assert "Toutes les 15 minutes" in page
    assert "En échec, nouvel essai automatique" in page


def test_given_a_quarantined_record_when_retried_then_dismissed_from_the_page_then_it_leaves(
    browser: TestClient, web_database: Database, clock: ManualClock
) -> None:
    connection_id = _shop(web_database, clock)
    [entry] = browser.get("/api/v1/quarantine").json()
    token = csrf_token(browser, "/queue")
    browser.cookies.set("cdlink_language", "en")
    assert 'data-confirm="Dismiss this record?' in browser.get("/queue").text

    retried = browser.post(f"/queue/quarantine/{entry['id']}/retry", data={"csrf_token": token})
    dismissed = browser.post(f"/queue/quarantine/{entry['id']}/dismiss", data={"csrf_token": token})

    assert retried.headers["location"] == dismissed.headers["location"].replace("dismiss", "retry")
    assert browser.get("/api/v1/quarantine").json() == []
    with web_database.reading() as session:
        orders = session.get_one(StreamSchedule, (connection_id, "orders"))
        assert orders.requested_trigger == "manual"
    again = browser.post(f"/api/v1/quarantine/{entry['id']}/retry", headers=_headers(browser))
    assert again.status_code == 404


def test_given_a_member_when_reading_the_queue_then_no_action_is_offered_and_the_403_names_the_role(
    client: TestClient, web_database: Database, clock: ManualClock
) -> None:
    connection_id = _shop(web_database, clock)
    with web_database.session() as session:
        add_user(session, clock, "member@boutique.fr", "a long member password", is_admin=False)
    assert log_in(client, "member@boutique.fr", "a long member password").status_code == 303
    client.cookies.set("cdlink_language", "en")

    page = client.get("/queue")
    refused = client.post(
        f"/queue/streams/{connection_id}-orders/run",
        data={"csrf_token": csrf_token(client, "/queue")},
    )

    assert page.status_code == 200
    assert "Cdiscount answered" in page.text
    assert "/run" not in page.text
    assert refused.status_code == 403
    assert "administrator role" in refused.text
    settings = client.get("/settings").text
    assert 'action="/settings/warehouses' not in settings
    assert "set by an administrator" in settings


def test_given_api_calls_when_metrics_are_read_then_routes_carry_their_api_prefix(
    browser: TestClient, web_database: Database, clock: ManualClock
) -> None:
    connection_id = _shop(web_database, clock)
    browser.get("/api/v1/streams")
    browser.get(f"/api/v1/streams/{connection_id}-orders")

    body = browser.get("/metrics").text

    assert 'route="/api/v1/streams",status="200"' in body
    assert 'route="/api/v1/streams/{stream_id}",status="200"' in body
    assert 'route="/streams"' not in body
