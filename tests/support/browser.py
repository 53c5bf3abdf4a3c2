"""Running the real server and a headless Chromium for the end-to-end tests, with the
administrator they log in as and a page reloaded until the sync engine has filled it.

The browser is Debian's ``chromium`` package (installed by ``scripts/install-browser.sh``, which
``make test`` runs), driven by Playwright; no browser build is ever downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, sync_playwright

from cdlink.core.clock import SystemClock
from cdlink.core.settings import Settings
from cdlink.sandbox import SandboxConfig
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.users import create_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    url: str
    data_dir: Path
    log_file: Path

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")


def clean_environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CDLINK_")}
    env.update(extra)
    return env


@contextmanager
def running(
    command: list[str], env: dict[str, str], log_file: Path, ready_url: str
) -> Iterator[None]:
    """Start ``command``, wait until ``ready_url`` answers, stop it with Ctrl+C afterwards."""
    with log_file.open("a") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        wait_for(ready_url, process)
        yield
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120  # a loaded 2-core machine starts cdlink in about a minute
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{process.args} exited early with {process.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within 120 s")


@contextmanager
def cdlink_server(tmp_path: Path, **settings: str) -> Iterator[Server]:
    """``cdlink serve --migrate`` in a temporary data directory, on a free port."""
    port = free_port()
    data_dir = tmp_path / "data"
    env = clean_environment(CDLINK_DATA_DIR=str(data_dir), **settings)
    server = Server(f"http://127.0.0.1:{port}", data_dir, tmp_path / "server.log")
    command = [sys.executable, "-m", "cdlink", "serve", "--migrate", "--port", str(port)]
    with running(command, env, server.log_file, f"{server.url}/healthz"):
        yield server


@dataclass
class SandboxServer:
    """The simulated marketplace as a separate process, and the account it accepts."""

    url: str
    token_url: str
    api_url: str
    seller_id: str
    client_id: str
    client_secret: str

    @classmethod
    def from_banner(cls, url: str, banner: str) -> SandboxServer:
        def field(label: str) -> str:
            found = re.search(rf"{label}: +(\S+)", banner)
            assert found, banner
            return found.group(1)

        return cls(
            url,
            field("token URL"),
            field("API base URL"),
            field("seller id"),
            field("client id"),
            field("client secret"),
        )

    def settings(self) -> dict[str, str]:
        """The settings that point cdlink at this marketplace."""
        return {"CDLINK_OCTOPIA_TOKEN_URL": self.token_url, "CDLINK_OCTOPIA_API_URL": self.api_url}


@contextmanager
def sandbox_server(tmp_path: Path, config: SandboxConfig | None = None) -> Iterator[SandboxServer]:
    """``cdlink sandbox --port N`` on a free port; its banner says what it accepts.

    With ``config``, the same server with every timer of ``SandboxConfig`` (for example quick
    offer packages) from ``tests/support/sandbox_process.py``.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_file = tmp_path / "sandbox.log"
    env = clean_environment(PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "cdlink", "sandbox", "--port", str(port)]
    if config is not None:
        command = [sys.executable, "-m", "tests.support.sandbox_process", str(port)]
        command.append(config.model_dump_json())
        env["PYTHONPATH"] = str(ARTIFACTS.parent)  # the repository, where ``tests`` is
    with running(command, env, log_file, f"{url}/_sandbox/state"):
        yield SandboxServer.from_banner(url, log_file.read_text())


@contextmanager
def chromium() -> Iterator[Browser]:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# The administrator the browser tests create, and log in as.
EMAIL = "vendeur@boutique.fr"
PASSWORD = "un mot de passe solide"


#: This process's migrated SQLite file, copied into each browser test's data directory.
_migrated: list[Path] = []


def create_admin(server_env: dict[str, str]) -> None:
    """The administrator in the data directory of ``server_env`` (``CDLINK_DATA_DIR``), made as
    ``cdlink db upgrade`` and ``cdlink users create`` make it, in this process: two commands
    cost two Python start-ups and a migration from nothing per browser test. The database is a
    copy of one this process migrated (those commands are tested in tests/integration and
    tests/access; ``cdlink serve --migrate`` still checks the schema it is given)."""
    data_dir = Path(server_env["CDLINK_DATA_DIR"])
    settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
    settings.ensure_data_dir()
    target = data_dir / "cdlink.sqlite3"
    assert settings.effective_database_url == f"sqlite:///{target}"
    if not _migrated:
        template = data_dir.parent / "migrated-template.sqlite3"  # kept for the session
        database = Database(f"sqlite:///{template}")
        migrate.upgrade(database)
        database.dispose()
        _migrated.append(template)
    shutil.copyfile(_migrated[0], target)
    database = Database(settings.effective_database_url)
    try:
        with database.session() as session:
            create_user(session, SystemClock(), EMAIL, PASSWORD, is_admin=True)
    finally:
        database.dispose()


def reload_until(page: Page, text: str, seconds: float = 60) -> None:
    """The page as the engine fills it: reloaded until ``text`` shows (orders arrive by polling)."""
    deadline = time.monotonic() + seconds
    while text not in page.content():
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} did not appear on {page.url}")
        page.wait_for_timeout(500)
        page.reload()
