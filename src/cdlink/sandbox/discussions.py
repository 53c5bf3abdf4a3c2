"""Customer discussions (reference §6.5, addendum §1): who may open what, messages, escalation.

A discussion is about one order, with one typology (``Order``) and one sub-typology, which the
customer may only choose at the order statuses the addendum's table lists. While the seller
leaves a customer message unanswered (``processStatus`` ``ToTreat``), the discussion escalates
on the sandbox clock: ``Discussion`` → ``Claim`` after ``discussion_claim_after_seconds``, then
``Level_1`` after ``claim_level1_after_seconds`` (Cdiscount's customer care joins the thread).
A seller reply stops the clock; the customer may answer it. ``updatedAt`` moves on every message
and every change of status, so a reader of ``updatedAtMin`` windows sees each change.
"""

from __future__ import annotations

import functools
import json
import random
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from cdlink.sandbox.lifecycle import Timers
from cdlink.sandbox.model import Attachment, Discussion, Message, Order
from cdlink.sandbox.shop import SellerShop

TYPOLOGY = "Order"
GRADUATIONS = ("Discussion", "Claim", "Level_1")
OPERATOR_ID = "GRC-CDISCOUNT"
_SHIPPED = ("Shipped", "Delivered")
# Addendum §1 (official discussions-feature-V2 page): sub-typology → order statuses (Customer).
SUB_TYPOLOGY_STATUSES: dict[str, tuple[str, ...]] = {
    "missingItemInProduct": _SHIPPED,
    "missingProductsInOrder": _SHIPPED,
    "orderCancellation": _SHIPPED,
    "orderModification": _SHIPPED,
    "productIsDamaged": _SHIPPED,
    "productIsNotWorking": _SHIPPED,
    "wrongProductReceived": _SHIPPED,
    "orderNotShipped": ("Accepted", "InPreparation", *_SHIPPED),
    "printReceipt": (*_SHIPPED, "Cancelled"),
}
MESSAGE_MIN_LENGTH, MESSAGE_MAX_LENGTH = 13, 5000
MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES = 3, 4 * 1024 * 1024
ATTACHMENT_EXTENSIONS = ("png", "gif", "bmp", "jpg", "jpeg", "tif", "pdf", "doc", "docx", "xls")


@functools.cache
def texts() -> dict[str, Any]:
    raw = resources.files("cdlink.sandbox").joinpath("data", "discussions.json")
    loaded: dict[str, Any] = json.loads(raw.read_text(encoding="utf-8"))
    return loaded


def sub_typologies_for(order_status: str | None) -> list[str]:
    """Sub-typologies a customer may choose for an order in ``order_status`` (all if None)."""
    return [
        code
        for code, statuses in SUB_TYPOLOGY_STATUSES.items()
        if order_status is None or order_status in statuses
    ]


def open_discussion(
    timers: Timers,
    shop: SellerShop,
    order: Order,
    sub_typology: str,
    *,
    opened_by: tuple[str, str],
    subject: str,
    now: datetime,
) -> Discussion:
    discussion = Discussion(
        discussion_id=shop.serial("discussion", 40_000_000),
        order_id=order.order_id,
        customer_id=customer_id(order),
        subject=subject,
        typology_code=TYPOLOGY,
        sub_typology_code=sub_typology,
        created_at=now,
        updated_at=now,
        process_status="Treated" if opened_by[1] == "Seller" else "ToTreat",
    )
    shop.discussions[discussion.discussion_id] = discussion
    shop.count("discussions.opened")
    return discussion


def customer_id(order: Order) -> str:
    return f"C{order.customer_reference}"


def eligible_receivers(discussion: Discussion) -> list[tuple[str, str]]:
    """Whom the seller's next reply may go to: the customer, and customer care from a Claim."""
    receivers = [(discussion.customer_id, "Customer")]
    if discussion.graduation != "Discussion":
        receivers.append((OPERATOR_ID, "GrcOperator"))
    return receivers


def add_message(
    timers: Timers,
    shop: SellerShop,
    discussion: Discussion,
    *,
    body: str,
    sender: tuple[str, str],
    receivers: list[tuple[str, str]],
    now: datetime,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> Message:
    """Append a message: a customer's starts (or keeps) the escalation clock, a seller's
    stops it."""
    message = Message(
        message_id=shop.serial("message", 90_000_000),
        discussion_id=discussion.discussion_id,
        body=body,
        sender_id=sender[0],
        sender_type=sender[1],
        receivers=receivers,
        created_at=now,
        has_read=sender[1] == "Seller",
    )
    for file_name, content_type, content in attachments or []:
        message.attachments.append(
            Attachment(
                attachment_id=shop.serial("attachment", 70_000_000),
                discussion_id=discussion.discussion_id,
                message_id=message.message_id,
                file_name=file_name,
                content_type=content_type,
                content=content,
                created_at=now,
            )
        )
    discussion.messages.append(message)
    shop.touch_discussion(discussion, now)
    if sender[1] == "Seller":
        seller_replied(timers, shop, discussion, now)
    elif sender[1] == "Customer":
        customer_wrote(timers, shop, discussion, now)
    return message


def customer_wrote(timers: Timers, shop: SellerShop, discussion: Discussion, now: datetime) -> None:
    discussion.process_status = "ToTreat"
    if discussion.awaiting_since is None and discussion.is_open:
        discussion.awaiting_since = now
        schedule_escalation(timers, shop, discussion, now)


def seller_replied(timers: Timers, shop: SellerShop, discussion: Discussion, now: datetime) -> None:
    discussion.process_status = "Treated"
    discussion.awaiting_since = None
    shop.count("discussions.replied")
    rng = timers.random_for(discussion.discussion_id, len(discussion.messages), "reply")
    config = timers.config
    if discussion.is_open and rng.random() < config.customer_reply_probability:
        delay = rng.uniform(config.customer_reply_seconds_min, config.customer_reply_seconds_max)
        timers.schedule(
            now + timedelta(seconds=delay),
            "discussion.customer_reply",
            shop.seller_id,
            discussion.discussion_id,
        )


def escalation_delay(timers: Timers, graduation: str) -> float | None:
    if graduation == "Discussion":
        return timers.config.discussion_claim_after_seconds
    if graduation == "Claim":
        return timers.config.claim_level1_after_seconds
    return None


def schedule_escalation(
    timers: Timers, shop: SellerShop, discussion: Discussion, since: datetime
) -> None:
    delay = escalation_delay(timers, discussion.graduation)
    if delay is not None:
        due = since + timedelta(seconds=delay)
        timers.schedule(due, "discussion.escalate", shop.seller_id, discussion.discussion_id)


def escalate(timers: Timers, shop: SellerShop, discussion: Discussion, due: datetime) -> bool:
    """Raise the graduation if the customer has waited long enough (a stale timer does nothing)."""
    delay = escalation_delay(timers, discussion.graduation)
    waiting = discussion.awaiting_since
    if not discussion.is_open or waiting is None or delay is None:
        return False
    if waiting + timedelta(seconds=delay) > due:
        return False
    graduation = GRADUATIONS[GRADUATIONS.index(discussion.graduation) + 1]
    discussion.graduation = graduation
    shop.count(f"discussions.escalated.{graduation}")
    operator_note = texts()["operator_messages"][graduation]
    add_message(
        timers,
        shop,
        discussion,
        body=operator_note,
        sender=(OPERATOR_ID, "GrcOperator"),
        receivers=[("", "Seller")],
        now=due,
    )
    discussion.awaiting_since = due
    schedule_escalation(timers, shop, discussion, due)
    return True


def escalate_now(timers: Timers, shop: SellerShop, discussion: Discussion, now: datetime) -> bool:
    """Escalate one level at once (control API), as if the delay had passed unanswered."""
    if not discussion.is_open or discussion.graduation == GRADUATIONS[-1]:
        return False
    delay = escalation_delay(timers, discussion.graduation) or 0.0
    discussion.awaiting_since = now - timedelta(seconds=delay)
    return escalate(timers, shop, discussion, now)


def customer_reply(timers: Timers, shop: SellerShop, discussion: Discussion, now: datetime) -> None:
    if not discussion.is_open or discussion.messages[-1].sender_type == "Customer":
        return
    rng = timers.random_for(discussion.discussion_id, len(discussion.messages), "text")
    body = rng.choice(texts()["customer_replies"])
    customer = (discussion.customer_id, "Customer")
    add_message(timers, shop, discussion, body=body, sender=customer, receivers=[], now=now)


def close(shop: SellerShop, discussion: Discussion, now: datetime) -> None:
    discussion.is_open = False
    discussion.awaiting_since = None
    discussion.process_status = "Treated"
    shop.touch_discussion(discussion, now)
    shop.count("discussions.closed")


def customer_opens(
    timers: Timers,
    shop: SellerShop,
    order: Order,
    now: datetime,
    *,
    sub_typology: str | None = None,
    body: str | None = None,
) -> Discussion | None:
    """The customer of ``order`` opens a discussion fitting its status (None if none fits)."""
    allowed = sub_typologies_for(order.status)
    rng = timers.random_for(order.order_id, "discussion", len(shop.discussions))
    chosen = sub_typology or (rng.choice(allowed) if allowed else None)
    if chosen is None or chosen not in allowed:
        return None
    content = texts()["sub_typologies"][chosen]
    fill = {"order": order.order_id, "product": order.lines[0].product_title}
    subject = content["subject"].format(**fill)
    discussion = open_discussion(
        timers,
        shop,
        order,
        chosen,
        opened_by=(customer_id(order), "Customer"),
        subject=subject,
        now=now,
    )
    text = body or rng.choice(content["messages"]).format(**fill)
    add_message(
        timers,
        shop,
        discussion,
        body=text,
        sender=(discussion.customer_id, "Customer"),
        receivers=[("", "Seller")],
        now=now,
    )
    return discussion


def random_order(rng: random.Random, shop: SellerShop) -> Order | None:
    """An order some customer could write about (a sub-typology fits its status)."""
    candidates = [
        order
        for order in shop.orders.values()
        if order.status != "Processing" and sub_typologies_for(order.status)
    ]
    return rng.choice(candidates) if candidates else None
