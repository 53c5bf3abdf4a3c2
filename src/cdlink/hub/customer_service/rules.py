"""The rules a reply, a refund or a gesture must meet, checked before anything is recorded.

They repeat the marketplace's (the client checks them again before sending): a message has 13
to 5,000 characters and at most three attachments of 4 MB each, of the types the marketplace
takes, and keeps no template placeholder unfilled (cdlink's own rule); a gesture needs a shipped
or delivered order and at most the allowed amount; a refund needs an order past acceptance. A
request breaking one is refused with ``CustomerServiceError`` (``rule`` names it) and nothing is
recorded nor sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable

MESSAGE_MIN_LENGTH = 13
MESSAGE_MAX_LENGTH = 5000
MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024
ATTACHMENT_TYPES = ("png", "gif", "bmp", "jpg", "jpeg", "tif", "pdf", "doc", "docx", "xls")
#: The placeholders of the reply templates; one cdlink could not fill stays as ``[name]`` for the
#: seller to replace, and a reply still holding one is refused rather than sent to a customer.
TEMPLATE_PLACEHOLDERS = ("order_reference", "customer_name", "carrier", "tracking_link")
GESTURE_ORDER_STATUSES = ("Shipped", "Delivered")
REFUND_ORDER_STATUSES = ("Accepted", "InPreparation", "Shipped", "Delivered")
#: The gesture reasons the marketplace takes (its published list; ``Other`` needs details).
GESTURE_REASONS = (
    "MissingProduct",
    "DamagedProduct",
    "LateDelivery",
    "ProductNotAsDescribed",
    "CustomerDissatisfaction",
    "Other",
)


class CustomerServiceError(CdlinkError):
    """A reply, closing, refund or gesture that breaks a rule; nothing was recorded or sent."""

    default_hint = translatable("Correct the request as the message says, then send it again.")

    def __init__(self, rule: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.rule = rule


@dataclass(frozen=True)
class Attachment:
    """A file to send with a reply: its name and bytes."""

    file_name: str
    content: bytes


def check_message(body: str, attachments: list[Attachment]) -> None:
    length = len(body.strip())
    if length < MESSAGE_MIN_LENGTH:
        raise CustomerServiceError(
            "message_length", translatable("a reply needs at least 13 characters")
        )
    if len(body) > MESSAGE_MAX_LENGTH:
        raise CustomerServiceError(
            "message_length", translatable("a reply has at most 5,000 characters")
        )
    if any(f"[{name}]" in body for name in TEMPLATE_PLACEHOLDERS):
        raise CustomerServiceError(
            "unfilled_placeholder",
            translatable(
                "the reply still holds a template placeholder such as [carrier] or "
                "[tracking_link]: replace it with the real value"
            ),
        )
    if len(attachments) > MAX_ATTACHMENTS:
        raise CustomerServiceError(
            "attachment_count", translatable("a reply takes at most 3 attachments")
        )
    for attachment in attachments:
        if len(attachment.content) > MAX_ATTACHMENT_BYTES:
            raise CustomerServiceError(
                "attachment_size", translatable("an attachment is at most 4 MB")
            )
        extension = attachment.file_name.rpartition(".")[2].lower()
        if "." not in attachment.file_name or extension not in ATTACHMENT_TYPES:
            raise CustomerServiceError(
                "attachment_type",
                translatable(
                    "an attachment is a png, gif, bmp, jpg, jpeg, tif, pdf, doc, docx or xls file"
                ),
            )


def check_gesture(
    order_status: str, amount: Decimal, allowed: Decimal, reason: str, details: str | None
) -> None:
    if order_status not in GESTURE_ORDER_STATUSES:
        raise CustomerServiceError(
            "order_status", translatable("a gesture needs a shipped or delivered order")
        )
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise CustomerServiceError(
            "gesture_amount",
            translatable("a gesture is a positive amount with at most two decimals"),
        )
    if amount > allowed:
        raise CustomerServiceError(
            "gesture_amount", translatable("a gesture cannot exceed the allowed amount")
        )
    if reason not in GESTURE_REASONS:
        raise CustomerServiceError(
            "gesture_reason", translatable("choose one of the marketplace's gesture reasons")
        )
    if reason == "Other" and not (details or "").strip():
        raise CustomerServiceError(
            "gesture_reason_details", translatable("the reason Other needs details")
        )


def check_refund(order_status: str, reason: str, offered: list[str]) -> None:
    if order_status not in REFUND_ORDER_STATUSES:
        raise CustomerServiceError(
            "order_status", translatable("a refund needs an order accepted by the seller")
        )
    if offered and reason not in offered:
        raise CustomerServiceError(
            "refund_reason", translatable("choose one of the marketplace's refund reasons")
        )
    if not reason:
        raise CustomerServiceError(
            "refund_reason", translatable("choose one of the marketplace's refund reasons")
        )
