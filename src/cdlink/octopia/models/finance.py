"""Finance (reference §6.6, addendum §3) and order invoices (§6.2.9, addendum §2).

Field-level schemas are not published: the names here are the reference's and addendum's
(``eventType``, ``operationReference``, ``releasePaymentDate``, ``paymentState``, the ``sale``,
``commission`` and ``refund`` sub-objects) and, where they are silent, the sandbox's documented
assumptions. Every model keeps unknown fields. The sign of amounts is unknown (addendum §3), so
``FinancialOperation.net`` and ``Payment.net`` give the amount from the seller's side whatever the
convention: a ``Sale`` adds, every other event type takes away.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AliasChoices, Field

from cdlink.octopia.models.base import CamelModel, Money, UtcDatetime

INVOICE_MAX_BYTES = 10 * 1024 * 1024
"""Largest invoice file cdlink sends (an assumption: the real limit is not published)."""
PDF_MAGIC = b"%PDF-"
UBL_NAMESPACES = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
)


class EventType(StrEnum):
    SALE = "Sale"
    COMMISSION = "Commission"
    REFUND = "Refund"
    SUBSCRIPTION = "Subscription"
    LOGISTIC_FEE = "LogisticFee"


class PaymentState(StrEnum):
    NOT_PAYABLE = "NotPayable"
    ESTIMATED = "Estimated"
    PAID = "Paid"
    BLOCKED = "Blocked"
    IN_PROCESS = "InProcess"


class ImportStatus(StrEnum):
    RUNNING = "Running"
    SUCCESS = "Success"
    PARTIAL_SUCCESS = "PartialSuccess"
    FAILURE = "Failure"


class ImportFileStatus(StrEnum):
    RUNNING = "Running"
    SUCCESS = "Success"
    FAILURE = "Failure"


EventTypeValue = Annotated[EventType | str, Field(union_mode="left_to_right")]
PaymentStateValue = Annotated[PaymentState | str, Field(union_mode="left_to_right")]
ImportStatusValue = Annotated[ImportStatus | str, Field(union_mode="left_to_right")]
ImportFileStatusValue = Annotated[ImportFileStatus | str, Field(union_mode="left_to_right")]
FINAL_IMPORT_STATUSES = (ImportStatus.SUCCESS, ImportStatus.PARTIAL_SUCCESS, ImportStatus.FAILURE)

WITH_VAT = AliasChoices("amountWithVat", "amountWithTax")
"""§9 #3: the amount including VAT has been seen under both names."""


def signed(event_type: str, amount: Decimal) -> Decimal:
    """``amount`` from the seller's side: a sale is income, every other event a charge."""
    if amount < 0:
        return amount
    return amount if event_type == EventType.SALE else -amount


class AmountBreakdown(CamelModel):
    """A ``sale``, ``commission`` or ``refund`` sub-object (amounts as sent, usually positive)."""

    amount_with_vat: Money | None = Field(default=None, validation_alias=WITH_VAT)
    amount_without_vat: Money | None = None
    vat_amount: Money | None = None
    rate: Money | None = None


class FinancialOperation(CamelModel):
    """One financial event (a sale, a commission, a refund, a fee…)."""

    operation_id: str
    event_type: EventTypeValue
    operation_reference: str | None = None
    """What it concerns: an order id, or an invoice id (subscriptions)."""
    operation_date: UtcDatetime
    release_payment_date: UtcDatetime | None = None
    payment_state: PaymentStateValue | None = None
    payment_id: str | None = None
    invoice_id: str | None = None
    order_id: str | None = None
    order_line_id: str | None = None
    seller_product_id: str | None = None
    sales_channel: str | None = None
    gross_amount: Money
    vat_amount: Money | None = None
    currency_code: str = "EUR"
    sale: AmountBreakdown | None = None
    commission: AmountBreakdown | None = None
    refund: AmountBreakdown | None = None

    @property
    def net(self) -> Decimal:
        """The amount (VAT included) the operation adds to the seller's payouts."""
        return signed(str(self.event_type), self.gross_amount)

    @property
    def net_vat(self) -> Decimal:
        return signed(str(self.event_type), self.vat_amount or Decimal(0))


class Payment(CamelModel):
    """A payout: the operations released before its date, paid on the 1st, 11th and 21st."""

    payment_id: str
    payment_date: UtcDatetime
    payment_state: PaymentStateValue
    gross_amount: Money
    vat_amount: Money | None = None
    operation_count: int | None = None
    currency_code: str = "EUR"
    sales_channel: str | None = None

    @property
    def net(self) -> Decimal:
        """What the seller receives. A payout may be negative (fees above sales); an unsigned
        answer cannot say so, so the sum of the payout's operations is the reference."""
        return self.gross_amount


class Invoice(CamelModel):
    """A commission invoice (statement) from the marketplace to the seller."""

    invoice_id: str
    invoice_date: UtcDatetime
    invoice_type: str | None = None
    period_start: UtcDatetime | None = None
    period_end: UtcDatetime | None = None
    amount_with_vat: Money | None = Field(default=None, validation_alias=WITH_VAT)
    amount_without_vat: Money | None = None
    vat_amount: Money | None = None
    line_count: int | None = None
    currency_code: str = "EUR"


class InvoiceDetail(CamelModel):
    line_number: int | None = None
    operation_id: str | None = None
    operation_reference: str | None = None
    event_type: EventTypeValue | None = None
    amount_with_vat: Money = Field(validation_alias=WITH_VAT)
    amount_without_vat: Money | None = None
    vat_amount: Money | None = None


class OrderInvoiceDocument(CamelModel):
    """The customer invoice the seller uploaded for an order (a new one replaces it)."""

    document_id: str
    order_id: str
    file_name: str | None = None
    content_type: str | None = None
    size: int | None = None
    uploaded_at: UtcDatetime | None = None
    import_id: str | None = None
    # Cdiscount checks it asynchronously: Running, then Success or Failure (addendum §2).
    status: ImportFileStatusValue | None = None
    integration_status: str | None = None
    errors: list[str] = Field(default_factory=list)


class InvoiceImportFile(CamelModel):
    file_name: str
    order_id: str | None = None
    status: ImportFileStatusValue
    integration_status: str | None = None
    errors: list[str] = Field(default_factory=list)


class InvoiceImport(CamelModel):
    """A bulk upload of order invoices; its status and each file's."""

    import_id: str
    status: ImportStatusValue
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
    files: list[InvoiceImportFile] = Field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.status in FINAL_IMPORT_STATUSES

    @property
    def failed_files(self) -> list[InvoiceImportFile]:
        return [entry for entry in self.files if entry.status == ImportFileStatus.FAILURE]
