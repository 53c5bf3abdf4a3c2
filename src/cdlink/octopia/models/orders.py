"""Orders as the marketplace sends them (reference §6.2.4), and the bodies cdlink sends about them.

Strict where cdlink relies on a value: the order id, status and ``updatedAt``; each line's id,
quantity and prices. Everything else is optional and every unknown field is kept. Commission
amounts are read under both names seen in the wild (``amountWithVat`` and, in one client's DTO,
``amountWithTax``; reference §9 #3).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, Field

from cdlink.octopia.models.base import (
    CamelModel,
    Money,
    Quantity,
    RequiredText,
    UtcDatetime,
)


class OrderStatus(StrEnum):
    PROCESSING = "Processing"
    WAITING_ACCEPTANCE = "WaitingAcceptance"
    REFUSED = "Refused"
    ACCEPTED = "Accepted"
    IN_PREPARATION = "InPreparation"
    SHIPPED = "Shipped"
    DELIVERED = "Delivered"
    CANCELLED = "Cancelled"


class LineStatus(StrEnum):
    """Line statuses seen so far: the order statuses plus the customer's cancel request."""

    PROCESSING = "Processing"
    WAITING_ACCEPTANCE = "WaitingAcceptance"
    REFUSED = "Refused"
    ACCEPTED = "Accepted"
    IN_PREPARATION = "InPreparation"
    SHIPPED = "Shipped"
    DELIVERED = "Delivered"
    CANCELLED = "Cancelled"
    CANCEL_REQUEST = "CancelRequest"
    REJECTED = "Rejected"


class SupplyMode(StrEnum):
    SELLER = "Seller"
    FULFILLMENT = "Fulfillment"
    XDOCK = "Xdock"


class ApprovalStatus(StrEnum):
    ACCEPTED = "Accepted"
    REFUSED = "Refused"


OrderStatusValue = Annotated[OrderStatus | str, Field(union_mode="left_to_right")]
LineStatusValue = Annotated[LineStatus | str, Field(union_mode="left_to_right")]
SupplyModeValue = Annotated[SupplyMode | str, Field(union_mode="left_to_right")]


class Address(CamelModel):
    civility: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    company_vat_number: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    address_line3: str | None = None
    postal_code: str | None = None
    city: str | None = None
    state_or_region: str | None = None
    country_code: str | None = None
    phone: str | None = None
    email: str | None = None


class ShippingAddress(Address):
    """A shipping address; relay-point deliveries add the pickup point."""

    pickup_name: str | None = None
    pickup_id: str | None = None


class Tax(CamelModel):
    code: str | None = None
    target: str | None = None
    amount: Money | None = None
    rate: Money | None = None


class Commission(CamelModel):
    amount_with_vat: Money | None = Field(
        default=None, validation_alias=AliasChoices("amountWithVat", "amountWithTax")
    )
    amount_without_vat: Money | None = Field(
        default=None, validation_alias=AliasChoices("amountWithoutVat", "amountWithoutTax")
    )
    rate: Money | None = None


class LinePrice(CamelModel):
    """``offerPrice`` (the seller's basis) or ``sellingPrice`` (what the customer paid)."""

    unit_sales_price: Money
    shipping_cost: Money | None = None
    commission: Commission | None = None
    taxes: list[Tax] = Field(default_factory=list)


class TotalPrice(CamelModel):
    offer_price: Money | None = None
    selling_price: Money | None = None


class LineOffer(CamelModel):
    id: str | None = None
    seller_product_id: str | None = None
    supply_mode: SupplyModeValue | None = None
    product_id: str | None = None
    product_title: str | None = None
    product_gtin: str | None = None
    condition: str | None = None


class Delivery(CamelModel):
    mode: str | None = None
    promised_at_min: UtcDatetime | None = None
    promised_at_max: UtcDatetime | None = None
    shipped_at_max: UtcDatetime | None = None


class Parcel(CamelModel):
    """A parcel as the order shows it, or as cdlink declares it when shipping."""

    parcel_number: RequiredText
    carrier_name: RequiredText
    tracking_url: str | None = None
    order_line_ids: list[str] | None = None


class OrderLine(CamelModel):
    order_line_id: RequiredText
    status: LineStatusValue | None = None
    quantity: Quantity
    offer_price: LinePrice
    selling_price: LinePrice
    total_price: TotalPrice | None = None
    offer: LineOffer | None = None
    delivery: Delivery | None = None
    shipping_address: ShippingAddress | None = None
    parcels: list[Parcel] = Field(default_factory=list)
    product_attributes: list[Any] = Field(default_factory=list)
    status_events: list[Any] = Field(default_factory=list)


class SalesChannel(CamelModel):
    id: str | None = None
    name: str | None = None


class ServiceFee(CamelModel):
    label: str | None = None
    amount: Money


class Order(CamelModel):
    order_id: RequiredText
    status: OrderStatusValue
    updated_at: UtcDatetime
    lines: list[OrderLine]
    reference: str | None = None
    business_order: bool | None = None
    sales_channel: SalesChannel | None = None
    seller: dict[str, Any] | None = None
    customer: dict[str, Any] | None = None
    purchased_at: UtcDatetime | None = None
    created_at: UtcDatetime | None = None
    shipped_at_max: UtcDatetime | None = None
    payment: dict[str, Any] | None = None
    currency_code: str | None = None
    billing_address: Address | None = None
    total_price: TotalPrice | None = None
    service_fees: list[ServiceFee] = Field(default_factory=list)
    status_events: list[Any] = Field(default_factory=list)
    cancellation_details: dict[str, Any] | None = None

    def line(self, order_line_id: str) -> OrderLine | None:
        return next((line for line in self.lines if line.order_line_id == order_line_id), None)


class CancellationReason(CamelModel):
    """A reason code for a seller cancellation (shape not documented: fields are kept)."""

    code: str | None = Field(default=None, validation_alias=AliasChoices("code", "reason", "id"))
    label: str | None = Field(
        default=None, validation_alias=AliasChoices("label", "name", "description")
    )


class PartialCancellationLine(CamelModel):
    """One line of a partial cancellation request."""

    line_id: RequiredText
    offer_id: str | None = None
    reason: RequiredText
    shipping_cost_refund: bool = False
