"""Shipping an order and setting the acceptance policy in a real browser, against the real server,
its embedded sync runtime and the sandbox marketplace; screenshots in test-artifacts/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

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

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_given_an_order_in_preparation_when_shipped_from_its_page_then_it_is_shipped(
    tmp_path: Path,
) -> None:
    env = clean_environment(CDLINK_DATA_DIR=str(tmp_path / "data"))
    create_admin(env)
    with sandbox_server(tmp_path) as market, cdlink_server(tmp_path, **market.settings()) as server:
        subprocess.run(
            [sys.executable, "-m", "cdlink", "apps", "add", "--seller-id", market.seller_id,
             "--client-id", market.client_id, "--client-secret", market.client_secret,
             "--token-url", market.token_url, "--api-url", market.api_url, "--no-test"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        created = httpx.post(
            f"{market.url}/_sandbox/orders",
            json={"count": 1, "status": "InPreparation"},
            timeout=10,
        )
        created.raise_for_status()
        [order_id] = created.json()["orderIds"]
        with chromium() as browser:
            page = browser.new_context(locale="en-GB", color_scheme="light").new_page()
            page.goto(f"{server.url}/login")
            page.fill("#field-email", EMAIL)
            page.fill("#field-password", PASSWORD)
            page.click("button[type=submit]")

            page.goto(f"{server.url}/settings/orders")  # leads to the order settings
            page.locator("input[name=acceptance][value=in_stock]").check()
            page.locator("input[name=auto_refuse]").check()
            page.click("[data-testid=order-settings-1] button[type=submit]")
            expect(page.locator("input[name=acceptance][value=in_stock]")).to_be_checked()
            page.screenshot(path=str(ARTIFACTS / "shipping-01-settings.png"), full_page=True)

            page.goto(f"{server.url}/orders?q={order_id}")
            reload_until(page, f">{order_id}</a>")  # once the engine has imported it
            page.locator("[data-testid=orders] tbody a").first.click()
            select = page.locator("[data-testid=carrier-select]")
            expect(select).to_be_visible()  # the marketplace's carriers, loaded by htmx
            select.select_option("Colissimo")
            page.fill("#ship-tracking", "6A0000000777")
            page.fill("#ship-url", "https://t.example/6A0000000777")
            page.screenshot(path=str(ARTIFACTS / "shipping-02-form.png"), full_page=True)
            page.click("[data-testid=ship-form] button")
            expect(page.locator("[data-testid=order-actions]")).to_contain_text("Ship")
            reload_until(page, "The order is now: Shipped.")
            expect(page.locator("[data-testid=order-status]")).to_have_text("Shipped")
            page.screenshot(path=str(ARTIFACTS / "shipping-03-shipped.png"), full_page=True)
