"""Storage faults told plainly: a full disk or a read-only database answer 503 with a hint,
/healthz probes a write, a token's last use is best-effort, and database files are private."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import psycopg.errors
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from cdlink.core.clock import ManualClock
from cdlink.core.errors import StorageError
from cdlink.core.settings import Settings
from cdlink.store import access, migrate
from cdlink.store.engine import Database
from cdlink.store.faults import storage_fault
from cdlink.web.app import create_app
from tests.support.faults import closed_port, fill_the_disk, make_read_only
from tests.support.web import ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, add_user, csrf_token, log_in


@pytest.fixture
def token(database: Database, clock: ManualClock) -> str:
    """An administrator's API token, never used yet (so its first use is due to be recorded)."""
    with database.session() as session:
        user = add_user(session, clock, ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
        return access.issue_api_token(session, user, "ERP", clock.now()).secret


def _app(settings: Settings, database: Database, clock: ManualClock) -> FastAPI:
    return create_app(settings, database=database, clock=clock)


@pytest.fixture
def client(settings: Settings, database: Database, clock: ManualClock) -> Iterator[TestClient]:
    with TestClient(
        _app(settings, database, clock), base_url=BASE_URL, follow_redirects=False
    ) as client:
        yield client


def test_given_a_full_disk_when_writing_through_the_api_then_503_problem_with_a_hint(
    client: TestClient, database: Database, token: str
) -> None:
    client.headers["Authorization"] = f"Bearer {token}"
    fill_the_disk(database)

    response = client.post("/api/v1/tokens", json={"name": "script"})

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert "full" in body["title"]
    assert body["hint"].startswith("Free some space")


def test_given_a_full_disk_when_submitting_a_form_then_a_503_page_says_what_to_do(
    client: TestClient, database: Database, token: str
) -> None:
    assert log_in(client, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 303
    form = {"csrf_token": csrf_token(client, "/orders"), "language": "fr", "next": "/"}
    fill_the_disk(database)

    response = client.post("/language", data=form, headers={"Accept-Language": "en"})

    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert "Free some space on the disk" in response.text


def test_given_a_read_only_database_when_a_token_reads_then_it_answers_and_warns_once(
    settings: Settings,
    database: Database,
    clock: ManualClock,
    token: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    read_only = make_read_only(database)
    with TestClient(_app(settings, read_only, clock), base_url=BASE_URL) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        with caplog.at_level(logging.WARNING, logger="cdlink.web.guard"):
            first = client.get("/api/v1/me")
            second = client.get("/api/v1/tokens")
        written = client.post("/api/v1/tokens", json={"name": "script"})
    read_only.dispose()

    assert first.status_code == second.status_code == 200
    assert first.json()["email"] == ADMIN_EMAIL
    warnings = [r.getMessage() for r in caplog.records if r.name == "cdlink.web.guard"]
    assert len(warnings) == 1
    assert "could not record an API token's last use" in warnings[0]
    assert "read-only" in warnings[0]
    assert written.status_code == 503
    assert "read-only" in written.json()["title"]


def test_given_a_healthy_database_when_checking_health_then_ok_after_a_committed_write(
    client: TestClient, database: Database
) -> None:
    before = migrate.current_revision(database)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "redis" not in response.json()
    assert migrate.current_revision(database) == before  # the probe rewrote it with itself


def test_given_a_read_only_database_when_checking_health_then_degraded_503_with_the_reason(
    settings: Settings, database: Database, clock: ManualClock
) -> None:
    read_only = make_read_only(database)
    with TestClient(_app(settings, read_only, clock), base_url=BASE_URL) as client:
        response = client.get("/healthz")
    read_only.dispose()

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert "read-only" in body["database"]
    assert body["hint"]


def test_given_a_full_disk_when_checking_health_then_degraded(
    client: TestClient, database: Database
) -> None:
    fill_the_disk(database)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert "full" in response.json()["database"]


@pytest.mark.redis
def test_given_the_distributed_runtime_when_redis_is_down_then_health_names_it_and_stays_200(
    tmp_path: Path, web_database: Database, clock: ManualClock
) -> None:
    port = closed_port()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "data",
        runtime="distributed",
        redis_url=f"redis://:hunter2@127.0.0.1:{port}/0",
    )
    with TestClient(_app(settings, web_database, clock), base_url=BASE_URL) as client:
        response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["redis"] == f"cannot reach Redis at 127.0.0.1:{port} (connection refused)"
    assert "hunter2" not in response.text


@pytest.mark.redis
def test_given_the_distributed_runtime_when_redis_answers_then_health_says_so(
    tmp_path: Path, web_database: Database, clock: ManualClock
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", runtime="distributed")  # type: ignore[call-arg]
    with TestClient(_app(settings, web_database, clock), base_url=BASE_URL) as client:
        response = client.get("/healthz")

    assert response.json()["status"] == "ok"
    assert response.json()["redis"] == "ok"


def test_given_driver_errors_when_translated_then_each_names_the_fault_and_the_place() -> None:
    sqlite_url, postgres_url = (
        "sqlite:////var/lib/cdlink/cdlink.sqlite3",
        ("postgresql+psycopg://cdlink:s3cret@db.internal:5433/cdlink"),
    )
    cases = {
        sqlite3.OperationalError("attempt to write a readonly database"): "is read-only",
        sqlite3.OperationalError("database or disk is full"): "is full",
        sqlite3.OperationalError("disk I/O error"): "disk I/O error",
    }
    for error, expected in cases.items():
        fault = storage_fault(error, sqlite_url)
        assert fault is not None
        assert expected in fault.message
        assert "/var/lib/cdlink/cdlink.sqlite3" in fault.message
    read_only = storage_fault(psycopg.errors.ReadOnlySqlTransaction("read-only"), postgres_url)
    full = storage_fault(psycopg.errors.DiskFull("no space"), postgres_url)
    assert read_only is not None
    assert "db.internal:5433/cdlink is read-only" in read_only.message
    assert full is not None
    assert "full" in full.message
    assert storage_fault(sqlite3.OperationalError("database is locked"), sqlite_url) is None
    assert storage_fault(psycopg.errors.UniqueViolation("duplicate"), postgres_url) is None


def test_given_postgresql_on_a_closed_port_when_used_then_one_sentence_without_password() -> None:
    port = closed_port()
    database = Database(f"postgresql://cdlink:s3cret@127.0.0.1:{port}/cdlink")

    with pytest.raises(StorageError) as raised, database.session() as session:
        session.execute(text("SELECT 1"))
    database.dispose()

    expected = f"cannot reach PostgreSQL at 127.0.0.1:{port}/cdlink (connection refused)"
    assert str(raised.value) == expected
    assert "s3cret" not in raised.value.hint


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_given_a_new_sqlite_database_when_written_then_its_files_are_private(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "data"
    database = Database(f"sqlite:///{directory / 'cdlink.sqlite3'}")
    migrate.upgrade(database)

    files = sorted(directory.iterdir())
    modes = {path.name: _mode(path) for path in files}
    database.dispose()

    assert set(modes) >= {"cdlink.sqlite3", "cdlink.sqlite3-wal", "cdlink.sqlite3-shm"}
    assert set(modes.values()) == {0o600}
    assert _mode(directory) == 0o700


def test_given_an_older_world_readable_database_when_opened_then_it_becomes_private(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    sqlite3.connect(path).close()
    path.chmod(0o644)

    database = Database(f"sqlite:///{path}")
    database.ping()
    database.dispose()

    assert _mode(path) == 0o600


def test_given_a_data_directory_open_to_others_when_opening_then_a_warning_says_how_to_fix(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tmp_path / "shared"
    directory.mkdir()
    os.chmod(directory, 0o755)  # noqa: S103  (the mistake this test is about)
    private = tmp_path / "private"
    private.mkdir(mode=0o700)

    keys_only = tmp_path / "keys"  # the data directory when the database is PostgreSQL
    keys_only.mkdir()
    os.chmod(keys_only, 0o770)  # noqa: S103  (the mistake this test is about)

    with caplog.at_level(logging.WARNING, logger="cdlink.core.permissions"):
        Database(f"sqlite:///{directory / 'cdlink.sqlite3'}").dispose()
        Database(f"sqlite:///{private / 'cdlink.sqlite3'}").dispose()
        Settings(_env_file=None, data_dir=keys_only).ensure_data_dir()  # type: ignore[call-arg]
        Settings(_env_file=None, data_dir=private).ensure_data_dir()  # type: ignore[call-arg]

    messages = [r.getMessage() for r in caplog.records if r.name == "cdlink.core.permissions"]
    assert len(messages) == 2
    assert f"chmod 700 {directory}" in messages[0]
    assert f"{keys_only} is open to other users (mode 0o770)" in messages[1]


def test_given_postgresql_down_when_a_token_or_a_session_arrives_then_503_says_what_to_do(
    settings: Settings, clock: ManualClock
) -> None:
    port = closed_port()
    unreachable = Database(f"postgresql://cdlink:s3cret@127.0.0.1:{port}/cdlink")
    app = _app(settings, unreachable, clock)
    session_cookie = app.state.signer.sign("session", "a-session-token")
    with TestClient(app, base_url=BASE_URL) as client:
        api = client.get("/api/v1/me", headers={"Authorization": "Bearer cdl_whatever"})
        client.cookies.set("cdlink_session", session_cookie)
        page = client.get("/orders")
    unreachable.dispose()

    assert api.status_code == 503
    assert api.headers["content-type"] == "application/problem+json"
    assert (
        api.json()["title"]
        == f"cannot reach PostgreSQL at 127.0.0.1:{port}/cdlink (connection refused)"
    )
    assert page.status_code == 503
    assert "Start PostgreSQL" in page.text
    assert "s3cret" not in api.text + page.text
