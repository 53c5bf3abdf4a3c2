"""``/api/v1/webhooks``: subscriptions (the secret shown once, at creation), their deliveries
with each attempt, a replay by hand, and a test event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from cdlink.hub.webhooks import deliveries as hub_deliveries
from cdlink.hub.webhooks import subscriptions as hub
from cdlink.hub.webhooks.events import EVENT_TYPES
from cdlink.store.models import WebhookSubscription
from cdlink.sync.webhooks import direct
from cdlink.web.connections.checks import secret_box
from cdlink.web.listing import Listing, ListOut, Window, example
from cdlink.web.params import MAXIMUM_ID, Id
from cdlink.web.runtime import wake

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
EventType = Literal[tuple(EVENT_TYPES)]  # type: ignore[valid-type]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, examples=["https://erp.example.com/cdlink/hooks"])
    event_types: list[EventType] = Field(  # type: ignore[valid-type]
        min_length=1, max_length=len(EVENT_TYPES), examples=[["order.created", "order.shipped"]]
    )
    description: str = Field(default="", max_length=200, examples=["ERP"])


class WebhookPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000)
    event_types: list[EventType] | None = Field(  # type: ignore[valid-type]
        default=None, min_length=1, max_length=len(EVENT_TYPES)
    )
    description: str | None = Field(default=None, max_length=200)
    state: Literal["active", "paused"] | None = Field(
        default=None, description="``paused`` stops deliveries; ``active`` resumes them."
    )


class WebhookOut(BaseModel):
    model_config = example(
        {
            "id": 3,
            "url": "https://erp.example.com/cdlink/hooks",
            "description": "ERP",
            "event_types": ["order.created", "order.shipped"],
            "state": "active",
            "paused_reason": None,
            "paused_at": None,
            "failing_since": None,
            "created_at": "2026-12-01T09:00:00Z",
            "updated_at": "2026-12-05T14:20:00Z",
        }
    )

    id: int
    url: str
    description: str
    event_types: list[str]
    state: str = Field(description="active or paused.")
    paused_reason: str | None
    paused_at: datetime | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime


class WebhookList(ListOut):
    items: list[WebhookOut]


class CreatedOut(WebhookOut):
    secret: str = Field(
        description="The signing secret (whsec_…): shown this once only, keep it.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class AttemptOut(BaseModel):
    attempted_at: datetime
    status: int | None = Field(description="The HTTP status, or null when no answer came.")
    duration_ms: int
    excerpt: str = Field(description="The start of the answer, or what went wrong.")
    succeeded: bool
    manual: bool = Field(description="A replay by hand.")


class DeliveryOut(BaseModel):
    id: int
    event_id: str = Field(description="The ``webhook-id`` header (stable across retries).")
    event_type: str
    payload: dict[str, Any]
    state: str = Field(description="pending, succeeded or failed.")
    attempts: int
    paused: bool = Field(
        description="Pending, held while its webhook is paused: sent when it is resumed "
        "(next_attempt_at is then null)."
    )
    next_attempt_at: datetime | None = Field(
        description="When a pending delivery is tried next; null once it is done or paused."
    )
    created_at: datetime
    finished_at: datetime | None
    log: list[AttemptOut] = Field(description="Each attempt, newest first.")


class DeliveryList(ListOut):
    items: list[DeliveryOut]


#: A few subscriptions (at most 50): the list is read whole, then paged.
WEBHOOKS = Listing(("id", "-id", "updated_at", "-updated_at"))
_SORTS: dict[str, Callable[[WebhookSubscription], Any]] = {
    "id": lambda item: item.id,
    "updated_at": lambda item: (item.updated_at, item.id),
}
#: Deliveries are many: paged by key, newest first (no column says when one last changed).
DELIVERIES = Listing(("-id",), updated=False)


class TestOut(BaseModel):
    delivery_id: int
    queued: bool = Field(
        description="true: the webhooks stream sends it within seconds; false: no connection "
        "is active, so it was sent at once and ``succeeded`` says how it went."
    )
    succeeded: bool | None = Field(description="The direct attempt's outcome; null if queued.")
    status: int | None = Field(description="The direct attempt's HTTP status, if any.")
    excerpt: str | None = Field(description="The start of the answer, or what went wrong.")


def out(subscription: WebhookSubscription) -> WebhookOut:
    return WebhookOut.model_validate(subscription, from_attributes=True)


def delivery_out(view: hub_deliveries.DeliveryView) -> DeliveryOut:
    delivery, event = view.delivery, view.event
    return DeliveryOut(
        id=delivery.id,
        event_id=event.message_id,
        event_type=event.type,
        payload=event.data,
        state=delivery.state,
        attempts=delivery.attempts,
        paused=view.paused,
        next_attempt_at=delivery.next_attempt_at
        if delivery.state == "pending" and not view.paused
        else None,
        created_at=delivery.created_at,
        finished_at=delivery.finished_at,
        log=[AttemptOut.model_validate(item, from_attributes=True) for item in view.attempts],
    )


def allow_private(request: Request) -> bool:
    return bool(request.app.state.settings.webhook_allow_private_hosts)


@router.get("")
def list_webhooks(request: Request, window: Annotated[Window, Depends(WEBHOOKS)]) -> WebhookList:
    """Every subscription (never its secret); ``updated_since`` counts any change to one."""
    with request.app.state.database.reading() as session:
        found, more = window.slice(hub.subscriptions(session), _SORTS, lambda item: item.updated_at)
        return WebhookList(items=[out(item) for item in found], **window.answer(request, more=more))


@router.post("", status_code=201)
def create_webhook(request: Request, body: WebhookIn) -> CreatedOut:
    """A new subscription; the answer holds its signing secret, shown this once only. The URL
    must resolve to public addresses (422 otherwise, unless private hosts are allowed)."""
    with request.app.state.database.session() as session:
        created = hub.create(
            session,
            secret_box(request),
            url=body.url,
            event_types=list(body.event_types),
            description=body.description,
            allow_private=allow_private(request),
            now=request.app.state.clock.now(),
        )
        return CreatedOut(**out(created.subscription).model_dump(), secret=created.secret)


@router.get("/{webhook_id}")
def get_webhook(request: Request, webhook_id: Id) -> WebhookOut:
    with request.app.state.database.reading() as session:
        return out(hub.get_subscription(session, webhook_id))


@router.patch("/{webhook_id}")
def patch_webhook(request: Request, webhook_id: Id, body: WebhookPatch) -> WebhookOut:
    """Change what is given; ``state: active`` resumes a paused subscription."""
    with request.app.state.database.session() as session:
        found = hub.update(
            session,
            webhook_id,
            url=body.url,
            event_types=None if body.event_types is None else list(body.event_types),
            description=body.description,
            state=body.state,
            allow_private=allow_private(request),
            now=request.app.state.clock.now(),
        )
        return out(found)


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(request: Request, webhook_id: Id) -> Response:
    """Delete the subscription with its deliveries and their log."""
    with request.app.state.database.session() as session:
        hub.delete(session, webhook_id)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries")
def list_deliveries(
    request: Request,
    webhook_id: Id,
    window: Annotated[Window, Depends(DELIVERIES)],
    before: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAXIMUM_ID,
            deprecated=True,
            description="Only ids below (use cursor): kept for the clients that paged with it.",
        ),
    ] = None,
) -> DeliveryList:
    """The deliveries, newest first, each with its attempts."""
    start = window.after if window.after is not None else before
    with request.app.state.database.reading() as session:
        views = hub_deliveries.deliveries(session, webhook_id, limit=window.limit + 1, before=start)
        page = views[: window.limit]
        following = page[-1].delivery.id if len(views) > window.limit else None
        return DeliveryList(
            items=[delivery_out(view) for view in page],
            **window.answer(request, more=following is not None, after=following),
        )


@router.post("/{webhook_id}/deliveries/{delivery_id}/replay", status_code=202)
def replay_delivery(request: Request, webhook_id: Id, delivery_id: Id) -> DeliveryOut:
    """Send the delivery again now, with the same ``webhook-id`` (the stream does it)."""
    with request.app.state.database.session() as session:
        hub_deliveries.replay(session, webhook_id, delivery_id, request.app.state.clock.now())
        # Newest first below ``delivery_id + 1``: the first is this delivery (replay checked
        # that it belongs to this webhook).
        [view] = hub_deliveries.deliveries(session, webhook_id, limit=1, before=delivery_id + 1)
        return delivery_out(view)


@router.post("/{webhook_id}/test", status_code=202)
def send_test_event(request: Request, webhook_id: Id) -> TestOut:
    """A ``webhook.test`` event for this subscription only: queued for the webhooks stream, or
    sent at once (with its outcome in the answer) when no connection is active to run it."""
    return send_test(request, webhook_id)


def send_test(request: Request, webhook_id: int) -> TestOut:
    """Record a test event; deliver it here when no stream would (no active connection)."""
    state = request.app.state
    with state.database.session() as session:
        recorded = hub.send_test(session, webhook_id, state.clock.now())
    if recorded.queued:
        wake(request)
        return TestOut(
            delivery_id=recorded.delivery_id, queued=True, succeeded=None, status=None, excerpt=None
        )
    outcome = direct.deliver(
        state.database, secret_box(request), state.settings, state.clock, recorded.delivery_id
    )
    return TestOut(
        delivery_id=recorded.delivery_id,
        queued=False,
        succeeded=None if outcome is None else outcome.succeeded,
        status=None if outcome is None else outcome.status,
        excerpt=None if outcome is None else outcome.excerpt,
    )
