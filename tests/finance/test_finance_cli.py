"""``cdlink finance payouts|export`` and ``cdlink invoices upload`` through the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cdlink.cli.main import app
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import Order, OrderInvoiceUpload
from tests.support.finance import import_finance

runner = CliRunner()
PDF = b"%PDF-1.7\n% an invoice\n%%EOF\n"


@pytest.fixture
def cli_shop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shop: JobEnvironment, settings: Settings
) -> JobEnvironment:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDLINK_DATABASE_URL", shop.database.url)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(settings.data_dir))
    import_finance(shop)
    return shop


def test_given_imported_payouts_when_listed_and_exported_then_both_print(
    cli_shop: JobEnvironment, tmp_path: Path
) -> None:
    listed = runner.invoke(app, ["finance", "payouts"])
    target = tmp_path / "ops.csv"
    exported = runner.invoke(
        app, ["finance", "export", "operations", "--excel-fr", "-o", str(target)]
    )

    assert listed.exit_code == 0, listed.output
    assert "explained" in listed.output
    assert exported.exit_code == 0, exported.output
    assert target.read_bytes().decode("cp1252").startswith("operation_id;date;type")


def test_given_an_invoice_file_named_after_its_order_when_uploaded_then_it_is_recorded(
    cli_shop: JobEnvironment, tmp_path: Path
) -> None:
    with cli_shop.database.reading() as session:
        order = session.scalars(select(Order).order_by(Order.id)).first()
        assert order is not None
    good = tmp_path / f"{order.marketplace_order_id}.pdf"
    good.write_bytes(PDF)
    bad = tmp_path / "notes.txt"
    bad.write_bytes(b"hello")

    sent = runner.invoke(app, ["invoices", "upload", str(good)])
    refused = runner.invoke(
        app, ["invoices", "upload", str(bad), "--order", order.marketplace_order_id]
    )

    assert sent.exit_code == 0, sent.output
    assert "pending" in sent.output
    assert refused.exit_code != 0
    assert "neither a PDF nor a UBL" in refused.output
    with cli_shop.database.reading() as session:
        assert len(session.scalars(select(OrderInvoiceUpload)).all()) == 1
