"""Commercial gestures (reference §6.2.8) and returns (§6.7, addendum §2).

A commercial gesture is a partial refund the seller grants on a ``Shipped`` or ``Delivered``
order, up to the ``allowableAmount`` Octopia computes; its created id has been seen under several
keys (addendum §2), all read. Returns exist only for Octopia fulfilment orders: there is no API
for returns of orders the seller ships itself (those go through discussions and refunds).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AliasChoices, Field

from cdlink.octopia.models.base import CamelModel, Money, RequiredText, UtcDatetime
from cdlink.octopia.models.orders import OrderStatus

GESTURE_ORDER_STATUSES = (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
REFUND_ORDER_STATUSES = (
    OrderStatus.ACCEPTED,
    OrderStatus.IN_PREPARATION,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)
"""A refund is a cancellation request after the order was accepted (addendum §2, Lengow)."""


class GestureReason(StrEnum):
    """Reasons seen or plausible; the published list is unknown, so any string may be sent."""

    MISSING_PRODUCT = "MissingProduct"
    DAMAGED_PRODUCT = "DamagedProduct"
    LATE_DELIVERY = "LateDelivery"
    PRODUCT_NOT_AS_DESCRIBED = "ProductNotAsDescribed"
    CUSTOMER_DISSATISFACTION = "CustomerDissatisfaction"
    OTHER = "Other"


class ReturnStatus(StrEnum):
    CREATED = "Created"
    REFERENCING = "Referencing"
    REFERENCED = "Referenced"
    ACCEPTED = "Accepted"
    PENDING = "Pending"
    COMPLETED = "Completed"


class ReturnType(StrEnum):
    CUSTOMER = "Customer"
    CARRIER = "Carrier"


ReturnStatusValue = Annotated[ReturnStatus | str, Field(union_mode="left_to_right")]
ReturnTypeValue = Annotated[ReturnType | str, Field(union_mode="left_to_right")]


class AvailableAmount(CamelModel):
    allowable_amount: Money
    order_id: str | None = None
    currency_code: str | None = None


class CommercialGesture(CamelModel):
    request_id: RequiredText = Field(
        validation_alias=AliasChoices(
            "requestId",
            "commercialGestureRequestId",
            "cancellationRequestId",
            "partialCancellationRequestId",
            "id",
        )
    )
    order_id: str | None = None
    reason: str | None = None
    reason_details: str | None = None
    amount: Money | None = None
    currency_code: str | None = None
    status: str | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None


class ReturnLine(CamelModel):
    seller_product_id: str | None = None
    quantity: int | None = None


class Return(CamelModel):
    return_id: RequiredText
    status: ReturnStatusValue
    type: ReturnTypeValue | None = None
    reason: str | None = None
    recommended_return_reason: str | None = None
    comment: str | None = None
    warehouse_comment: str | None = None
    outbound_shipment_id: str | None = None
    reference: str | None = None
    order_seller_id: str | None = None
    parcel_id: str | None = None
    receipt_date: UtcDatetime | None = None
    label_available: bool | None = None
    lines: list[ReturnLine] = Field(default_factory=list)
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
