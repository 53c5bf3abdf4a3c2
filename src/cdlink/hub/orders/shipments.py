"""Shipments as sellers ship them: parcels with their lines, checked before anything is sent.

A ship action's payload is normalised here into ``{"parcels": [{"carrier", "tracking_number",
"tracking_url", "line_ids"}]}``: every carrier resolved to one of the marketplace's labels
(``cdlink.hub.orders.carrier_mappings``), every tracking link filled from the mapping's template
when the seller gave none, every line named once and shipped whole. The older payload (one
``carrier`` and ``tracking_number`` at the top) is one parcel for the whole order.

Cdiscount takes one parcel per complete order (reference §6.2.6): unless the connection is set to
ship several parcels (``fulfilment_settings``), a shipment is one parcel covering every open line.
The shipments of an order are its ship actions (recorded, then sent by the outbox) with their
state: pending, done, or failed with the marketplace's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.hub.orders.carrier_mappings import CarrierMappingError, resolve
from cdlink.store.models import FulfilmentSettings, Order, OrderAction

TRACKING_MAX = 50
PARCELS_MAX = 20
CLOSED_LINE_STATUSES = frozenset({"Cancelled", "Refused", "Rejected"})
ONE_PARCEL_RULE = (
    "Cdiscount accepts one parcel per complete order: ship every open line in one parcel, or "
    "allow several parcels in the connection's shipping settings if Cdiscount allows it for you."
)


class ShipmentError(CdlinkError):
    """A shipment cannot be sent as given; nothing was recorded or sent."""

    default_hint = "Fix the parcels as the message says, then ship again."


@dataclass(frozen=True)
class ParcelView:
    carrier: str
    tracking_number: str
    tracking_url: str | None
    line_ids: list[str]


@dataclass(frozen=True)
class ShipmentView:
    """One ship action as the order page and the API show it."""

    action_id: int
    state: str
    requested_at: datetime
    requested_by: str | None
    outcome: str | None
    parcels: list[ParcelView]


def several_parcels(session: Session, connection_id: int) -> bool:
    settings = session.get(FulfilmentSettings, connection_id)
    return bool(settings and settings.several_parcels)


def set_several_parcels(session: Session, connection_id: int, value: bool, now: datetime) -> None:
    settings = session.get(FulfilmentSettings, connection_id)
    if settings is None:
        settings = FulfilmentSettings(connection_id=connection_id)
        session.add(settings)
    settings.several_parcels = value
    settings.updated_at = now
    session.flush()


def open_line_ids(order: Order) -> list[str]:
    return [line.line_id for line in order.lines if line.status not in CLOSED_LINE_STATUSES]


def shipped_line_ids(session: Session, order_id: int) -> set[str]:
    """Lines an earlier shipment (pending or done) already carries."""
    shipped: set[str] = set()
    for shipment in shipments_of(session, order_id):
        if shipment.state != "failed":
            for parcel in shipment.parcels:
                shipped.update(parcel.line_ids)
    return shipped


def normalise(session: Session, order: Order, payload: dict[str, Any]) -> dict[str, Any]:
    """The checked, normalised ship payload; raises ``ShipmentError`` with the reason and fix."""
    raw = payload.get("parcels")
    if raw is None:
        raw = [
            {
                "carrier": payload.get("carrier"),
                "tracking_number": payload.get("tracking_number"),
                "tracking_url": payload.get("tracking_url"),
            }
        ]
    if not isinstance(raw, list) or not raw or len(raw) > PARCELS_MAX:
        raise ShipmentError(
            f"a shipment has 1 to {PARCELS_MAX} parcels",
            hint="Give each parcel its carrier, tracking number and lines.",
        )
    lines = {line.line_id: line for line in order.lines}
    open_ids = open_line_ids(order)
    already = shipped_line_ids(session, order.id) if order.id is not None else set()
    remaining = [line_id for line_id in open_ids if line_id not in already]
    parcels: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise ShipmentError(f"parcel {number} is not an object")
        parcel = _parcel(session, order, item, number)
        wanted = _line_ids(item, number, lines, len(raw), remaining)
        for line_id in wanted:
            if line_id in seen or line_id in already:
                raise ShipmentError(
                    f"line {line_id} is shipped twice (parcel {number})",
                    hint="Put each line in one parcel only; lines already shipped are listed "
                    "on the order page.",
                )
            seen.add(line_id)
        parcel["line_ids"] = wanted
        parcels.append(parcel)
    if not several_parcels(session, order.connection_id) and (
        len(parcels) > 1 or already or set(seen) != set(open_ids)
    ):
        raise ShipmentError("this shipment does not cover the whole order", hint=ONE_PARCEL_RULE)
    return {"parcels": parcels}


def _parcel(session: Session, order: Order, item: dict[str, Any], number: int) -> dict[str, Any]:
    carrier = item.get("carrier")
    if not isinstance(carrier, str) or not carrier.strip():
        raise ShipmentError(
            f"parcel {number} needs a carrier", hint="Choose the carrier of each parcel."
        )
    try:
        mapping = resolve(session, order.connection_id, carrier)
    except CarrierMappingError as error:
        raise ShipmentError(f"parcel {number}: {error.message}", hint=error.hint) from error
    tracking = item.get("tracking_number")
    if not isinstance(tracking, str) or not tracking.strip():
        raise ShipmentError(
            f"parcel {number} needs a tracking number",
            hint="Type the parcel number the carrier gave you.",
        )
    tracking = tracking.strip()
    if len(tracking) > TRACKING_MAX or any(char.isspace() for char in tracking):
        raise ShipmentError(
            f"the tracking number of parcel {number} is too long or has spaces",
            hint=f"A tracking number has at most {TRACKING_MAX} characters and no spaces.",
        )
    url = item.get("tracking_url") or None
    if url is not None and not (
        isinstance(url, str) and url.startswith(("https://", "http://")) and len(url) <= 500
    ):
        raise ShipmentError(
            f"the tracking URL {url!r} is not an http(s) address",
            hint="Paste the carrier's tracking link, starting with https://, or leave it empty.",
        )
    return {
        "carrier": mapping.carrier_label,
        "tracking_number": tracking,
        "tracking_url": url or mapping.tracking_url(tracking),
    }


def _line_ids(
    item: dict[str, Any],
    number: int,
    lines: dict[str, Any],
    parcel_count: int,
    remaining: list[str],
) -> list[str]:
    given = item.get("lines")
    if given is None:
        if parcel_count > 1:
            raise ShipmentError(
                f"parcel {number} does not say which lines it carries",
                hint="With several parcels, list the lines of each.",
            )
        return list(remaining)
    if not isinstance(given, list) or not given:
        raise ShipmentError(f"parcel {number} lists no lines", hint="Name at least one line.")
    wanted: list[str] = []
    for entry in given:
        line_id, quantity = (
            (entry.get("line_id"), entry.get("quantity"))
            if isinstance(entry, dict)
            else (entry, None)
        )
        line = lines.get(str(line_id)) if isinstance(line_id, str | int) else None
        if line is None:
            raise ShipmentError(
                f"parcel {number} names line {line_id!r}, which is not in the order",
                hint=f"Use the order's line ids: {', '.join(sorted(lines))}.",
            )
        if line.status in CLOSED_LINE_STATUSES:
            raise ShipmentError(f"line {line.line_id} is {line.status}: it cannot be shipped")
        if quantity is not None:
            if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
                raise ShipmentError(f"the quantity of line {line.line_id} must be a whole number")
            if quantity > line.quantity:
                raise ShipmentError(
                    f"line {line.line_id} ships {quantity} units but {line.quantity} were ordered",
                    hint="Ship at most the units ordered.",
                )
            if quantity < line.quantity:
                raise ShipmentError(
                    f"line {line.line_id} ships {quantity} of {line.quantity} units",
                    hint="Cdiscount ships a line whole: put all its units in one parcel.",
                )
        wanted.append(line.line_id)
    return wanted


def shipments_of(session: Session, order_id: int) -> list[ShipmentView]:
    """The order's shipments (its ship actions), oldest first."""
    query = (
        select(OrderAction)
        .where(OrderAction.order_id == order_id, OrderAction.kind == "ship")
        .order_by(OrderAction.id)
    )
    return [_view(action) for action in session.scalars(query)]


def _view(action: OrderAction) -> ShipmentView:
    payload = dict(action.payload or {})
    raw = payload.get("parcels")
    if raw is None:  # recorded before parcels existed
        raw = [
            {
                "carrier": payload.get("carrier", ""),
                "tracking_number": payload.get("tracking_number", ""),
                "tracking_url": payload.get("tracking_url"),
                "line_ids": [],
            }
        ]
    parcels = [
        ParcelView(
            str(item.get("carrier", "")),
            str(item.get("tracking_number", "")),
            item.get("tracking_url") or None,
            [str(line_id) for line_id in item.get("line_ids") or []],
        )
        for item in raw
    ]
    return ShipmentView(
        action.id, action.state, action.requested_at, action.requested_by, action.outcome, parcels
    )
