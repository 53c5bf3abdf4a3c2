"""``/api/v1/webhooks``: subscriptions (the secret shown once, at creation), their deliveries
with each attempt, a replay by hand, and a test event."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from cdlink.hub.webhooks import deliveries as hub_deliveries
from cdlink.hub.webhooks import subscriptions as hub
from cdlink.hub.webhooks.events import EVENT_TYPES
from cdlink.store.models import WebhookSubscription
from cdlink.web.connections.checks import secret_box
from cdlink.web.params import MAXIMUM_ID, Id

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
    next_attempt_at: datetime | None
    created_at: datetime
    finished_at: datetime | None
    log: list[AttemptOut] = Field(description="Each attempt, newest first.")


class TestOut(BaseModel):
    queued: bool = True


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
        next_attempt_at=delivery.next_attempt_at if delivery.state == "pending" else None,
        created_at=delivery.created_at,
        finished_at=delivery.finished_at,
        log=[AttemptOut.model_validate(item, from_attributes=True) for item in view.attempts],
    )


def allow_private(request: Request) -> bool:
    return bool(request.app.state.settings.webhook_allow_private_hosts)


@router.get("")
def list_webhooks(request: Request) -> list[WebhookOut]:
    """Every subscription (never its secret)."""
    with request.app.state.database.reading() as session:
        return [out(item) for item in hub.subscriptions(session)]


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
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[
        int | None, Query(ge=1, le=MAXIMUM_ID, description="Only ids below (the next page).")
    ] = None,
) -> list[DeliveryOut]:
    """The deliveries, newest first, each with its attempts."""
    with request.app.state.database.reading() as session:
        views = hub_deliveries.deliveries(session, webhook_id, limit=limit, before=before)
        return [delivery_out(view) for view in views]


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
    """Queue a ``webhook.test`` event for this subscription only."""
    with request.app.state.database.session() as session:
        hub.send_test(session, webhook_id, request.app.state.clock.now())
    return TestOut()
