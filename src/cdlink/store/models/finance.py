"""Finance: the marketplace's operations and payouts, its commission invoices, what cdlink found
reconciling them, and the customer invoices the seller uploads per order.

Amounts of operations and payouts are kept in **cents** (``BigInteger``), signed from the
seller's side (a sale adds, a commission or a fee takes away): a sum over a million rows is then
exact on SQLite and PostgreSQL alike, and turned into a ``Decimal`` only when shown.

``finance_operations`` holds each operation once (unique per connection and marketplace id: the
last guard behind the finance stream's windows). ``finance_payouts`` keeps the payout as the
marketplace reported it and, after a reconciliation, the sum of its operations.
``finance_differences`` lists what the reconciliation found for the seller to review.

``order_invoice_uploads`` and ``order_invoice_imports`` record an upload *before* it is sent
(with the file, so that Retry can send it again) and its outcome.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from cdlink.store.base import Base
from cdlink.store.types import Amount, UtcDateTime


class FinanceOperation(Base):
    """One financial operation (sale, commission, refund, fee, subscription) of a connection."""

    __tablename__ = "finance_operations"
    __table_args__ = (
        UniqueConstraint("connection_id", "operation_id"),
        Index("ix_finance_operations_order", "connection_id", "marketplace_order_id"),
        Index("ix_finance_operations_payment", "connection_id", "payment_id"),
        Index("ix_finance_operations_date", "connection_id", "operation_date", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    operation_id: Mapped[str] = mapped_column(String(64))
    # Sale, Commission, Refund, Subscription, LogisticFee (or a type cdlink does not know yet)
    event_type: Mapped[str] = mapped_column(String(40))
    operation_reference: Mapped[str | None] = mapped_column(String(64), default=None)
    marketplace_order_id: Mapped[str | None] = mapped_column(String(64), default=None)
    order_line_id: Mapped[str | None] = mapped_column(String(64), default=None)
    seller_product_id: Mapped[str | None] = mapped_column(String(120), default=None)
    operation_date: Mapped[datetime] = mapped_column(UtcDateTime())
    release_payment_date: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    payment_id: Mapped[str | None] = mapped_column(String(64), default=None)
    payment_state: Mapped[str | None] = mapped_column(String(40), default=None)
    invoice_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # Signed from the seller's side, VAT included, in cents.
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    vat_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # The commission the operation charges (positive, VAT included, cents) and its rate.
    commission_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    commission_rate: Mapped[Decimal | None] = mapped_column(Amount(9, 4), default=None)
    currency: Mapped[str] = mapped_column(String(3))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FinancePayout(Base):
    """A payout (payment) of a connection: the marketplace's figures and cdlink's check."""

    __tablename__ = "finance_payouts"
    __table_args__ = (
        UniqueConstraint("connection_id", "payment_id"),
        Index("ix_finance_payouts_date", "connection_id", "payment_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    payment_id: Mapped[str] = mapped_column(String(64))
    payment_date: Mapped[datetime] = mapped_column(UtcDateTime())
    # NotPayable, Estimated, InProcess, Paid, Blocked
    state: Mapped[str] = mapped_column(String(40))
    # As the marketplace reported it (its sign may be lost: see the reconciliation), cents.
    reported_cents: Mapped[int] = mapped_column(BigInteger)
    reported_vat_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    reported_operations: Mapped[int | None] = mapped_column(Integer, default=None)
    currency: Mapped[str] = mapped_column(String(3))
    # The state in which its operations were last read (None: never): a Paid payout whose
    # operations were read once is final.
    operations_read_state: Mapped[str | None] = mapped_column(String(40), default=None)
    # Set by the reconciliation: the sum and count of its stored operations.
    operations_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    operations_found: Mapped[int | None] = mapped_column(Integer, default=None)
    reconciled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FinanceInvoice(Base):
    """A commission invoice (statement) the marketplace sent the seller."""

    __tablename__ = "finance_invoices"
    __table_args__ = (UniqueConstraint("connection_id", "invoice_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    invoice_id: Mapped[str] = mapped_column(String(64))
    invoice_date: Mapped[datetime] = mapped_column(UtcDateTime())
    invoice_type: Mapped[str | None] = mapped_column(String(40), default=None)
    period_start: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    period_end: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    amount_with_vat: Mapped[Decimal | None] = mapped_column(Amount(), default=None)
    amount_without_vat: Mapped[Decimal | None] = mapped_column(Amount(), default=None)
    vat_amount: Mapped[Decimal | None] = mapped_column(Amount(), default=None)
    line_count: Mapped[int | None] = mapped_column(Integer, default=None)
    currency: Mapped[str] = mapped_column(String(3))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FinanceDifference(Base):
    """Something the reconciliation found for the seller to review."""

    __tablename__ = "finance_differences"
    __table_args__ = (
        UniqueConstraint("connection_id", "kind", "reference"),
        Index("ix_finance_differences_open", "connection_id", "reviewed_at", "detected_at"),
        # The newest open differences (the Finance page), read backwards by PostgreSQL too.
        Index(
            "ix_finance_differences_newest",
            "detected_at",
            "id",
            postgresql_where=text("reviewed_at IS NULL"),
            sqlite_where=text("reviewed_at IS NULL"),
        ),
        # The API's differences by their last change (updated_since, sort=updated_at).
        Index("ix_finance_differences_updated", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    # commission, unpaid_sale, unexplained_refund, unknown_order, unmatched_sale, payout
    kind: Mapped[str] = mapped_column(String(40))
    # The operation id, or the payment id for a payout that its operations do not explain.
    reference: Mapped[str] = mapped_column(String(64))
    marketplace_order_id: Mapped[str | None] = mapped_column(String(64), default=None)
    order_line_id: Mapped[str | None] = mapped_column(String(64), default=None)
    payment_id: Mapped[str | None] = mapped_column(String(64), default=None)
    expected_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    actual_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    reviewed_by: Mapped[str | None] = mapped_column(String(254), default=None)
    # Detected, its figures changed, or reviewed: the API's updated_since.
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ProductCost(Base):
    """What one unit of a seller SKU costs the seller (for the margin of an order)."""

    __tablename__ = "product_costs"

    seller_sku: Mapped[str] = mapped_column(String(120), primary_key=True)
    cost: Mapped[Decimal] = mapped_column(Amount())
    currency: Mapped[str] = mapped_column(String(3))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OrderInvoiceImport(Base):
    """A bulk (ZIP) upload of customer invoices: recorded before it is sent, then followed."""

    __tablename__ = "order_invoice_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(String(255))
    # pending → sent (Running at the marketplace) → done | failed
    state: Mapped[str] = mapped_column(String(20))
    # The ZIP sent: only the files cdlink accepted.
    content: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # [{"file_name", "order_id", "status": accepted|refused|Running|Success|Failure, "errors"}]
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    marketplace_import_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # Running, Success, PartialSuccess, Failure
    marketplace_status: Mapped[str | None] = mapped_column(String(40), default=None)
    outcome: Mapped[str | None] = mapped_column(Text, default=None)
    attempted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    requested_by: Mapped[str | None] = mapped_column(String(254), default=None)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class OrderInvoiceUpload(Base):
    """The customer invoice of one order (PDF or UBL): recorded before it is sent, with its
    outcome; a newer upload replaces the older at the marketplace."""

    __tablename__ = "order_invoice_uploads"
    __table_args__ = (
        Index("ix_order_invoice_uploads_order", "order_id", "requested_at"),
        Index("ix_order_invoice_uploads_updated", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_invoice_imports.id", ondelete="CASCADE"), default=None
    )
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    # Kept until it is sent, so that Retry can send it again; emptied once done.
    content: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # pending → done | failed
    state: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(Text, default=None)
    document_id: Mapped[str | None] = mapped_column(String(64), default=None)
    attempted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    requested_by: Mapped[str | None] = mapped_column(String(254), default=None)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # Recorded, attempted or finished: the API's updated_since.
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OrderInvoiceState(Base):
    """What Cdiscount holds as an order's customer invoice, as last read from it: its document
    (None: none) and the status of its check (Running, Success, Failure)."""

    __tablename__ = "order_invoice_states"
    __table_args__ = (Index("ix_order_invoice_states_checked", "connection_id", "checked_at"),)

    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    document_id: Mapped[str | None] = mapped_column(String(64), default=None)
    file_name: Mapped[str | None] = mapped_column(String(255), default=None)
    status: Mapped[str | None] = mapped_column(String(40), default=None)
    errors: Mapped[str | None] = mapped_column(Text, default=None)
    uploaded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime())
