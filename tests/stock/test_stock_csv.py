"""Stock CSV: all-or-nothing uploads with an error report naming lines; export reads back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cdlink.hub.stock.csv_files import InvalidStockFileError, export, upload
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import OutboxEntry, StockMovement
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
        ("sku;warehouse;quantity\nSKU-00001;PARIS;1\n", [1]),
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
