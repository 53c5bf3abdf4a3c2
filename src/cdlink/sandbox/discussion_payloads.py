"""What the discussion endpoints read and write: their JSON, and the checks of a message.

The rules (13 to 5,000 characters, ≤ 3 attachments of ≤ 4 MB of the allowed types, eligible
receivers) answer 400 with ``errors`` naming the field, as the marketplace's validation does.
The two dialects the sources disagree on are variants: the reply's recipients
(``message_receiver``, §9 #17) and JSON-Patch (``json_patch``, addendum §1).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cdlink.sandbox import discussions as rules
from cdlink.sandbox.gateway import Call
from cdlink.sandbox.model import CHANNEL, Attachment, Discussion, Message
from cdlink.sandbox.responses import ApiError
from cdlink.sandbox.serialize import timestamp

CONTENT_TYPES = {
    "png": "image/png",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "tif": "image/tiff",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
}


def participant(user_id: str, user_type: str) -> dict[str, str]:
    return {"userId": user_id, "userType": user_type}


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    return {
        "attachmentId": attachment.attachment_id,
        "discussionId": attachment.discussion_id,
        "messageId": attachment.message_id,
        "fileName": attachment.file_name,
        "contentType": attachment.content_type,
        "size": len(attachment.content),
        "createdAt": timestamp(attachment.created_at),
    }


def message_json(message: Message) -> dict[str, Any]:
    return {
        "messageId": message.message_id,
        "discussionId": message.discussion_id,
        "body": message.body,
        "sender": participant(message.sender_id, message.sender_type),
        "receivers": [participant(*receiver) for receiver in message.receivers],
        "hasRead": message.has_read,
        "createdAt": timestamp(message.created_at),
        "attachments": [attachment_json(item) for item in message.attachments],
    }


def discussion_json(
    discussion: Discussion, seller_id: int, include: str | None, *, full: bool = False
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "discussionId": discussion.discussion_id,
        "subject": discussion.subject,
        "orderReference": discussion.order_id,
        "orderSellerId": discussion.order_id,
        "salesChannelExternalReference": discussion.order_id,
        "salesChannel": CHANNEL,
        "isOpen": discussion.is_open,
        "graduation": discussion.graduation,
        "typologyCode": discussion.typology_code,
        "subTypologyCode": discussion.sub_typology_code,
        "status": discussion.process_status,
        "customerId": discussion.customer_id,
        "sellerId": seller_id,
        "createdAt": timestamp(discussion.created_at),
        "updatedAt": timestamp(discussion.updated_at),
    }
    messages = discussion.messages
    if full:
        body["messages"] = [message_json(message) for message in messages]
        receivers = rules.eligible_receivers(discussion)
        body["eligibleReceivers"] = [participant(*receiver) for receiver in receivers]
    elif include == "FirstMessage":
        body["messages"] = [message_json(message) for message in messages[:1]]
    elif include == "LastMessage":
        body["messages"] = [message_json(message) for message in messages[-1:]]
    return body


def check_body(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ApiError(400, f"{field} is required", errors={field: ["required"]})
    length = len(value.strip())
    if not rules.MESSAGE_MIN_LENGTH <= length <= rules.MESSAGE_MAX_LENGTH:
        errors = {field: ["The message must contain between 13 and 5000 characters."]}
        raise ApiError(400, f"{field} has {length} characters, not 13 to 5000", errors=errors)
    return value


def check_attachments(value: object, field: str) -> list[tuple[str, str, bytes]]:
    """``[{fileName, contentType?, content (base64)}]``: ≤ 3, ≤ 4 MB each, allowed types."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ApiError(400, f"{field} must be a list", errors={field: ["list expected"]})
    if len(value) > rules.MAX_ATTACHMENTS:
        errors = {field: [f"at most {rules.MAX_ATTACHMENTS} attachments per message"]}
        raise ApiError(400, f"{len(value)} attachments; at most 3 are allowed", errors=errors)
    return [check_attachment(item, f"{field}[{n}]") for n, item in enumerate(value)]


def check_attachment(item: object, field: str) -> tuple[str, str, bytes]:
    fields: dict[str, Any] = item if isinstance(item, dict) else {}
    name = fields.get("fileName")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, "fileName is required", errors={f"{field}.fileName": ["required"]})
    extension = name.rpartition(".")[2].casefold() if "." in name else ""
    if extension not in CONTENT_TYPES:
        allowed = ", ".join(rules.ATTACHMENT_EXTENSIONS)
        errors = {f"{field}.fileName": [f"allowed types: {allowed}"]}
        raise ApiError(400, f"{name}: this type of file is not allowed", errors=errors)
    try:
        content = base64.b64decode(str(fields.get("content", "")), validate=True)
    except (binascii.Error, ValueError) as error:
        errors = {f"{field}.content": ["base64 expected"]}
        raise ApiError(400, "content is not base64", errors=errors) from error
    if len(content) > rules.MAX_ATTACHMENT_BYTES:
        errors = {f"{field}.content": ["at most 4 MB per attachment"]}
        raise ApiError(400, f"{name} is larger than 4 MB", errors=errors)
    return name, CONTENT_TYPES[extension], content


def recipients(
    call: Call, body: dict[str, Any], discussion: Discussion | None
) -> list[tuple[str, str]]:
    """§9 #17: ``receivers: [{userId, userType}]`` or ``receiver: "<userType>"``, per variant."""
    style = call.state.config.variants.message_receiver
    eligible = rules.eligible_receivers(discussion) if discussion else [("", "Customer")]
    if style in ("receivers", "either") and isinstance(body.get("receivers"), list):
        chosen = []
        for number, item in enumerate(body["receivers"]):
            kind = item.get("userType") if isinstance(item, dict) else None
            match = next((r for r in eligible if r[1] == kind), None)
            if match is None:
                errors = {
                    f"receivers[{number}].userType": [f"eligible: {eligible_types(eligible)}"]
                }
                raise ApiError(400, f"{kind!r} is not an eligible receiver", errors=errors)
            chosen.append(match)
        if chosen:
            return chosen
    if style in ("receiver", "either") and isinstance(body.get("receiver"), str):
        match = next((r for r in eligible if r[1] == body["receiver"]), None)
        if match is None:
            errors = {"receiver": [f"eligible: {eligible_types(eligible)}"]}
            raise ApiError(400, f"{body['receiver']!r} is not an eligible receiver", errors=errors)
        return [match]
    key = "receiver" if style == "receiver" else "receivers"
    raise ApiError(400, f"{key} is required", errors={key: ["required"]})


def eligible_types(eligible: list[tuple[str, str]]) -> str:
    return ", ".join(kind for _, kind in eligible)


def patch_value(call: Call, body: Any, path: str) -> bool:
    """The boolean a JSON-Patch ``replace`` sets on ``path``, in the configured dialect(s)."""
    style = call.state.config.variants.json_patch
    if not isinstance(body, list) or not body:
        raise ApiError(400, "the body must be a JSON-Patch array", errors={"$": ["array expected"]})
    for number, operation in enumerate(body):
        if not isinstance(operation, dict) or operation.get("path") != path:
            raise ApiError(400, f"only {path} can be changed", errors={f"[{number}].path": [path]})
        value = operation.get("value")
        standard = operation.get("op") == "replace" and isinstance(value, bool)
        if style in ("op", "either") and standard:
            return bool(value)
        legacy = operation.get("opt") == "replace" and value in ("true", "false")
        if style in ("opt", "either") and legacy:
            return bool(value == "true")
        key = "opt" if style == "opt" else "op"
        kind = '"true" or "false"' if style == "opt" else "a boolean"
        errors = {f"[{number}].{key}": [f'"{key}": "replace" with {kind} value']}
        raise ApiError(400, "invalid JSON-Patch operation", errors=errors)
    raise ApiError(400, "empty JSON-Patch")
