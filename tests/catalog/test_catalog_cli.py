"""``cdlink catalog validate|publish|export|import|refresh-taxonomy`` through the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cdlink.cli.main import app
from cdlink.core.settings import Settings
from cdlink.hub.catalog import products, publishing
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import StreamSchedule
from tests.support.catalog import (
    CONNECTION,
    add_products,
    gtin13,
    map_category,
    plain_leaf,
)

runner = CliRunner()


@pytest.fixture
def cli_shop(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    catalog_shop: JobEnvironment,
    settings: Settings,
) -> JobEnvironment:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDLINK_DATABASE_URL", catalog_shop.database.url)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(settings.data_dir))
    return catalog_shop


def catalog(*arguments: str) -> Result:
    return runner.invoke(app, ["catalog", *arguments])


def test_given_products_with_problems_when_validated_then_each_problem_is_printed_with_a_hint(
    cli_shop: JobEnvironment,
) -> None:
    map_category(cli_shop, plain_leaf(cli_shop))
    [sku] = add_products(cli_shop, 1, attributes={})
    with cli_shop.database.session() as session:
        products.update(session, cli_shop.clock, sku, {"pictures": ()})

    result = catalog("validate", sku)

    assert result.exit_code == 1, result.output
    assert f"{sku}\tsellerPictureUrls\tpicture_missing\tAdd at least one picture" in result.output
    with cli_shop.database.reading() as session:
        assert publishing.statuses_by_sku(session, CONNECTION)[sku].status == "needs_fixing"


def test_given_a_product_file_when_exported_and_imported_back_then_nothing_changes(
    cli_shop: JobEnvironment, tmp_path: Path
) -> None:
    add_products(cli_shop, 2, attributes={"Couleur": ["=Rouge"]})
    exported = tmp_path / "products.csv"

    first = catalog("export", "-o", str(exported), "--separator", ";")
    again = catalog("import", str(exported))
    second = catalog("export")

    assert first.exit_code == 0, first.output
    assert again.exit_code == 0, again.output
    assert "2 product(s) imported" in again.output
    assert "'=Rouge" in second.output
    assert gtin13(1) in second.output


def test_given_products_when_exported_for_excel_in_french_then_the_file_is_windows_1252(
    cli_shop: JobEnvironment, tmp_path: Path
) -> None:
    add_products(cli_shop, 1, attributes={"Matière": ["Céramique"]})
    exported = tmp_path / "products.csv"

    written = catalog("export", "-o", str(exported), "--format", "excel-fr")
    again = catalog("import", str(exported))

    assert written.exit_code == 0, written.output
    text = exported.read_bytes().decode("cp1252")
    assert text.startswith("sku;ean;title;")
    assert "attr:Matière" in text
    assert "Céramique" in text
    assert ";19,90;" in text
    assert again.exit_code == 0, again.output
    assert "1 product(s) imported" in again.output


def test_given_bad_arguments_when_exporting_or_importing_then_a_clear_error_and_nothing_written(
    cli_shop: JobEnvironment, tmp_path: Path
) -> None:
    missing = catalog("import", str(tmp_path / "nowhere.csv"))
    unknown = catalog("export", "--format", "xlsx")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"sku,ean,title\nGOOD-1,{gtin13(4)},Bon\nBAD-1,12AB,Mauvais\n")
    refused = catalog("import", str(bad))

    assert missing.exit_code == 1
    assert "no file" in missing.output
    assert "Check the path" in missing.output
    assert unknown.exit_code == 1
    assert "excel-fr" in unknown.output
    assert refused.exit_code == 1
    assert "line 3" in refused.output
    with cli_shop.database.reading() as session:
        assert products.find(session, "GOOD-1") is None


def test_given_a_connection_when_asking_for_a_refresh_and_publishing_then_the_streams_are_requested(
    cli_shop: JobEnvironment,
) -> None:
    refresh = catalog("refresh-taxonomy")
    publish = catalog("publish")

    assert (refresh.exit_code, publish.exit_code) == (0, 0), refresh.output + publish.output
    with cli_shop.database.reading() as session:
        for stream in ("taxonomy", "products"):
            schedule = session.get(StreamSchedule, (CONNECTION, stream))
            assert schedule is not None
            assert schedule.requested_at is not None
