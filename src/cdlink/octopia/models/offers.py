"""Offers as read (``GET /offers``) and as written through JSON offer packages (reference §6.3).

An ``OfferRequest`` is one line of a package (``Upsert``, ``Update`` or ``Delete``); the package
goes ``WaitingForCompletion`` → ``Ready`` → ``IntegrationPending`` → ``Integrated`` | ``Rejected``,
and then each request has an ``OfferRequestResult``. VAT is sent as a percentage
(``{"code": "VAT", "value": 20}``), as the official rules say (reference §9 #4).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, Field

from cdlink.octopia.models.base import CamelModel, Money, Quantity, RequiredText, UtcDatetime


class OfferState(StrEnum):
    ACTIVE = "Active"
    INACTIVE = "Inactive"


class PackageType(StrEnum):
    UPSERT = "Upsert"
    UPDATE = "Update"
    DELETE = "Delete"


class PackageState(StrEnum):
    WAITING_FOR_COMPLETION = "WaitingForCompletion"
    READY = "Ready"
    INTEGRATION_PENDING = "IntegrationPending"
    INTEGRATED = "Integrated"
    REJECTED = "Rejected"


class IntegrationStatus(StrEnum):
    INTEGRATED = "Integrated"
    REJECTED = "Rejected"
    DUPLICATED = "Duplicated"


OfferStateValue = Annotated[OfferState | str, Field(union_mode="left_to_right")]
PackageStateValue = Annotated[PackageState | str, Field(union_mode="left_to_right")]
IntegrationStatusValue = Annotated[IntegrationStatus | str, Field(union_mode="left_to_right")]

TERMINAL_PACKAGE_STATES = frozenset({PackageState.INTEGRATED, PackageState.REJECTED})


class FacialPrice(CamelModel):
    price: Money | None = None


class OfferProduct(CamelModel):
    gtin: str | None = None
    reference: str | None = None


class Offer(CamelModel):
    """An offer as ``GET /offers`` lists it."""

    offer_id: RequiredText
    seller_external_reference: str | None = None
    seller_id: int | str | None = None
    offer_state: OfferStateValue | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
    product: OfferProduct | None = None
    product_reference: str | None = None
    condition: str | None = None
    integration_price: Money | None = None
    facial_price: FacialPrice | None = None
    quantity: Quantity | None = None
    delivery_offers: list[Any] = Field(default_factory=list)
    sales_channel_feedback: dict[str, Any] | None = None


class OfferTax(CamelModel):
    code: RequiredText
    value: Money


class OfferPrice(CamelModel):
    price: Money
    origin_price: Money | None = None
    taxes: list[OfferTax] | None = None


class OfferDeliveryMode(CamelModel):
    code: RequiredText
    cost: Money
    additional_cost: Money | None = None


class OfferRequest(CamelModel):
    """One offer of a package. ``Delete`` needs only ``seller_external_reference``."""

    seller_external_reference: Annotated[str, Field(min_length=1, max_length=50)]
    product: OfferProduct | None = None
    condition: str | None = None
    price: OfferPrice | None = None
    quantity: Quantity | None = None
    preparation_time: Annotated[int, Field(ge=0)] | None = None
    delivery_modes: list[OfferDeliveryMode] | None = None


class OfferPackage(CamelModel):
    """A package's state as ``GET /offer-packages/{id}`` answers it."""

    package_id: str | None = Field(
        default=None, validation_alias=AliasChoices("packageId", "id", "offerPackageId")
    )
    state: PackageStateValue = Field(validation_alias=AliasChoices("state", "packageState"))
    package_type: str | None = None
    sales_channel_id: str | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None

    @property
    def is_finished(self) -> bool:
        """True once integration ended (Integrated or Rejected); results can then be read."""
        return self.state in TERMINAL_PACKAGE_STATES


class ResultMessage(CamelModel):
    result_code: str | None = None
    message: str | None = None


class OfferRequestResult(CamelModel):
    seller_external_reference: RequiredText
    integration_status: IntegrationStatusValue
    results: list[ResultMessage] = Field(default_factory=list)
