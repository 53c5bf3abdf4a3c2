"""``cdlink orders policy|act|ship`` through the real CLI, on an imported sandbox order."""

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
from cdlink.store.models import InitialImport, OrderAction
from tests.support.orders import run_until_success

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
    changed = runner.invoke(app, ["orders", "policy", "-c", "1", "in_stock", "--auto-refuse"])
    kept = runner.invoke(app, ["orders", "policy", "-c", "1", "always"])
    wrong = runner.invoke(app, ["orders", "policy", "-c", "1", "automatic"])

    assert shown.output.strip() == "acceptance: manual, automatic refusal: off"
    assert changed.output.strip() == "acceptance: in_stock, automatic refusal: on"
    assert kept.output.strip() == "acceptance: always, automatic refusal: on"
    assert wrong.exit_code != 0
    assert "'automatic'" in wrong.output
    assert "in_stock" in wrong.output


@pytest.mark.slow
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


def test_given_an_order_in_preparation_when_shipped_from_the_cli_then_the_shipment_is_recorded(
    cli_shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1, status="InPreparation")
    run_until_success(cli_shop)
    command = ["orders", "ship", "-c", "1", order_id, "--carrier", "Colissimo"]

    shipped = runner.invoke(app, [*command, "--tracking", "6A1", "--url", "https://t.example/1"])
    missing = runner.invoke(app, [*command, "--tracking", "6A2", "--url", "ftp://nope"])

    assert shipped.exit_code == 0, shipped.output
    assert missing.exit_code != 0
    assert "http" in missing.output
    with cli_shop.database.reading() as session:
        [action] = session.scalars(select(OrderAction)).all()
    assert (action.kind, action.state) == ("ship", "pending")
    [parcel] = action.payload["parcels"]  # recorded normalised: one parcel, every line
    assert (parcel["carrier"], parcel["tracking_number"], parcel["tracking_url"]) == (
        "Colissimo",
        "6A1",
        "https://t.example/1",
    )
    assert parcel["line_ids"]


def test_given_days_when_history_is_queued_from_the_cli_then_the_engine_imports_them(
    cli_shop: JobEnvironment, sandbox: Sandbox
) -> None:
    today = cli_shop.clock.now().date().isoformat()
    arguments = ["orders", "import-history", "-c", "1", "--from", "2026-02-20", "--to", today]

    queued = runner.invoke(app, [*arguments, "--no-wait", "--no-customers"])
    again = runner.invoke(app, [*arguments, "--no-wait"])
    not_a_day = runner.invoke(
        app, ["orders", "import-history", "-c", "1", "--from", "x", "--to", today]
    )
    backwards = runner.invoke(
        app, [*arguments[:4], "--from", today, "--to", "2026-01-01", "--no-wait"]
    )

    assert queued.exit_code == 0, queued.output
    assert queued.output.strip() == "import 1: queued"
    assert again.output.strip() == "import 1: queued"  # the same days: the same import
    assert not_a_day.exit_code == 1
    assert "YYYY-MM-DD" in not_a_day.output
    assert backwards.exit_code == 1
    assert "the first day is after the last day" in backwards.output
    assert cli_shop.runner().run(1, "orders_history").outcome == "succeeded"
    with cli_shop.database.reading() as session:
        record = session.get_one(InitialImport, 1)
    assert (record.state, record.customers, record.done) == ("done", False, record.total)
