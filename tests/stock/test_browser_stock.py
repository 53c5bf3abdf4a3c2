"""The Stock page and Settings → Warehouses in a real browser against ``cdlink demo`` (its embedded
sync runtime and in-process sandbox): a quantity edited inline changes available-to-sell and is
pushed until Cdiscount shows it, a bad CSV gets its line report, and warehouses are created,
mapped, refused deletion while they hold stock, and deleted; screenshots in test-artifacts/."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import ARTIFACTS, chromium, clean_environment, free_port, running

pytestmark = pytest.mark.e2e
SKU = "SKU-00002"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"stock-{name}.png"), full_page=True)


def reload_until(page: Page, selector: str, seconds: float = 60) -> None:
    """Reload until ``selector`` matches (the sync engine works in the background)."""
    deadline = time.monotonic() + seconds
    while page.locator(selector).count() == 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"{selector!r} did not appear on {page.url}")
        page.wait_for_timeout(500)
        page.reload()


@pytest.mark.slow
def test_given_the_demo_when_a_quantity_is_edited_inline_then_available_and_cdiscount_follow(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_file = tmp_path / "demo.log"
    env = clean_environment(CDLINK_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "cdlink", "demo", "--port", str(port)]
    with running(command, env, log_file, f"{url}/healthz"), chromium() as browser:
        password = re.search(r"password: +(\S+)", log_file.read_text())
        assert password
        page = browser.new_context(locale="en-GB", color_scheme="light").new_page()
        page.goto(f"{url}/login")
        page.fill("#field-email", "demo@cdlink.local")
        page.fill("#field-password", password.group(1))
        page.click("button[type=submit]")

        page.goto(f"{url}/stock?q={SKU}")
        reload_until(page, f"[data-testid=push-{SKU}-1][data-state=in_step]")
        shot(page, "01-in-step")
        available = page.locator(f"[data-testid=available-{SKU}-1]")
        before = int(available.inner_text())
        paris = page.locator(f"[data-testid=on-hand-{SKU}-PARIS]")
        on_hand = int(paris.input_value())

        paris.fill(str(on_hand + 5))
        paris.press("Enter")  # htmx swaps the row

        expect(available).to_have_text(str(before + 5))
        shot(page, "02-edited")
        reload_until(page, f"[data-testid=cdiscount-{SKU}-1]:has-text('{before + 5}')")
        expect(page.locator(f"[data-testid=push-{SKU}-1]")).to_have_attribute(
            "data-state", "in_step"
        )

        page.locator(f"tr[data-sku={SKU}] details.adjust summary").click()
        page.fill(f"[data-testid=delta-{SKU}]", "-2")
        page.locator(f"tr[data-sku={SKU}] details.adjust button[type=submit]").click()
        expect(page.locator(f"[data-testid=available-{SKU}-1]")).to_have_text(str(before + 3))

        bad = tmp_path / "bad.csv"
        bad.write_text("sku,warehouse,quantity\nSKU-00001,PARIS,3\nNOPE,PARIS,1\n")
        page.set_input_files("#upload-file", str(bad))
        page.locator("[data-testid=stock-upload] button[type=submit]").click()
        expect(page.locator("[data-testid=upload-problems]")).to_contain_text(
            "Line 3: unknown SKU 'NOPE'"
        )
        shot(page, "03-bad-csv")

        page.goto(f"{url}/settings#warehouses")
        page.fill("#field-warehouse-code", "LILLE")
        page.fill("#field-warehouse-name", "Entrepôt Lille")
        page.locator("#warehouses form:has(#field-warehouse-code) button[type=submit]").click()
        lille = page.locator("tr[data-warehouse=LILLE]")
        expect(lille).to_be_visible()
        lille.locator("form[action$='/map'] button").click()
        expect(page.locator("tr[data-warehouse=LILLE] .badge")).to_contain_text("Sandbox shop")
        page.locator("tr[data-warehouse=PARIS] form[action$='/delete'] button").click()
        page.locator("#confirm-dialog [data-role=ok]").click()  # deleting asks first
        expect(page.locator("[data-testid=warehouse-error]")).to_contain_text(
            "Count its stock to 0 first"
        )
        shot(page, "04-warehouses")
        page.locator("tr[data-warehouse=LILLE] form[action$='/delete'] button").click()
        page.locator("#confirm-dialog [data-role=ok]").click()  # deleting asks first
        expect(page.locator("tr[data-warehouse=LILLE]")).to_have_count(0)
