"""Prices, promotions and competition (reference §6.3, addendum §5).

All money is ``Decimal`` euros, VAT included. A price change and a stock change of one SKU travel
in one JSON ``Update`` offer request (``offer_update``; ``coalesce`` merges several changes of a
SKU into one request). Promotions go in XML offer packages (``XmlOffer`` → ``build_offer_zip``),
the only way Cdiscount documents for sales; ``XmlPackageReport`` is a package's state and
per-offer results. ``SalesChannelFeedback`` reads ``expand=salesChannelFeedback``: the best offer
and the competing offers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from cdlink.octopia.models.base import CamelModel, Money, SnakeModel, UtcDatetime
from cdlink.octopia.models.offers import (
    DiscountComponent,
    OfferDeliveryMode,
    OfferPrice,
    OfferRequest,
    OfferTax,
)

VatFormat = Literal["percentage", "rate"]


def offer_taxes(
    vat_percent: Decimal,
    *,
    ecotax: Decimal | None = None,
    deatax: Decimal | None = None,
    vat_format: VatFormat = "percentage",
) -> list[OfferTax]:
    """The full tax list of a price (an Update resends all of it). VAT goes as a percentage
    (``20``) or, for a marketplace that wants it, as a rate (``0.2`` with ``type: Rate``)."""
    if vat_format == "rate":
        vat = OfferTax(code="VAT", value=(vat_percent / 100).normalize(), type="Rate")
    else:
        vat = OfferTax(code="VAT", value=vat_percent)
    taxes = [vat]
    if ecotax is not None:
        taxes.append(OfferTax(code="Ecotax", value=ecotax))
    if deatax is not None:
        taxes.append(OfferTax(code="Deatax", value=deatax))
    return taxes


def offer_update(
    sku: str,
    *,
    quantity: int | None = None,
    price: Decimal | None = None,
    vat_percent: Decimal | None = None,
    origin_price: Decimal | None = None,
    ecotax: Decimal | None = None,
    deatax: Decimal | None = None,
    delivery_modes: Sequence[OfferDeliveryMode] | None = None,
    preparation_time: int | None = None,
    promotions: Sequence[DiscountComponent] | None = None,
    vat_format: VatFormat = "percentage",
) -> OfferRequest:
    """One ``Update`` request changing whatever is given: stock, price (with its full tax
    list, so ``vat_percent`` is needed with ``price``), strike price, delivery, preparation."""
    offer_price = None
    if price is not None:
        if vat_percent is None:
            raise ValueError("a price is sent with its VAT (vat_percent)")
        offer_price = OfferPrice(
            price=price,
            origin_price=origin_price,
            taxes=offer_taxes(vat_percent, ecotax=ecotax, deatax=deatax, vat_format=vat_format),
            discount_components=list(promotions) if promotions is not None else None,
        )
    return OfferRequest(
        seller_external_reference=sku,
        quantity=quantity,
        price=offer_price,
        preparation_time=preparation_time,
        delivery_modes=list(delivery_modes) if delivery_modes is not None else None,
    )


def coalesce(requests: Iterable[OfferRequest]) -> list[OfferRequest]:
    """One request per SKU (first-seen order): later requests' fields override earlier ones,
    so a stock change and a price change of the same SKU become one request."""
    merged: dict[str, dict[str, Any]] = {}
    for request in requests:
        fields = {
            name: getattr(request, name)
            for name in request.model_fields_set
            if getattr(request, name) is not None
        }
        merged.setdefault(request.seller_external_reference, {}).update(fields)
    return [OfferRequest(**fields) for fields in merged.values()]


# --- reading: best offer and competition ------------------------------------------------------


class BestOfferDetails(CamelModel):
    is_best_offer: bool | None = None
    best_price: Money | None = None
    best_shipping_cost: Money | None = None
    best_offer_seller_id: int | str | None = None
    competing_offers_count: int | None = None


class CompetingOffer(CamelModel):
    seller_id: int | str | None = None
    seller_name: str | None = None
    price: Money | None = None
    shipping_cost: Money | None = None
    condition: str | None = None
    is_best_offer: bool | None = None

    @property
    def total(self) -> Decimal | None:
        if self.price is None:
            return None
        return self.price + (self.shipping_cost or Decimal(0))


class SalesChannelFeedback(CamelModel):
    """What ``expand=salesChannelFeedback`` adds to an offer (Cdiscount only; shape partly
    unknown: unknown keys are kept in ``model_extra``)."""

    best_offer_details: BestOfferDetails | None = None
    competing_offers: list[CompetingOffer] = Field(default_factory=list)
    offer_quality: dict[str, Any] | None = None
    product_information: dict[str, Any] | None = None

    @property
    def lowest_competitor(self) -> CompetingOffer | None:
        priced = [offer for offer in self.competing_offers if offer.total is not None]
        return min(priced, key=lambda offer: offer.total or Decimal(0), default=None)


# --- XML offer packages -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class XmlShipping:
    delivery_mode: str
    charges: Decimal = Decimal(0)
    additional_charges: Decimal = Decimal(0)


@dataclasses.dataclass(frozen=True, slots=True)
class XmlOffer:
    """One ``Offer`` of an XML package. ``None`` leaves an attribute out (``StockAndPrice``
    packages update what they carry); ``promotions=None`` leaves the SKU's promotions as they
    are, an empty tuple cancels the ones not yet ended (the price reverts)."""

    sku: str
    price: Decimal | None = None
    stock: int | None = None
    ean: str | None = None
    vat_percent: Decimal | None = None
    ecotax: Decimal | None = None
    deatax: Decimal | None = None
    striked_price: Decimal | None = None
    preparation_time: int | None = None
    condition: str | None = None
    shipping: tuple[XmlShipping, ...] = ()
    promotions: tuple[DiscountComponent, ...] | None = None


class XmlOfferError(SnakeModel):
    error_code: str | None = None
    message: str | None = None


class XmlOfferResult(SnakeModel):
    seller_product_id: str
    integration_status: str
    errors: list[XmlOfferError] = Field(default_factory=list)


class XmlPackageReport(SnakeModel):
    """``GET /offer-integration-packages/{id}`` (snake_case; fields partly unknown)."""

    package_id: int | str
    integration_state: str | None = None
    number_of_errors: int | None = None
    number_of_offers: int | None = None
    error_message: str | None = None
    package_type: str | None = None
    created_at: UtcDatetime | None = None
    integrated_at: UtcDatetime | None = None
    offers: list[XmlOfferResult] = Field(default_factory=list)

    @property
    def is_finished(self) -> bool:
        return (self.integration_state or "").casefold() in {"integrated", "rejected"}
