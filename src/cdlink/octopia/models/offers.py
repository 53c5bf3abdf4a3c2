"""Offers as read (``GET /offers``) and as written through JSON offer packages (reference §6.3).

An ``OfferRequest`` is one line of a package (``Upsert``, ``Update`` or ``Delete``); the package
goes ``WaitingForCompletion`` → ``Ready`` → ``IntegrationPending`` → ``Integrated`` | ``Rejected``,
and then each request has an ``OfferRequestResult``. VAT is sent as a percentage
(``{"code": "VAT", "value": 20}``), as the official rules say (reference §9 #4).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, Field, ValidationError

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


class OfferTax(CamelModel):
    """One tax of a price. VAT is a percentage (``20``) by default; the ``Rate`` variant
    (``{"code": "VAT", "type": "Rate", "value": 0.2}``, reference §9 #4) is read too."""

    code: RequiredText
    value: Money
    type: str | None = None

    @property
    def percent(self) -> Decimal:
        """The value as a percentage, whichever way it was written."""
        rate = (self.type or "").casefold() == "rate"
        return (self.value * 100).normalize() if rate else self.value


class Offer(CamelModel):
    """An offer as ``GET /offers`` lists it.

    ``integration_price`` is the price the seller sent (VAT included); ``facial_price`` the
    price shown to customers, which differs while a promotion runs (or after rounding).
    """

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
    origin_price: Money | None = None
    # Kept raw: an unexpected shape must not make the whole offer unreadable (see tax_lines).
    taxes: list[Any] | None = None
    preparation_time: int | None = None
    discount_components: list[Any] | None = None

    @property
    def displayed_price(self) -> Decimal | None:
        """``facialPrice.price``, else ``integrationPrice``."""
        if self.facial_price is not None and self.facial_price.price is not None:
            return self.facial_price.price
        return self.integration_price

    @property
    def tax_lines(self) -> list[OfferTax]:
        """The offer's taxes, unreadable ones left out."""
        found = []
        for raw in self.taxes or ():
            try:
                found.append(OfferTax.model_validate(raw))
            except ValidationError:
                continue
        return found

    @property
    def vat_percent(self) -> Decimal | None:
        """The VAT as a percentage, whether the offer gives it as ``20`` or as a rate."""
        for tax in self.tax_lines:
            if tax.code.casefold() == "vat":
                return tax.percent
        return None

    @property
    def promotions(self) -> list[DiscountComponent]:
        """The promotions shown on the offer (``discountComponents``, as the sandbox shows
        them; the real field is unknown), unreadable ones left out: the ``history`` of the
        promotion rules."""
        found = []
        for raw in self.discount_components or ():
            try:
                found.append(DiscountComponent.model_validate(raw))
            except ValidationError:
                continue
        return found

    def price_drift(self, expected: Decimal) -> Decimal | None:
        """How far the price Cdiscount holds (``integrationPrice``) is from ``expected``
        (positive: higher on Cdiscount); ``None`` when they agree. A promotion lowers the
        displayed price, not this one, so a running promotion is not a drift."""
        if self.integration_price is None or self.integration_price == expected:
            return None
        return self.integration_price - expected


class PromotionType(StrEnum):
    """A promotion's kind: a flash sale (≤ 72 h) or an official sale (soldes)."""

    FLASH_SALE = "FlashSale"
    SALE = "Sales"


class DiscountComponent(CamelModel):
    """A promotion: ``discount_value`` percent off between ``start_date`` and ``end_date``.

    Sent in XML packages (``DiscountComponent``) or, where JSON carries promotions, in
    ``price.discountComponents`` (field names are cdlink's reading; addendum §5 leaves them
    unknown). A sale also gives ``sales_reference_price``, the price the reduction applies to.
    """

    type: Annotated[PromotionType | str, Field(union_mode="left_to_right")]
    discount_unit: str = "Percentage"
    discount_value: Money
    start_date: UtcDatetime
    end_date: UtcDatetime
    sales_reference_price: Money | None = None


class OfferPrice(CamelModel):
    """A price with its taxes, VAT included; ``origin_price`` is the strike-through price."""

    price: Money
    origin_price: Money | None = None
    taxes: list[OfferTax] | None = None
    discount_components: list[DiscountComponent] | None = None


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
