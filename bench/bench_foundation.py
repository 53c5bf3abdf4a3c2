"""Foundation overheads: what cdlink's web stack and secret box cost over the raw work.

- health check: ``/healthz`` (middleware, metrics, a database round trip) against a bare ASGI
  route in the same process, as requests per second and their ratio;
- secret box: encrypt + decrypt per second against raw Fernet with the same key.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from cryptography.fernet import Fernet
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bench.harness import Measurement, Options, rate
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.web.app import create_app

NAME = "foundation"


def run(options: Options) -> list[Measurement]:
    seconds = 0.3 if options.quick else 1.5
    return [*health(seconds), *secret_box(seconds)]


def health(seconds: float) -> list[Measurement]:
    bare = FastAPI()
    bare.get("/ping")(lambda: {"status": "ok"})
    with tempfile.TemporaryDirectory() as directory:
        # No embedded sync runtime: its connections would try to reach the real marketplace.
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, data_dir=Path(directory), sync_embedded_enabled=False
        )
        database = Database(settings.effective_database_url)
        migrate.upgrade(database)
        with TestClient(create_app(settings, database=database)) as app, TestClient(bare) as raw:
            cdlink_rate = rate(lambda: app.get("/healthz"), seconds=seconds)
            raw_rate = rate(lambda: raw.get("/ping"), seconds=seconds)
        database.dispose()
    return [
        Measurement(NAME, "healthz requests/s (SQLite, in-process)", cdlink_rate, "req/s"),
        Measurement(NAME, "bare ASGI route requests/s", raw_rate, "req/s"),
        Measurement(
            NAME,
            "healthz rate / bare route rate",
            cdlink_rate / raw_rate,
            "ratio",
            note="includes a database round trip",
        ),
    ]


def secret_box(seconds: float) -> list[Measurement]:
    key = Fernet.generate_key()
    box, fernet = SecretBox([key.decode()]), Fernet(key)
    boxed = rate(lambda: box.decrypt(box.encrypt("client-secret-value")), seconds=seconds)
    raw = rate(lambda: fernet.decrypt(fernet.encrypt(b"client-secret-value")), seconds=seconds)
    return [
        Measurement(NAME, "secret box encrypt+decrypt/s", boxed, "ops/s"),
        Measurement(NAME, "secret box rate / raw Fernet rate", boxed / raw, "ratio"),
    ]
