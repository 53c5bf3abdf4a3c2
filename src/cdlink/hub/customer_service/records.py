"""Discussions as imported: the one place that writes the ``discussions`` tables from the stream.

``save_discussion`` is an upsert with two rules: an older version never overwrites a newer one
(``updated_at`` before the stored one: its fields are ignored, its new messages still kept), and
every message is kept once (by its marketplace id), whichever version brought it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.hub.customer_service.queries import CLAIM_GRADUATIONS
from cdlink.hub.webhooks.events import emit
from cdlink.store.models import Discussion, DiscussionMessage

CUSTOMER, SELLER, CUSTOMER_CARE = "Customer", "Seller", "GrcOperator"


@dataclass(frozen=True)
class MessageDraft:
    marketplace_message_id: str
    sender_type: str | None
    body: str
    sent_at: datetime
    attachments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class DiscussionDraft:
    marketplace_discussion_id: str
    updated_at: datetime
    marketplace_order_id: str | None = None
    subject: str | None = None
    is_open: bool = True
    graduation: str | None = None
    typology_code: str | None = None
    sub_typology_code: str | None = None
    process_status: str | None = None
    customer_id: str | None = None
    opened_at: datetime | None = None
    eligible_receivers: list[str] | None = None
    messages: list[MessageDraft] = field(default_factory=list)


def find(session: Session, connection_id: int, marketplace_id: str) -> Discussion | None:
    query = select(Discussion).where(
        Discussion.connection_id == connection_id,
        Discussion.marketplace_discussion_id == marketplace_id,
    )
    return session.scalars(query).one_or_none()


def known_message_ids(session: Session, discussion_id: int) -> set[str]:
    query = select(DiscussionMessage.marketplace_message_id).where(
        DiscussionMessage.discussion_id == discussion_id
    )
    return set(session.scalars(query))


def save_discussion(
    session: Session,
    connection_id: int,
    draft: DiscussionDraft,
    now: datetime,
    local_id: int | None = None,
) -> Discussion:
    """Create or update the discussion of ``draft``; returns it."""
    discussion = session.get(Discussion, local_id) if local_id is not None else None
    if discussion is None:
        discussion = find(session, connection_id, draft.marketplace_discussion_id)
    if discussion is None:
        discussion = Discussion(
            connection_id=connection_id,
            marketplace_discussion_id=draft.marketplace_discussion_id,
            marketplace_updated_at=draft.updated_at,
            imported_at=now,
            updated_at=now,
        )
        session.add(discussion)
        _apply(discussion, draft)
        session.flush()
        was_claim = False
    else:
        was_claim = discussion.graduation in CLAIM_GRADUATIONS
        if draft.updated_at >= discussion.marketplace_updated_at:
            _apply(discussion, draft)
    add_messages(session, discussion, draft.messages, now)
    discussion.updated_at = now
    if discussion.graduation in CLAIM_GRADUATIONS and not was_claim:
        emit(
            session,
            "claim.opened",
            _event_data(discussion),
            connection_id=discussion.connection_id,
            now=now,
        )
    return discussion


def _event_data(discussion: Discussion) -> dict[str, Any]:
    return {
        "discussion_id": discussion.id,
        "marketplace_discussion_id": discussion.marketplace_discussion_id,
        "marketplace_order_id": discussion.marketplace_order_id,
        "subject": discussion.subject,
        "graduation": discussion.graduation,
    }


def _apply(discussion: Discussion, draft: DiscussionDraft) -> None:
    discussion.marketplace_updated_at = draft.updated_at
    discussion.marketplace_order_id = draft.marketplace_order_id or discussion.marketplace_order_id
    discussion.subject = draft.subject or discussion.subject
    discussion.is_open = draft.is_open
    discussion.graduation = draft.graduation or discussion.graduation
    discussion.typology_code = draft.typology_code or discussion.typology_code
    discussion.sub_typology_code = draft.sub_typology_code or discussion.sub_typology_code
    discussion.process_status = draft.process_status or discussion.process_status
    discussion.customer_id = draft.customer_id or discussion.customer_id
    discussion.opened_at = draft.opened_at or discussion.opened_at
    if draft.eligible_receivers:
        discussion.eligible_receivers = list(draft.eligible_receivers)


def add_messages(
    session: Session, discussion: Discussion, messages: list[MessageDraft], now: datetime
) -> int:
    """Keep the messages not stored yet; returns how many were new."""
    known = known_message_ids(session, discussion.id)
    added = 0
    for message in messages:
        if message.marketplace_message_id in known:
            continue
        known.add(message.marketplace_message_id)
        session.add(
            DiscussionMessage(
                discussion_id=discussion.id,
                marketplace_message_id=message.marketplace_message_id,
                sender_type=message.sender_type,
                body=message.body,
                attachments=list(message.attachments),
                sent_at=message.sent_at,
                imported_at=now,
            )
        )
        _note_last(discussion, message)
        added += 1
        if message.sender_type != SELLER:
            data = {
                **_event_data(discussion),
                "marketplace_message_id": message.marketplace_message_id,
                "sender_type": message.sender_type,
                "sent_at": message.sent_at.isoformat(),
            }
            emit(
                session,
                "discussion.message_received",
                data,
                connection_id=discussion.connection_id,
                now=now,
            )
    return added


def _note_last(discussion: Discussion, message: MessageDraft) -> None:
    if message.sender_type == SELLER:
        last = discussion.last_seller_message_at
        if last is None or message.sent_at > last:
            discussion.last_seller_message_at = message.sent_at
    else:
        last = discussion.last_customer_message_at
        if last is None or message.sent_at > last:
            discussion.last_customer_message_at = message.sent_at
