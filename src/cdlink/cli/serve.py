"""``cdlink serve`` and ``cdlink demo``: run the web app.

SIGTERM or Ctrl+C stops it cleanly within ``CDLINK_SHUTDOWN_SECONDS`` (and a little): the signal
tells the embedded runtime's jobs to stop at once, while the server stops taking requests and
lets those in flight finish; then the runtime waits for its jobs until the same deadline. The
process then ends with status 0.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import sys
from collections.abc import Callable, Generator
from pathlib import Path
from types import FrameType

import typer
import uvicorn

from cdlink.cli.context import fail, friendly, load_settings, on_stop_signals
from cdlink.cli.demo_catalog import seed_demo_catalog
from cdlink.cli.demo_pricing import seed_demo_pricing
from cdlink.cli.demo_stock import map_demo_warehouses, seed_demo_stock
from cdlink.cli.demo_webhooks import seed_demo_webhooks
from cdlink.core.clock import SystemClock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.hub.connections import accounts as connections
from cdlink.hub.connections.rules import ConnectionDraft
from cdlink.jobs.embedded import EmbeddedRuntime, embedded_runtime, runtime_clock
from cdlink.jobs.marketplace import Transports
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.users import create_user, find_user, set_password
from cdlink.sync.connections.check import ConnectionChecker, OctopiaConnectionChecker

DEMO_DATA_DIR = Path("var") / "demo"
DEMO_LOGIN = "demo@cdlink.local"
DEMO_SHOP = "Sandbox shop"
#: The in-process sandbox answers any address; a local one passes the https-only rule.
DEMO_SANDBOX_URL = "http://localhost"
#: How often the demo's sandbox sells: about one order every 30 seconds.
DEMO_ORDERS_PER_HOUR = 120
#: Customer discussions the demo shop has from the start (the oldest already escalated to a
#: claim), and how often customers open new ones: about one every three minutes.
DEMO_DISCUSSIONS = 8
DEMO_DISCUSSIONS_PER_HOUR = 20


@friendly
def serve(
    host: str | None = typer.Option(None, help="Address to listen on [CDLINK_HOST]."),
    port: int | None = typer.Option(None, help="Port to listen on [CDLINK_PORT]."),
    upgrade: bool = typer.Option(
        False, "--migrate", help="Upgrade the database schema before starting."
    ),
) -> None:
    """Start the web app (with the embedded scheduler and workers)."""
    settings = load_settings(host=host, port=port)
    database = Database(settings.effective_database_url)
    if upgrade:
        migrate.upgrade(database)
    migrate.ensure_current(database)
    run_server(settings, database)


@friendly
def demo(
    port: int | None = typer.Option(None, help="Port to listen on [CDLINK_PORT]."),
) -> None:
    """Prepare a demo shop in ./var/demo and serve it; prints the URL and the login."""
    data_dir = None if os.environ.get("CDLINK_DATA_DIR") else DEMO_DATA_DIR.resolve()
    settings = load_settings(data_dir=data_dir, port=port)
    settings.ensure_data_dir()
    database = Database(settings.effective_database_url)
    migrate.upgrade(database)
    password = reset_demo_user(database)
    seed_demo_stock(database, SystemClock())
    # The demo's marketplace is the built-in sandbox, in process: connecting an app works
    # without real credentials and without reaching the internet. Its shop is connected at once
    # and sells on its own, so new orders appear live.
    marketplace = Sandbox(
        SandboxConfig(
            orders_per_hour=DEMO_ORDERS_PER_HOUR,
            discussions=DEMO_DISCUSSIONS,
            discussions_per_hour=DEMO_DISCUSSIONS_PER_HOUR,
        )
    )
    account = marketplace.credentials
    connection_id = connect_demo_shop(database, settings, marketplace)
    map_demo_warehouses(database, SystemClock(), connection_id)
    seed_demo_catalog(database, SystemClock(), connection_id)
    seed_demo_pricing(database, SystemClock(), connection_id)
    seed_demo_webhooks(database, SystemClock(), SecretBox.from_settings(settings), connection_id)
    typer.echo(
        "\ncdlink demo is ready\n"
        f"  dashboard: {settings.base_url}/\n"
        f"  login:     {DEMO_LOGIN}\n"
        f"  password:  {password}\n"
        f"  health:    {settings.base_url}/healthz\n"
        f"  data:      {settings.data_dir}\n"
        "The built-in sandbox marketplace is connected as the app "
        f"{DEMO_SHOP!r}; new orders arrive live, and it sells the stock of the PARIS and LYON "
        "warehouses (Stock page).\nIts account (to connect it again):\n"
        f"  seller id:     {account.seller_id}\n"
        f"  client id:     {account.client_id}\n"
        f"  client secret: {account.client_secret}\n"
        "Press Ctrl+C to stop.\n"
    )
    checker = OctopiaConnectionChecker(settings, transport=marketplace.transport())
    run_server(settings, database, connection_checker=checker, transports=marketplace.transport)


def connect_demo_shop(database: Database, settings: Settings, marketplace: Sandbox) -> int:
    """Connect the sandbox's shop (stock sync on), unless a connection to that account is
    already active; return the connection's id."""
    account = marketplace.credentials
    box = SecretBox.from_settings(settings)
    with database.session() as session:
        for connection in connections.list_connections(session):
            same = connection.client_id == account.client_id
            if same and connection.seller_id == account.seller_id:
                if connection.state == connections.DELETED:
                    break
                # A new sandbox per start: point the connection at this one and its secret.
                connection.secret_ciphertext = box.encrypt(account.client_secret)
                connection.token_url = marketplace.token_url(DEMO_SANDBOX_URL)
                connection.api_url = marketplace.api_url(DEMO_SANDBOX_URL)
                connection.stock_sync_enabled = True
                return connection.id
        draft = ConnectionDraft(
            name=DEMO_SHOP,
            seller_id=str(account.seller_id),
            client_id=account.client_id,
            secret=account.client_secret,
            token_url=marketplace.token_url(DEMO_SANDBOX_URL),
            api_url=marketplace.api_url(DEMO_SANDBOX_URL),
            stock_sync_enabled=True,
        )
        created = connections.create_connection(
            session, SecretBox.from_settings(settings), SystemClock(), draft
        )
        return created.id


def reset_demo_user(database: Database) -> str:
    """Create the demo administrator, or give it a new password; return the password."""
    password = secrets.token_urlsafe(12)
    with database.session() as session:
        user = find_user(session, DEMO_LOGIN)
        if user is None:
            create_user(session, SystemClock(), DEMO_LOGIN, password, is_admin=True)
        else:
            set_password(user, password)
    return password


def run_server(
    settings: Settings,
    database: Database,
    connection_checker: ConnectionChecker | None = None,
    transports: Transports | None = None,
) -> None:
    """Serve the web app. The embedded runtime starts first: building the web app takes
    seconds of CPU, and a process started again after a crash takes up its orders and pushes
    meanwhile (a signal in that time stops the runtime cleanly)."""
    ensure_port_free(settings.host, settings.port)
    clock = runtime_clock(settings)
    runtime = embedded_runtime(settings, database, clock, transports)
    with _stopping_early(runtime):
        if runtime is not None:
            runtime.start()
        from cdlink.web.app import create_app

        app = create_app(
            settings,
            database=database,
            clock=clock,
            connection_checker=connection_checker,
            transports=transports,
            runtime=runtime,
        )
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        timeout_graceful_shutdown=max(1, round(settings.shutdown_seconds)),
        # X-Forwarded-For is read by the access guard, from CDLINK_TRUSTED_PROXIES only: uvicorn
        # would otherwise believe it from any loopback peer.
        proxy_headers=False,
    )
    server = StoppingServer(config, on_stop=runtime.request_stop if runtime else None)
    try:
        server.run()
    finally:
        if runtime is not None:
            runtime.stop()  # already stopped when the server ran its lifespan
        database.dispose()
    if not server.started:
        sys.exit(3)  # as uvicorn.run: the server could not start


@contextlib.contextmanager
def _stopping_early(runtime: EmbeddedRuntime | None) -> Generator[None, None, None]:
    """Until the server takes the signals over: SIGTERM or Ctrl+C stops the runtime (its jobs
    within the shutdown budget) and ends the process with status 0."""

    def stop(number: int, frame: FrameType | None) -> None:
        if runtime is not None:
            runtime.request_stop()
            runtime.stop()
        raise SystemExit(0)

    with on_stop_signals(stop):
        yield


class StoppingServer(uvicorn.Server):
    """uvicorn's server, telling the embedded runtime to stop as soon as the signal comes, and
    ending with status 0 after a clean stop (uvicorn raises the signal again once it is done,
    which would end the process as killed by SIGTERM)."""

    def __init__(self, config: uvicorn.Config, *, on_stop: Callable[[], None] | None) -> None:
        super().__init__(config)
        self.on_stop = on_stop

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.on_stop is not None:
            self.on_stop()
        super().handle_exit(sig, frame)

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        with on_stop_signals(self.handle_exit):
            yield


def ensure_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            fail(
                f"port {port} on {host} is already in use",
                "Stop the other program or choose another port with --port.",
            )
