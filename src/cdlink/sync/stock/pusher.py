"""The stock pusher: available-to-sell quantities to Cdiscount through Update offer packages.

Stock writes (``cdlink.hub.stock.inventory``) queue ``{"quantity": n}`` per (connection, SKU) in the
outbox through ``publish_to_outbox``, which wakes this stream (an event trigger). A run waits a
moment so a burst gathers, then drains the outbox in batches. The exporter template coalesces
(only each SKU's newest entry is sent, so an older value never overwrites a newer one) and skips
quantities the marketplace already confirmed. Each batch becomes one Update package: uploaded in
calls of ≤ 100 requests, marked Ready, polled until integrated, and its per-offer results read.
An offer the marketplace refused, or a package still integrating when the polling gives up, goes
back to the queue and is retried. ``stock_push_status`` records per SKU the last value sent, when,
and how it went, plus the last confirmed value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.octopia import RateLimited, ServerError, TransportError
from cdlink.octopia.models import IntegrationStatus, OfferRequest, PackageType
from cdlink.store.models import Connection, OutboxEntry, StockPushStatus
from cdlink.sync.engine import outbox
from cdlink.sync.engine.exporter import OutboxExporter, Push, PushOutcome
from cdlink.sync.engine.streams import StreamContext

STREAM = "stock"
CONFIRMED, REFUSED = "confirmed", "refused"


def publish_to_outbox(
    session: Session, connection_id: int, sku: str, quantity: int, now: datetime
) -> None:
    """The ``StockPublisher`` of the hub: queue the new quantity and wake the stock pusher."""
    outbox.add(
        session,
        connection_id=connection_id,
        stream=STREAM,
        key=sku,
        payload={"quantity": quantity},
        now=now,
    )


class StockPusher(OutboxExporter):
    """Drains the stock outbox of one connection into Update offer packages."""

    name = STREAM
    kind = "offer_stock"
    default_interval = None  # event-driven
    #: SKUs per package (uploaded ≤ 100 per call).
    batch_size: ClassVar[int] = 1000
    #: How long a woken run waits first, so that a burst of changes goes in one package.
    gather_seconds: ClassVar[float] = 1.0
    #: How often a package's state is read, and for how long before trying again later.
    poll_seconds: ClassVar[float] = 2.0
    poll_limit_seconds: ClassVar[float] = 300.0

    def wait(self, context: StreamContext, seconds: float) -> None:
        """Pause the run (the lease is renewed meanwhile), or stop it at the shutdown
        (``RunStopped``); tests advance a manual clock instead."""
        context.pause(seconds)

    def run(self, context: StreamContext) -> None:
        self.recover_claims(context)
        with context.transaction() as session:
            enabled = session.get_one(Connection, context.connection_id).stock_sync_enabled
        if not enabled:
            self._drop_pending(context)
            return
        self.wait(context, self.gather_seconds)
        self.drain(context)

    def _drop_pending(self, context: StreamContext) -> None:
        """Stock sync was turned off: what was queued is no longer to be sent."""
        with context.transaction() as session:
            now = context.clock.now()
            entries = outbox.claim(
                session,
                connection_id=context.connection_id,
                stream=self.name,
                holder=context.lease.holder,
                now=now,
                hold_for=self.claim_duration,
                limit=100_000,
            )
            for entry in entries:
                outbox.finish(entry, outbox.SUPERSEDED, now)
        context.count(superseded=len(entries))

    def push(self, context: StreamContext, pushes: Sequence[Push]) -> Mapping[int, PushOutcome]:
        offers = context.client().offer_packages
        requests = [
            OfferRequest(seller_external_reference=push.key, quantity=int(push.payload["quantity"]))
            for push in pushes
        ]
        package_id = offers.create(PackageType.UPDATE)
        calls = offers.add_requests(package_id, requests)
        offers.mark_ready(package_id)
        context.count(packages=1, upload_calls=calls)
        if not self._integrated(context, package_id):
            return {
                push.entry_id: PushOutcome(False, "package still integrating") for push in pushes
            }
        by_sku = {push.key: push.entry_id for push in pushes}
        outcomes: dict[int, PushOutcome] = {}
        for result in offers.results(package_id):
            entry_id = by_sku.get(result.seller_external_reference)
            if entry_id is not None:
                outcomes[entry_id] = _outcome(result.integration_status, result.results)
        return outcomes

    def export_batch(self, context: StreamContext) -> bool:
        """One batch; if the marketplace fails mid-way, the batch goes straight back to the queue.

        Otherwise its entries would stay claimed until the claim expires, minutes later.
        """
        pushes = self.claim(context)
        if pushes is None:
            return False
        try:
            outcomes = self.push(context, pushes) if pushes else {}
        except Exception as error:
            self._release(context, pushes, type(error).__name__)
            raise
        self.confirm(context, pushes, outcomes)
        return True

    def _release(self, context: StreamContext, pushes: Sequence[Push], reason: str) -> None:
        with context.transaction() as session:
            for push in pushes:
                entry = session.get_one(OutboxEntry, push.entry_id)
                outbox.release(entry, error=reason, retry_at=context.clock.now())

    def _integrated(self, context: StreamContext, package_id: str) -> bool:
        """Poll until the package is integrated; a failed poll is only a poll to do again."""
        offers = context.client().offer_packages
        waited = 0.0
        while waited < self.poll_limit_seconds:
            context.check_stop()
            try:
                if offers.get(package_id).is_finished:
                    return True
            except (ServerError, TransportError, RateLimited):
                pass
            self.wait(context, self.poll_seconds)
            waited += self.poll_seconds
        return False

    def confirm(
        self, context: StreamContext, pushes: Sequence[Push], outcomes: Mapping[int, PushOutcome]
    ) -> None:
        super().confirm(context, pushes, outcomes)
        now = context.clock.now()
        with context.transaction() as session:
            rows = _statuses(session, context.connection_id, [push.key for push in pushes])
            for push in pushes:
                outcome = outcomes.get(push.entry_id, PushOutcome(False, "no answer"))
                _record(session, rows, context.connection_id, push, outcome=outcome, now=now)


def _outcome(status: str, results: Sequence[object]) -> PushOutcome:
    if status == IntegrationStatus.INTEGRATED:
        return PushOutcome(True)
    codes = ", ".join(
        str(getattr(message, "result_code", None) or getattr(message, "message", ""))
        for message in results
    )
    return PushOutcome(False, f"{status}: {codes}" if codes else str(status))


def _statuses(session: Session, connection_id: int, skus: list[str]) -> dict[str, StockPushStatus]:
    """The push status rows of ``skus`` (one query per 500), by SKU."""
    found: dict[str, StockPushStatus] = {}
    for start in range(0, len(skus), 500):
        query = select(StockPushStatus).where(
            StockPushStatus.connection_id == connection_id,
            StockPushStatus.sku.in_(skus[start : start + 500]),
        )
        found.update((row.sku, row) for row in session.scalars(query))
    return found


def _record(
    session: Session,
    rows: dict[str, StockPushStatus],
    connection_id: int,
    push: Push,
    *,
    outcome: PushOutcome,
    now: datetime,
) -> None:
    quantity = int(push.payload["quantity"])
    row = rows.get(push.key)
    if row is None:
        row = StockPushStatus(connection_id=connection_id, sku=push.key)
        session.add(row)
        rows[push.key] = row
    row.quantity = quantity
    row.pushed_at = now
    row.outcome = CONFIRMED if outcome.confirmed else REFUSED
    row.reason = outcome.reason
    if outcome.confirmed:
        row.confirmed_quantity = quantity
        row.confirmed_at = now
