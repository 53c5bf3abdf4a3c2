"""The stock pusher: available-to-sell quantities to Cdiscount through Update offer packages.

Stock writes (``cdlink.hub.stock.inventory``) queue ``{"quantity": n}`` per (connection, SKU) in the
outbox through ``publish_to_outbox``, which wakes this stream (an event trigger). A run waits a
moment so a burst gathers, then drains the outbox in batches. The exporter template coalesces
(only each SKU's newest entry is sent, so an older value never overwrites a newer one) and skips
quantities the marketplace already confirmed, unless an order of the SKU changed since
(``already_confirmed``: Cdiscount takes an order's units itself, so the quantity it confirmed may
no longer be its own). Each batch becomes one Update package: uploaded in
calls of ≤ 100 requests, marked Ready, polled until integrated, and its per-offer results read.
An offer the marketplace refused, or a package still integrating when the polling gives up, goes
back to the queue and is retried. ``stock_push_status`` records per SKU the last value sent, when,
and how it went, plus the last confirmed value.

Prices travel in the same packages (``cdlink.sync.pricing.offers``): entries keyed ``price:<SKU>``
become price requests, merged with the SKU's quantity request into one; a price no longer wanted
(held by a guard, or replaced) is withheld, and a price breaking a marketplace rule is refused
before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import ClassVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cdlink.hub.stock.figures import chunks
from cdlink.hub.webhooks.events import emit
from cdlink.octopia import RateLimited, ServerError, TransportError
from cdlink.octopia.models import IntegrationStatus, OfferRequest, PackageType, coalesce
from cdlink.store.models import (
    Binding,
    Connection,
    Order,
    OrderLine,
    OutboxEntry,
    StockPushStatus,
)
from cdlink.sync.engine import outbox
from cdlink.sync.engine.exporter import OutboxExporter, Push, PushOutcome
from cdlink.sync.engine.streams import StreamContext
from cdlink.sync.pricing import offers as prices

STREAM = "stock"
CONFIRMED, REFUSED = "confirmed", "refused"


def moved_since_pushed(session: Session, connection_id: int, skus: Sequence[str]) -> set[str]:
    """Those of ``skus`` never pushed, or with an order changed since their last push was sent
    (in queries of 500 SKUs)."""
    moved: set[str] = set()
    for chunk in chunks(skus):
        rows = session.execute(
            select(StockPushStatus.sku, StockPushStatus.pushed_at).where(
                StockPushStatus.connection_id == connection_id, StockPushStatus.sku.in_(chunk)
            )
        )
        pushed = dict(rows.all())
        moved.update(sku for sku in chunk if sku not in pushed)
        if not pushed:
            continue
        changed = session.execute(
            select(OrderLine.seller_sku, func.max(Order.updated_at))
            .join(Order, Order.id == OrderLine.order_id)
            .where(
                Order.connection_id == connection_id,
                OrderLine.seller_sku.in_(list(pushed)),
                Order.updated_at >= min(pushed.values()),
            )
            .group_by(OrderLine.seller_sku)
        )
        moved.update(sku for sku, last in changed if sku and last >= pushed[sku])
    return moved


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
    #: Outbox entries claimed per package: after coalescing, one request per SKU (uploaded
    #: ≤ 100 per call). Large enough that a burst mixing stock and prices (two keys per SKU,
    #: their newest values spread through the queue) still goes in one package.
    batch_size: ClassVar[int] = 5000
    #: How long a woken run waits first, so that a burst of changes goes in one package.
    gather_seconds: ClassVar[float] = 1.0
    #: How often a package's state is read, and for how long before trying again later.
    poll_seconds: ClassVar[float] = 2.0
    poll_limit_seconds: ClassVar[float] = 300.0

    def already_confirmed(
        self, session: Session, entries: Sequence[OutboxEntry], bindings: Mapping[str, Binding]
    ) -> set[int]:
        """A price confirmed as it is queued is not sent again; a quantity neither, unless an
        order of the SKU changed since that quantity was sent. Cdiscount takes an order's units
        itself when it is placed and gives them back when it is cancelled, so after such an order
        the quantity confirmed may be Cdiscount's no longer, even when available-to-sell came
        back to it (an order reserved a unit, then a count raised: the push of the count was
        coalesced away, and Cdiscount kept the unit the order took)."""
        confirmed = super().already_confirmed(session, entries, bindings)
        quantities = [
            entry
            for entry in entries
            if entry.id in confirmed and not prices.is_price_key(entry.key)
        ]
        if not quantities:
            return confirmed
        moved = moved_since_pushed(
            session, quantities[0].connection_id, [entry.key for entry in quantities]
        )
        return confirmed - {entry.id for entry in quantities if entry.key in moved}

    def wait(self, context: StreamContext, seconds: float) -> None:
        """Pause the run (the lease is renewed meanwhile), or stop it at the shutdown
        (``RunStopped``); tests advance a manual clock instead."""
        context.pause(seconds)

    def run(self, context: StreamContext) -> None:
        self.recover_claims(context)
        with context.transaction() as session:
            enabled = session.get_one(Connection, context.connection_id).stock_sync_enabled
        if not enabled and not self._drop_pending(context):
            return
        self.wait(context, self.gather_seconds)
        self.drain(context)

    def _drop_pending(self, context: StreamContext) -> bool:
        """Stock sync was turned off: the quantities queued are no longer to be sent (prices
        are, on their own switch). True when prices are left to send."""
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
            kept = [entry for entry in entries if prices.is_price_key(entry.key)]
            for entry in entries:
                if prices.is_price_key(entry.key):
                    entry.attempts -= 1  # looked at, not tried
                    outbox.release(entry, error="", retry_at=now)
                    entry.last_error = None
                else:
                    outbox.finish(entry, outbox.SUPERSEDED, now)
        context.count(superseded=len(entries) - len(kept))
        return bool(kept)

    def push(self, context: StreamContext, pushes: Sequence[Push]) -> Mapping[int, PushOutcome]:
        offers = context.client().offer_packages
        by_sku: dict[str, list[int]] = {}
        for push in pushes:
            by_sku.setdefault(prices.sku_of(push.key), []).append(push.entry_id)
        # One request per SKU: its quantity and its price together.
        requests = coalesce(_request(push) for push in pushes)
        outcomes: dict[int, PushOutcome] = {}
        problems = offers.check_updates(requests, now=context.clock.now())
        if problems:  # a price breaking a marketplace rule is refused here; its stock still goes
            for push in pushes:
                found = problems.get(prices.sku_of(push.key))
                if found and prices.is_price_key(push.key):
                    reason = f"{found[0].rule}: {found[0].description}"
                    outcomes[push.entry_id] = PushOutcome(False, reason)
            requests = coalesce(_request(p) for p in pushes if p.entry_id not in outcomes)
        if not requests:
            return outcomes
        package_id = offers.create(PackageType.UPDATE)
        calls = offers.add_requests(package_id, requests)
        offers.mark_ready(package_id)
        context.count(packages=1, upload_calls=calls)
        if not self._integrated(context, package_id):
            waiting = PushOutcome(False, "package still integrating")
            return {**outcomes, **{push.entry_id: waiting for push in pushes}}
        for result in offers.results(package_id):
            outcome = _outcome(result.integration_status, result.results)
            for entry_id in by_sku.get(result.seller_external_reference, ()):
                outcomes[entry_id] = outcome
        return outcomes

    def export_batch(self, context: StreamContext) -> bool:
        """One batch; if the marketplace fails mid-way, the batch goes straight back to the queue.

        Otherwise its entries would stay claimed until the claim expires, minutes later.
        """
        pushes = self.claim(context)
        if pushes is None:
            return False
        pushes = self._withhold(context, pushes)
        try:
            outcomes = self.push(context, pushes) if pushes else {}
        except Exception as error:
            self.release(context, pushes, type(error).__name__)
            raise
        self.confirm(context, pushes, outcomes)
        return True

    def _withhold(self, context: StreamContext, pushes: list[Push]) -> list[Push]:
        """Prices no longer wanted (held by a guard, replaced) are finished, never sent."""
        kept: list[Push] = []
        with context.transaction() as session:
            for push in pushes:
                if not prices.is_price_key(push.key) or prices.still_wanted(
                    session, context.connection_id, push.key, push.payload
                ):
                    kept.append(push)
                    continue
                entry = session.get_one(OutboxEntry, push.entry_id)
                outbox.finish(entry, outbox.SUPERSEDED, context.clock.now())
        if len(kept) < len(pushes):
            context.count(withheld=len(pushes) - len(kept))
        return kept

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
        self,
        context: StreamContext,
        pushes: Sequence[Push],
        outcomes: Mapping[int, PushOutcome],
        *,
        also: Callable[[Session], None] | None = None,
    ) -> None:
        super().confirm(context, pushes, outcomes, also=also)
        now = context.clock.now()
        with context.transaction() as session:
            stock = [push for push in pushes if not prices.is_price_key(push.key)]
            rows = _statuses(session, context.connection_id, [push.key for push in stock])
            for push in pushes:
                outcome = outcomes.get(push.entry_id, PushOutcome(False, "no answer"))
                if prices.is_price_key(push.key):
                    prices.record_price(
                        session,
                        context.connection_id,
                        push.key,
                        push.payload,
                        confirmed=outcome.confirmed,
                        reason=outcome.reason,
                        now=now,
                    )
                else:
                    _record(session, rows, context.connection_id, push, outcome=outcome, now=now)


def _request(push: Push) -> OfferRequest:
    if prices.is_price_key(push.key):
        return prices.price_request(prices.sku_of(push.key), push.payload)
    return OfferRequest(seller_external_reference=push.key, quantity=int(push.payload["quantity"]))


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
    event = "stock.pushed" if outcome.confirmed else "stock.push_failed"
    data = {"sku": push.key, "quantity": quantity, "reason": outcome.reason}
    emit(session, event, data, connection_id=connection_id, now=now)
    if outcome.confirmed:
        row.confirmed_quantity = quantity
        row.confirmed_at = now
