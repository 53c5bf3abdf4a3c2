"""Real cdlink processes stopped with SIGTERM while a stock push hangs on the simulated marketplace.

A shop with one product whose stock is waiting to be pushed to a ``cdlink sandbox`` server; the
sandbox is made to hang or fail on the push; the process under test is sent SIGTERM and timed
from the signal to its exit; then, the fault gone, a new process finishes the push.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import select

from cdlink.core.clock import SystemClock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.sandbox import SandboxConfig
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.models import Connection, OutboxEntry, StockPushStatus, StreamSchedule
from cdlink.sync.registry import default_registry
from cdlink.sync.stock.pusher import publish_to_outbox
from tests.support.browser import SandboxServer, clean_environment

ROOT = Path(__file__).resolve().parents[2]
CONNECTION = 1
QUANTITY = 7
#: What the issue asks: the process is gone at most this long after SIGTERM.
SHUTDOWN_LIMIT = 10.0
#: The marketplace of these tests: offer packages integrate in a second and a half rather than
#: the 35 s of ``cdlink sandbox``, since each test waits for a push to be confirmed after the
#: restart (nothing here depends on how long a package takes).
MARKETPLACE = SandboxConfig(package_pending_seconds=0.5, package_integration_seconds=1.0)
#: How the marketplace misbehaves during the push: it hangs on creating the package (the call
#: never comes back), or it answers 503 to every poll of the package's state.
FAULTS: dict[str, dict[str, Any]] = {
    "hang": {"kind": "slow", "endpoint": "packages.create", "delay_seconds": 240, "count": 1},
    "down": {"kind": "status", "endpoint": "packages.get", "status": 503},
}


@dataclass
class Shop:
    """The shop's settings (database, key) and the SKU whose push is under test."""

    settings: Settings
    reference: str

    @property
    def database_url(self) -> str:
        return self.settings.effective_database_url


def shop_settings(data_dir: Path, database_url: str | None = None) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        encryption_keys=Fernet.generate_key().decode(),
    )


def prepare_shop(settings: Settings, market: SandboxServer) -> Shop:
    """Connection 1 to ``market`` (stock sync on, only the stock stream enabled), one product of
    the marketplace's offers with ``QUANTITY`` in a mapped warehouse: a push is waiting."""
    reference = sorted(httpx.get(f"{market.url}/_sandbox/offers").json()["offers"])[0]
    settings.ensure_data_dir()
    database = Database(settings.effective_database_url)
    migrate.upgrade(database)
    clock = SystemClock()
    now = clock.now()
    with database.session() as session:
        session.add(_connection(settings, market, now))
        session.flush()
        for stream in default_registry.names():  # only the stock pusher runs
            enabled = stream == "stock"
            session.add(StreamSchedule(connection_id=CONNECTION, stream=stream, enabled=enabled))
        add_product(session, clock, reference, title="Lampe")
        add_warehouse(session, clock, "PARIS", "Paris")
        stock = Inventory(session, clock, publish_to_outbox)
        stock.map_warehouse("PARIS", CONNECTION)
        stock.set_on_hand(reference, "PARIS", QUANTITY, "count")
    database.dispose()
    return Shop(settings, reference)


def _connection(settings: Settings, market: SandboxServer, now: Any) -> Connection:
    return Connection(
        id=CONNECTION,
        name="Sandbox shop",
        seller_id=int(market.seller_id),
        client_id=market.client_id,
        secret_ciphertext=SecretBox.from_settings(settings).encrypt(market.client_secret),
        token_url=market.token_url,
        api_url=market.api_url,
        stock_sync_enabled=True,
        created_at=now,
        updated_at=now,
    )


def environment(shop: Shop, **extra: str) -> dict[str, str]:
    """What the processes under test run with: the shop's database and key, a short lease (a
    run left behind in a hung call blocks the stream that long after the restart)."""
    settings = shop.settings
    assert settings.encryption_keys is not None
    return clean_environment(
        CDLINK_DATA_DIR=str(settings.data_dir),
        CDLINK_DATABASE_URL=settings.effective_database_url,
        CDLINK_ENCRYPTION_KEYS=settings.encryption_keys.get_secret_value(),
        CDLINK_SYNC_LEASE_SECONDS="3",
        CDLINK_SYNC_TICK_SECONDS="0.5",
        CDLINK_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        **extra,
    )


def start(arguments: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "cdlink", *arguments],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )


def sigterm(process: subprocess.Popen[bytes], hard_limit: float = 120.0) -> float:
    """Send SIGTERM and wait for the exit; the seconds from the signal to the exit.

    ``hard_limit`` only keeps a broken process from hanging the suite (it is then killed); the
    test asserts on the seconds returned.
    """
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=hard_limit)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return time.monotonic() - started


def stop_quietly(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(
    condition: Callable[[], bool],
    timeout: float = 120.0,
    *,
    alive: subprocess.Popen[bytes] | None = None,
    what: str = "the condition",
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if alive is not None and alive.poll() is not None:
            raise AssertionError(f"{alive.args} exited early with {alive.returncode}")
        assert time.monotonic() < deadline, f"{what} did not come true in time"
        time.sleep(0.2)


def inject(market: SandboxServer, fault: str) -> None:
    httpx.post(f"{market.url}/_sandbox/faults", json=FAULTS[fault]).raise_for_status()


def fault_fired(market: SandboxServer) -> bool:
    rules = httpx.get(f"{market.url}/_sandbox/faults").json()
    return any(rule["fired"] > 0 for rule in rules)


def clear_faults(market: SandboxServer) -> None:
    httpx.delete(f"{market.url}/_sandbox/faults").raise_for_status()


def packages(market: SandboxServer) -> int:
    sellers = httpx.get(f"{market.url}/_sandbox/state").json()["sellers"]
    return int(sellers[market.seller_id]["packages"])


def marketplace_quantity(market: SandboxServer, reference: str) -> int:
    return int(httpx.get(f"{market.url}/_sandbox/offers/{reference}").json()["quantity"])


def outbox_states(shop: Shop) -> list[tuple[str, int]]:
    """(state, attempts) of the shop's stock outbox entries, oldest first."""
    database = Database(shop.database_url)
    try:
        with database.reading() as session:
            query = select(OutboxEntry.state, OutboxEntry.attempts).order_by(OutboxEntry.id)
            return [(state, attempts) for state, attempts in session.execute(query)]
    finally:
        database.dispose()


def confirmed_quantity(shop: Shop) -> int | None:
    database = Database(shop.database_url)
    try:
        with database.reading() as session:
            row = session.get(StockPushStatus, (CONNECTION, shop.reference))
            return None if row is None else row.confirmed_quantity
    finally:
        database.dispose()
