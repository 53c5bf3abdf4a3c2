"""Stock CSV: all-or-nothing uploads with an error report naming lines; export reads back."""

from __future__ import annotations

import pytest
from sqlalchemy import Select, select

from cdlink.hub.stock.csv_files import InvalidStockFileError, escape, export, unescape, upload
from cdlink.hub.stock.inventory import MAXIMUM_QUANTITY, add_product
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import OutboxEntry, Product, StockLevel, StockMovement, Warehouse
from tests.support.stock import inventory, sku


def test_given_a_clean_file_when_uploaded_then_levels_are_set_and_export_reads_them_back(
    shop: JobEnvironment,
) -> None:
    text = f"sku,warehouse,quantity\n{sku(0)},PARIS,7\n{sku(0)},LYON,3\n\n{sku(1)},LYON,0\n"
    with inventory(shop) as stock:
        assert upload(text, stock) == 3
        assert stock.available(1, stock.product(sku(0))) == 10

    with inventory(shop) as stock:
        exported = export(stock)
        assert f"{sku(0)},LYON,3\n{sku(0)},PARIS,7\n" in exported
        assert upload(exported, stock) == len(exported.splitlines()) - 1


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("article,depot,nombre\nSKU-00001,PARIS,1\n", [1]),
        ("", [1]),
        ("sku,warehouse,quantity\nSKU-00001,PARIS,-3\nSKU-00002,PARIS,2\nNOPE,PARIS,1\n", [2, 4]),
        (
            "sku,warehouse,quantity\nSKU-00001,MARS,1\nSKU-00001,PARIS,1.5\nSKU-00001,PARIS\n",
            [2, 3, 4],
        ),
        ("sku,warehouse,quantity\nSKU-00001,PARIS,1\nSKU-00001,PARIS,2\n", [3]),
        ("\ufeffsku,warehouse,quantity\nSKU-00003,LYON,abc\n", [2]),
    ],
)
def test_given_a_bad_file_when_uploaded_then_nothing_changes_and_the_lines_are_named(
    shop: JobEnvironment, text: str, lines: list[int]
) -> None:
    with shop.database.reading() as session:
        before = (
            len(session.scalars(select(StockMovement.id)).all()),
            len(session.scalars(select(OutboxEntry.id)).all()),
        )

    with pytest.raises(InvalidStockFileError) as caught, inventory(shop) as stock:
        upload(text, stock)

    assert [problem.line for problem in caught.value.problems] == lines
    assert all(f"line {line}" in str(caught.value) for line in lines)
    assert "nothing was changed" in caught.value.hint
    with shop.database.reading() as session:
        after = (
            len(session.scalars(select(StockMovement.id)).all()),
            len(session.scalars(select(OutboxEntry.id)).all()),
        )
    assert after == before


@pytest.mark.parametrize(
    "quantity",
    [
        "\u00b2",  # superscript two: str.isdigit() says yes; int() says no
        "\u0663",  # Arabic-Indic three: int() would read 3
        "\uff13",  # fullwidth three
        "5" * 5000,  # beyond int()'s digit limit
        "1000001",  # one over the bound
        str(2**63),
        "+3",
        "1_000",
    ],
)
def test_given_a_quantity_not_in_ascii_digits_or_too_large_when_uploaded_then_its_line_is_refused(
    shop: JobEnvironment, quantity: str
) -> None:
    text = f"sku,warehouse,quantity\n{sku(0)},PARIS,4\n{sku(1)},PARIS,{quantity}\n"

    with pytest.raises(InvalidStockFileError) as caught, inventory(shop) as stock:
        upload(text, stock)

    assert [problem.line for problem in caught.value.problems] == [3]
    assert f"from 0 to {MAXIMUM_QUANTITY:,}," in caught.value.problems[0].message
    assert len(caught.value.problems[0].message) < 200


def test_given_the_largest_quantity_when_uploaded_then_it_is_set(shop: JobEnvironment) -> None:
    with inventory(shop) as stock:
        assert upload(f"sku,warehouse,quantity\n{sku(0)},PARIS,1000000\n", stock) == 1
        assert f"{sku(0)},PARIS,1000000\n" in export(stock)


def test_given_a_field_over_the_csv_field_limit_when_uploaded_then_its_line_is_a_problem(
    shop: JobEnvironment,
) -> None:
    text = (
        f"sku,warehouse,quantity\n{sku(0)},PARIS,1\n{'x' * 140_000},PARIS,1\n"
        f"{sku(1)},PARIS,²\n{sku(2)},PARIS,2\n"
    )

    with pytest.raises(InvalidStockFileError) as caught, inventory(shop) as stock:
        upload(text, stock)

    assert [problem.line for problem in caught.value.problems] == [3, 4]
    assert "cannot be read as CSV" in caught.value.problems[0].message


FORMULAS = ('=HYPERLINK("http://x")', "+33 6", "-12", "@SUM(A1)", "'quoted", "=")


def test_given_skus_that_look_like_formulas_when_exported_then_escaped_and_they_upload_back(
    shop: JobEnvironment,
) -> None:
    with shop.database.session() as session:
        for index, item in enumerate(FORMULAS):
            add_product(session, shop.clock, item, title=f"Formula {index}")
    with inventory(shop) as stock:
        for index, item in enumerate(FORMULAS):
            stock.set_on_hand(item, "PARIS", index + 1, "count")

    with inventory(shop) as stock:
        exported = export(stock)
        applied = upload(exported, stock)
        again = export(stock)

    lines = exported.splitlines()
    assert '\'=HYPERLINK(""http://x"")",PARIS,1' in exported.replace("\"'", "'")
    assert "'+33 6,PARIS,2" in lines
    assert "'-12,PARIS,3" in lines
    assert "'@SUM(A1),PARIS,4" in lines
    assert "'quoted,PARIS,5" in lines  # no formula after the quote: left as it is
    assert "'=,PARIS,6" in lines
    assert not any(line.startswith(("=", "+", "-", "@", "\t")) for line in lines)
    assert applied == len(lines) - 1
    assert again == exported
    with inventory(shop) as stock:
        assert [stock.session.scalar(_level(item)) for item in FORMULAS] == list(
            range(1, len(FORMULAS) + 1)
        )


def _level(item: str) -> Select[tuple[int]]:
    return (
        select(StockLevel.on_hand)
        .join(Product, Product.id == StockLevel.product_id)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .where(Product.sku == item, Warehouse.code == "PARIS")
    )


def test_given_a_cell_starting_with_a_formula_or_a_tab_when_escaped_then_unescaped_back() -> None:
    for cell in ("\tx", "\rx", "=1", "+1", "-1", "@x"):
        assert escape(cell) == "'" + cell
        assert unescape(escape(cell)) == cell  # type: ignore[arg-type]
    assert escape("x=1") == "x=1"
    assert escape(3) == 3
    assert unescape("'x") == "'x"
