"""Pure translation of marketplace discussions and returns into hub drafts."""

from __future__ import annotations

from datetime import UTC, datetime

from cdlink.hub.customer_service.records import DiscussionDraft, MessageDraft
from cdlink.hub.customer_service.returns import ReturnDraft
from cdlink.octopia.models import Discussion, Message, Return


def discussion_draft(discussion: Discussion) -> DiscussionDraft:
    messages = [
        message_draft(message, discussion.updated_at) for message in discussion.messages or []
    ]
    receivers = [
        str(participant.user_type)
        for participant in discussion.eligible_receivers
        if participant.user_type is not None
    ]
    return DiscussionDraft(
        marketplace_discussion_id=discussion.discussion_id,
        updated_at=discussion.updated_at,
        marketplace_order_id=discussion.order_seller_id or discussion.order_reference,
        subject=discussion.subject,
        is_open=discussion.is_open is not False,
        graduation=_text(discussion.graduation),
        typology_code=discussion.typology_code,
        sub_typology_code=_text(discussion.sub_typology_code),
        process_status=_text(discussion.process_status),
        customer_id=discussion.customer_id,
        opened_at=discussion.created_at,
        eligible_receivers=receivers or None,
        messages=messages,
    )


def message_draft(message: Message, fallback: datetime) -> MessageDraft:
    sender = message.sender.user_type if message.sender is not None else None
    return MessageDraft(
        marketplace_message_id=message.message_id,
        sender_type=_text(sender),
        body=message.body or "",
        sent_at=message.created_at or fallback,
        attachments=[
            {
                "id": item.attachment_id,
                "file_name": item.file_name,
                "content_type": item.content_type,
                "size": item.size,
            }
            for item in message.attachments
        ],
    )


def return_draft(item: Return) -> ReturnDraft:
    return ReturnDraft(
        marketplace_return_id=item.return_id,
        status=str(item.status),
        updated_at=item.updated_at or item.created_at or datetime.min.replace(tzinfo=UTC),
        marketplace_order_id=item.order_seller_id,
        type=_text(item.type),
        reason=item.reason,
        created_at=item.created_at,
        lines=[
            {"seller_product_id": line.seller_product_id, "quantity": line.quantity}
            for line in item.lines
        ],
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
