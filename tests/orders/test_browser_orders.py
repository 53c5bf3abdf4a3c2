"""Orders in a real browser against the real server, its embedded sync runtime and the sandbox
marketplace (issue 7, "Checked by"): the seeded orders appear on their own, the list filters and
pages, the detail shows lines, amounts and history, and an acceptance goes through; screenshots
in test-artifacts/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    ARTIFACTS,
    EMAIL,
    PASSWORD,
    cdlink_server,
    chromium,
    clean_environment,
    create_admin,
    reload_until,
    sandbox_server,
)

pytestmark = pytest.mark.e2e


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"orders-{name}.png"), full_page=True)


@pytest.mark.slow
def test_given_a_connected_sandbox_when_browsing_orders_then_list_detail_and_accept_work(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    env = clean_environment(CDLINK_DATA_DIR=str(data_dir))
    create_admin(env)
    with sandbox_server(tmp_path) as market, cdlink_server(tmp_path, **market.settings()) as server:
        subprocess.run(
            [sys.executable, "-m", "cdlink", "apps", "add", "--seller-id", market.seller_id,
             "--client-id", market.client_id, "--client-secret", market.client_secret,
             "--token-url", market.token_url, "--api-url", market.api_url, "--no-test"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        # One order certainly waiting for acceptance, whatever the seeded shop holds.
        httpx.post(
            f"{market.url}/_sandbox/orders", json={"count": 1}, timeout=10
        ).raise_for_status()
        with chromium() as browser:
            context = browser.new_context(locale="en-GB", color_scheme="light")
            page = context.new_page()
            page.goto(f"{server.url}/login")
            page.fill("#field-email", EMAIL)
            page.fill("#field-password", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{server.url}/orders")
            reload_until(page, 'data-testid="orders"')
            expect(page.locator("[data-testid=orders] tbody tr").first).to_be_visible()
            shot(page, "01-list")

            page.select_option("#filter-status", "WaitingAcceptance")
            page.click("[data-testid=order-filters] button[type=submit]")
            reload_until(page, 'data-status="WaitingAcceptance"')  # windows import one by one
            statuses = page.locator("[data-testid=orders] tbody [data-status]")
            expect(statuses.first).to_have_text("Waiting for acceptance")
            page.locator("[data-testid=orders] tbody a").first.click()
            expect(page.locator("[data-testid=order-lines] tbody tr").first).to_be_visible()
            expect(page.locator("[data-testid=acceptance-deadline]")).to_be_visible()
            expect(page.locator("[data-testid=order-history]")).to_contain_text(
                "Waiting for acceptance"
            )
            shot(page, "02-detail")

            page.click("[data-testid=accept]")
            expect(page.locator("[data-testid=order-actions]")).to_contain_text("Accept")
            # No reload: the page asks itself again while the action is being sent.
            expect(page.locator("[data-testid=order-status]")).to_have_text(
                "Accepted", timeout=30_000
            )
            # Done on the marketplace's answer; the status came with the orders stream.
            expect(page.locator("[data-testid=order-actions]")).to_contain_text(
                "Cdiscount confirmed it; the order's new status comes with the next sync."
            )
            shot(page, "03-accepted")
