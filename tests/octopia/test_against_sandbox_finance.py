"""The finance and order invoice services against the sandbox: exactly-once windows, payout
reconciliation to the cent, the planted discrepancies, uploads, bulk imports, every variant of
each conflict, and faults on the new routes."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cdlink.core.clock import ManualClock
from cdlink.octopia import OctopiaClient, OperationQuery, RuleViolation, ServerError
from cdlink.octopia.models import EventType, ImportFileStatus, ImportStatus, PaymentState
from cdlink.sandbox import Sandbox, SandboxConfig
from tests.support.octopia_sandbox import connect

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = 86400.0
PDF = b"%PDF-1.7\n% an invoice\n%%EOF\n"
UBL = (
    b'<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:'
    b'Invoice-2"><ID>F-1</ID></Invoice>'
)


@pytest.fixture
def sandbox() -> Sandbox:
    sandbox = Sandbox(
        SandboxConfig(seed=3, customer_cancel_probability=0.0), clock=ManualClock(START)
    )
    sandbox.advance(40 * DAY)
    return sandbox


@pytest.fixture(params=["signed", "unsigned"])
def amounts(request: pytest.FixtureRequest, sandbox: Sandbox) -> str:
    sandbox.set_variants(finance_amounts=request.param)
    return str(request.param)


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[OctopiaClient]:
    with connect(sandbox) as connected:
        yield connected


def now(sandbox: Sandbox) -> datetime:
    return datetime.fromisoformat(sandbox.now())


def requests_to(sandbox: Sandbox, endpoint: str) -> int:
    return sum(1 for request in sandbox.requests() if request["endpoint"] == endpoint)


def test_given_consecutive_windows_when_streaming_operations_then_each_comes_exactly_once(
    sandbox: Sandbox, client: OctopiaClient, amounts: str
) -> None:
    end = now(sandbox)
    everything = list(client.finance.operations(None, end, page_size=7))
    bounds = [START - timedelta(days=400), *(START + timedelta(days=d) for d in range(0, 45, 3))]
    windowed = [
        op.operation_id
        for low, high in zip(bounds, [*bounds[1:], end], strict=True)
        for op in client.finance.operations(low, high, page_size=5)
    ]

    assert windowed == [op.operation_id for op in everything]
    assert len(set(windowed)) == len(windowed)
    assert client.finance.count_operations(OperationQuery(operation_date_max=end)) >= len(windowed)
    assert all(isinstance(op.gross_amount, Decimal) for op in everything)
    sales = [op for op in everything if op.event_type == EventType.SALE]
    assert sales
    assert all(op.net > 0 for op in sales)
    assert all(op.net < 0 for op in everything if op.event_type == EventType.COMMISSION)


def test_given_a_moving_clock_when_importing_window_after_window_then_nothing_is_missed(
    sandbox: Sandbox, client: OctopiaClient
) -> None:
    imported: list[str] = []
    created: set[str] = set()
    mark = START - timedelta(days=400)
    for _ in range(6):
        created.update(sandbox.create_orders(2, status="Delivered"))
        sandbox.advance(0.6 * DAY)
        end = now(sandbox)
        imported += [op.operation_id for op in client.finance.operations(mark, end)]
        mark = end
    sandbox.advance(2 * DAY)
    final = [op.operation_id for op in client.finance.operations(None, mark)]

    assert imported == final
    assert len(set(imported)) == len(imported)
    assert sum(1 for op in imported if op.startswith("S-") and op[2:17] in created) >= 8


@pytest.mark.parametrize("schedule", ["calendar", "on_demand"])
def test_given_payouts_when_reconciling_then_each_matches_its_operations_to_the_cent(
    sandbox: Sandbox, client: OctopiaClient, amounts: str, schedule: str
) -> None:
    sandbox.set_variants(payout_schedule=schedule)

    payments = list(client.finance.payments())
    reconciled = [client.finance.reconcile(payment) for payment in payments]

    assert any(payment.payment_state == PaymentState.PAID for payment in payments)
    assert all(item.matches for item in reconciled), [
        (item.payment.payment_id, item.difference) for item in reconciled
    ]
    assert client.finance.count_payments() == len(payments)


def test_given_planted_discrepancies_when_a_seller_checks_then_the_client_finds_exactly_them(
    sandbox: Sandbox, client: OctopiaClient
) -> None:
    operations = list(client.finance.operations())
    wrong = []
    for op in operations:
        if op.event_type != EventType.COMMISSION or op.commission is None:
            continue
        order = client.orders.get(str(op.order_id))
        line = next(line for line in order.lines if line.order_line_id == op.order_line_id)
        assert line.offer_price.commission is not None
        if op.commission.rate != line.offer_price.commission.rate:
            wrong.append(op.operation_id)
    never_paid = [
        op.operation_id
        for op in operations
        if op.event_type == EventType.SALE and op.payment_state == PaymentState.BLOCKED
    ]
    planted = sandbox.finance_discrepancies()

    assert wrong == [item["operationId"] for item in planted["wrongCommissions"]] != []
    assert never_paid == [item["operationId"] for item in planted["unpaidSales"]] != []


def test_given_the_tax_named_variant_when_reading_commissions_then_amounts_are_read(
    sandbox: Sandbox, client: OctopiaClient
) -> None:
    sandbox.set_variants(commission_field="amountWithTax")

    commissions = list(client.finance.operations(event_types=(EventType.COMMISSION,)))

    assert commissions
    assert all(op.commission and op.commission.amount_with_vat for op in commissions)
    assert all(-op.net == op.commission.amount_with_vat for op in commissions if op.commission)


def test_given_commission_invoices_when_reading_them_then_details_add_up_and_pdf_comes(
    client: OctopiaClient,
) -> None:
    invoices = list(client.finance.invoices())

    assert invoices
    for invoice in invoices:
        details = list(client.finance.invoice_details(invoice.invoice_id))
        assert sum((d.amount_with_vat for d in details), Decimal(0)) == invoice.amount_with_vat
        assert client.finance.count_invoice_details(invoice.invoice_id) == len(details)
    assert client.finance.invoice_document(invoices[-1].invoice_id).startswith(b"%PDF-")


# --- order invoices ----------------------------------------------------------------------------
def test_given_an_order_when_uploading_twice_then_the_second_invoice_replaces_the_first(
    sandbox: Sandbox, client: OctopiaClient
) -> None:
    order_id = sandbox.create_orders(1, status="Shipped")[0]

    client.order_invoices.upload(order_id, "first.pdf", PDF)
    second = client.order_invoices.upload(order_id, "second.xml", UBL)

    assert client.order_invoices.documents(order_id) == [second]
    assert second.content_type == "application/xml"


def test_given_an_uploaded_invoice_when_listing_it_later_then_its_check_status_is_read(
    sandbox: Sandbox, client: OctopiaClient
) -> None:
    order_id = sandbox.create_orders(1, status="Shipped")[0]

    sent = client.order_invoices.upload(order_id, "invoice.pdf", PDF)
    sandbox.advance(sandbox.config.finance.invoice_import_seconds + 1)
    (listed,) = client.order_invoices.documents(order_id)

    assert sent.status == ImportFileStatus.RUNNING
    assert (listed.status, listed.integration_status) == (ImportFileStatus.SUCCESS, "Uploaded")


@pytest.mark.parametrize(
    ("order_id", "content", "rule"),
    [
        ("2603020900ABCDE", b"GIF89a", "invoice_file"),
        ("2603020900ABCDE", b"<Invoice><ID>1</ID></Invoice>", "invoice_file"),
        ("2603020900ABCDE", b"%PDF-" + b"0" * (10 * 1024 * 1024), "invoice_file"),
        ("../orders", PDF, "invoice_order_id"),
    ],
)
def test_given_a_bad_invoice_when_uploading_then_it_is_refused_before_sending(
    sandbox: Sandbox, client: OctopiaClient, order_id: str, content: bytes, rule: str
) -> None:
    with pytest.raises(RuleViolation) as raised:
        client.order_invoices.upload(order_id, "invoice.pdf", content)

    assert (raised.value.rule, raised.value.sent) == (rule, False)
    assert requests_to(sandbox, "order_invoices.upload") == 0


def test_given_an_order_not_accepted_when_uploading_then_the_marketplace_rule_is_named(
    sandbox: Sandbox, client: OctopiaClient
) -> None:
    order_id = sandbox.create_orders(1, status="WaitingAcceptance")[0]

    with pytest.raises(RuleViolation) as raised:
        client.order_invoices.upload(order_id, "invoice.pdf", PDF)

    assert (raised.value.rule, raised.value.sent) == ("order_status", True)


def archive(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as opened:
        for name, content in files.items():
            opened.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "files",
    [
        {"notes.txt": PDF},
        {"bad name!.pdf": PDF},
        {"folder/2603020900ABCDE.pdf": PDF},
        {"2603020900ABCDE.pdf": b"not a pdf"},
        {"2603020900ABCDE.pdf": PDF, "2603020900ABCDE.xml": UBL},
        {},
    ],
)
def test_given_a_zip_with_a_bad_entry_when_importing_then_it_is_refused_before_sending(
    sandbox: Sandbox, client: OctopiaClient, files: dict[str, bytes]
) -> None:
    with pytest.raises(RuleViolation) as raised:
        client.order_invoices.import_zip(archive(files))

    assert raised.value.sent is False
    assert raised.value.rule in ("invoice_zip", "invoice_file")
    assert requests_to(sandbox, "invoice_imports.create") == 0


def test_given_a_bulk_import_when_polling_then_it_ends_with_each_file_status(
    sandbox: Sandbox, client: OctopiaClient
) -> None:
    good, other = sandbox.create_orders(2, status="Delivered")
    created = client.order_invoices.import_files({good: PDF, other: UBL, "2603020900NOPE0": PDF})

    done = client.order_invoices.wait_for_import(
        created.import_id, interval=30, sleep=sandbox.advance
    )

    assert created.status == ImportStatus.RUNNING
    assert done.status == ImportStatus.PARTIAL_SUCCESS
    assert [entry.file_name for entry in done.failed_files] == ["2603020900NOPE0.pdf"]
    assert client.order_invoices.documents(good)[0].import_id == created.import_id


@pytest.mark.parametrize("paging", ["cursor", "page"])
def test_given_many_imports_when_listing_then_each_comes_once_in_both_paging_variants(
    sandbox: Sandbox, client: OctopiaClient, paging: str
) -> None:
    sandbox.set_variants(invoice_imports_paging=paging)
    order_id = sandbox.create_orders(1, status="Delivered")[0]
    created = [client.order_invoices.import_files({order_id: PDF}).import_id for _ in range(6)]

    listed = [item.import_id for item in client.order_invoices.imports(page_size=2)]
    exact = [item.import_id for item in client.order_invoices.imports(page_size=3)]

    assert listed == created
    assert exact == created


# --- faults --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("endpoint", "status"),
    [("operations.list", 503), ("payments.list", 429), ("invoices.details", 500)],
)
def test_given_a_passing_fault_on_a_finance_read_when_reading_then_the_client_retries(
    sandbox: Sandbox, client: OctopiaClient, endpoint: str, status: int
) -> None:
    invoice_id = next(iter(client.finance.invoices())).invoice_id
    sandbox.add_fault({"kind": "status", "endpoint": endpoint, "status": status, "count": 2})
    reads = {
        "operations.list": lambda: list(client.finance.operations()),
        "payments.list": lambda: list(client.finance.payments()),
        "invoices.details": lambda: list(client.finance.invoice_details(invoice_id)),
    }

    assert reads[endpoint]()
    assert requests_to(sandbox, endpoint) >= 3


def test_given_an_upload_answered_503_when_uploading_then_it_is_not_repeated(
    sandbox: Sandbox, client: OctopiaClient
) -> None:
    order_id = sandbox.create_orders(1, status="Shipped")[0]
    sandbox.add_fault(
        {"kind": "status", "endpoint": "order_invoices.upload", "status": 503, "count": 1}
    )

    with pytest.raises(ServerError):
        client.order_invoices.upload(order_id, "invoice.pdf", PDF)

    assert requests_to(sandbox, "order_invoices.upload") == 1


def test_given_revoked_tokens_when_reading_finance_then_the_client_renews_and_reads(
    sandbox: Sandbox, client: OctopiaClient
) -> None:
    first = list(client.finance.payments())
    sandbox.revoke_tokens()

    assert list(client.finance.payments()) == first
