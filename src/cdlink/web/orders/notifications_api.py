"""``/api/v1/notifications``: deadline notifications, newest first, and marking one read."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from cdlink.hub.orders import notifications as hub
from cdlink.web.params import Id

router = APIRouter(prefix="/notifications", tags=["notifications"])


class NotificationOut(BaseModel):
    id: int
    connection_id: int | None
    kind: str
    title: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


@router.get("")
def list_notifications(request: Request, unread: bool = False) -> list[NotificationOut]:
    """The last 100 notifications (``unread=true``: only those not read yet)."""
    with request.app.state.database.reading() as session:
        return [
            NotificationOut.model_validate(item, from_attributes=True)
            for item in hub.notifications(session, unread_only=unread)
        ]


@router.post("/{notification_id}/read")
def read(request: Request, notification_id: Id) -> NotificationOut:
    """Mark one notification read (again: no change)."""
    with request.app.state.database.session() as session:
        found = hub.mark_read(session, notification_id, request.app.state.clock.now())
        return NotificationOut.model_validate(found, from_attributes=True)
