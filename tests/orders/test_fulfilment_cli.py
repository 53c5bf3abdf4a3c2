"""``cdlink carriers list|map|unmap|parcels`` and ``cdlink orders ship --parcel``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cdlink.cli.main import app
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import OrderAction, OutboxEntry
from tests.support.orders import run_until_success

runner = CliRunner()


@pytest.fixture
def cli_shop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shop: JobEnvironment, settings: Settings
) -> JobEnvironment:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDLINK_DATABASE_URL", shop.database.url)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(settings.data_dir))
    assert shop.runner().run(1, "carriers").outcome == "succeeded"
    return shop


def test_given_carriers_when_a_name_is_mapped_then_it_is_listed_and_unknown_labels_refused(
    cli_shop: JobEnvironment,
) -> None:
    mapped = runner.invoke(app, ["carriers", "map", "-c", "1", "TRANS42", "gls"])
    wrong = runner.invoke(app, ["carriers", "map", "-c", "1", "x", "Pigeon Express"])
    listed = runner.invoke(app, ["carriers", "list", "-c", "1", "--labels"])
    unmapped = runner.invoke(app, ["carriers", "unmap", "-c", "1", "trans42"])
    after = runner.invoke(app, ["carriers", "list", "-c", "1"])

    assert mapped.exit_code == 0, mapped.output
    assert "trans42 → GLS" in listed.output
    assert "colissimo → Colissimo" in listed.output
    assert "Cdiscount's carriers: " in listed.output
    assert wrong.exit_code != 0
    assert "not one of Cdiscount's carriers" in wrong.output
    assert unmapped.exit_code == 0
    assert "trans42" not in after.output


def test_given_one_parcel_per_order_when_shipping_a_line_from_the_cli_then_the_rule_is_shown(
    cli_shop: JobEnvironment, sandbox: Sandbox
) -> None:
    sandbox.seed(offers=40, orders=0, quantity=10_000)
    order_id = next(
        order
        for order in sandbox.create_orders(40, status="InPreparation")
        if len(sandbox.order(order)["lines"]) > 1
    )
    run_until_success(cli_shop)
    first = sandbox.order(order_id)["lines"][0]["orderLineId"]

    refused = runner.invoke(
        app, ["orders", "ship", "-c", "1", order_id, "--parcel", f"dpd=X1@{first}"]
    )
    shown = runner.invoke(app, ["carriers", "parcels", "-c", "1"])
    allowed = runner.invoke(app, ["carriers", "parcels", "-c", "1", "--several"])
    shipped = runner.invoke(
        app, ["orders", "ship", "-c", "1", order_id, "--parcel", f"dpd=X1@{first}"]
    )

    assert refused.exit_code != 0
    assert "one parcel per complete order" in refused.output
    assert "one parcel per complete order" in shown.output
    assert allowed.output.strip() == "several parcels per order"
    assert shipped.exit_code == 0, shipped.output
    with cli_shop.database.reading() as session:
        [action] = session.scalars(select(OrderAction)).all()
        assert len(session.scalars(select(OutboxEntry.id)).all()) == 1
    assert action.payload["parcels"][0]["carrier"] == "DPD"
    assert action.payload["parcels"][0]["line_ids"] == [first]
