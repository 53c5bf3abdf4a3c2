"""The seller account and its referentials: shop, delivery modes, carriers (reference §6.1).

``/sellers`` and ``/sellers/delivery-modes`` answer in snake_case, unlike the rest of the API;
``/carriers`` in camelCase. Carrier codes are not unique (``pcc`` carries La Poste, Colissimo,
Chronopost…): the label is what a shipment names, as ``carrierName``.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, Field, model_validator

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


class IndicatorThresholdType(StrEnum):
    """Whether an indicator must stay above (``ThresholdMin``) or below its threshold."""

    MIN = "ThresholdMin"
    MAX = "ThresholdMax"


class Indicator(SnakeModel):
    """One performance indicator, in percent over the last 30 and 60 days.

    The REST shape is not documented (addendum §6): the fields follow the legacy
    ``SellerIndicator`` (``ValueD30``, ``ValueD60``, ``Threshold``, ``ThresholdType``,
    ``ComputationDate``) in snake_case, as every ``/sellers`` resource answers. A bare number is
    read as the 30-day value.
    """

    value_d30: Decimal | None = Field(
        default=None, validation_alias=AliasChoices("value_d30", "valueD30", "ValueD30")
    )
    value_d60: Decimal | None = Field(
        default=None, validation_alias=AliasChoices("value_d60", "valueD60", "ValueD60")
    )
    threshold: Decimal | None = Field(
        default=None, validation_alias=AliasChoices("threshold", "Threshold")
    )
    threshold_type: Annotated[
        IndicatorThresholdType | str | None, Field(union_mode="left_to_right")
    ] = Field(
        default=None,
        validation_alias=AliasChoices("threshold_type", "thresholdType", "ThresholdType"),
    )
    computation_date: UtcDatetime | None = Field(
        default=None,
        validation_alias=AliasChoices("computation_date", "computationDate", "ComputationDate"),
    )

    @model_validator(mode="before")
    @classmethod
    def _bare_number(cls, value: Any) -> Any:
        if isinstance(value, int | float | Decimal | str) and not isinstance(value, bool):
            return {"value_d30": value}
        return value


class SellerIndicators(SnakeModel):
    """The five performance indicators Cdiscount computes for the shop (reference §6.1)."""

    order_acceptation: Indicator | None = None
    product_shipping: Indicator | None = None
    deadline_compliance: Indicator | None = None
    order_claims: Indicator | None = None
    order_refunds: Indicator | None = None

    def named(self) -> dict[str, Indicator]:
        """The indicators sent, by their REST name."""
        return {
            name: value
            for name in INDICATOR_NAMES
            if isinstance(value := getattr(self, name), Indicator)
        }


#: The five indicators' REST names, in the order Cdiscount lists them.
INDICATOR_NAMES = (
    "order_acceptation",
    "product_shipping",
    "deadline_compliance",
    "order_claims",
    "order_refunds",
)
