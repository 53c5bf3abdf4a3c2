"""Payment methods: the seller's own label for each method the marketplace reports, per connection.

The marketplace sends ``payment.method`` on each order (values seen: ``Card``, ``PayPal``,
``Installments``; the full list is not published, reference §6.2.4). The raw value is always
kept on the order; pages and the API show the seller's label next to it when one is set. Methods
the marketplace sends that are not in ``KNOWN_METHODS`` are listed too, from the orders seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.store.models import Order, PaymentMethodLabel

KNOWN_METHODS = ("Card", "PayPal", "Installments")
MAXIMUM_LABEL = 120


class PaymentLabelError(CdlinkError):
    """A label cannot be stored as given; nothing was changed."""

    default_hint = translatable("Use a label of at most 120 characters, or leave it empty.")


def labels(session: Session, connection_id: int) -> dict[str, str]:
    query = select(PaymentMethodLabel).where(PaymentMethodLabel.connection_id == connection_id)
    return {row.method: row.label for row in session.scalars(query)}


def all_labels(session: Session) -> dict[tuple[int, str], str]:
    """Every label of every connection, by (connection id, method)."""
    return {
        (row.connection_id, row.method): row.label
        for row in session.scalars(select(PaymentMethodLabel))
    }


def methods(session: Session, connection_id: int) -> list[str]:
    """The known methods, then any other the connection's orders were paid with."""
    query = (
        select(Order.payment_method)
        .where(Order.connection_id == connection_id, Order.payment_method.is_not(None))
        .distinct()
    )
    seen = {method for method in session.scalars(query) if method}
    known = set(KNOWN_METHODS) | set(labels(session, connection_id))
    return [*KNOWN_METHODS, *sorted((seen | known) - set(KNOWN_METHODS))]


def set_labels(
    session: Session, connection_id: int, chosen: Mapping[str, str], now: datetime
) -> dict[str, str]:
    """Set the labels of the methods in ``chosen``; an empty label removes the method's label."""
    for method, label in chosen.items():
        text = label.strip()
        if len(text) > MAXIMUM_LABEL:
            raise PaymentLabelError(translatable("a payment label is too long"))
        if not method.strip() or len(method) > 40:
            raise PaymentLabelError(translatable("unknown payment method"))
    for method, label in chosen.items():
        row = session.get(PaymentMethodLabel, (connection_id, method))
        text = label.strip()
        if not text:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = PaymentMethodLabel(connection_id=connection_id, method=method)
            session.add(row)
        row.label, row.updated_at = text, now
    session.flush()
    return labels(session, connection_id)


def label_for(found: Mapping[str, str], method: str | None) -> str | None:
    """The seller's label of ``method``, or the raw method when it has none."""
    if method is None:
        return None
    return found.get(method, method)
