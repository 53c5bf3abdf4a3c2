"""Discussion endpoints (reference §6.5, addendum §1): discussions, messages, attachments,
typologies and the sales channel's discussion rules.

Listing is page-number style, ordered by ``updatedAt`` then discussion id (stable), within a
window of at most six months on ``updatedAt``. Bad input gets a 400 whose ``errors`` name the
field; a rule of the marketplace (a sub-typology at the wrong order status) a 422; a closed
discussion a 409. The two §9/addendum conflicts are variants: the reply's recipients
(``message_receiver``) and the JSON-Patch dialect (``json_patch``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from starlette.responses import Response

from cdlink.sandbox import discussions as rules
from cdlink.sandbox.api_orders import find_order
from cdlink.sandbox.api_seller import page_params
from cdlink.sandbox.discussion_payloads import (
    attachment_json,
    check_attachments,
    check_body,
    discussion_json,
    message_json,
    patch_value,
    recipients,
)
from cdlink.sandbox.gateway import Call
from cdlink.sandbox.model import CHANNEL, Attachment, Discussion, Message
from cdlink.sandbox.order_queries import enum_filter, parse_time
from cdlink.sandbox.responses import GATEWAY_HEADERS, ApiError, empty, json_response

WINDOW = timedelta(days=183)  # "six months" on updatedAt
COUNT_FILTERS = frozenset({"salesChannel", "graduationCode", "processStatus", "isOpen"})


# --- lists -----------------------------------------------------------------------------------
def boolean(call: Call, name: str) -> bool | None:
    raw = call.query(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false"):
        raise ApiError(400, f"{name} must be true or false", errors={name: [raw]})
    return raw.lower() == "true"


def window(call: Call) -> tuple[datetime, datetime]:
    """``[updatedAtMin, updatedAtMax]``, at most six months (a missing end is now)."""
    high = parse_time(call, "updatedAtMax") or call.now
    low = parse_time(call, "updatedAtMin") or high - WINDOW
    if high < low:
        raise ApiError(400, "updatedAtMax is before updatedAtMin", errors={"updatedAtMax": []})
    if high - low > WINDOW:
        errors = {"updatedAtMin": ["the updatedAt window must not exceed 6 months"]}
        raise ApiError(400, "The updatedAt window must not exceed 6 months.", errors=errors)
    return low, high


def common_filter(call: Call, discussion: Discussion) -> bool:
    channel = call.query("salesChannel")
    is_open = boolean(call, "isOpen")
    status = enum_filter(call, "processStatus", ("ToTreat", "Treated"))
    return (
        channel in (None, CHANNEL)
        and is_open in (None, discussion.is_open)
        and status in (None, discussion.process_status)
    )


def sort_key(call: Call) -> tuple[str, bool]:
    raw = call.query("sort") or "updatedAt"
    direction, colon, name = raw.rpartition(":")
    descending = direction == "desc" if colon else (call.query("desc") or "").lower() == "true"
    if name not in ("updatedAt", "createdAt") or direction not in ("", "asc", "desc"):
        raise ApiError(400, f"cannot sort by {raw!r}", errors={"sort": [raw]})
    return name, descending


def list_discussions(call: Call) -> Response:
    index, size = page_params(call)
    include = enum_filter(call, "includeMessages", ("FirstMessage", "LastMessage"))
    low, high = window(call)
    wanted = {
        "orderSellerId": call.query("orderSellerId"),
        "discussionId": call.query("discussionId"),
        "typologyCode": (call.query("typologyCode") or "").casefold() or None,
        "subTypologyCode": call.query("subTypologyCode"),
    }
    found = [
        d
        for d in call.shop.discussions.values()
        if low <= d.updated_at <= high
        and common_filter(call, d)
        and wanted["orderSellerId"] in (None, d.order_id)
        and wanted["discussionId"] in (None, d.discussion_id)
        and wanted["typologyCode"] in (None, d.typology_code.casefold())
        and wanted["subTypologyCode"] in (None, d.sub_typology_code)
    ]
    field, descending = sort_key(call)
    found.sort(
        key=lambda d: (
            getattr(d, "updated_at" if field == "updatedAt" else "created_at"),
            int(d.discussion_id),
        ),
        reverse=descending,
    )
    seller = call.shop.seller_id
    items = [discussion_json(d, seller, include) for d in found[(index - 1) * size : index * size]]
    return json_response({"itemsPerPage": len(items), "items": items})


def count_discussions(call: Call) -> Response:
    # Addendum §1: "filtering by salesChannel, graduationCode, processStatus and isOpen only".
    unknown = sorted(set(call.request.query_params) - COUNT_FILTERS)
    if unknown:
        errors = {name: ["not a filter of /discussions/count"] for name in unknown}
        raise ApiError(400, f"unsupported filter {unknown[0]}", errors=errors)
    graduation = enum_filter(call, "graduationCode", rules.GRADUATIONS)
    total = sum(
        1
        for d in call.shop.discussions.values()
        if common_filter(call, d) and graduation in (None, d.graduation)
    )
    return json_response(total)


def find_discussion(call: Call, discussion_id: object) -> Discussion:
    discussion = call.shop.discussions.get(str(discussion_id))
    if discussion is None:
        raise ApiError(404, f"discussion {discussion_id} does not exist")
    return discussion


def get_discussion(call: Call) -> Response:
    discussion = find_discussion(call, call.path_params["discussion_id"])
    return json_response(discussion_json(discussion, call.shop.seller_id, None, full=True))


# --- writes ----------------------------------------------------------------------------------
def json_object(call: Call) -> dict[str, Any]:
    body = call.json()
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object", errors={"$": ["object expected"]})
    return body


def create_message(call: Call) -> Response:
    body = json_object(call)
    discussion = find_discussion(call, body.get("discussionId"))
    text = check_body(body.get("body"), "body")
    if body.get("salesChannel") not in (None, CHANNEL):
        raise ApiError(400, "unknown salesChannel", errors={"salesChannel": [CHANNEL]})
    receivers = recipients(call, body, discussion)
    attachments = check_attachments(body.get("attachments"), "attachments")
    if not discussion.is_open:
        raise ApiError(409, f"discussion {discussion.discussion_id} is closed")
    message = rules.add_message(
        call.state,
        call.shop,
        discussion,
        body=text,
        sender=(str(call.shop.seller_id), "Seller"),
        receivers=receivers,
        now=call.now,
        attachments=attachments,
    )
    return json_response(message_json(message), 201)


def create_discussion(call: Call) -> Response:
    body = json_object(call)
    order_id = body.get("orderId", body.get("orderSellerId"))
    if not isinstance(order_id, str) or not order_id:
        raise ApiError(400, "orderId is required", errors={"orderId": ["required"]})
    order = find_order(call, order_id)
    code = body.get("subtypologyCode", body.get("subTypologyCode"))
    if code not in rules.SUB_TYPOLOGY_STATUSES:
        errors = {"subtypologyCode": sorted(rules.SUB_TYPOLOGY_STATUSES)}
        raise ApiError(400, f"unknown sub-typology {code!r}", errors=errors)
    if order.status not in rules.SUB_TYPOLOGY_STATUSES[str(code)]:
        allowed = ", ".join(rules.SUB_TYPOLOGY_STATUSES[str(code)])
        errors = {"subtypologyCode": [f"allowed when the order is {allowed}"]}
        raise ApiError(422, f"{code} is not available for a {order.status} order", errors=errors)
    subject = body.get("subject")
    if not isinstance(subject, str) or not subject.strip():
        raise ApiError(400, "subject is required", errors={"subject": ["required"]})
    message = body.get("message")
    if not isinstance(message, dict):
        raise ApiError(400, "message is required", errors={"message": ["required"]})
    text = check_body(message.get("body"), "message.body")
    receivers = recipients(call, message, None)
    attachments = check_attachments(message.get("attachments"), "message.attachments")
    seller = (str(call.shop.seller_id), "Seller")
    discussion = rules.open_discussion(
        call.state, call.shop, order, str(code), opened_by=seller, subject=subject, now=call.now
    )
    receivers = [(discussion.customer_id, kind) for _, kind in receivers]
    rules.add_message(
        call.state,
        call.shop,
        discussion,
        body=text,
        sender=seller,
        receivers=receivers,
        now=call.now,
        attachments=attachments,
    )
    return json_response(discussion_json(discussion, call.shop.seller_id, None, full=True), 201)


def update_discussion(call: Call) -> Response:
    discussion = find_discussion(call, call.path_params["discussion_id"])
    is_open = patch_value(call, call.json(), "/isOpen")
    if is_open and not discussion.is_open:
        raise ApiError(409, "a closed discussion cannot be reopened")
    if not is_open and discussion.graduation == "Level_1":
        raise ApiError(409, "Cdiscount customer care handles this claim; it cannot be closed")
    if not is_open and discussion.is_open:
        rules.close(call.shop, discussion, call.now)
    return empty(204)


def find_message(call: Call) -> tuple[Discussion, Message]:
    message_id = call.path_params["message_id"]
    for discussion in call.shop.discussions.values():
        for message in discussion.messages:
            if message.message_id == message_id:
                return discussion, message
    raise ApiError(404, f"message {message_id} does not exist")


def update_message(call: Call) -> Response:
    discussion, message = find_message(call)
    has_read = patch_value(call, call.json(), "/hasRead")
    if message.has_read != has_read:
        message.has_read = has_read
        call.shop.touch_discussion(discussion, call.now)
    return empty(204)


# --- attachments and referentials --------------------------------------------------------------
def all_attachments(call: Call) -> list[Attachment]:
    return [
        item
        for discussion in call.shop.discussions.values()
        for message in discussion.messages
        for item in message.attachments
    ]


def list_attachments(call: Call) -> Response:
    discussion_id, message_id = call.query("discussionId"), call.query("messageId")
    found = [
        item
        for item in all_attachments(call)
        if discussion_id in (None, item.discussion_id) and message_id in (None, item.message_id)
    ]
    items = [attachment_json(item) for item in found]
    return json_response({"itemsPerPage": len(items), "items": items})


def download_attachment(call: Call) -> Response:
    attachment_id = call.path_params["attachment_id"]
    item = next((a for a in all_attachments(call) if a.attachment_id == attachment_id), None)
    if item is None:
        raise ApiError(404, f"attachment {attachment_id} does not exist")
    headers = {
        **GATEWAY_HEADERS,
        "Content-Disposition": f'attachment; filename="{item.file_name}"',
    }
    return Response(item.content, 200, headers, media_type=item.content_type)


def typologies(call: Call) -> Response:
    if call.query("salesChannel") is None:
        raise ApiError(400, "salesChannel is required", errors={"salesChannel": ["required"]})
    status = call.query("orderStatus")
    if (call.query("typologyCode") or "order").casefold() != "order" or (
        call.query("userType") or "Customer"
    ) not in ("Customer", "Seller"):
        return json_response([])
    labels = rules.texts()["sub_typologies"]
    children = [
        {
            "subTypologyCode": code,
            "label": labels[code]["label"],
            "orderStatuses": list(rules.SUB_TYPOLOGY_STATUSES[code]),
        }
        for code in rules.sub_typologies_for(status)
    ]
    return json_response(
        [{"typologyCode": rules.TYPOLOGY, "label": "Commande", "subTypologies": children}]
    )


def sales_channel_configuration(call: Call) -> Response:
    channel = call.path_params["sales_channel_id"]
    if channel != CHANNEL:
        raise ApiError(404, f"sales channel {channel} does not exist")
    return json_response(
        {
            "salesChannelId": CHANNEL,
            "messageMinLength": rules.MESSAGE_MIN_LENGTH,
            "messageMaxLength": rules.MESSAGE_MAX_LENGTH,
            "maxAttachmentsPerMessage": rules.MAX_ATTACHMENTS,
            "maxAttachmentSize": rules.MAX_ATTACHMENT_BYTES,
            "allowedAttachmentExtensions": list(rules.ATTACHMENT_EXTENSIONS),
            "graduations": list(rules.GRADUATIONS),
            "discussionToClaimDelaySeconds": call.state.config.discussion_claim_after_seconds,
            "claimToLevel1DelaySeconds": call.state.config.claim_level1_after_seconds,
        }
    )
