"""Web interface overheads: what a logged-in page and an authenticated API call cost.

Side by side in one process, on SQLite: ``/healthz`` (middleware and a database round trip, no
authentication) against the Apps page of a logged-in browser (session lookup, CSRF token, a
translated template listing ten connections) and against ``GET /api/v1/connections`` with a
bearer token (token lookup, ten connections as JSON). Ratios to ``/healthz`` survive a noisy
machine better than absolute rates.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from fastapi.testclient import TestClient

from bench.harness import Measurement, Options, rate
from cdlink.core.clock import SystemClock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.hub.connections.accounts import create_connection
from cdlink.hub.connections.rules import ConnectionDraft
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.users import create_user
from cdlink.web.app import create_app

NAME = "web"
CONNECTIONS = 10


def run(options: Options) -> list[Measurement]:
    seconds = 0.3 if options.quick else 1.5
    with tempfile.TemporaryDirectory() as directory:
        # No embedded sync runtime: its connections would try to reach the real marketplace.
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, data_dir=Path(directory), sync_embedded_enabled=False
        )
        database = Database(settings.effective_database_url)
        migrate.upgrade(database)
        seed(settings, database)
        with TestClient(create_app(settings, database=database), follow_redirects=False) as web:
            token = log_in(web)
            health = rate(lambda: web.get("/healthz"), seconds=seconds)
            page = rate(lambda: web.get("/apps"), seconds=seconds)
            web.cookies.clear()
            bearer = {"Authorization": f"Bearer {token}"}
            api = rate(lambda: web.get("/api/v1/connections", headers=bearer), seconds=seconds)
        database.dispose()
    return [
        Measurement(NAME, "Apps page requests/s (logged in, 10 apps)", page, "req/s"),
        Measurement(NAME, "API connection list requests/s (bearer)", api, "req/s"),
        Measurement(NAME, "Apps page rate / healthz rate", page / health, "ratio"),
        Measurement(NAME, "API list rate / healthz rate", api / health, "ratio"),
    ]


def seed(settings: Settings, database: Database) -> None:
    clock, box = SystemClock(), SecretBox.from_settings(settings)
    with database.session() as session:
        create_user(session, clock, "bench@cdlink.local", "bench-password", is_admin=True)
        for number in range(CONNECTIONS):
            draft = ConnectionDraft(
                seller_id=str(100000 + number), client_id=f"bench-client-{number}", secret="s" * 32
            )
            create_connection(session, box, clock, draft)


def log_in(web: TestClient) -> str:
    """Log in through the form and create an API token on the Settings page."""
    csrf = re.compile(r'name="csrf-token" content="([^"]+)"')
    token = csrf.search(web.get("/login").text).group(1)  # type: ignore[union-attr]
    web.post(
        "/login",
        data={"csrf_token": token, "email": "bench@cdlink.local", "password": "bench-password"},
    )
    page = web.post("/settings/tokens", data={"csrf_token": token, "name": "bench"})
    return re.search(r"(cdl_[A-Za-z0-9_-]+)", page.text).group(1)  # type: ignore[union-attr]
