"""``cdlink stock show|set|adjust|import|export`` through the real CLI, on the stock shop.

The shop (conftest): connection 1 with stock sync on sells PARIS and LYON; every SKU counted 0 in
PARIS and Cdiscount in step. Each test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from cdlink.cli.main import app
from cdlink.core.clock import SystemClock
from cdlink.core.settings import Settings
from cdlink.hub.stock.queries import get_stock
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import OutboxEntry, StockLevel, StockMovement
from cdlink.web.stock.api import StockOut
from tests.support.stock import CONNECTION, sku

runner = CliRunner()


@pytest.fixture
def cli_shop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shop: JobEnvironment, settings: Settings
) -> JobEnvironment:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDLINK_DATABASE_URL", shop.database.url)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(settings.data_dir))
    return shop


def stock(*arguments: str) -> Result:
    return runner.invoke(app, ["stock", *arguments])


def written(shop: JobEnvironment) -> tuple[int, int]:
    """How many movements are journaled and pushes queued so far."""
    with shop.database.reading() as session:
        movements = session.scalar(select(func.count(StockMovement.id)))
        entries = session.scalar(select(func.count(OutboxEntry.id)))
    return int(movements or 0), int(entries or 0)


def pending_quantities(shop: JobEnvironment) -> dict[str, int]:
    """SKU → the newest quantity waiting in the stock outbox of connection 1."""
    query = (
        select(OutboxEntry)
        .where(OutboxEntry.connection_id == CONNECTION, OutboxEntry.state == "pending")
        .order_by(OutboxEntry.id)
    )
    with shop.database.reading() as session:
        return {entry.key: entry.payload["quantity"] for entry in session.scalars(query)}


def test_given_a_count_set_from_the_cli_when_the_sku_is_shown_then_every_figure_is_there(
    cli_shop: JobEnvironment,
) -> None:
    counted = stock("set", sku(0), "5", "--warehouse", "PARIS")
    shown = stock("show", sku(0))

    assert counted.exit_code == 0, counted.output
    assert counted.output.startswith(f"{sku(0)} in PARIS: 5 on hand; push queued for 1")
    assert shown.exit_code == 0, shown.output
    [header, _, row, cell] = shown.output.splitlines()
    assert header.split() == ["SKU", "PARIS", "reserved", "title"]
    assert row.split() == [sku(0), "5", "0", "Product", "0"]
    # connection, buffer 0, available 5, Cdiscount still 0 (the push is waiting), sending
    assert cell.split()[:7] == ["1", "Sandbox", "shop", "0", "5", "0", "sending"]
    assert pending_quantities(cli_shop) == {sku(0): 5}


def test_given_a_level_when_adjusted_with_a_reason_then_the_journal_keeps_the_reason(
    cli_shop: JobEnvironment,
) -> None:
    stock("set", sku(1), "5", "-w", "LYON", "--reason", "inventory")

    removed = stock("adjust", sku(1), "-2", "-w", "LYON", "--reason", "breakage")
    added = stock("adjust", sku(1), "+4", "-w", "LYON", "--reason", "return")

    assert removed.exit_code == 0, removed.output
    assert removed.output.startswith(f"{sku(1)} in LYON: -2, 3 on hand;")
    assert added.output.startswith(f"{sku(1)} in LYON: +4, 7 on hand;")
    with cli_shop.database.reading() as session:
        query = select(StockMovement).order_by(StockMovement.id.desc()).limit(3)
        journal = [(m.delta, m.on_hand_after, m.reason) for m in session.scalars(query)]
    assert journal == [(4, 7, "return"), (-2, 3, "breakage"), (5, 5, "inventory")]
    assert pending_quantities(cli_shop) == {sku(1): 7}


def test_given_too_few_units_when_adjusted_below_zero_then_it_is_refused_and_nothing_written(
    cli_shop: JobEnvironment,
) -> None:
    stock("set", sku(2), "1", "-w", "PARIS")
    before = written(cli_shop)

    refused = stock("adjust", sku(2), "-3", "-w", "PARIS", "--reason", "sale")

    assert refused.exit_code == 1
    assert f"error: {sku(2)}: only 1 on hand, cannot remove 3" in refused.output
    assert "hint: " in refused.output
    assert written(cli_shop) == before


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["set", sku(0), "3", "-w", "MARS"], "unknown warehouse 'MARS'"),
        (["adjust", sku(0), "3", "-w", "MARS", "--reason", "x"], "unknown warehouse 'MARS'"),
        (["set", "NOPE", "3", "-w", "PARIS"], "unknown SKU 'NOPE'"),
        (["set", sku(0), "-1", "-w", "PARIS"], f"{sku(0)}: on-hand cannot be negative (-1)"),
        (
            ["set", sku(0), "1000001", "-w", "PARIS"],
            f"{sku(0)}: on-hand cannot be over 1,000,000 units (1000001)",
        ),
        (
            ["adjust", sku(0), str(2**62), "-w", "PARIS", "--reason", "x"],
            f"{sku(0)}: on-hand cannot be over 1,000,000 units ({2**62})",
        ),
        (["adjust", sku(0), "1", "-w", "PARIS", "--reason", " "], "the reason must be 1 to 40"),
        (["set", sku(0), "1", "-w", "PARIS", "--reason", "r" * 41], "the reason must be 1 to 40"),
    ],
)
def test_given_a_bad_change_when_asked_then_it_is_refused_before_anything_is_written(
    cli_shop: JobEnvironment, arguments: list[str], expected: str
) -> None:
    before = written(cli_shop)

    refused = stock(*arguments)

    assert refused.exit_code == 1
    assert f"error: {expected}" in refused.output
    assert "hint: " in refused.output
    assert written(cli_shop) == before


def test_given_a_csv_file_when_imported_then_levels_are_set_and_pushes_queued(
    cli_shop: JobEnvironment, tmp_path: Path
) -> None:
    path = tmp_path / "counts.csv"
    path.write_text(f"sku,warehouse,quantity\n{sku(3)},PARIS,7\n{sku(3)},LYON,2\n{sku(4)},LYON,1\n")

    checked = stock("import", str(path), "--dry-run")
    untouched = pending_quantities(cli_shop)
    imported = stock("import", str(path))

    assert checked.exit_code == 0, checked.output
    assert checked.output.strip() == "3 line(s) can be applied; nothing was written (--dry-run)"
    assert untouched == {}
    assert imported.exit_code == 0, imported.output
    assert imported.output.startswith("3 line(s) applied; push queued for 1 connection(s)")
    assert pending_quantities(cli_shop) == {sku(3): 9, sku(4): 1}
    with cli_shop.database.reading() as session:
        query = select(StockMovement.reason).order_by(StockMovement.id.desc()).limit(3)
        reasons = list(session.scalars(query))
    assert reasons == ["csv"] * 3


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_given_a_csv_file_with_bad_lines_when_imported_then_nothing_is_written_and_lines_named(
    cli_shop: JobEnvironment, tmp_path: Path, dry_run: list[str]
) -> None:
    path = tmp_path / "counts.csv"
    path.write_text(
        f"sku,warehouse,quantity\n{sku(5)},PARIS,4\nNOPE,PARIS,1\n{sku(5)},MARS,1\n"
        f"{sku(6)},LYON,-2\n"
    )
    before = written(cli_shop)

    refused = stock("import", str(path), *dry_run)

    assert refused.exit_code == 1
    assert "error: the file was not applied: 3 problem(s)" in refused.output
    assert "line 3: unknown SKU 'NOPE'" in refused.output
    assert "line 4: unknown warehouse 'MARS'" in refused.output
    assert (
        "line 5: the quantity must be a whole number from 0 to 1,000,000, not '-2'"
        in refused.output
    )
    assert "line 2" not in refused.output
    assert "nothing was changed" in refused.output
    assert written(cli_shop) == before


def test_given_a_windows_1252_a_binary_or_no_file_when_imported_then_each_is_told_apart(
    cli_shop: JobEnvironment, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(f"sku;warehouse;quantity\n{sku(0)};PARIS;1\nÉ;PARIS;1\n".encode("cp1252"))
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"sku,warehouse,quantity\n\x81\x8d,PARIS,1\n")
    before = written(cli_shop)

    latin = stock("import", str(path))
    unreadable = stock("import", str(binary))
    missing = stock("import", str(tmp_path / "nowhere.csv"))

    assert latin.exit_code == 1
    assert "error: the file was not applied: 1 problem(s)" in latin.output
    assert "line 3: unknown SKU 'É'" in latin.output
    assert unreadable.exit_code == 1
    assert "line 2: the file is neither UTF-8 nor Windows-1252 text" in unreadable.output
    assert missing.exit_code == 1
    assert "no file" in missing.output
    assert written(cli_shop) == before


def test_given_levels_when_exported_then_the_file_imports_back_unchanged(
    cli_shop: JobEnvironment, tmp_path: Path
) -> None:
    stock("set", sku(7), "12", "-w", "LYON")
    stock("set", sku(7), "3", "-w", "PARIS")
    path = tmp_path / "stock.csv"

    printed = stock("export")
    saved = stock("export", "-o", str(path))
    imported = stock("import", str(path))
    piped = runner.invoke(app, ["stock", "import", "-"], input=printed.output)
    again = stock("export")

    assert printed.exit_code == 0, printed.output
    lines = printed.output.splitlines()
    assert lines[0] == "sku,warehouse,quantity"
    assert f"{sku(7)},LYON,12" in lines
    assert f"{sku(7)},PARIS,3" in lines
    assert saved.output.strip() == f"{len(lines) - 1} stock level(s) exported to {path}"
    assert path.read_text(encoding="utf-8") == printed.output
    assert imported.exit_code == 0, imported.output
    assert imported.output.startswith(f"{len(lines) - 1} line(s) applied")
    assert piped.output.startswith(f"{len(lines) - 1} line(s) applied")
    assert again.output == printed.output


def test_given_stock_when_shown_as_json_then_it_parses_in_the_api_shape(
    cli_shop: JobEnvironment,
) -> None:
    stock("set", sku(8), "6", "-w", "PARIS")

    listed = stock("show", "--json", "--page-size", "10")
    one = stock("show", sku(8), "--json")
    filtered = stock("show", "--json", "-q", sku(8), "-w", "PARIS", "-c", "Sandbox shop")
    none = stock("show", "--json", "--failed")

    assert listed.exit_code == 0, listed.output
    page = json.loads(listed.output)
    assert (page["total"], page["page"], page["page_size"], len(page["items"])) == (40, 1, 10, 10)
    assert [item["sku"] for item in json.loads(filtered.output)["items"]] == [sku(8)]
    assert json.loads(none.output)["items"] == []
    shown = json.loads(one.output)
    with cli_shop.database.reading() as session:
        row = get_stock(session, sku(8), SystemClock().now())
    # Field for field what GET /api/v1/stock/{sku} answers (the state depends on "now").
    assert shown == StockOut.of(row).model_dump(mode="json")
    assert shown["connections"][0]["available"] == 6


def test_given_a_list_when_shown_as_a_table_then_each_sku_has_its_connections_and_a_footer(
    cli_shop: JobEnvironment,
) -> None:
    listed = stock("show", "--page-size", "2", "--page", "3")
    past = stock("show", "--page", "99")
    unknown = stock("show", "NOPE")
    mixed = stock("show", sku(0), "--failed")

    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].split() == ["SKU", "LYON", "PARIS", "reserved", "title"]
    assert [line.split()[0] for line in lines[2:6]] == [sku(4), "1", sku(5), "1"]
    assert lines[-1] == "page 3 of 20 (40 SKU(s))"
    assert past.output.strip() == "page 99 is after the last one (1)"
    assert unknown.exit_code == 1
    assert "error: unknown SKU 'NOPE'" in unknown.output
    assert mixed.exit_code == 1


def test_given_a_level_when_shown_then_it_matches_the_database(
    cli_shop: JobEnvironment,
) -> None:
    stock("set", sku(9), "4", "-w", "LYON")

    shown = json.loads(stock("show", sku(9), "--json").output)

    with cli_shop.database.reading() as session:
        levels = session.scalars(select(StockLevel.on_hand).where(StockLevel.on_hand > 0)).all()
    assert list(levels) == [4]
    assert shown["on_hand"] == {"LYON": 4, "PARIS": 0}
    assert shown["total_on_hand"] == 4
