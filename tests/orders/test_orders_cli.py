"""``cdlink orders policy|act`` through the real CLI, on an imported sandbox order."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cdlink.cli.main import app
from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import OrderAction
from tests.orders.test_orders_stream import run_until_success

runner = CliRunner()


@pytest.fixture
def cli_shop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shop: JobEnvironment, settings: Settings
) -> JobEnvironment:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDLINK_DATABASE_URL", shop.database.url)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(settings.data_dir))
    return shop


def test_given_a_connection_when_the_policy_is_set_then_it_is_shown(
    cli_shop: JobEnvironment,
) -> None:
    shown = runner.invoke(app, ["orders", "policy", "-c", "Sandbox shop"])
    changed = runner.invoke(app, ["orders", "policy", "-c", "1", "automatic"])
    wrong = runner.invoke(app, ["orders", "policy", "-c", "1", "sometimes"])

    assert shown.output.strip() == "acceptance: manual"
    assert changed.output.strip() == "acceptance: automatic"
    assert wrong.exit_code != 0
    assert "sometimes" in wrong.output


def test_given_a_waiting_order_when_accepted_from_the_cli_then_the_action_is_recorded(
    cli_shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(cli_shop)

    accepted = runner.invoke(app, ["orders", "act", "-c", "1", order_id, "accept"])
    unknown = runner.invoke(app, ["orders", "act", "-c", "1", "NOPE", "accept"])

    assert accepted.exit_code == 0, accepted.output
    assert unknown.exit_code != 0
    assert "NOPE" in unknown.output
    with cli_shop.database.reading() as session:
        [action] = session.scalars(select(OrderAction)).all()
    assert (action.kind, action.state, action.requested_by) == ("accept", "pending", "cli")
