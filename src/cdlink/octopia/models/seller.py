"""The seller account and its referentials: shop, delivery modes, carriers (reference §6.1).

``/sellers`` and ``/sellers/delivery-modes`` answer in snake_case, unlike the rest of the API;
``/carriers`` in camelCase. Carrier codes are not unique (``pcc`` carries La Poste, Colissimo,
Chronopost…): the label is what a shipment names, as ``carrierName``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, Field

from cdlink.octopia.models.base import CamelModel, RequiredText, SnakeModel, UtcDatetime


class SellerState(StrEnum):
    ACTIVATED = "Activated"
    DEACTIVATED = "Deactivated"
    PUT_ON_NOTICE = "PutOnNotice"


class SellerSubState(StrEnum):
    ACTIVE_SELLER = "ActiveSeller"
    HOLIDAYS = "Holidays"
    BANNED_SELLER = "BannedSeller"


SellerStateValue = Annotated[SellerState | str, Field(union_mode="left_to_right")]
SellerSubStateValue = Annotated[SellerSubState | str, Field(union_mode="left_to_right")]


class Seller(SnakeModel):
    seller_id: int | str
    login: str | None = None
    api_login: str | None = None
    shop_name: str | None = None
    shop_url: str | None = None
    siret_number: str | None = None
    email: str | None = None
    auto_accept_order: bool | None = None
    seller_state: SellerStateValue | None = None
    seller_sub_state: SellerSubStateValue | None = None
    subscription_step: str | None = None
    creation_date: UtcDatetime | None = None
    last_update_date: UtcDatetime | None = None
    fulfillment_profile_id: int | str | None = None
    seller_legal_information: dict[str, Any] | None = None
    links: dict[str, Any] | None = None


class DeliveryMode(SnakeModel):
    code: RequiredText
    name: str | None = None
    delivery_delay: int | None = None
    is_express_delivery: bool | None = None
    more_than30_kg_product: bool | None = None


class Carrier(CamelModel):
    code: RequiredText
    label: RequiredText
    additional_parameters_required: bool | None = None


class SellerAddress(SnakeModel):
    type: str | None = None
    address: str | None = None
    country: str | None = None
    city: str | None = None
    zip_code: str | None = Field(
        default=None, validation_alias=AliasChoices("zip-code", "zip_code")
    )


class Subscription(SnakeModel):
    subscription_id: str | int | None = Field(
        default=None, validation_alias=AliasChoices("subscription-id", "subscription_id")
    )
    sales_channel_id: str | None = Field(
        default=None, validation_alias=AliasChoices("sales-channel-id", "sales_channel_id")
    )
    status: str | None = None


class SellerIndicators(SnakeModel):
    """Performance indicators; their inner shape is not documented, so values are kept as sent."""

    order_acceptation: Any = None
    product_shipping: Any = None
    deadline_compliance: Any = None
    order_claims: Any = None
    order_refunds: Any = None
