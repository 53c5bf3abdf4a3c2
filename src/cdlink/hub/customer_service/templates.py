"""Reply templates in French and English, filled from cdlink's own data.

Placeholders: ``{order_reference}``, ``{customer_name}``, ``{carrier}``, ``{tracking_link}``;
one cdlink does not know is left as a visible ``[…]`` for the seller to fill in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.store.models import Order, OrderAction

TEMPLATES: dict[str, dict[str, str]] = {
    "shipped": {
        "fr": (
            "Bonjour {customer_name},\n\nVotre commande {order_reference} a été expédiée avec "
            "{carrier}. Vous pouvez suivre le colis ici : {tracking_link}\n\nBien cordialement."
        ),
        "en": (
            "Hello {customer_name},\n\nYour order {order_reference} was shipped with {carrier}. "
            "You can follow the parcel here: {tracking_link}\n\nKind regards."
        ),
    },
    "delay": {
        "fr": (
            "Bonjour {customer_name},\n\nNous vous prions de nous excuser pour le retard de "
            "votre commande {order_reference}. Nous faisons le nécessaire et revenons vers vous "
            "très vite.\n\nBien cordialement."
        ),
        "en": (
            "Hello {customer_name},\n\nWe are sorry for the delay of your order "
            "{order_reference}. We are on it and will come back to you very soon.\n\n"
            "Kind regards."
        ),
    },
    "gesture": {
        "fr": (
            "Bonjour {customer_name},\n\nPour nous excuser du désagrément sur votre commande "
            "{order_reference}, nous vous accordons un geste commercial.\n\nBien cordialement."
        ),
        "en": (
            "Hello {customer_name},\n\nTo apologise for the trouble with your order "
            "{order_reference}, we are giving you a commercial gesture.\n\nKind regards."
        ),
    },
}
LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class Shipment:
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None


def shipment(session: Session, order: Order) -> Shipment | None:
    """The carrier and tracking of the order's last shipment sent from cdlink."""
    query = (
        select(OrderAction)
        .where(OrderAction.order_id == order.id, OrderAction.kind == "ship")
        .order_by(OrderAction.id.desc())
        .limit(1)
    )
    action = session.scalars(query).first()
    if action is None:
        return None
    payload: dict[str, Any] = action.payload
    return Shipment(
        payload.get("carrier"), payload.get("tracking_number"), payload.get("tracking_url")
    )


def fill(name: str, language: str, order: Order | None, sent: Shipment | None) -> str:
    text = TEMPLATES[name][language if language in LANGUAGES else "en"]
    values = {
        "order_reference": (order.reference or order.marketplace_order_id) if order else None,
        "customer_name": order.customer_name if order else None,
        "carrier": sent.carrier if sent else None,
        "tracking_link": (sent.tracking_url or sent.tracking_number) if sent else None,
    }
    return text.format(**{key: value or f"[{key}]" for key, value in values.items()})
