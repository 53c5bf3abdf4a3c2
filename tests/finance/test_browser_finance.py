"""Finance in a real browser against the real server, its embedded sync runtime and the sandbox
marketplace (issue 20, "Checked by"): an invoice is uploaded for a shipped order and a payout's
breakdown is opened; screenshots of the finance pages (1366 and 390 px, English and French,
light and dark) in test-artifacts/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
PDF = b"%PDF-1.7\n% an invoice\n%%EOF\n"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"finance-{name}.png"), full_page=True)


def no_overflow(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} overflows: {width}px"  # type: ignore[index]


@pytest.mark.slow
def test_given_a_shop_when_an_invoice_is_uploaded_and_a_payout_opened_then_both_show(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    env = clean_environment(CDLINK_DATA_DIR=str(data_dir))
    create_admin(env)
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(PDF)
    with sandbox_server(tmp_path) as market, cdlink_server(tmp_path, **market.settings()) as server:
        subprocess.run(
            [sys.executable, "-m", "cdlink", "apps", "add", "--seller-id", market.seller_id,
             "--client-id", market.client_id, "--client-secret", market.client_secret,
             "--token-url", market.token_url, "--api-url", market.api_url, "--no-test"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        with chromium() as browser:
            context = browser.new_context(locale="en-GB", color_scheme="light")
            page = context.new_page()
            page.set_viewport_size({"width": 1366, "height": 900})
            page.goto(f"{server.url}/login")
            page.fill("#field-email", EMAIL)
            page.fill("#field-password", PASSWORD)
            page.click("button[type=submit]")

            # The finance stream ran at once for the new connection: payouts show.
            page.goto(f"{server.url}/finance")
            reload_until(page, 'data-testid="payout-row"')
            shot(page, "01-finance")
            page.locator("[data-testid=payout-row] a").first.click()
            expect(page.locator("[data-testid=payout-breakdown]")).to_be_visible()
            expect(page.locator("[data-testid=operation-row]").first).to_be_visible()
            shot(page, "02-payout")

            # An invoice for the first shipped order without one.
            page.goto(f"{server.url}/invoices")
            reload_until(page, 'data-testid="reminder-row"')
            row = page.locator("[data-testid=reminder-row]").first
            order_id = row.get_attribute("data-order")
            row.locator("input[type=file]").set_input_files(str(invoice))
            row.locator("button").click()
            # The form posts with its CSRF header, then the page follows the redirect.
            uploads = page.locator("[data-testid=invoice-uploads]")
            expect(uploads).to_contain_text(str(order_id), timeout=30_000)
            reload_until(page, 'data-state="done"')
            shot(page, "03-invoice-sent")

            paths = ["/finance", "/finance/differences", "/invoices"]
            for language, locale in (("en", "en-GB"), ("fr", "fr-FR")):
                for scheme in ("light", "dark"):
                    look = browser.new_context(locale=locale, color_scheme=scheme)
                    look.add_cookies(context.cookies())
                    look.add_cookies(
                        [{"name": "cdlink_language", "value": language, "url": server.url}]
                    )
                    view = look.new_page()
                    for width in (1366, 390):
                        view.set_viewport_size({"width": width, "height": 900})
                        for path in paths:
                            view.goto(f"{server.url}{path}")
                            if width == 390:
                                no_overflow(view)
                            name = path.strip("/").replace("/", "-")
                            shot(view, f"{name}-{width}-{language}-{scheme}")
                    look.close()
