"""The application factory: settings in, app out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from cdlink import __version__
from cdlink.core.clock import Clock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.core.signing_key import load_signing_key
from cdlink.jobs.embedded import EmbeddedRuntime, embedded_runtime, runtime_clock
from cdlink.jobs.marketplace import Transports
from cdlink.store.engine import Database
from cdlink.sync.connections.check import ConnectionChecker, OctopiaConnectionChecker
from cdlink.web import api, docs, errors, health, roles
from cdlink.web.access import pages as access
from cdlink.web.catalog import pages as catalog
from cdlink.web.connections import pages as connections
from cdlink.web.customer_service import pages as customer_service
from cdlink.web.customers import pages as customers
from cdlink.web.dashboard import pages as dashboard
from cdlink.web.finance import pages as finance
from cdlink.web.guard import AccessGuard, GuardContext
from cdlink.web.metrics import WebMetrics
from cdlink.web.orders import email_settings
from cdlink.web.orders import import_pages as order_imports
from cdlink.web.orders import notifications_pages as notification_centre
from cdlink.web.orders import pages as orders
from cdlink.web.orders import settings_pages as order_settings
from cdlink.web.performance import pages as performance
from cdlink.web.pricing import package_files as offer_package_files
from cdlink.web.pricing import pages as pricing
from cdlink.web.queue import pages as queue
from cdlink.web.security import Signer
from cdlink.web.settings import pages as settings_page
from cdlink.web.stock import pages as stock
from cdlink.web.stock import warehouse_pages as warehouse_settings
from cdlink.web.sync_log import pages as sync_log
from cdlink.web.webhooks import pages as webhook_pages

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"


ROUTERS = (
    health.router,
    access.router,
    dashboard.router,
    sync_log.router,
    queue.router,
    connections.router,
    order_imports.router,  # before orders: /orders/imports is not an order id
    order_settings.router,
    orders.router,
    customer_service.router,
    finance.router,
    catalog.router,
    customers.router,
    stock.router,
    performance.router,
    notification_centre.router,
    email_settings.pages,
    pricing.router,
    offer_package_files.router,
    settings_page.router,
    warehouse_settings.router,
    webhook_pages.router,
    api.router,
    docs.router,
)


def _install_state(
    app: FastAPI,
    settings: Settings,
    database: Database,
    clock: Clock,
    connection_checker: ConnectionChecker,
) -> None:
    """What the routes find on ``request.app.state``."""
    app.state.settings = settings
    app.state.database = database
    app.state.clock = clock
    app.state.signer = Signer.from_text(load_signing_key(settings))
    app.state.secret_box = SecretBox.from_settings(settings)
    app.state.connection_checker = connection_checker


def create_app(
    settings: Settings,
    *,
    database: Database | None = None,
    clock: Clock | None = None,
    connection_checker: ConnectionChecker | None = None,
    transports: Transports | None = None,
    runtime: EmbeddedRuntime | None = None,
) -> FastAPI:
    """Build the web app. A database passed in stays the caller's to dispose of.

    ``connection_checker`` tests credentials when an app is installed or tested; by default it
    asks the marketplace at the ``CDLINK_OCTOPIA_*`` addresses (tests pass one on the sandbox).
    ``transports`` makes the HTTP transports of the embedded runtime's marketplace clients (the
    demo's in-process sandbox); None: the network. ``runtime``: an embedded runtime the caller
    made (``cdlink serve`` starts it before building the app, so a restarted process syncs
    again without waiting for the web layer); None: the app makes its own when the settings
    ask for one. The app stops it when it stops.
    """
    owned = database is None
    database = database or Database(settings.effective_database_url)
    clock = clock or runtime_clock(settings)
    if runtime is None:
        runtime = embedded_runtime(settings, database, clock, transports)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        log.info("cdlink %s serving on %s", __version__, settings.base_url)
        if runtime is not None:
            runtime.start()
        try:
            yield
        finally:
            if runtime is not None:
                runtime.stop()
            if owned:
                database.dispose()

    app = FastAPI(
        title="cdlink",
        version=__version__,
        description="The cdlink REST API. Authenticate with a personal API token "
        "(Settings → API tokens): `Authorization: Bearer <token>`. A token acts with its "
        "user's role: changing apps, order settings, imports, warehouses and buffers needs an "
        "administrator (403 otherwise); orders and stock quantities a member.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        dependencies=roles.DEPENDENCIES,
    )
    checker = connection_checker or OctopiaConnectionChecker(settings, clock=clock)
    _install_state(app, settings, database, clock, checker)
    app.add_middleware(
        AccessGuard,
        context=GuardContext(
            settings=settings, database=database, clock=clock, signer=app.state.signer
        ),
    )
    app.state.sync_runtime = runtime
    metrics = WebMetrics()
    app.state.metrics = metrics
    app.middleware("http")(metrics.middleware)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)
    roles.install(app)
    return app
