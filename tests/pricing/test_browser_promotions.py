"""A flash sale in a real browser against the real server and the sandbox marketplace (issue 18,
"Checked by"): scheduled from the Promotions page, watched start and end on the sandbox's clock
(cdlink follows it through ``CDLINK_CLOCK_URL``), the price on the sandbox's offer lowered then
back; screenshots in test-artifacts/."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    ARTIFACTS,
    EMAIL,
    PASSWORD,
    SandboxServer,
    cdlink_server,
    chromium,
    clean_environment,
    create_admin,
    free_port,
    running,
)

pytestmark = pytest.mark.e2e
SKU = "SKU-00001"
PARIS = ZoneInfo("Europe/Paris")


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"pricing-{name}.png"), full_page=True)


class Market:
    """The sandbox's clock and its offer, through its control API."""

    def __init__(self, url: str) -> None:
        self.url = url

    def now(self) -> datetime:
        answer = httpx.get(f"{self.url}/_sandbox/clock", timeout=10).json()
        return datetime.fromisoformat(answer["now"])

    def advance(self, seconds: float) -> None:
        httpx.post(
            f"{self.url}/_sandbox/clock/advance", json={"seconds": seconds}, timeout=10
        ).raise_for_status()

    def price(self) -> Decimal:
        offer = httpx.get(f"{self.url}/_sandbox/offers/{SKU}", timeout=10).json()
        return Decimal(str(offer["facialPrice"]["price"]))


def watch(page: Page, market: Market, text: str, seconds: float = 45) -> None:
    """Reload until ``text`` shows, the sandbox's clock moving 20 s a turn (packages integrate,
    streams come due) instead of the test waiting for them."""
    deadline = time.monotonic() + seconds
    while text not in page.content():
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} did not appear on {page.url}")
        market.advance(20)
        page.wait_for_timeout(500)
        page.reload()


@pytest.mark.slow
def test_given_a_flash_sale_from_the_page_when_the_clock_passes_start_and_end_then_it_runs_and_ends(
    tmp_path: Path,
) -> None:
    env = clean_environment(CDLINK_DATA_DIR=str(tmp_path / "data"))
    create_admin(env)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_file = tmp_path / "sandbox.log"
    command = [sys.executable, "-m", "cdlink", "sandbox", "--port", str(port), "--offers", "3",
               "--orders", "0", "--orders-per-hour", "0"]  # fmt: skip
    sandbox_env = clean_environment(PYTHONUNBUFFERED="1")
    with running(command, sandbox_env, log_file, f"{url}/_sandbox/state"):
        sandbox = SandboxServer.from_banner(url, log_file.read_text())
        market = Market(url)
        settings = {**sandbox.settings(), "CDLINK_CLOCK_URL": f"{url}/_sandbox/clock"}
        subprocess.run(
            [sys.executable, "-m", "cdlink", "apps", "add", "--seller-id", sandbox.seller_id,
             "--client-id", sandbox.client_id, "--client-secret", sandbox.client_secret,
             "--token-url", sandbox.token_url, "--api-url", sandbox.api_url, "--no-test"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(  # the shop's offers become the catalog's products
            [sys.executable, "-m", "cdlink", "sync", "run", "-c", "1", "-s", "offers"],
            env={**env, **sandbox.settings()}, check=True, capture_output=True,
        )  # fmt: skip
        before = market.price()
        with cdlink_server(tmp_path, **settings) as server, chromium() as browser:
            page = browser.new_context(locale="en-GB", color_scheme="light").new_page()
            page.goto(f"{server.url}/login")
            page.fill("#field-email", EMAIL)
            page.fill("#field-password", PASSWORD)
            page.click("button[type=submit]")

            # A 20 % flash sale of two hours, starting in an hour (the page's times are Paris's).
            start = (market.now() + timedelta(hours=1)).astimezone(PARIS).replace(second=0)
            end = start + timedelta(hours=2)
            page.goto(f"{server.url}/promotions")
            page.fill("#promotion-name", "Vente flash lampes")
            page.select_option("#promotion-kind", "flash_sale")
            page.fill("#promotion-percent", "20")
            page.fill("#promotion-start", start.strftime("%Y-%m-%dT%H:%M"))
            page.fill("#promotion-end", end.strftime("%Y-%m-%dT%H:%M"))
            page.fill("#promotion-skus", SKU)
            page.click("[data-testid=promotion-form] button[type=submit]")
            state = page.locator("[data-testid=promotion-state]")
            expect(state).to_have_text("Planned")
            expect(page.locator("[data-testid=item-state]")).to_contain_text("Waiting to be sent")
            shot(page, "01-flash-sale-planned")

            # The sandbox's clock reaches the start: cdlink sends the flash sale, it runs.
            market.advance((start - market.now()).total_seconds() + 30)
            watch(page, market, ">Running<")
            assert market.price() == (before * Decimal("0.8")).quantize(Decimal("0.01"))
            shot(page, "02-flash-sale-running")

            # Past the end: cdlink ends it, Cdiscount's price is back.
            market.advance((end - market.now()).total_seconds() + 30)
            watch(page, market, ">Ended<")
            assert market.price() == before
            expect(page.locator("[data-testid=item-state]")).to_contain_text("Ended")
            shot(page, "03-flash-sale-ended")
