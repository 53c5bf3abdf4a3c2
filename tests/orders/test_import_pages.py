"""The Import history wizard, the order settings page, and the order detail's new parts."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import InitialImport, Order
from cdlink.sync.engine import quarantine
from tests.support.orders import local_order_ids, marketplace_orders, order_path, run_until_success
from tests.support.web import csrf_token

ENGLISH = {"Accept-Language": "en"}
FRENCH = {"Accept-Language": "fr"}


def start(browser: TestClient, **fields: str) -> object:
    token = csrf_token(browser, "/orders/imports")
    return browser.post("/orders/imports", data={"csrf_token": token, **fields}, headers=ENGLISH)


def test_given_the_wizard_when_an_import_is_started_then_its_progress_reaches_100_percent(
    browser: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    page = browser.get("/orders/imports", headers=ENGLISH).text
    assert 'data-testid="import-wizard"' in page
    assert "Importer l" in browser.get("/orders/imports", headers=FRENCH).text

    answer = start(browser, connection="1", first="2026-02-20", last="2026-03-02", customers="on")

    assert answer.status_code == 303  # type: ignore[attr-defined]
    path = answer.headers["location"]  # type: ignore[attr-defined]
    queued = browser.get(f"{path}/progress", headers=ENGLISH).text
    assert 'data-state="queued"' in queued
    assert 'hx-trigger="every 1s"' in queued  # the page polls while it runs
    assert shop.runner().run(1, "orders_history").outcome == "succeeded"

    done = browser.get(f"{path}/progress", headers=ENGLISH).text
    total = len(marketplace_orders(sandbox))
    assert 'data-state="done"' in done
    assert "100 %" in done
    assert f"{total} of {total} orders read" in done
    assert "hx-trigger" not in done  # finished: the polling stops
    assert "terminé" in browser.get(f"{path}/progress", headers=FRENCH).text
    assert len(local_order_ids(shop.database)) == total


def test_given_bad_days_when_the_wizard_is_posted_then_it_says_why_and_records_nothing(
    browser: TestClient, shop: JobEnvironment
) -> None:
    backwards = start(browser, connection="1", first="2026-03-01", last="2026-02-01")
    future = start(browser, connection="1", first="2026-03-01", last="2026-04-01")
    not_a_date = start(browser, connection="1", first="yesterday", last="2026-03-01")
    no_account = start(browser, connection="7", first="2026-03-01", last="2026-03-01")

    assert [a.status_code for a in (backwards, future, not_a_date, no_account)] == [422] * 4  # type: ignore[attr-defined]
    assert "the first day is after the last day" in backwards.text  # type: ignore[attr-defined]
    assert "the last day is in the future" in future.text  # type: ignore[attr-defined]
    assert "Choose an account" in no_account.text  # type: ignore[attr-defined]
    with shop.database.reading() as session:
        assert session.scalars(select(InitialImport)).all() == []
    refused = browser.post("/orders/imports", data={"connection": "1"})
    assert refused.status_code == 403  # no CSRF token


def test_given_the_settings_when_labels_and_filters_are_saved_then_orders_show_them(
    browser: TestClient, shop: JobEnvironment
) -> None:
    run_until_success(shop)
    path = "/orders/settings/1"
    token = csrf_token(browser, path)
    saved = browser.post(
        f"{path}/payments", data={"csrf_token": token, "label:Card": "Carte (Stripe)"}
    )
    assert saved.status_code == 303
    with shop.database.reading() as session:
        card = session.scalars(select(Order).where(Order.payment_method == "Card")).first()
        assert card is not None
        card_id, card_number = card.id, card.marketplace_order_id

    detail = browser.get(f"/orders/{card_id}", headers=ENGLISH).text
    assert "Carte (Stripe)" in detail
    assert "(Card)" in detail  # the raw value stays visible
    assert "Carte (Stripe)" in browser.get(f"/orders?q={card_number}").text

    narrowed = browser.post(
        f"{path}/filter", data={"csrf_token": token, "status": ["Accepted"], "purchased_from": ""}
    )
    assert narrowed.headers["location"].endswith("saved=filter")
    nothing = browser.post(
        f"{path}/filter", data={"csrf_token": token, "status": []}, headers=ENGLISH
    )
    assert nothing.status_code == 422
    assert "choose at least one status" in nothing.text
    everything = browser.post(
        f"{path}/filter",
        data={"csrf_token": token, "status": ["Accepted", "WaitingAcceptance"]},
    )
    assert everything.headers["location"].endswith("saved=backfill")
    assert "Import history" in browser.get(everything.headers["location"], headers=ENGLISH).text


@pytest.mark.slow
def test_given_reasons_fetched_when_an_order_is_cancelled_from_its_page_then_reasons_are_offered(
    browser: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [marketplace_id] = sandbox.create_orders(1, status="Accepted")
    run_until_success(shop)
    path = order_path(browser, marketplace_id)
    assert 'data-testid="reasons-missing"' in browser.get(path, headers=ENGLISH).text
    token = csrf_token(browser, "/orders/settings/1")
    refresh = browser.post("/orders/settings/1/reasons", data={"csrf_token": token})
    assert refresh.status_code == 303
    assert shop.runner().run(1, "cancellation_reasons").outcome == "succeeded"

    detail = browser.get(path, headers=ENGLISH).text
    assert 'value="ProductDamaged"' in detail  # offered for Accepted orders
    assert 'value="UndeliverableAddress"' not in detail  # only from InPreparation
    made_up = browser.post(
        f"{path}/actions",
        data={"kind": "cancel", "reason": "UndeliverableAddress", "csrf_token": token},
    )
    assert made_up.status_code == 409
    cancelled = browser.post(
        f"{path}/actions",
        data={"kind": "cancel", "reason": "ProductDamaged", "csrf_token": token},
    )
    assert cancelled.status_code == 303
    assert shop.runner().run(1, "order_actions").outcome == "succeeded"
    assert sandbox.order(marketplace_id)["status"] == "Cancelled"
    shown = browser.get(path, headers=ENGLISH).text
    assert 'data-testid="order-sync-events"' in shown
    assert "imported" in shown
    assert "changed:" in shown
    timeline = shown.split('data-testid="order-sync-events"', 1)[1].split("</table>", 1)[0]
    assert "Cancel the order" in timeline  # actions are in the same list, by time
    shown_times = re.findall(r"<tr><td>(\d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d)</td>", timeline)
    shown_format = "%d %b %Y, %H:%M:%S"
    times = [datetime.strptime(text, shown_format).replace(tzinfo=UTC) for text in shown_times]
    assert len(times) >= 3
    assert times == sorted(times)


@pytest.mark.slow
def test_given_a_waiting_order_then_the_deadline_warns_when_close_and_when_past(
    browser: TestClient, shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [marketplace_id] = sandbox.create_orders(1)
    run_until_success(shop)
    path = order_path(browser, marketplace_id)
    assert 'data-urgency="on_time"' in browser.get(path).text

    sandbox_clock.advance(40 * 3600)  # 8 hours left of the 2 days
    soon = browser.get(path, headers=ENGLISH).text
    listed = browser.get(f"/orders?q={marketplace_id}", headers=ENGLISH).text
    sandbox_clock.advance(9 * 3600)
    late = browser.get(path, headers=ENGLISH).text

    assert 'data-urgency="soon"' in soon
    assert "Less than 12 hours left" in soon
    assert 'data-urgency="soon"' in listed
    assert 'data-urgency="overdue"' in late
    assert "The deadline has passed" in late


def test_given_a_quarantined_record_when_dismissed_from_the_settings_then_it_leaves_the_list(
    browser: TestClient, shop: JobEnvironment, sandbox_clock: ManualClock
) -> None:
    with shop.database.session() as session:
        quarantine.keep(
            session,
            connection_id=1,
            stream="orders",
            external_id="raw:abc",
            reason="unreadable order: orderId is missing",
            raw={"reference": "gone"},
            now=sandbox_clock.now(),
        )
    page = browser.get("/orders/settings/1", headers=ENGLISH).text
    [action] = re.findall(r'action="(/orders/settings/1/quarantine/\d+/dismiss)"', page)

    answer = browser.post(action, data={"csrf_token": csrf_token(browser, "/orders/settings/1")})

    assert answer.status_code == 303
    assert 'data-testid="quarantine-empty"' in browser.get("/orders/settings/1").text


def test_given_paris_already_on_the_next_day_when_today_is_the_last_day_then_it_is_accepted(
    browser: TestClient, shop: JobEnvironment, sandbox_clock: ManualClock
) -> None:
    sandbox_clock.advance(14.5 * 3600)  # 23:30 UTC on 2 March: 00:30 on 3 March in Paris

    answer = start(browser, connection="1", first="2026-03-01", last="2026-03-03")

    assert answer.status_code == 303  # type: ignore[attr-defined]
    with shop.database.reading() as session:
        record = session.scalars(select(InitialImport)).one()
    assert record.created_to == sandbox_clock.now()  # the range ends now, not in the future
