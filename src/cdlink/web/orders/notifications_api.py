"""``/api/v1/notifications``: notifications (deadlines, performance), newest first, marking one
or all read; ``/api/v1/notification-settings``: how many hours before a deadline they come."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from cdlink.hub.connections.accounts import get_connection
from cdlink.hub.orders import notifications as hub
from cdlink.store.models import Notification
from cdlink.web.listing import Listing, ListOut, Window, example
from cdlink.web.params import MAXIMUM_ID, Id

router = APIRouter(prefix="/notifications", tags=["notifications"])
settings_router = APIRouter(prefix="/notification-settings", tags=["notifications"])
ConnectionQuery = Annotated[
    int, Query(ge=1, le=MAXIMUM_ID, description="The connection (``/api/v1/connections``).")
]


class NotificationOut(BaseModel):
    model_config = example(
        {
            "id": 9,
            "connection_id": 1,
            "kind": "shipping_deadline",
            "title": "Order 2612051234ABCD: less than 12 h left to ship it (deadline 2026-12-09 "
            "18:00 UTC)",
            "link": "/orders/12",
            "details": {
                "order": "2612051234ABCD",
                "hours": 12,
                "deadline": "2026-12-09T18:00:00+00:00",
            },
            "created_at": "2026-12-09T06:00:00Z",
            "read_at": None,
        }
    )

    id: int
    connection_id: int | None
    kind: str = Field(description="acceptance_deadline, shipping_deadline or performance.")
    title: str
    link: str | None
    details: dict[str, Any] | None = Field(
        default=None, description="What the title says, as values (order, hours, indicator…)."
    )
    created_at: datetime
    read_at: datetime | None


class ReadAllOut(BaseModel):
    read: int = Field(description="How many notifications were unread.")


class NotificationSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alert_hours: list[Annotated[int, Field(ge=1, le=168)]] = Field(
        min_length=1,
        max_length=5,
        description="Hours before a deadline when a notification comes (1 to 168, up to five).",
        examples=[[12, 2]],
    )


class NotificationSettingsOut(BaseModel):
    connection_id: int
    alert_hours: list[int]


class NotificationList(ListOut):
    items: list[NotificationOut]


#: Notifications are few (deadlines and indicators): the list is read whole, then paged.
LISTING = Listing(("-created_at", "created_at"))
_SORTS: dict[str, Callable[[Notification], Any]] = {
    "created_at": lambda item: (item.created_at, item.id)
}
_KEPT = 10_000


def _changed(item: Notification) -> datetime:
    return max(item.created_at, item.read_at or item.created_at)


@router.get("")
def list_notifications(
    request: Request, window: Annotated[Window, Depends(LISTING)], unread: bool = False
) -> NotificationList:
    """Notifications, the newest first (``unread=true``: only those not read yet);
    ``updated_since`` counts a notification's creation and its reading."""
    with request.app.state.database.reading() as session:
        every = hub.notifications(session, unread_only=unread, limit=_KEPT)
        found, more = window.slice(every, _SORTS, _changed)
        return NotificationList(
            items=[NotificationOut.model_validate(item, from_attributes=True) for item in found],
            **window.answer(request, more=more),
        )


@router.post("/read-all")
def read_all(request: Request) -> ReadAllOut:
    """Mark every notification read."""
    with request.app.state.database.session() as session:
        return ReadAllOut(read=hub.mark_all_read(session, request.app.state.clock.now()))


@router.post("/{notification_id}/read")
def read(request: Request, notification_id: Id) -> NotificationOut:
    """Mark one notification read (again: no change)."""
    with request.app.state.database.session() as session:
        found = hub.mark_read(session, notification_id, request.app.state.clock.now())
        return NotificationOut.model_validate(found, from_attributes=True)


@settings_router.get("")
def get_settings(request: Request, connection_id: ConnectionQuery) -> NotificationSettingsOut:
    """The connection's lead times before a deadline (12 h and 2 h by default)."""
    with request.app.state.database.reading() as session:
        get_connection(session, connection_id)
        hours = hub.alert_hours(session, connection_id)
    return NotificationSettingsOut(connection_id=connection_id, alert_hours=list(hours))


@settings_router.put("")
def put_settings(
    request: Request, connection_id: ConnectionQuery, body: NotificationSettingsIn
) -> NotificationSettingsOut:
    """Replace the lead times (sorted, duplicates dropped); 422 with the reason otherwise."""
    with request.app.state.database.session() as session:
        get_connection(session, connection_id)
        hours = hub.set_alert_hours(
            session, connection_id, tuple(body.alert_hours), request.app.state.clock.now()
        )
    return NotificationSettingsOut(connection_id=connection_id, alert_hours=list(hours))
