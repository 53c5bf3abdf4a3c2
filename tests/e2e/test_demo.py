"""The README's demo command, run as a user would: a real process answering over HTTP."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_given_a_fresh_directory_when_starting_the_demo_then_healthz_answers_200(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDLINK_")}
    env["PYTHONUNBUFFERED"] = "1"
    output = tmp_path / "demo.out"
    with output.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "cdlink", "demo", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        response = wait_for(f"http://127.0.0.1:{port}/healthz", process)
        assert response.status_code == 200
        assert response.json()["database"] == "ok"
        log_in_as_printed(output.read_text(), port)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    printed = output.read_text()
    assert "login:     demo@cdlink.local" in printed
    assert "client id:     sandbox-client-" in printed
    assert f"dashboard: http://127.0.0.1:{port}/" in printed
    assert (tmp_path / "var" / "demo" / "cdlink.sqlite3").exists()
    assert process.returncode == 0


def log_in_as_printed(printed: str, port: int) -> None:
    """The printed dashboard URL leads to a login page that accepts the printed login."""
    dashboard = re.search(r"dashboard: (\S+)", printed)
    login = re.search(r"login: +(\S+)", printed)
    password = re.search(r"password: +(\S+)", printed)
    assert dashboard, printed
    assert login, printed
    assert password, printed
    with httpx.Client(follow_redirects=True, timeout=10) as browser:
        page = browser.get(dashboard.group(1))
        assert page.url.path == "/login"
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert token
        landed = browser.post(
            f"http://127.0.0.1:{port}/login",
            data={
                "csrf_token": token.group(1),
                "email": login.group(1),
                "password": password.group(1),
            },
        )
        orders = wait_for_orders(browser, f"http://127.0.0.1:{port}/orders")
        stock = wait_for_page(browser, f"http://127.0.0.1:{port}/stock", 'data-state="in_step"')
        claims = wait_for_page(
            browser, f"http://127.0.0.1:{port}/inbox?view=claims", 'data-graduation="Claim"'
        )
        finance = wait_for_page(
            browser, f"http://127.0.0.1:{port}/finance", 'data-testid="latest-differences"'
        )
        differences = browser.get(
            f"http://127.0.0.1:{port}/finance/differences", headers={"Accept-Language": "en"}
        ).text
    assert landed.status_code == 200
    assert landed.url.path == "/"
    assert 'data-testid="orders"' in orders  # the sandbox shop, connected and imported
    # PARIS and LYON are mapped to the shop: their stock was pushed and Cdiscount confirmed it.
    assert 'data-testid="on-hand-SKU-00002-PARIS"' in stock
    # The demo shop's customers wrote, and one discussion is already a claim.
    assert 'data-testid="discussion-row"' in claims
    # The first finance run imported payouts and found the commission the sandbox charges at a
    # wrong rate (its sale never paid shows only once its payout day is past: not on every date).
    assert 'data-testid="payout-row"' in finance
    assert 'data-testid="difference-row" data-kind="commission"' in differences


def wait_for_page(browser: httpx.Client, url: str, marker: str) -> str:
    """The page once ``marker`` appears on it (the embedded runtime works meanwhile)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = browser.get(url, headers={"Accept-Language": "en"}).text
        if marker in page:
            return page
        time.sleep(0.5)
    raise AssertionError(f"{marker} did not appear on {url} within 60 s")


def wait_for_orders(browser: httpx.Client, url: str) -> str:
    """The Orders page once the embedded runtime has imported the sandbox shop's orders."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = browser.get(url, headers={"Accept-Language": "en"}).text
        if 'data-testid="orders"' in page:
            return page
        time.sleep(0.5)
    raise AssertionError("no order appeared on the demo's Orders page within 60 s")


def printed_value(printed: str, label: str) -> str:
    found = re.search(rf"{label}: +(\S+)", printed)
    assert found, printed
    return found.group(1)


def wait_for(url: str, process: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the demo exited early with {process.returncode}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within 60 s")
