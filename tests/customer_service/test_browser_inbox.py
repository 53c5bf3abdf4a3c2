"""Customer service in a real browser against the real server, its embedded sync runtime and the
sandbox marketplace (issue 16, "Checked by"): a claim is answered and closed from the inbox and a
commercial gesture is given on its order; screenshots in test-artifacts/."""

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
REPLY = "Bonjour, votre colis est en route : nous vous offrons un geste commercial."


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"inbox-{name}.png"), full_page=True)


@pytest.mark.slow
def test_given_a_claim_when_answered_closed_and_gestured_from_the_inbox_then_all_are_done(
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
        with chromium() as browser:
            context = browser.new_context(locale="en-GB", color_scheme="light")
            page = context.new_page()
            page.goto(f"{server.url}/login")
            page.fill("#field-email", EMAIL)
            page.fill("#field-password", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{server.url}/inbox?view=all")
            reload_until(page, 'data-graduation="Discussion"')
            # A discussion the customer escalates to a claim now, on an order shipped or not.
            row = page.locator("[data-testid=discussion-row][data-graduation=Discussion]").first
            marketplace_id = row.get_attribute("data-discussion")
            httpx.post(
                f"{market.url}/_sandbox/discussions/{marketplace_id}/escalate", timeout=10
            ).raise_for_status()
            page.goto(f"{server.url}/inbox?view=claims")
            claim = f'data-discussion="{marketplace_id}" data-graduation="Claim"'
            reload_until(page, claim)
            shot(page, "01-claims")

            page.locator(f"[data-discussion='{marketplace_id}'] a").first.click()
            expect(page.locator("[data-testid=graduation]")).to_have_text("Claim")
            page.fill("#reply-body", REPLY)
            page.click("[data-testid=send-reply]")
            reload_until(page, 'data-kind="reply"')
            reload_until(page, 'data-state="done" data-kind="reply"')
            expect(page.locator("[data-testid=thread]")).to_contain_text(REPLY)
            shot(page, "02-answered")

            page.click("[data-testid=close]")
            reload_until(page, 'data-state="done" data-kind="close"')
            expect(page.locator("[data-testid=discussion-state]")).to_have_text("Closed")
            shot(page, "03-closed")

            # A gesture on a shipped order, from its order page.
            page.goto(f"{server.url}/orders?status=Shipped")
            reload_until(page, 'data-testid="orders"')
            page.locator("[data-testid=orders] tbody a").first.click()
            page.fill("#gesture-amount", "1.50")
            page.select_option("#gesture-reason", "LateDelivery")
            page.locator("[data-testid=gesture-form] button").click()
            expect(page.locator("[data-testid=confirmation-text]")).to_contain_text("€1.50")
            shot(page, "04-confirm-gesture")
            page.click("[data-testid=confirm]")
            reload_until(page, "Gesture requested")
            expect(page.locator("[data-testid=gestured]")).to_have_text("€1.50")
            shot(page, "05-gestured")
