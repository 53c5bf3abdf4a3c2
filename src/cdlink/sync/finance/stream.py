"""The finance stream: operations, payouts and commission invoices of a connection, each stored
once, then reconciled.

A run does four steps, each committed on its own, so a run interrupted anywhere (a 429, a 5xx,
a revoked token, a killed worker) keeps what it committed and does the rest again next time:

1. **Operations**, window by window of ``operationDate`` (the cursor ``finance``, a look-back of
   three days for operations that appear late). An operation's date never changes, so a window
   read is final; each is saved by its id (``cdlink.hub.finance.records``: an upsert), in
   batches, and the window joins the cursor in the transaction of its last batch. An operation
   that does not fit its model is quarantined with its raw payload; the others go on.
2. **Payouts**: every payout is listed; one that is new, not paid yet, or paid since its
   operations were last read has its operations read (``paymentId``), which links each to it.
   A payout paid and read once is final and costs nothing more.
3. **Commission invoices** since the latest one stored (and a month before it), then the
   **customer invoice** Cdiscount holds for up to 500 shipped orders it has not accepted one for
   (``cdlink.sync.finance.invoice_states``), each order committed on its own.
4. **Reconciliation** (``cdlink.hub.finance.reconciliation``) of everything stored.

It runs daily, and at once when a connection is added (a new schedule is due immediately).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from cdlink.hub.finance.reconciliation import reconcile
from cdlink.hub.finance.records import (
    OperationDraft,
    mark_operations_read,
    save_invoices,
    save_operations,
    save_payouts,
)
from cdlink.octopia import OperationQuery
from cdlink.octopia.models import FinancialOperation
from cdlink.store.models import FinanceInvoice, FinancePayout
from cdlink.sync.engine import quarantine
from cdlink.sync.engine.cursors import Cursor
from cdlink.sync.engine.runs import log
from cdlink.sync.engine.streams import Stream, StreamContext
from cdlink.sync.engine.windows import Window
from cdlink.sync.finance import invoice_states
from cdlink.sync.finance.mapping import invoice_draft, operation_draft, payout_draft

STREAM = "finance"
PAGE_SIZE = 100


class FinanceImporter(Stream):
    """Imports operations, payouts and commission invoices, then reconciles; see the module."""

    name = STREAM
    default_interval = 86400  # daily; a new connection's schedule is due at once
    history = timedelta(days=400)
    lookback = timedelta(days=3)
    window_size = timedelta(days=31)
    batch_size = 2000

    def cursor(self, connection_id: int) -> Cursor:
        return Cursor(
            connection_id,
            self.name,
            history=self.history,
            lookback=self.lookback,
            size=self.window_size,
        )

    def run(self, context: StreamContext) -> None:
        cursor = self.cursor(context.connection_id)
        with context.database.reading() as session:
            windows = cursor.plan(session, context.clock.now())
        for window in windows:
            context.check_stop()
            self.import_window(context, cursor, window)
        context.check_stop()
        self.import_payouts(context)
        context.check_stop()
        self.import_invoices(context)
        context.check_stop()
        invoice_states.check_shipped(context)
        self.reconcile(context)

    # --- operations ---------------------------------------------------------------------------
    def import_window(self, context: StreamContext, cursor: Cursor, window: Window) -> None:
        query = OperationQuery(operation_date_min=window.start, operation_date_max=window.end)
        service = context.client().finance
        drafts: dict[str, OperationDraft] = {}
        rejected: list[tuple[str, str, Any]] = []
        for page in context.until_stopped(service.operation_pages(query, page_size=PAGE_SIZE)):
            for item in page.rejected:
                raw = item.raw
                external = str(raw.get("operationId")) if isinstance(raw, dict) else "?"
                rejected.append((external, item.reason, raw))
            for operation in page.items:
                if query.keeps(operation):
                    drafts[operation.operation_id] = operation_draft(operation)
        records = list(drafts.values())
        size = self.batch_size
        batches = [records[start : start + size] for start in range(0, len(records), size)]
        for number, batch in enumerate(batches or [[]], start=1):
            with context.transaction() as session:
                now = context.clock.now()
                counts = save_operations(session, context.connection_id, batch, now)
                if number >= len(batches):
                    self._quarantine(session, context, rejected)
                    cursor.complete(session, window, now)
            context.count(**{f"operations_{key}": value for key, value in counts.items()})
            context.made_progress()
        context.count(windows=1)

    def _quarantine(
        self, session: Any, context: StreamContext, rejected: list[tuple[str, str, Any]]
    ) -> None:
        now = context.clock.now()
        for external_id, reason, raw in rejected:
            news = quarantine.keep(
                session,
                connection_id=context.connection_id,
                stream=self.name,
                external_id=external_id,
                reason=reason,
                raw=raw,
                now=now,
            )
            if news:
                log(
                    session,
                    connection_id=context.connection_id,
                    kind="sync.record_rejected",
                    level="warning",
                    message=f"finance: operation {external_id} was not imported: {reason}",
                    now=now,
                    details={"external_id": external_id, "run_id": context.run_id},
                )
        if rejected:
            context.count(operations_rejected=len(rejected))

    # --- payouts ------------------------------------------------------------------------------
    def import_payouts(self, context: StreamContext) -> None:
        service = context.client().finance
        payments = [payout_draft(item) for item in service.payments()]
        with context.transaction() as session:
            to_read = [
                row.payment_id
                for row in save_payouts(
                    session, context.connection_id, payments, context.clock.now()
                )
            ]
        context.count(payouts=len(payments))
        for payment_id in to_read:
            context.check_stop()
            operations = service.payment_operations(payment_id)
            self._save_payout_operations(context, payment_id, operations)

    def _save_payout_operations(
        self, context: StreamContext, payment_id: str, operations: Iterable[FinancialOperation]
    ) -> None:
        drafts = [operation_draft(item) for item in operations]
        with context.transaction() as session:
            now = context.clock.now()
            counts = save_operations(session, context.connection_id, drafts, now)
            payout = session.scalars(
                select(FinancePayout).where(
                    FinancePayout.connection_id == context.connection_id,
                    FinancePayout.payment_id == payment_id,
                )
            ).one()
            mark_operations_read(payout, now)
        context.count(payouts_read=1, **{f"operations_{k}": v for k, v in counts.items()})
        context.made_progress()

    # --- commission invoices -------------------------------------------------------------------
    def import_invoices(self, context: StreamContext) -> None:
        with context.database.reading() as session:
            latest = session.scalar(
                select(func.max(FinanceInvoice.invoice_date)).where(
                    FinanceInvoice.connection_id == context.connection_id
                )
            )
        since = latest - timedelta(days=31) if latest is not None else None
        found = [invoice_draft(item) for item in context.client().finance.invoices(since)]
        with context.transaction() as session:
            created = save_invoices(session, context.connection_id, found, context.clock.now())
        context.count(invoices_created=created)
        context.made_progress()

    def reconcile(self, context: StreamContext) -> None:
        with context.transaction() as session:
            report = reconcile(session, context.connection_id, context.clock.now())
        context.count(differences=sum(report.differences.values()), differences_new=report.new)
