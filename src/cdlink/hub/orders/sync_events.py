"""An order's sync events: when the engine imported it, what each later version changed.

``save_with_events`` wraps ``cdlink.hub.orders.records.save_order``: it compares the order before
and after and records, in the same transaction, ``imported`` (a new order), ``updated`` (with the
fields that changed) or ``ignored`` (a version older than the stored one). A version that changes
nothing (the look-back reads recent orders again on every run) records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from cdlink.core.translatable import translatable
from cdlink.hub.orders.records import (
    NewOrder,
    OrderDraft,
    Staged,
    emit_created,
    emit_saved,
    find_order,
    find_orders,
    insert_orders,
    stage_order,
)
from cdlink.store.models import Order, OrderSyncEvent

IMPORTED, UPDATED, IGNORED = "imported", "updated", "ignored"
_SYNC_EVENTS = OrderSyncEvent.metadata.tables[OrderSyncEvent.__tablename__]
#: The kinds as the order page shows them (translated there).
KIND_LABELS = (translatable("imported"), translatable("updated"), translatable("ignored"))
_FIELDS = (
    "status",
    "reference",
    "purchased_at",
    "sales_channel",
    "business_order",
    "currency",
    "total_amount",
    "offer_amount",
    "service_fees",
    "payment_method",
    "customer_reference",
    "customer_name",
    "customer_email",
    "billing_address",
    "shipping_address",
    "shipping_deadline",
    "shipping_deadline_estimated",
)
_LINE_FIELDS = ("status", "quantity", "unit_price", "shipping_cost", "total_amount")


def snapshot(order: Order) -> dict[str, Any]:
    """What a version may change, comparable with ``==``."""
    values: dict[str, Any] = {name: getattr(order, name) for name in _FIELDS}
    for line in order.lines:
        for name in _LINE_FIELDS:
            values[f"lines.{line.line_id}.{name}"] = getattr(line, name)
    return values


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The names of what differs (a line's field as ``lines.<id>.<field>``)."""
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


def save_with_events(
    session: Session,
    connection_id: int,
    draft: OrderDraft,
    now: datetime,
    order_id: int | None = None,
    *,
    stream: str,
    run_id: int | None = None,
) -> Order:
    """``save_order``, and the order's sync event of this version (see the module docstring)."""
    existing = session.get(Order, order_id) if order_id is not None else None
    if existing is None:
        existing = find_order(session, connection_id, draft.marketplace_order_id)
    change = _stage(session, connection_id, draft, now, existing)
    if not change.staged.older:
        session.flush()
    _finish(session, change, now, stream=stream, run_id=run_id)
    return change.staged.order


def save_many_with_events(
    session: Session,
    connection_id: int,
    drafts: list[tuple[OrderDraft, int | None]],
    now: datetime,
    *,
    stream: str,
    run_id: int | None = None,
) -> list[Order | NewOrder]:
    """``save_with_events`` for a page of (draft, local id or None), in order, with one query to
    read the stored orders and one flush for those, the new ones inserted together
    (``insert_orders``: returned as ``NewOrder``, not loaded): the same rows, webhook events
    and sync events.

    Each marketplace order appears once in ``drafts`` (the importer writes a repeated one
    apart)."""
    stored = find_orders(
        session,
        connection_id,
        [order_id for _, order_id in drafts if order_id is not None],
        [draft.marketplace_order_id for draft, _ in drafts],
    )
    by_id = {order.id: order for order in stored}
    by_reference = {
        order.marketplace_order_id: order
        for order in stored
        if order.connection_id == connection_id
    }
    changes: dict[int, _Change] = {}
    new: dict[int, OrderDraft] = {}
    for index, (draft, order_id) in enumerate(drafts):
        existing = by_id.get(order_id) if order_id is not None else None
        if existing is None:
            existing = by_reference.get(draft.marketplace_order_id)
        if existing is None:
            new[index] = draft
        else:
            changes[index] = _stage(session, connection_id, draft, now, existing)
    session.flush()
    for change in changes.values():
        _finish(session, change, now, stream=stream, run_id=run_id)
    inserted = insert_orders(session, connection_id, list(new.values()), now)
    for order in inserted:
        emit_created(session, order, now)
    record_imported(session, inserted, stream=stream, run_id=run_id, now=now)
    created = dict(zip(new, inserted, strict=True))
    return [
        created[index] if index in created else changes[index].staged.order
        for index in range(len(drafts))
    ]


def record_imported(
    session: Session, orders: list[NewOrder], *, stream: str, run_id: int | None, now: datetime
) -> None:
    """The ``imported`` sync event of each new order, in one statement."""
    if not orders:
        return
    session.execute(
        insert(_SYNC_EVENTS),
        [
            {
                "order_id": order.id,
                "kind": IMPORTED,
                "stream": stream,
                "run_id": run_id,
                "changed_fields": [],
                "marketplace_updated_at": order.draft.updated_at,
                "details": {},
                "recorded_at": now,
            }
            for order in orders
        ],
    )


@dataclass(frozen=True)
class _Change:
    """A staged version, with what the order was before it (None: new) and its stored
    version's time."""

    staged: Staged
    before: dict[str, Any] | None
    stored_at: datetime | None
    version: datetime


def _stage(
    session: Session, connection_id: int, draft: OrderDraft, now: datetime, existing: Order | None
) -> _Change:
    before = snapshot(existing) if existing is not None else None
    stored_at = existing.marketplace_updated_at if existing is not None else None
    staged = stage_order(session, connection_id, draft, now, existing)
    return _Change(staged, before, stored_at, draft.updated_at)


def _finish(
    session: Session, change: _Change, now: datetime, *, stream: str, run_id: int | None
) -> None:
    """Once flushed: the webhook events, then the sync event of the version."""
    emit_saved(session, change.staged, now)
    order = change.staged.order
    if change.before is None:
        record(session, order, IMPORTED, stream=stream, run_id=run_id, fields=[], now=now)
    elif change.stored_at is not None and change.version < change.stored_at:
        details = {"version": change.version.isoformat()}
        record(
            session,
            order,
            IGNORED,
            stream=stream,
            run_id=run_id,
            fields=[],
            now=now,
            details=details,
        )
    else:
        fields = changed(change.before, snapshot(order))
        if fields:
            record(session, order, UPDATED, stream=stream, run_id=run_id, fields=fields, now=now)


def record(
    session: Session,
    order: Order,
    kind: str,
    *,
    stream: str,
    run_id: int | None,
    fields: list[str],
    now: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        OrderSyncEvent(
            order_id=order.id,
            kind=kind,
            stream=stream,
            run_id=run_id,
            changed_fields=fields,
            marketplace_updated_at=order.marketplace_updated_at,
            details=details or {},
            recorded_at=now,
        )
    )


def events_of(session: Session, order_id: int) -> list[OrderSyncEvent]:
    query = (
        select(OrderSyncEvent)
        .where(OrderSyncEvent.order_id == order_id)
        .order_by(OrderSyncEvent.id)
    )
    return list(session.scalars(query))
