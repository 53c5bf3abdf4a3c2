"""Pure translation of marketplace finance records into hub drafts."""

from __future__ import annotations

from cdlink.hub.finance.records import InvoiceDraft, OperationDraft, PayoutDraft
from cdlink.octopia.models import FinancialOperation, Invoice, Payment


def operation_draft(operation: FinancialOperation) -> OperationDraft:
    """The operation from the seller's side (``net``: whatever sign convention the marketplace
    uses, a sale adds and every other event takes away)."""
    commission = operation.commission
    order_id = operation.order_id
    if order_id is None and str(operation.event_type) != "Subscription":
        order_id = operation.operation_reference
    return OperationDraft(
        operation_id=operation.operation_id,
        event_type=str(operation.event_type),
        operation_date=operation.operation_date,
        amount=operation.net,
        vat=operation.net_vat,
        currency=operation.currency_code,
        operation_reference=operation.operation_reference,
        marketplace_order_id=order_id,
        order_line_id=operation.order_line_id,
        seller_product_id=operation.seller_product_id,
        release_payment_date=operation.release_payment_date,
        payment_id=operation.payment_id,
        payment_state=None if operation.payment_state is None else str(operation.payment_state),
        invoice_id=operation.invoice_id,
        commission=(
            abs(commission.amount_with_vat)
            if commission is not None and commission.amount_with_vat is not None
            else None
        ),
        commission_rate=commission.rate if commission is not None else None,
    )


def payout_draft(payment: Payment) -> PayoutDraft:
    return PayoutDraft(
        payment_id=payment.payment_id,
        payment_date=payment.payment_date,
        state=str(payment.payment_state),
        amount=payment.gross_amount,
        vat=payment.vat_amount,
        operation_count=payment.operation_count,
        currency=payment.currency_code,
    )


def invoice_draft(invoice: Invoice) -> InvoiceDraft:
    return InvoiceDraft(
        invoice_id=invoice.invoice_id,
        invoice_date=invoice.invoice_date,
        invoice_type=invoice.invoice_type,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        amount_with_vat=invoice.amount_with_vat,
        amount_without_vat=invoice.amount_without_vat,
        vat_amount=invoice.vat_amount,
        line_count=invoice.line_count,
        currency=invoice.currency_code,
    )
