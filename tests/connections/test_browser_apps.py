"""The Apps flow in a real browser against the real server and the sandbox marketplace (issue 6,
"Checked by"): log in, install the Cdiscount app, see the banner, edit it, try a wrong secret and
see the cause, delete it; screenshots in test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    ARTIFACTS,
    EMAIL,
    PASSWORD,
    SandboxServer,
    Server,
    cdlink_server,
    chromium,
    clean_environment,
    create_admin,
    sandbox_server,
)

pytestmark = pytest.mark.e2e

WRONG_SECRET = "E2e-Wrong-Secret-4b5c6d"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"apps-{name}.png"), full_page=True)


def log_in(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/")
    expect(page).to_have_url(f"{server.url}/login")
    page.fill("#field-email", EMAIL)
    page.fill("#field-password", PASSWORD)
    shot(page, "01-login")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{server.url}/")


def install(page: Page, market: SandboxServer) -> None:
    page.click("[data-testid=add-app]")
    expect(page.locator("#panel")).to_contain_text("All applications")
    shot(page, "02-catalogue")
    page.click("[data-testid=install-cdiscount]")
    expect(page.locator("#field-name")).to_have_value("Cdiscount")
    expect(page.locator("[data-testid=stock-sync]")).not_to_be_checked()
    page.fill("#field-seller_id", market.seller_id)
    page.fill("#field-client_id", "vendeur@boutique.fr")
    page.fill("#field-secret", market.client_secret)
    page.click("[data-testid=confirm]")
    expect(page.locator(".field-error").first).to_contain_text("not an e-mail address")
    page.fill("#field-client_id", market.client_id)
    page.fill("#field-secret", market.client_secret)
    shot(page, "03-install-form")
    page.click("[data-testid=confirm]")
    expect(page.locator("[data-testid=check-ok]")).to_contain_text("Module installed correctly")
    shot(page, "04-installed")
    page.click("[data-testid=close-result]")


def edit(page: Page, *, secret: str = "", name: str | None = None) -> None:
    page.click("[data-testid^=edit-]")
    expect(page.locator("#field-secret")).to_have_value("")
    if name is not None:
        page.fill("#field-name", name)
        page.check("[data-testid=stock-sync]")
    page.fill("#field-secret", secret)
    page.click("[data-testid=confirm]")


@pytest.mark.slow
def test_given_a_seller_when_installing_editing_and_deleting_the_app_then_each_step_shows(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    create_admin(clean_environment(CDLINK_DATA_DIR=str(data_dir)))
    with (
        sandbox_server(tmp_path) as market,
        cdlink_server(tmp_path, **market.settings()) as server,
        chromium() as browser,
    ):
        context = browser.new_context(locale="en-GB", color_scheme="light", reduced_motion="reduce")
        page = context.new_page()
        log_in(page, server)
        page.click("nav >> text=Apps")
        expect(page.locator("h1")).to_have_text("My applications")

        install(page, market)
        row = page.locator("[data-testid^=app-]")
        expect(row).to_contain_text(market.client_id)
        expect(row).to_contain_text("Connected")

        edit(page, name="Boutique Paris")
        expect(page.locator("[data-testid=check-ok]")).to_be_visible()
        page.click("[data-testid=close-result]")
        expect(row).to_contain_text("stock sync on")
        shot(page, "05-edited")

        edit(page, secret=WRONG_SECRET)
        expect(page.locator("[data-testid=check-failed]")).to_contain_text(
            "The Client ID or the Client Secret is wrong"
        )
        shot(page, "06-wrong-secret")
        page.click("#panel .panel-actions [data-action=close-panel]")
        expect(row).to_contain_text("Credentials refused")

        page.click("[data-testid^=delete-]")
        expect(page.locator("#panel")).to_contain_text("Orders and data already imported are kept")
        shot(page, "07-delete-confirmation")
        page.click("[data-testid=confirm-delete]")
        expect(page.locator("[data-testid=deleted]")).to_be_visible()
        expect(page.locator("#app-list")).to_contain_text("No application yet")
        page.click("#panel .panel-actions [data-action=close-panel]")

        page.click("[data-action=toggle-theme]")
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        page.reload()
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        page.select_option("#language-picker", "fr")
        expect(page.locator("h1")).to_have_text("Mes applications")
        shot(page, "08-dark-french")
        page.set_viewport_size({"width": 390, "height": 844})
        expect(page.locator(".sidebar")).not_to_be_in_viewport()
        page.click("[data-action=toggle-menu]")
        expect(page.locator(".sidebar")).to_be_in_viewport()
        shot(page, "09-phone-menu")
        context.close()
    for secret in (market.client_secret, WRONG_SECRET):
        assert secret not in server.log()
