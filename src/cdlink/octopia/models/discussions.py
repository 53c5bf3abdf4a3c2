"""Customer discussions, claims and messages (reference §6.5, addendum §1), and their rules.

A claim is a discussion whose ``graduation`` is ``Claim`` (then ``Level_1``, when Cdiscount's
customer care takes over): there is no separate claims resource. Strict where cdlink relies on
a value (the discussion id, ``updatedAt``, a message id); every other field is optional and
every unknown field is kept. ``status`` and ``processStatus`` are read as one field.

The rules the marketplace enforces on a reply are constants here, so that cdlink refuses bad
input before sending it (``check_message``, ``OutgoingAttachment``) with the rule in the message.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, Field

from cdlink.octopia.models.base import CamelModel, RequiredText, UtcDatetime
from cdlink.octopia.models.orders import OrderStatus

MESSAGE_MIN_LENGTH = 13
MESSAGE_MAX_LENGTH = 5000
MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024
ATTACHMENT_TYPES: Mapping[str, str] = {
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
DISCUSSION_WINDOW_DAYS = 183
"""``GET /discussions`` accepts an ``updatedAt`` window of at most six months."""


class Graduation(StrEnum):
    """How far a discussion has escalated: Discussion → Claim → Level_1."""

    DISCUSSION = "Discussion"
    CLAIM = "Claim"
    LEVEL_1 = "Level_1"


class ProcessStatus(StrEnum):
    TO_TREAT = "ToTreat"
    TREATED = "Treated"


class UserType(StrEnum):
    CUSTOMER = "Customer"
    SELLER = "Seller"
    GRC_OPERATOR = "GrcOperator"


class IncludeMessages(StrEnum):
    FIRST_MESSAGE = "FirstMessage"
    LAST_MESSAGE = "LastMessage"


class SubTypology(StrEnum):
    MISSING_ITEM_IN_PRODUCT = "missingItemInProduct"
    MISSING_PRODUCTS_IN_ORDER = "missingProductsInOrder"
    ORDER_CANCELLATION = "orderCancellation"
    ORDER_MODIFICATION = "orderModification"
    ORDER_NOT_SHIPPED = "orderNotShipped"
    PRINT_RECEIPT = "printReceipt"
    PRODUCT_IS_DAMAGED = "productIsDamaged"
    PRODUCT_IS_NOT_WORKING = "productIsNotWorking"
    WRONG_PRODUCT_RECEIVED = "wrongProductReceived"
    ORDER_ADDRESS_CHANGE_CDISCOUNT = "orderAddressChangeCdiscount"


_SHIPPED = (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
SUB_TYPOLOGY_ORDER_STATUSES: Mapping[SubTypology, tuple[OrderStatus, ...]] = {
    SubTypology.MISSING_ITEM_IN_PRODUCT: _SHIPPED,
    SubTypology.MISSING_PRODUCTS_IN_ORDER: _SHIPPED,
    SubTypology.ORDER_CANCELLATION: _SHIPPED,
    SubTypology.ORDER_MODIFICATION: _SHIPPED,
    SubTypology.PRODUCT_IS_DAMAGED: _SHIPPED,
    SubTypology.PRODUCT_IS_NOT_WORKING: _SHIPPED,
    SubTypology.WRONG_PRODUCT_RECEIVED: _SHIPPED,
    SubTypology.ORDER_NOT_SHIPPED: (OrderStatus.ACCEPTED, OrderStatus.IN_PREPARATION, *_SHIPPED),
    SubTypology.PRINT_RECEIPT: (*_SHIPPED, OrderStatus.CANCELLED),
}
"""Addendum §1: at which order statuses a sub-typology may be opened (``orderAddressChange…``
is only seen in Cdiscount's own sample and has no listed status)."""

GraduationValue = Annotated[Graduation | str, Field(union_mode="left_to_right")]
ProcessStatusValue = Annotated[ProcessStatus | str, Field(union_mode="left_to_right")]
UserTypeValue = Annotated[UserType | str, Field(union_mode="left_to_right")]
SubTypologyValue = Annotated[SubTypology | str, Field(union_mode="left_to_right")]


class Participant(CamelModel):
    """Someone in a discussion: the customer, the seller or customer care (``GrcOperator``)."""

    user_id: str | None = None
    user_type: UserTypeValue | None = None


class DiscussionAttachment(CamelModel):
    attachment_id: RequiredText = Field(validation_alias=AliasChoices("attachmentId", "id"))
    file_name: str | None = Field(default=None, validation_alias=AliasChoices("fileName", "name"))
    content_type: str | None = None
    size: int | None = None
    message_id: str | None = None
    discussion_id: str | None = None
    created_at: UtcDatetime | None = None


class Message(CamelModel):
    message_id: RequiredText = Field(validation_alias=AliasChoices("messageId", "id"))
    discussion_id: str | None = None
    body: str | None = None
    sender: Participant | None = None
    receivers: list[Participant] = Field(default_factory=list)
    has_read: bool | None = None
    created_at: UtcDatetime | None = None
    attachments: list[DiscussionAttachment] = Field(default_factory=list)


class Discussion(CamelModel):
    discussion_id: RequiredText
    updated_at: UtcDatetime
    subject: str | None = None
    order_reference: str | None = None
    order_seller_id: str | None = None
    sales_channel_external_reference: str | None = None
    sales_channel: str | None = None
    is_open: bool | None = None
    graduation: GraduationValue | None = None
    typology_code: str | None = None
    sub_typology_code: SubTypologyValue | None = None
    process_status: ProcessStatusValue | None = Field(
        default=None, validation_alias=AliasChoices("status", "processStatus")
    )
    customer_id: str | None = None
    seller_id: int | str | None = None
    created_at: UtcDatetime | None = None
    messages: list[Message] | None = None
    """None when the list was asked without ``includeMessages``: not the same as no message."""
    eligible_receivers: list[Participant] = Field(default_factory=list)
    """Who the next reply may go to (``GET /discussions/{id}`` only)."""

    @property
    def is_claim(self) -> bool:
        return self.graduation in (Graduation.CLAIM, Graduation.LEVEL_1)

    @property
    def awaiting_reply(self) -> bool:
        """Open and waiting for the seller (``ToTreat``): what escalates if left alone."""
        return bool(self.is_open) and self.process_status == ProcessStatus.TO_TREAT

    @property
    def last_message(self) -> Message | None:
        return self.messages[-1] if self.messages else None


class SubTypologyInfo(CamelModel):
    sub_typology_code: SubTypologyValue = Field(
        validation_alias=AliasChoices("subTypologyCode", "subtypologyCode", "code")
    )
    label: str | None = None
    order_statuses: list[str] = Field(default_factory=list)


class Typology(CamelModel):
    typology_code: str = Field(validation_alias=AliasChoices("typologyCode", "code"))
    label: str | None = None
    sub_typologies: list[SubTypologyInfo] = Field(
        default_factory=list, validation_alias=AliasChoices("subTypologies", "subtypologies")
    )


class SalesChannelConfiguration(CamelModel):
    """Per-channel discussion rules; the real shape is unknown, so every field is kept."""

    sales_channel_id: str | None = None
    message_min_length: int | None = None
    message_max_length: int | None = None
    max_attachments_per_message: int | None = None
    max_attachment_size: int | None = None
    allowed_attachment_extensions: list[str] = Field(default_factory=list)
    graduations: list[str] = Field(default_factory=list)


class OutgoingAttachment(CamelModel):
    """A file to send with a message. Use ``OutgoingAttachment.of(name, data)``; the rules
    (type, size) are checked by the discussions service before anything is sent."""

    file_name: RequiredText
    content: bytes
    content_type: str | None = None

    @classmethod
    def of(
        cls, file_name: str, content: bytes, content_type: str | None = None
    ) -> OutgoingAttachment:
        return cls(file_name=file_name, content=content, content_type=content_type)

    @property
    def extension(self) -> str:
        return self.file_name.rpartition(".")[2].casefold() if "." in self.file_name else ""

    def to_payload(self) -> dict[str, Any]:
        return {
            "fileName": self.file_name,
            "contentType": self.content_type or ATTACHMENT_TYPES.get(self.extension),
            "content": base64.b64encode(self.content).decode("ascii"),
        }


def message_problems(body: str, attachments: Sequence[OutgoingAttachment]) -> list[str]:
    """Which rules of ``POST /messages`` a reply breaks (an empty list: none)."""
    problems = []
    length = len(body.strip())
    if not MESSAGE_MIN_LENGTH <= length <= MESSAGE_MAX_LENGTH:
        problems.append(
            f"message_length: a message has {MESSAGE_MIN_LENGTH} to {MESSAGE_MAX_LENGTH} "
            f"characters; this one has {length}"
        )
    if len(attachments) > MAX_ATTACHMENTS:
        problems.append(
            f"attachment_count: at most {MAX_ATTACHMENTS} attachments per message; "
            f"{len(attachments)} given"
        )
    for item in attachments:
        if item.extension not in ATTACHMENT_TYPES:
            allowed = ", ".join(ATTACHMENT_TYPES)
            problems.append(f"attachment_type: {item.file_name} is not one of {allowed}")
        if len(item.content) > MAX_ATTACHMENT_BYTES:
            megabytes = len(item.content) / 1024 / 1024
            problems.append(
                f"attachment_size: {item.file_name} is {megabytes:.1f} MB; at most 4 MB per file"
            )
    return problems
