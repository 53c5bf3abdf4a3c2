"""The dashboard in a real browser against the real server (issue 21, "Checked by"): the period
filters change the figures, both charts are drawn, and a refresh updates the figures in place
without losing the chosen period; screenshots in test-artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cdlink.store.engine import Database
from tests.support.browser import (
    ARTIFACTS,
    EMAIL,
    PASSWORD,
    cdlink_server,
    chromium,
    clean_environment,
    create_admin,
)
from tests.support.dashboard import sale, seed_recent

pytestmark = pytest.mark.e2e


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"), full_page=True)


def kpi(page: Page, name: str) -> str:
    return page.locator(f"[data-testid=kpi-{name}] [data-role=value]").inner_text()


@pytest.mark.slow
def test_given_a_shop_when_the_period_changes_and_the_page_refreshes_then_figures_follow(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    env = clean_environment(CDLINK_DATA_DIR=str(data_dir))
    create_admin(env)
    database = Database(f"sqlite:///{data_dir / 'cdlink.sqlite3'}")
    now = datetime.now(UTC)
    seed_recent(database, now)
    with cdlink_server(tmp_path) as server, chromium() as browser:
        context = browser.new_context(
            locale="en-GB", color_scheme="light", viewport={"width": 1366, "height": 900}
        )
        page = context.new_page()
        page.goto(f"{server.url}/login")
        page.fill("#field-email", EMAIL)
        page.fill("#field-password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{server.url}/")
        root = page.locator("#dashboard")
        expect(root).to_have_attribute("data-charts", "drawn")
        month = kpi(page, "orders")
        assert month == "60"
        shot(page, "01-30-days")

        page.click("[data-period='7d']")
        expect(page.locator("[data-period='7d']")).to_have_attribute("aria-current", "true")
        assert kpi(page, "orders") == "14"
        # Chart.js drew on both canvases (a blank canvas has no width once laid out by it).
        for chart in ("sales-chart", "status-chart"):
            drawn = page.evaluate(
                "id => !!window.Chart.getChart(document.getElementById(id))", chart
            )
            assert drawn, chart

        # A new order arrives; the refresh (every minute, asked for now) shows it in place.
        with database.session() as session:
            session.add(sale(999, now - timedelta(minutes=1), "Shipped", "10.00", "NEW"))
        page.evaluate(
            "document.getElementById('dashboard').dispatchEvent(new Event('dashboard:refresh'))"
        )
        expect(page.locator("[data-testid=kpi-orders] [data-role=value]")).to_have_text("15")
        assert "period=7d" in page.url
        expect(page.locator("[data-period='7d']")).to_have_attribute("aria-current", "true")

        page.fill("#range-from", (now - timedelta(days=2)).date().isoformat())
        page.fill("#range-to", now.date().isoformat())
        page.click("[data-testid=apply-range]")
        assert "period=custom" in page.url
        assert kpi(page, "orders") != "15"
        shot(page, "02-custom")
        dark = browser.new_context(
            locale="fr-FR", color_scheme="dark", viewport={"width": 390, "height": 900}
        )
        small = dark.new_page()
        small.goto(f"{server.url}/login")
        small.fill("#field-email", EMAIL)
        small.fill("#field-password", PASSWORD)
        small.click("button[type=submit]")
        small.goto(f"{server.url}/?period=30d")
        expect(small.locator("#dashboard")).to_have_attribute("data-charts", "drawn")
        small.screenshot(path=str(ARTIFACTS / "dashboard-03-fr-390-dark.png"), full_page=True)
        wide = small.evaluate(
            "[...document.querySelectorAll('#dashboard *')]"
            ".filter(e => e.getBoundingClientRect().right > 391)"
            ".map(e => e.tagName + '.' + e.className + ' ' + e.getAttribute('data-testid'))"
        )
        assert small.evaluate("document.documentElement.scrollWidth") <= 390, wide
        for path, name in (("/customers", "04-customers"), ("/customers/1", "05-customer")):
            small.goto(f"{server.url}{path}")
            small.screenshot(path=str(ARTIFACTS / f"dashboard-{name}-fr-390-dark.png"))
            assert small.evaluate("document.documentElement.scrollWidth") <= 390, path
            page.goto(f"{server.url}{path}")
            shot(page, f"{name}-en-1366")
    database.dispose()
