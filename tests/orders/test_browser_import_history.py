"""Import history end to end: the wizard in Chromium against ``cdlink serve`` (its embedded
runtime runs the import) and ``cdlink sandbox``, its progress bar reaching 100 %; the same import
from the command line, its progress drawn until done; and a command-line import killed (SIGKILL)
midway, then run again: it resumes and every order is imported once. Screenshots in
test-artifacts/."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from cdlink.store.engine import Database
from cdlink.store.models import InitialImport, Order
from tests.support.browser import (
    ARTIFACTS,
    EMAIL,
    PASSWORD,
    SandboxServer,
    cdlink_server,
    chromium,
    clean_environment,
    create_admin,
    sandbox_server,
)

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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_given_an_import_killed_midway_when_run_again_then_it_resumes_and_imports_each_order_once(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    # A killed run's lease blocks its stream this long: short, so the test does not wait a minute.
    env = clean_environment(CDLINK_DATA_DIR=str(data_dir), CDLINK_SYNC_LEASE_SECONDS="3")
    subprocess.run([sys.executable, "-m", "cdlink", "db", "upgrade"], env=env, check=True)
    database = Database(f"sqlite:///{data_dir / 'cdlink.sqlite3'}")
    today = datetime.now(UTC).date()
    with sandbox_server(tmp_path) as market:
        httpx.post(
            f"{market.url}/_sandbox/seed", json={"orders": 300}, timeout=30
        ).raise_for_status()
        # Adaptive windows read the 300 orders as one window of three pages, stored a batch at a
        # time: each page slow enough that the kill lands after the first batch, before the last.
        slow = {"kind": "slow", "endpoint": "orders.list", "delay_seconds": 2.0}
        httpx.post(f"{market.url}/_sandbox/faults", json=slow, timeout=10).raise_for_status()
        connect(env, market)
        command = [
            sys.executable, "-m", "cdlink", "orders", "import-history", "-c", "1",
            "--from", (today - timedelta(days=10)).isoformat(), "--to", today.isoformat(),
        ]  # fmt: skip
        with (tmp_path / "first.log").open("wb") as log:
            first = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                wait_until(lambda: stored_orders(database) > 0, first)
            finally:
                first.send_signal(signal.SIGKILL)  # no clean-up, no goodbye
                first.wait(timeout=30)
        killed_at, total = stored_orders(database), progress(database)[1]
        httpx.delete(f"{market.url}/_sandbox/faults", timeout=10).raise_for_status()

        second = subprocess.run(
            command, check=False, env=env, capture_output=True, text=True, timeout=300
        )

    assert second.returncode == 0, second.stdout + second.stderr
    # The same import goes on (from its last finished window), no second one is started.
    assert "import 1:" in second.stdout
    assert "import 2" not in second.stdout
    done, total_after = progress(database)
    assert 0 < killed_at < total == total_after == done, (killed_at, total, total_after, done)
    with database.reading() as session:
        ids = list(session.scalars(select(Order.marketplace_order_id)))
        record = session.get_one(InitialImport, 1)
    database.dispose()
    assert len(ids) == len(set(ids)) == total  # every order of the range, once
    assert (record.state, record.imported) == ("done", total)


def stored_orders(database: Database) -> int:
    """Orders committed so far: a window's orders are stored a batch at a time."""
    with database.reading() as session:
        return session.scalar(select(func.count(Order.id))) or 0


def progress(database: Database) -> tuple[int, int | None]:
    with database.reading() as session:
        record = session.get(InitialImport, 1)
        return (record.done, record.total) if record is not None else (0, None)


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        assert process.poll() is None, "the import ended before it could be killed"
        assert time.monotonic() < deadline, "the import made no progress"
        time.sleep(0.2)
