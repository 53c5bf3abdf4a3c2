"""The catalog in a real browser against the real server, its embedded sync runtime and the
sandbox marketplace (issue 17, "Checked by"): the taxonomy is refreshed, a category mapped, a
product the validator flags is fixed, published, seen Integrated, and its offer goes on sale;
screenshots in test-artifacts/."""

from __future__ import annotations

import subprocess
import sys
import time
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
from tests.support.catalog import gtin13

pytestmark = pytest.mark.e2e
LEAF = "110302"  # LAMPE A POSER in the sandbox's taxonomy: not a variant, no brand required


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"catalog-{name}.png"), full_page=True)


@pytest.mark.slow
def test_given_a_flagged_product_when_mapped_fixed_and_published_then_it_is_integrated_and_on_sale(
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
        # Cdiscount judges and integrates at once (the defaults take minutes).
        httpx.put(
            f"{market.url}/_sandbox/catalog",
            json={"product_report_lag_seconds": 0, "product_integration_seconds": 0},
            timeout=10,
        ).raise_for_status()
        with chromium() as browser:
            page = browser.new_context(locale="en-GB", color_scheme="light").new_page()
            page.goto(f"{server.url}/login")
            page.fill("#field-email", EMAIL)
            page.fill("#field-password", PASSWORD)
            page.click("button[type=submit]")

            # A product whose title holds an emoji, without a picture: the validator flags it.
            page.goto(f"{server.url}/products/new")
            page.fill("#sku", "LAMP-1")
            page.fill("#ean", gtin13(42))
            page.fill("#title", "Lampe de bureau 🎉")
            page.fill("#description", "Lampe de bureau orientable, LED, 6 W.")
            page.fill("#seller_category", "Lampes")
            page.fill("#attributes", "Description courte: Lampe LED orientable")
            page.fill("#price", "29,90")
            page.click("[data-testid=save-product]")
            expect(page.locator("[data-testid=problems]")).to_contain_text(
                "Remove emojis and special symbols from the title."
            )
            expect(page.locator("[data-testid=problems]")).to_contain_text(
                "Add at least one picture"
            )
            shot(page, "01-flagged")

            # The taxonomy, then the mapping of "Lampes".
            page.goto(f"{server.url}/catalog/mappings")
            page.click("text=Refresh the Cdiscount categories")
            reload_until(page, "Cdiscount categories, read", seconds=90)
            page.fill("#seller_category_q", "Lampes")
            page.fill("#q", "lampe a poser")
            page.click("[data-testid=taxonomy-search] button[type=submit]")
            page.click(f"[data-reference='{LEAF}']")
            expect(page.locator("[data-testid=mappings]")).to_contain_text("LAMPE A POSER")
            shot(page, "02-mapped")

            # Fixed, checked, published.
            page.goto(f"{server.url}/products/LAMP-1/edit")
            page.fill("#title", "Lampe de bureau LED orientable")
            page.fill("#pictures", "https://images.example.com/lamp-1.jpg")
            page.click("[data-testid=save-product]")
            expect(page.locator("[data-testid=no-problems]")).to_be_visible()
            page.click("[data-testid=publish]")
            reload_until(page, 'data-status="integrated"', seconds=90)
            expect(page.locator("[data-testid=reports]")).to_contain_text("Integrated")
            shot(page, "03-integrated")

            # On sale: the offer the products stream sent is read back by the offers stream.
            deadline = time.monotonic() + 120
            while True:
                subprocess.run(
                    [sys.executable, "-m", "cdlink", "sync", "run", "-c", "1", "-s", "offers"],
                    env={**env, **market.settings()}, check=True, capture_output=True,
                )  # fmt: skip
                page.goto(f"{server.url}/products?q=LAMP-1")
                row = page.locator("[data-sku='LAMP-1']").inner_text()
                if "Not on Cdiscount" not in row or time.monotonic() > deadline:
                    break
                page.wait_for_timeout(2000)
            assert "Not on Cdiscount" not in row, server.log()[-6000:]
            expect(page.locator("[data-sku='LAMP-1']")).to_contain_text("Offer")
            shot(page, "04-on-sale")
