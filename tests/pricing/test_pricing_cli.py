"""``cdlink prices`` and ``cdlink promotions`` through the real CLI, on the priced shop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cdlink.cli.main import app
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from tests.support.priced_shop import sku

runner = CliRunner()


@pytest.fixture
def cli_shop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shop: JobEnvironment, settings: Settings
) -> JobEnvironment:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDLINK_DATABASE_URL", shop.database.url)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(settings.data_dir))
    return shop


def cdlink(*arguments: str) -> Result:
    return runner.invoke(app, list(arguments))


def test_given_a_price_when_set_and_shown_then_it_is_queued_and_listed(
    cli_shop: JobEnvironment,
) -> None:
    done = cdlink("prices", "set", sku(0), "21.50", "-c", "1", "--strike", "25")
    assert done.exit_code == 0, done.output
    assert "21.50 queued" in done.output

    shown = cdlink("prices", "show", sku(0), "-c", "1", "--json")

    row = json.loads(shown.output)[0]
    assert (row["price"], row["strike_price"], row["confirmed_price"]) == (
        "21.50",
        "25.00",
        "20.00",
    )


def test_given_a_price_under_the_floor_when_set_then_it_is_held_and_confirm_sends_it(
    cli_shop: JobEnvironment,
) -> None:
    assert cdlink("prices", "guards", sku(1), "--floor", "10").exit_code == 0
    held = cdlink("prices", "set", sku(1), "0.01", "-c", "1")
    assert "held (below_floor" in held.output
    listed = cdlink("prices", "show", "-c", "1", "--held")
    assert sku(1) in listed.output
    assert sku(2) not in listed.output
    confirmed = cdlink("prices", "confirm", sku(1), "-c", "1")
    assert "0.01 queued" in confirmed.output


def test_given_a_bad_price_when_set_then_exit_1_names_the_rule(cli_shop: JobEnvironment) -> None:
    refused = cdlink("prices", "set", sku(0), "0", "-c", "1")
    assert refused.exit_code == 1
    assert "above 0" in refused.output


def test_given_promotions_when_created_then_listed_and_a_sale_tomorrow_is_refused(
    cli_shop: JobEnvironment,
) -> None:
    now = cli_shop.clock.now()
    start, end = now.replace(year=2030), now.replace(year=2030, hour=now.hour + 2)
    created = cdlink(
        "promotions", "create", sku(0), sku(1), "-c", "1", "--percent", "20",
        "--start", start.isoformat(), "--end", end.isoformat(),
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    listed = cdlink("promotions", "list", "-c", "1")
    assert "flash_sale" in listed.output
    assert f"{sku(0)} waiting" in listed.output
    refused = cdlink(
        "promotions", "create", sku(2), "-c", "1", "--kind", "sale", "--percent", "20",
        "--start", "2000-01-02T00:00", "--end", "2000-01-05T00:00",
    )  # fmt: skip
    assert refused.exit_code == 1
