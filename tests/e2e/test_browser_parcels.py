"""Shipping two lines in two parcels from the order page, in a real browser, against the real
server, its embedded sync runtime and the sandbox with several parcels allowed; the order page
then shows each parcel's carrier and tracking link. Screenshots in test-artifacts/."""

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


def test_given_several_parcels_allowed_when_two_lines_ship_apart_then_both_parcels_show(
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
        subprocess.run(
            [sys.executable, "-m", "cdlink", "carriers", "parcels", "-c", "1", "--several"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        httpx.put(
            f"{market.url}/_sandbox/parcels", json={"singleParcelPerOrder": False}, timeout=10
        ).raise_for_status()
        created = httpx.post(
            f"{market.url}/_sandbox/orders",
            json={"count": 30, "status": "InPreparation"},
            timeout=10,
        )
        created.raise_for_status()
        counts = httpx.get(f"{market.url}/_sandbox/order-lines", timeout=10).json()["lines"]
        order_id = next(item for item in created.json()["orderIds"] if counts[item] >= 2)
        with chromium() as browser:
            page = browser.new_context(locale="en-GB", color_scheme="light").new_page()
            page.goto(f"{server.url}/login")
            page.fill("#field-email", EMAIL)
            page.fill("#field-password", PASSWORD)
            page.click("button[type=submit]")

            page.goto(f"{server.url}/orders?q={order_id}")
            reload_until(page, f">{order_id}</a>")
            page.locator("[data-testid=orders] tbody a").first.click()
            boxes = page.locator("[data-testid=parcel-lines] input[type=checkbox]")
            expect(boxes.first).to_be_visible()
            for index in range(1, boxes.count()):
                boxes.nth(index).uncheck()  # the first parcel: the first line only
            expect(page.locator("[data-testid=carrier-select]")).to_be_visible()
            page.locator("[data-testid=carrier-select]").select_option("DPD")
            page.fill("#ship-tracking", "DPD0001")
            page.screenshot(path=str(ARTIFACTS / "parcels-01-first.png"), full_page=True)
            page.click("[data-testid=ship-form] button")
            reload_until(page, "DPD0001")
            reload_until(page, 'data-testid="ship-form"')  # once the first parcel is sent

            expect(page.locator("[data-testid=carrier-select]")).to_be_visible()
            page.locator("[data-testid=carrier-select]").select_option("Colissimo")
            page.fill("#ship-tracking", "6A0002")
            page.click("[data-testid=ship-form] button")
            reload_until(page, "The order is now: Shipped.")

            parcels = page.locator("[data-testid=shipment-parcel]")
            expect(parcels).to_have_count(2)
            expect(parcels.nth(0).locator("[data-testid=parcel-carrier]")).to_have_text("DPD")
            expect(parcels.nth(1).locator("[data-testid=parcel-carrier]")).to_have_text("Colissimo")
            link = parcels.nth(1).locator("[data-testid=parcel-tracking] a")
            expect(link).to_have_attribute(
                "href", "https://www.laposte.fr/outils/suivre-vos-envois?code=6A0002"
            )
            expect(page.locator("[data-testid=order-status]")).to_have_text("Shipped")
            page.screenshot(path=str(ARTIFACTS / "parcels-02-shipped.png"), full_page=True)
