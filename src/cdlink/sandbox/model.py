"""The sandbox's in-memory records: offers, orders and their lines, packages, cancellations.

These are plain mutable dataclasses owned by a ``SellerShop`` and only touched under the
sandbox lock; the JSON the API answers is built from them by ``serialize``. Money is Decimal.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from typing import Any

CHANNEL = "CDISFR"
CHANNEL_NAME = "Cdiscount"

ORDER_STATUSES = (
    "Processing",
    "WaitingAcceptance",
    "Refused",
    "Accepted",
    "InPreparation",
    "Shipped",
    "Delivered",
    "Cancelled",
)
LINE_STATUSES = (*ORDER_STATUSES, "CancelRequest", "Rejected")
FINAL_STATUSES = frozenset({"Refused", "Delivered", "Cancelled"})
PACKAGE_STATES = ("WaitingForCompletion", "Ready", "IntegrationPending", "Integrated", "Rejected")
PACKAGE_TYPES = ("Upsert", "Update", "Delete")


@dataclasses.dataclass(slots=True)
class Tax:
    code: str
    value: Decimal


@dataclasses.dataclass(slots=True)
class DeliveryOffer:
    code: str
    cost: Decimal
    additional_cost: Decimal


@dataclasses.dataclass(slots=True)
class Offer:
    seller_external_reference: str
    gtin: str
    product_reference: str
    product_title: str
    condition: str
    price: Decimal
    origin_price: Decimal | None
    taxes: list[Tax]
    quantity: int
    preparation_time: int
    delivery_modes: list[DeliveryOffer]
    created_at: datetime
    updated_at: datetime
    # Promotions (``promotions.Promotion``) and the competitors' price anchor (``competition``).
    promotions: list[Any] = dataclasses.field(default_factory=list)
    market_price: Decimal | None = None

    def offer_id(self, seller_id: int) -> str:
        return f"{seller_id}_{self.product_reference}_{self.condition}_{CHANNEL}"

    @property
    def state(self) -> str:
        """Active only when stock, price, taxes and delivery are all there (reference §6.3.2)."""
        complete = self.price > 0 and bool(self.taxes) and bool(self.delivery_modes)
        return "Active" if complete and self.quantity > 0 else "Inactive"


@dataclasses.dataclass(slots=True)
class Address:
    civility: str
    first_name: str
    last_name: str
    company_name: str | None
    address_line1: str
    address_line2: str | None
    postal_code: str
    city: str
    country_code: str
    phone: str
    email: str
    pickup_name: str | None = None
    pickup_id: str | None = None


@dataclasses.dataclass(slots=True)
class OrderLine:
    line_id: str
    status: str
    quantity: int
    seller_external_reference: str
    offer_id: str
    product_reference: str
    product_title: str
    gtin: str
    condition: str
    unit_price: Decimal
    unit_selling_price: Decimal
    shipping_cost: Decimal
    vat_percent: Decimal
    commission_percent: Decimal
    delivery_mode: str
    promised_at_min: datetime
    promised_at_max: datetime
    shipped_at_max: datetime
    parcels: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    status_events: list[tuple[str, datetime]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(slots=True)
class Order:
    order_id: str
    seller_id: int
    customer_reference: str
    business_order: bool
    payment_method: str
    purchased_at: datetime
    created_at: datetime
    updated_at: datetime
    shipped_at_max: datetime
    status: str
    billing_address: Address
    shipping_address: Address
    service_fees: list[tuple[str, Decimal]]
    lines: list[OrderLine]
    shipped_at: datetime | None = None
    cancellation: dict[str, Any] | None = None
    status_events: list[tuple[str, datetime]] = dataclasses.field(default_factory=list)
    version: int = 0
    supply_mode: str = "Seller"

    def line(self, line_id: str) -> OrderLine | None:
        return next((line for line in self.lines if line.line_id == line_id), None)


@dataclasses.dataclass(slots=True)
class OfferRequestResult:
    seller_external_reference: str
    integration_status: str
    results: list[tuple[str, str]]


@dataclasses.dataclass(slots=True)
class Package:
    package_id: str
    package_type: str
    sales_channel_id: str
    state: str
    created_at: datetime
    updated_at: datetime
    requests: list[Any] = dataclasses.field(default_factory=list)
    results: list[OfferRequestResult] = dataclasses.field(default_factory=list)
    integrated_at: datetime | None = None
    results_expired: bool = False


@dataclasses.dataclass(slots=True)
class CancellationRequest:
    cancellation_request_id: str
    order_id: str
    line_ids: list[str]
    offer_ids: list[str]
    reason: str
    shipping_cost_refund: bool
    status: str
    created_at: datetime


@dataclasses.dataclass(slots=True)
class Attachment:
    attachment_id: str
    discussion_id: str
    message_id: str
    file_name: str
    content_type: str
    content: bytes
    created_at: datetime


@dataclasses.dataclass(slots=True)
class Message:
    message_id: str
    discussion_id: str
    body: str
    sender_id: str
    sender_type: str
    receivers: list[tuple[str, str]]
    created_at: datetime
    has_read: bool = False
    attachments: list[Attachment] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(slots=True)
class Discussion:
    discussion_id: str
    order_id: str
    customer_id: str
    subject: str
    typology_code: str
    sub_typology_code: str
    created_at: datetime
    updated_at: datetime
    graduation: str = "Discussion"
    is_open: bool = True
    process_status: str = "ToTreat"
    messages: list[Message] = dataclasses.field(default_factory=list)
    awaiting_since: datetime | None = None
    """When the oldest customer message the seller has not answered arrived (escalation)."""


@dataclasses.dataclass(slots=True)
class GestureRequest:
    request_id: str
    order_id: str
    reason: str
    reason_details: str | None
    amount: Decimal
    status: str
    created_at: datetime
    updated_at: datetime


@dataclasses.dataclass(slots=True)
class Return:
    return_id: str
    order_id: str
    kind: str
    status: str
    reason: str
    comment: str | None
    lines: list[dict[str, Any]]
    parcel_id: str
    created_at: datetime
    updated_at: datetime
    receipt_date: datetime | None = None
    label_available: bool = True
