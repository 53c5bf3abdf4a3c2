"""``cdlink sync run|status|retry|interval`` and the runtime commands, through the real CLI."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdlink.cli.main import app
from cdlink.core.clock import SystemClock
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.models import StreamSchedule
from cdlink.sync.engine import leases, schedules
from tests.support.connections import add_connection
from tests.support.databases import REDIS_URL
from tests.support.sync_tables import create_tables, publish

runner = CliRunner()
PLUGIN = ["--plugin", "tests.support.sync_plugin"]


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    """A data directory with a current schema, the test marketplace and one connection."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CDLINK_DATABASE_URL", raising=False)
    database = Database(f"sqlite:///{tmp_path / 'data' / 'cdlink.sqlite3'}")
    migrate.upgrade(database)
    create_tables(database)
    clock = SystemClock()
    add_connection(database, clock, name="Shop")
    publish(database, [("O-1", clock.now() - timedelta(minutes=5), 1)])
    yield database
    database.dispose()


def test_given_a_connection_when_sync_run_then_the_stream_runs_and_status_shows_it(
    shop: Database,
) -> None:
    ran = runner.invoke(
        app, ["sync", "run", "--connection", "Shop", "--stream", "test_orders", *PLUGIN]
    )
    status = runner.invoke(app, ["sync", "status"])

    assert ran.exit_code == 0, ran.output
    assert "test_orders: succeeded" in ran.output
    assert "created 1" in ran.output
    assert status.exit_code == 0, status.output
    assert "Shop" in status.output
    assert "3600s" in status.output
    assert "succeeded" in status.output


def test_given_an_unknown_stream_when_sync_run_then_it_fails_with_the_known_streams(
    shop: Database,
) -> None:
    result = runner.invoke(app, ["sync", "run", "-c", "1", "-s", "nope", *PLUGIN])

    assert result.exit_code == 1
    assert "test_orders" in result.output
    assert "hint:" in result.output


def test_given_an_unknown_connection_when_sync_status_then_it_says_so(shop: Database) -> None:
    result = runner.invoke(app, ["sync", "status", "--connection", "Elsewhere"])

    assert result.exit_code == 1
    assert "Elsewhere" in result.output


def test_given_a_stream_when_its_interval_is_set_and_retried_then_the_schedule_says_so(
    shop: Database,
) -> None:
    interval = runner.invoke(app, ["sync", "interval", "-c", "Shop", "-s", "test_orders", "5m"])
    retried = runner.invoke(app, ["sync", "retry", "-c", "Shop", "-s", "test_orders"])
    refused = runner.invoke(app, ["sync", "interval", "-c", "Shop", "-s", "test_orders", "2m"])

    assert interval.exit_code == retried.exit_code == 0, interval.output + retried.output
    assert refused.exit_code == 1
    assert "continuous" in refused.output
    with shop.reading() as session:
        row = session.get_one(StreamSchedule, (1, "test_orders"))
    assert (row.interval_seconds, row.requested_trigger, row.state) == (300, "manual", "active")


def test_given_an_empty_database_when_sync_status_then_it_explains_why_nothing_is_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDLINK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CDLINK_DATABASE_URL", raising=False)
    runner.invoke(app, ["db", "upgrade"])

    result = runner.invoke(app, ["sync", "status"])

    assert result.exit_code == 0
    assert "no stream is scheduled yet" in result.output


@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_given_the_runtime_commands_when_asked_for_help_then_they_explain_themselves(
    command: str,
) -> None:
    result = runner.invoke(app, [command, "--help"])

    assert result.exit_code == 0
    assert "--plugin" in result.output


def test_given_a_missing_plugin_when_the_worker_starts_then_it_says_what_to_check(
    shop: Database,
) -> None:
    result = runner.invoke(app, ["worker", "--plugin", "no.such.module"])

    assert result.exit_code == 1
    assert "no.such.module" in result.output


def test_given_an_unknown_lane_when_the_worker_starts_then_it_names_the_lanes(
    shop: Database,
) -> None:
    result = runner.invoke(app, ["worker", "--lane", "fast"])

    assert result.exit_code == 1
    assert "unknown lane fast" in result.output
    assert "live, bulk" in result.output


def stop_once_listening(original: object) -> threading.Thread:
    """SIGTERM this process once the command under test has put its own handler in place."""

    def stopper() -> None:
        deadline = time.monotonic() + 30
        while signal.getsignal(signal.SIGTERM) is original and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # let the command settle into its wait
        # Only while the command's handler is in place: the original one would end the whole
        # test process (an xdist worker), not the command (the test then fails on its output).
        if signal.getsignal(signal.SIGTERM) is not original:
            os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=stopper, daemon=True)
    thread.start()
    return thread


@pytest.mark.redis
@pytest.mark.parametrize(
    ("command", "said"),
    [("worker", "stopping the jobs in progress"), ("scheduler", "cdlink scheduler: stopped")],
)
def test_given_a_runtime_command_when_sent_sigterm_then_it_stops_cleanly(
    shop: Database,
    monkeypatch: pytest.MonkeyPatch,
    redis_namespace: str,
    command: str,
    said: str,
) -> None:
    monkeypatch.setenv("CDLINK_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("CDLINK_SYNC_REDIS_NAMESPACE", redis_namespace)
    monkeypatch.setenv("CDLINK_SYNC_TICK_SECONDS", "0.1")
    original = signal.getsignal(signal.SIGTERM)
    stopper = stop_once_listening(original)

    result = runner.invoke(app, [command, *PLUGIN])
    stopper.join()

    assert result.exit_code == 0, result.output
    assert said in result.output
    assert signal.getsignal(signal.SIGTERM) is original


def test_given_sync_now_when_asked_then_the_scheduler_finds_a_manual_request(
    shop: Database,
) -> None:
    result = runner.invoke(app, ["sync", "now", "-c", "Shop", "-s", "test_orders"])

    assert result.exit_code == 0, result.output
    with shop.reading() as session:
        row = session.get_one(StreamSchedule, (1, "test_orders"))
    assert row.requested_trigger == "manual"
    assert row.requested_at is not None


def test_given_a_running_stream_when_sync_status_then_it_shows_where_it_runs(
    shop: Database,
) -> None:
    leases.acquire(
        shop,
        1,
        "test_orders",
        clock=SystemClock(),
        duration=timedelta(minutes=5),
        holder="worker-7:4242:0123456789abcdef",
    )
    with shop.session() as session:
        schedules.schedule_for(session, 1, "test_orders")

    result = runner.invoke(app, ["sync", "status", "-c", "Shop"])

    assert result.exit_code == 0, result.output
    assert "running" in result.output
    assert "[now on worker-7:4242]" in result.output


def test_given_a_quarantined_record_when_listed_then_it_shows_with_its_reason(
    shop: Database,
) -> None:
    empty = runner.invoke(app, ["sync", "quarantine"])
    publish(shop, [("O-9", SystemClock().now() - timedelta(minutes=1), -1)])
    runner.invoke(app, ["sync", "run", "-c", "Shop", "-s", "test_orders", *PLUGIN])

    result = runner.invoke(app, ["sync", "quarantine", "-c", "Shop"])

    assert "nothing in quarantine" in empty.output
    assert result.exit_code == 0, result.output
    assert "O-9" in result.output
    assert "negative value" in result.output
    [number] = re.findall(r"#(\d+)", result.output)
    dismissed = runner.invoke(app, ["sync", "dismiss", number])
    unknown = runner.invoke(app, ["sync", "dismiss", "999"])
    assert dismissed.exit_code == 0, dismissed.output
    assert "nothing in quarantine" in runner.invoke(app, ["sync", "quarantine"]).output
    assert unknown.exit_code == 1
