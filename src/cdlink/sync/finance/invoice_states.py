"""Reads back what Cdiscount holds as each order's customer invoice (its document and the
status of its check) and stores it (``cdlink.hub.finance.invoice_states``).

The finance stream reads, each run, up to ``CHECKS_PER_RUN`` shipped orders whose invoice
Cdiscount has not accepted (least recently read first); the ``invoice_uploads`` stream records
the document each upload returns, then follows those Cdiscount is still checking. Each order is
committed on its own, so an interrupted run keeps what it read.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdlink.hub.finance import invoice_states
from cdlink.octopia import NotFound
from cdlink.octopia.models import OrderInvoiceDocument
from cdlink.sync.engine.streams import StreamContext

CHECKS_PER_RUN = 500
FOLLOWS_PER_RUN = 100


def draft(document: OrderInvoiceDocument) -> invoice_states.DocumentDraft:
    return invoice_states.DocumentDraft(
        document_id=document.document_id,
        file_name=document.file_name,
        status=None if document.status is None else str(document.status),
        errors=tuple(document.errors),
        uploaded_at=document.uploaded_at,
    )


def read(context: StreamContext, orders: Sequence[tuple[int, str]]) -> None:
    """Read and store the invoice document of each (order id, marketplace order id)."""
    if not orders:
        return
    service = context.client().order_invoices
    for order_id, marketplace_order_id in orders:
        context.check_stop()
        try:
            documents = service.documents(marketplace_order_id)
        except NotFound:
            documents = []  # the marketplace no longer shows the order: nothing to read
        latest = max(
            documents,
            key=lambda item: (item.uploaded_at is not None, item.uploaded_at),
            default=None,
        )
        with context.transaction() as session:
            invoice_states.record(
                session,
                context.connection_id,
                order_id,
                None if latest is None else draft(latest),
                context.clock.now(),
            )
        context.count(invoice_states_read=1)
        context.made_progress()


def check_shipped(context: StreamContext, *, limit: int = CHECKS_PER_RUN) -> None:
    with context.database.reading() as session:
        orders = invoice_states.to_check(
            session, context.connection_id, context.clock.now(), limit=limit
        )
    read(context, orders)


def follow_running(context: StreamContext, *, limit: int = FOLLOWS_PER_RUN) -> None:
    with context.database.reading() as session:
        orders = invoice_states.running(session, context.connection_id, limit=limit)
    read(context, orders)
