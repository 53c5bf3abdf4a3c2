"""Offer packages (reference §6.3.1): create, fill in chunks, mark Ready, integrate, expire.

``WaitingForCompletion`` (the only state that accepts uploads) → ``Ready`` → ``IntegrationPending``
→ ``Integrated`` | ``Rejected``, moved by timers on the sandbox clock. Integration writes the
offers that ``GET /offers`` then returns, and leaves one result per request, kept three days.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from cdlink.sandbox import promotions
from cdlink.sandbox.catalog import CatalogProduct, Referential
from cdlink.sandbox.lifecycle import Timers
from cdlink.sandbox.model import Offer, OfferRequestResult, Package
from cdlink.sandbox.offer_requests import (
    apply_values,
    check_product,
    check_reference,
    parse_fields,
)
from cdlink.sandbox.reference_data import delivery_modes
from cdlink.sandbox.shop import SellerShop


class PackageError(Exception):
    """A package call the API refuses: ``status`` 400 or 409, with field errors."""

    def __init__(self, status: int, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors


def known_delivery_modes() -> set[str]:
    return {item["code"] for item in delivery_modes()["items"]}


def add_requests(timers: Timers, package: Package, items: Any, now: datetime) -> None:
    if package.state != "WaitingForCompletion":
        raise PackageError(409, f"package {package.package_id} is {package.state}")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise PackageError(400, "the body must be a non-empty JSON array of offer requests")
    limit = timers.config.offer_requests_per_call
    if len(items) > limit:
        raise PackageError(400, f"at most {limit} offer requests per call, got {len(items)}")
    if len(package.requests) + len(items) > timers.config.offer_requests_per_package:
        raise PackageError(400, "the package would exceed its maximum number of offer requests")
    package.requests.extend(items)
    package.updated_at = now


def mark_ready(timers: Timers, shop: SellerShop, package: Package, now: datetime) -> None:
    if package.state != "WaitingForCompletion":
        raise PackageError(409, f"package {package.package_id} is {package.state}")
    package.state, package.updated_at = "Ready", now
    due = now + timedelta(seconds=timers.config.package_pending_seconds)
    timers.schedule(due, "package.pending", shop.seller_id, package.package_id)


def to_pending(timers: Timers, shop: SellerShop, package: Package, now: datetime) -> None:
    if package.state == "Ready":
        package.state, package.updated_at = "IntegrationPending", now
        due = now + timedelta(seconds=timers.config.package_integration_seconds)
        timers.schedule(due, "package.integrate", shop.seller_id, package.package_id)


def integrate(
    timers: Timers, shop: SellerShop, package: Package, now: datetime, referential: Referential
) -> None:
    if package.state != "IntegrationPending":
        return
    package.updated_at = package.integrated_at = now
    if not package.requests:
        package.state = "Rejected"
        return
    references = Counter(item.get("sellerExternalReference") for item in package.requests)
    for item in package.requests:
        reference = item.get("sellerExternalReference")
        if isinstance(reference, str) and references[reference] > 1:
            message = "the same sellerExternalReference appears twice in the package"
            result = OfferRequestResult(reference, "Duplicated", [("DuplicatedOffer", message)])
        else:
            result = integrate_priced(
                timers, shop, package.package_type, item, now=now, referential=referential
            )
        package.results.append(result)
    package.state = "Integrated"
    shop.count("packages.integrated")
    due = now + timedelta(seconds=timers.config.package_results_retention_seconds)
    timers.schedule(due, "package.expire", shop.seller_id, package.package_id)


def integrate_priced(
    timers: Timers,
    shop: SellerShop,
    package_type: str,
    item: dict[str, Any],
    *,
    now: datetime,
    referential: Referential,
) -> OfferRequestResult:
    """``integrate_one``, with the promotions a request's ``price.discountComponents`` carry
    (only in the ``promotions_channel="json_too"`` variant; Rejected otherwise)."""
    config = timers.config
    price = item.get("price")
    components = price.get("discountComponents") if isinstance(price, dict) else None
    planned = None
    if isinstance(price, dict) and components is not None and package_type != "Delete":
        reference = str(item.get("sellerExternalReference", ""))
        if config.variants.promotions_channel == "xml_only":
            message = "sales and flash sales on Cdiscount go through XML offer packages"
            return OfferRequestResult(reference, "Rejected", [("PromotionsNotSupported", message)])
        existing = shop.offers.get(reference)
        current = existing.promotions if existing else []
        planned, problems = promotions.plan(current, components, now)
        if planned is None:
            return OfferRequestResult(reference, "Rejected", problems)
        item = {**item, "price": {k: v for k, v in price.items() if k != "discountComponents"}}
    result = integrate_one(
        shop,
        package_type,
        item,
        config.variants.vat_format,
        now,
        referential=referential,
        strict=config.offers_require_product,
    )
    offer = shop.offers.get(result.seller_external_reference)
    if planned is not None and result.integration_status == "Integrated" and offer is not None:
        offer.promotions = planned
    return result


def integrate_one(
    shop: SellerShop,
    package_type: str,
    item: dict[str, Any],
    vat_format: str,
    now: datetime,
    *,
    referential: Referential | None = None,
    strict: bool = False,
) -> OfferRequestResult:
    problems = check_reference(item)
    reference = str(item.get("sellerExternalReference", ""))
    if problems:
        return OfferRequestResult(reference, "Rejected", problems)
    existing = shop.offers.get(reference)
    if package_type == "Delete":
        if existing is None:
            return OfferRequestResult(reference, "Rejected", [("OfferNotFound", "no such offer")])
        shop.delete_offer(reference)
        return OfferRequestResult(reference, "Integrated", [])
    if package_type == "Update":
        return update_one(shop, existing, item, vat_format, now)
    known = find_product(referential, shop.seller_id, item)
    if known is not None and not isinstance(item.get("product"), dict):
        item = {**item, "product": {"gtin": known.gtin}}
    problems = check_product(item)
    values, found = parse_fields(item, vat_format, known_delivery_modes(), partial=False)
    if not problems and known is None and strict and existing is None:
        message = "Product - non-existent: create the product sheet before the offer"
        problems = [("ProductNotFound", message)]
    if problems or found:
        return OfferRequestResult(reference, "Rejected", problems + found)
    product = item["product"]
    gtin = str(product.get("gtin") or (existing.gtin if existing else ""))
    title = existing.product_title if existing else f"Produit {gtin}"
    offer = Offer(
        seller_external_reference=reference,
        gtin=known.gtin if known else gtin,
        product_reference=known.reference if known else str(product.get("reference") or gtin),
        product_title=known.label if known else title,
        created_at=existing.created_at if existing else now,
        updated_at=now,
        **values,
    )
    shop.put_offer(offer)
    return OfferRequestResult(reference, "Integrated", [])


def find_product(
    referential: Referential | None, seller_id: int, item: dict[str, Any]
) -> CatalogProduct | None:
    """The referential's product an offer request names: by GTIN or product reference, else
    by the seller's SKU of an integrated sheet."""
    if referential is None:
        return None
    product = item.get("product")
    if isinstance(product, dict):
        gtin, reference = product.get("gtin"), product.get("reference")
        return referential.find(
            None if gtin is None else str(gtin), None if reference is None else str(reference)
        )
    sku = item.get("sellerExternalReference")
    return referential.by_seller_reference(seller_id, sku) if isinstance(sku, str) else None


def update_one(
    shop: SellerShop, existing: Offer | None, item: dict[str, Any], vat_format: str, now: datetime
) -> OfferRequestResult:
    reference = str(item["sellerExternalReference"])
    if existing is None:
        return OfferRequestResult(reference, "Rejected", [("OfferNotFound", "no such offer")])
    product = item.get("product")
    if isinstance(product, dict) and product.get("gtin") not in (None, existing.gtin):
        message = "an Update cannot change the product of an offer"
        return OfferRequestResult(reference, "Rejected", [("ProductIdentityChange", message)])
    values, problems = parse_fields(item, vat_format, known_delivery_modes(), partial=True)
    if problems:
        return OfferRequestResult(reference, "Rejected", problems)
    apply_values(existing, values)
    existing.updated_at = now
    return OfferRequestResult(reference, "Integrated", [])


def expire(package: Package) -> None:
    """Results are kept three days after integration (reference §5.6), then gone."""
    package.results = []
    package.requests = []
    package.results_expired = True
