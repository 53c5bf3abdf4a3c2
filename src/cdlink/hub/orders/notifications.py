"""Deadline notifications: raised before an acceptance or shipping deadline passes, read or unread.

``check_deadlines`` (run by the ``deadline_alerts`` stream every few minutes) raises one
notification per order, deadline and lead time (``fulfilment_settings.alert_hours``, 12 h and
2 h by default) once the deadline is that close and not passed; each is raised once (its
``key`` is unique). The deadlines are the marketplace's when it sends them (``shippedAtMax``),
estimated otherwise (``cdlink.hub.orders.deadlines``).

``LISTENERS`` is the hook for other channels (e-mail, webhook events once integrations exist):
each is called with every new notification, in the transaction that raised it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.hub.orders.emails import queue_email
from cdlink.hub.webhooks.events import notification_listener
from cdlink.store.models import FulfilmentSettings, Notification, Order

DEFAULT_HOURS = (12, 2)
ACCEPTANCE, SHIPPING = "acceptance_deadline", "shipping_deadline"
_WAITING = {ACCEPTANCE: ("WaitingAcceptance",), SHIPPING: ("Accepted", "InPreparation")}
#: Called with each new notification (e-mail, webhooks): the hook for other channels.
LISTENERS: list[Callable[[Session, Notification], None]] = [queue_email, notification_listener]


class NotificationError(CdlinkError):
    """A notification or its settings cannot be used as given."""

    default_hint = "List the notifications (GET /api/v1/notifications) and use one of their ids."


class NotificationSettingsError(CdlinkError):
    """The notification settings given cannot be used (answered 422, nothing changes)."""

    default_hint = translatable(
        "Give one to five whole hours between 1 and 168, separated by commas: 12, 2."
    )


def alert_hours(session: Session, connection_id: int) -> tuple[int, ...]:
    settings = session.get(FulfilmentSettings, connection_id)
    if settings is None or not settings.alert_hours:
        return DEFAULT_HOURS
    return parse_hours(settings.alert_hours)


def set_alert_hours(
    session: Session, connection_id: int, hours: tuple[int, ...], now: datetime
) -> tuple[int, ...]:
    """Keep ``hours`` (checked as ``parse_hours`` does) as the connection's lead times."""
    checked = parse_hours(",".join(str(hour) for hour in hours))
    settings = session.get(FulfilmentSettings, connection_id)
    if settings is None:
        settings = FulfilmentSettings(connection_id=connection_id, several_parcels=False)
        session.add(settings)
    settings.alert_hours = ",".join(str(hour) for hour in checked)
    settings.updated_at = now
    session.flush()
    return checked


def parse_hours(text: str) -> tuple[int, ...]:
    """``"12,2"`` → ``(12, 2)``; each between 1 and 168 hours, at most five."""
    try:
        hours = sorted({int(part) for part in text.split(",") if part.strip()}, reverse=True)
    except ValueError:
        hours = []
    if not hours or len(hours) > 5 or not all(1 <= hour <= 168 for hour in hours):
        raise NotificationSettingsError(f"{text!r} is not a list of hours before a deadline")
    return tuple(hours)


def check_deadlines(session: Session, connection_id: int, now: datetime) -> int:
    """Raise the notifications now due for the connection's open orders; returns how many."""
    hours = alert_hours(session, connection_id)
    raised = 0
    for kind, statuses in _WAITING.items():
        column = Order.acceptance_deadline if kind == ACCEPTANCE else Order.shipping_deadline
        query = select(Order).where(
            Order.connection_id == connection_id,
            Order.status.in_(statuses),
            column > now,
            column <= now + timedelta(hours=max(hours)),
        )
        for order in session.scalars(query):
            deadline = getattr(order, kind)
            for hour in sorted(hours):  # the nearest lead time reached
                if deadline - timedelta(hours=hour) <= now:
                    raised += _raise(session, order, kind, hour, deadline, now)
                    break
    return raised


def _raise(  # noqa: PLR0917  (one notification's facts)
    session: Session, order: Order, kind: str, hour: int, deadline: datetime, now: datetime
) -> int:
    what = "accept or refuse" if kind == ACCEPTANCE else "ship"
    return notify(
        session,
        connection_id=order.connection_id,
        kind=kind,
        key=f"order:{order.id}:{kind}:{hour}h",
        title=f"Order {order.marketplace_order_id}: less than {hour} h left to {what} it "
        f"(deadline {deadline:%Y-%m-%d %H:%M} UTC)",
        link=f"/orders/{order.id}",
        details={
            "order": order.marketplace_order_id,
            "hours": hour,
            "deadline": deadline.isoformat(),
        },
        now=now,
    )


def notify(
    session: Session,
    *,
    connection_id: int | None,
    kind: str,
    key: str,
    title: str,
    link: str | None,
    details: dict[str, Any],
    now: datetime,
) -> int:
    """Raise one notification unless ``key`` was raised before; returns 1 if raised, else 0.

    ``title`` is the English wording; ``details`` the values the pages word it from in the
    reader's language. Every listener (e-mail, webhooks) is called in this transaction.
    """
    if session.scalars(select(Notification.id).where(Notification.key == key)).first():
        return 0
    notification = Notification(
        connection_id=connection_id,
        kind=kind,
        key=key,
        title=title,
        link=link,
        details=details,
        created_at=now,
    )
    session.add(notification)
    session.flush()
    for listener in LISTENERS:
        listener(session, notification)
    return 1


def notifications(
    session: Session, *, unread_only: bool = False, limit: int = 100
) -> list[Notification]:
    query = select(Notification).order_by(Notification.id.desc()).limit(limit)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query))


def unread_count(session: Session) -> int:
    query = select(func.count(Notification.id)).where(Notification.read_at.is_(None))
    return int(session.scalar(query) or 0)


def mark_all_read(session: Session, now: datetime) -> int:
    """Mark every unread notification read; returns how many were unread."""
    found = session.execute(
        update(Notification).where(Notification.read_at.is_(None)).values(read_at=now)
    )
    return int(found.rowcount or 0)  # type: ignore[attr-defined]


def mark_read(session: Session, notification_id: int, now: datetime) -> Notification:
    found = session.get(Notification, notification_id)
    if found is None:
        raise NotificationError(f"there is no notification number {notification_id}")
    if found.read_at is None:
        found.read_at = now
    return found
