"""The sync log (issue 21): filtered by application, stream, level and period, a page at a time,
in the seller's language with the raw technical text folded away."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.store.engine import Database
from cdlink.sync.engine import runs
from tests.support.connections import add_connection

RAW = "orders: [no traceId] HTTP 404 Not Found: no Route matched with those values."


def _log(database: Database, clock: ManualClock) -> tuple[int, int]:
    first = add_connection(database, clock, "Boutique")
    second = add_connection(database, clock, "Atelier")
    with database.session() as session:
        runs.log(
            session,
            connection_id=first,
            kind="sync.failed",
            level="warning",
            message=RAW,
            now=clock.now() - timedelta(days=10),
            details={"error_class": "NotFound", "failure_type": "system"},
        )
        runs.log(
            session,
            connection_id=second,
            kind="sync.recovered",
            message="stock: runs normally again",
            now=clock.now(),
        )
        for number in range(60):
            runs.log(
                session,
                connection_id=second,
                kind="sync.record_rejected",
                level="warning",
                message=f"returns: return R{number} was not imported: bad date",
                now=clock.now() - timedelta(hours=1, minutes=number),
            )
    return first, second


def test_given_a_raw_marketplace_error_when_the_log_is_read_in_french_then_it_is_plain_french(
    browser: TestClient, web_database: Database, clock: ManualClock
) -> None:
    first, _ = _log(web_database, clock)
    browser.cookies.set("cdlink_language", "fr")

    page = browser.get("/sync-log", params={"connection": first}).text

    plain = page.index("Commandes\u202f: Cdiscount a répondu que ce que cdlink demandait")
    assert page.index("no Route matched") > page.index('<details class="technical">', plain)
    assert "Retours" not in page.split("<tbody>")[1]


def test_given_many_entries_when_filtered_and_paged_then_each_filter_narrows_the_list(
    browser: TestClient, web_database: Database, clock: ManualClock
) -> None:
    _, second = _log(web_database, clock)
    browser.cookies.set("cdlink_language", "en")

    def rows(**params: object) -> int:
        return browser.get("/sync-log", params=params).text.count("<tr data-level=")

    assert rows() == 50
    assert rows(page=2) == 12
    assert rows(stream="stock") == 1
    assert rows(stream="orders", period="7d") == 0
    assert rows(stream="orders", period="30d") == 1
    assert rows(level="warning", connection=second, page=2) == 10
    assert rows(level="error") == 0
    assert "Nothing matches these filters" in browser.get("/sync-log?level=error").text
    page = browser.get("/sync-log", params={"stream": "stock"}).text
    assert "Stock sent to Cdiscount runs normally again." in page
    assert browser.get("/sync-log", params={"level": "fatal"}).status_code == 422
    assert browser.get("/sync-log", params={"connection": "x"}).status_code == 422
