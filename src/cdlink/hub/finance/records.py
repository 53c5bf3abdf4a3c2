"""Operations, payouts and commission invoices as imported: the one place that writes them.

``save_operations`` is a batch upsert keyed on (connection, operation id): an operation read
twice (a window's look-back, a payout's listing, a run repeated after a crash) updates the row
it already has, so each operation is stored once whatever the faults. Only what may change on
the marketplace's side is updated: the payment (id and state), the release date, the invoice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.hub.finance.money import to_cents
from cdlink.hub.webhooks.events import emit
from cdlink.store.models import FinanceInvoice, FinanceOperation, FinancePayout

SALE, COMMISSION, REFUND, SUBSCRIPTION, LOGISTIC_FEE = (
    "Sale",
    "Commission",
    "Refund",
    "Subscription",
    "LogisticFee",
)
PAID, ESTIMATED, IN_PROCESS, BLOCKED, NOT_PAYABLE = (
    "Paid",
    "Estimated",
    "InProcess",
    "Blocked",
    "NotPayable",
)
_CHUNK = 500


@dataclass(frozen=True)
class OperationDraft:
    operation_id: str
    event_type: str
    operation_date: datetime
    amount: Decimal
    """Signed from the seller's side, VAT included."""
    vat: Decimal = Decimal(0)
    currency: str = "EUR"
    operation_reference: str | None = None
    marketplace_order_id: str | None = None
    order_line_id: str | None = None
    seller_product_id: str | None = None
    release_payment_date: datetime | None = None
    payment_id: str | None = None
    payment_state: str | None = None
    invoice_id: str | None = None
    commission: Decimal | None = None
    """The commission charged (positive, VAT included), when the operation carries one."""
    commission_rate: Decimal | None = None


@dataclass(frozen=True)
class PayoutDraft:
    payment_id: str
    payment_date: datetime
    state: str
    amount: Decimal
    vat: Decimal | None = None
    operation_count: int | None = None
    currency: str = "EUR"


@dataclass(frozen=True)
class InvoiceDraft:
    invoice_id: str
    invoice_date: datetime
    invoice_type: str | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    amount_with_vat: Decimal | None = None
    amount_without_vat: Decimal | None = None
    vat_amount: Decimal | None = None
    line_count: int | None = None
    currency: str = "EUR"


def save_operations(
    session: Session, connection_id: int, drafts: Sequence[OperationDraft], now: datetime
) -> Counter[str]:
    """Insert the new operations, update the known ones; returns created/updated/unchanged."""
    counts: Counter[str] = Counter()
    unique = {draft.operation_id: draft for draft in drafts}
    ids = list(unique)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = select(FinanceOperation).where(
            FinanceOperation.connection_id == connection_id,
            FinanceOperation.operation_id.in_(chunk),
        )
        known = {row.operation_id: row for row in session.scalars(query)}
        for operation_id in chunk:
            draft = unique[operation_id]
            row = known.get(operation_id)
            if row is None:
                session.add(_new_operation(connection_id, draft, now))
                counts["created"] += 1
            elif _update_operation(row, draft, now):
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
    session.flush()
    return counts


def _new_operation(connection_id: int, draft: OperationDraft, now: datetime) -> FinanceOperation:
    return FinanceOperation(
        connection_id=connection_id,
        operation_id=draft.operation_id,
        event_type=draft.event_type,
        operation_reference=draft.operation_reference,
        marketplace_order_id=draft.marketplace_order_id,
        order_line_id=draft.order_line_id,
        seller_product_id=draft.seller_product_id,
        operation_date=draft.operation_date,
        release_payment_date=draft.release_payment_date,
        payment_id=draft.payment_id,
        payment_state=draft.payment_state,
        invoice_id=draft.invoice_id,
        amount_cents=to_cents(draft.amount),
        vat_cents=to_cents(draft.vat),
        commission_cents=None if draft.commission is None else to_cents(draft.commission),
        commission_rate=draft.commission_rate,
        currency=draft.currency,
        imported_at=now,
        updated_at=now,
    )


def _update_operation(row: FinanceOperation, draft: OperationDraft, now: datetime) -> bool:
    changes = {
        "release_payment_date": draft.release_payment_date,
        "payment_id": draft.payment_id,
        "payment_state": draft.payment_state,
        "invoice_id": draft.invoice_id or row.invoice_id,
    }
    changed = False
    for name, value in changes.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        row.updated_at = now
    return changed


def save_payouts(
    session: Session, connection_id: int, drafts: Iterable[PayoutDraft], now: datetime
) -> list[FinancePayout]:
    """Insert or update the payouts; returns the rows whose operations should be read (new,
    changed state, or never read in their current state)."""
    unique = {draft.payment_id: draft for draft in drafts}
    query = select(FinancePayout).where(
        FinancePayout.connection_id == connection_id,
        FinancePayout.payment_id.in_(list(unique)),
    )
    known = {row.payment_id: row for row in session.scalars(query)} if unique else {}
    to_read = []
    for payment_id, draft in unique.items():
        row = known.get(payment_id)
        if row is None:
            row = FinancePayout(
                connection_id=connection_id,
                payment_id=payment_id,
                imported_at=now,
                currency=draft.currency,
            )
            session.add(row)
        newly_paid = draft.state == PAID and row.state != PAID
        row.payment_date = draft.payment_date
        row.state = draft.state
        row.reported_cents = to_cents(draft.amount)
        row.reported_vat_cents = None if draft.vat is None else to_cents(draft.vat)
        row.reported_operations = draft.operation_count
        row.updated_at = now
        if row.operations_read_state != row.state or row.state != PAID:
            to_read.append(row)
        if newly_paid:
            data = {
                "payment_id": payment_id,
                "payment_date": draft.payment_date.isoformat() if draft.payment_date else None,
                "amount": str(draft.amount),
                "currency": draft.currency,
            }
            emit(session, "payout.paid", data, connection_id=connection_id, now=now)
    session.flush()
    return to_read


def save_invoices(
    session: Session, connection_id: int, drafts: Iterable[InvoiceDraft], now: datetime
) -> int:
    """Insert the new commission invoices (an invoice never changes); returns how many."""
    unique = {draft.invoice_id: draft for draft in drafts}
    if not unique:
        return 0
    query = select(FinanceInvoice.invoice_id).where(
        FinanceInvoice.connection_id == connection_id,
        FinanceInvoice.invoice_id.in_(list(unique)),
    )
    known = set(session.scalars(query))
    created = 0
    for invoice_id, draft in unique.items():
        if invoice_id in known:
            continue
        session.add(
            FinanceInvoice(
                connection_id=connection_id,
                invoice_id=invoice_id,
                invoice_date=draft.invoice_date,
                invoice_type=draft.invoice_type,
                period_start=draft.period_start,
                period_end=draft.period_end,
                amount_with_vat=draft.amount_with_vat,
                amount_without_vat=draft.amount_without_vat,
                vat_amount=draft.vat_amount,
                line_count=draft.line_count,
                currency=draft.currency,
                imported_at=now,
            )
        )
        created += 1
    session.flush()
    return created


def mark_operations_read(payout: FinancePayout, now: datetime) -> None:
    """The payout's operations were read (and saved) in its current state."""
    if payout.operations_read_state != payout.state:
        payout.updated_at = now  # whether it matches can show from now on
    payout.operations_read_state = payout.state
