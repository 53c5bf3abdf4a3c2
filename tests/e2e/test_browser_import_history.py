"""Import history end to end: the wizard in Chromium against ``cdlink serve`` (its embedded
runtime runs the import) and ``cdlink sandbox``, its progress bar reaching 100 %; and the same
import from the command line, its progress bar drawn until done. Screenshots in
test-artifacts/."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser_support import (
    ARTIFACTS,
    SandboxServer,
    cdlink_server,
    chromium,
    clean_environment,
    sandbox_server,
)
from tests.e2e.test_browser_apps import EMAIL, PASSWORD, create_admin

pytestmark = pytest.mark.e2e


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"import-history-{name}.png"), full_page=True)


def connect(env: dict[str, str], market: SandboxServer) -> None:
    subprocess.run(
        [sys.executable, "-m", "cdlink", "apps", "add", "--seller-id", market.seller_id,
         "--client-id", market.client_id, "--client-secret", market.client_secret,
         "--token-url", market.token_url, "--api-url", market.api_url, "--no-test"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip


def test_given_the_wizard_when_an_import_is_started_then_the_progress_bar_reaches_100(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    env = clean_environment(CDLINK_DATA_DIR=str(data_dir))
    create_admin(env)
    today = datetime.now(UTC).date()
    with sandbox_server(tmp_path) as market, cdlink_server(tmp_path, **market.settings()) as server:
        connect(env, market)
        with chromium() as browser:
            page = browser.new_context(locale="en-GB", color_scheme="light").new_page()
            page.goto(f"{server.url}/login")
            page.fill("#field-email", EMAIL)
            page.fill("#field-password", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{server.url}/orders/imports")
            page.fill("#import-first", (today - timedelta(days=10)).isoformat())
            page.fill("#import-last", today.isoformat())
            page.uncheck("[data-testid=import-customers]")
            shot(page, "01-wizard")
            page.click("[data-testid=start-import]")

            expect(page.locator("[data-testid=import-progress]")).to_be_visible()
            shot(page, "02-progress")
            # The fragment is polled every second (htmx) until the engine has finished.
            expect(page.locator("[data-testid=import-state]")).to_have_text("done", timeout=90_000)
            expect(page.locator("[data-testid=import-percent]")).to_have_text("100 %")
            expect(page.locator("[data-testid=import-bar]")).to_have_attribute("value", "100")
            read = re.search(r"(\d+) of (\d+) orders read", page.inner_text("#import-progress"))
            assert read is not None
            assert read.group(1) == read.group(2) != "0"  # every order the marketplace counted
            shot(page, "03-done")
            page.click("[data-testid=import-orders]")
            expect(page.locator("[data-testid=orders] tbody tr").first).to_be_visible()


def test_given_the_cli_when_history_is_imported_then_it_draws_progress_until_done(
    tmp_path: Path,
) -> None:
    env = clean_environment(CDLINK_DATA_DIR=str(tmp_path / "data"))
    subprocess.run([sys.executable, "-m", "cdlink", "db", "upgrade"], env=env, check=True)
    today = datetime.now(UTC).date()
    with sandbox_server(tmp_path) as market:
        connect(env, market)
        command = [
            sys.executable, "-m", "cdlink", "orders", "import-history", "-c", "1",
            "--from", (today - timedelta(days=10)).isoformat(), "--to", today.isoformat(),
        ]  # fmt: skip
        first = subprocess.run(
            command, check=False, env=env, capture_output=True, text=True, timeout=300
        )
        bad = subprocess.run(
            [*command[:-4], "--from", today.isoformat(), "--to", "2000-01-01"],
            check=False, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    assert first.returncode == 0, first.stderr
    assert "import 1: 100%" in first.stdout  # not a terminal: one line per step
    summary = re.search(r"done, (\d+) orders read, (\d+) new", first.stdout)
    assert summary is not None, first.stdout
    assert summary.group(1) == summary.group(2) != "0"  # nothing was there: all new, once
    assert bad.returncode == 1
    assert "the first day is after the last day" in bad.stderr
