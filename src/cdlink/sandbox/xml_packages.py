"""XML offer packages (reference §6.3.3, addendum §5): a zip at a URL, integrated on the clock.

``POST /offer-integration-packages`` takes the zip's public URL (a JSON string) and answers the
numeric package id. At integration the zip is downloaded as the marketplace does: a URL whose
path is ``/_sandbox/files/{name}`` is read from the zips hosted on the sandbox itself (put with
``PUT /_sandbox/files/{name}``); any other URL is fetched with an HTTP GET (``download``: a
seller's own host, such as cdlink's ``/offer-packages/…``); a URL that does not answer 200 with
a zip makes the package ``Rejected`` ("could not be downloaded"). After
``package_integration_seconds`` the package is read: ``Content/Offers.xml`` (legacy layout, with
``_rels/.rels`` and ``[Content_Types].xml``), an ``OfferPackage`` of ``Offer`` elements whose
attributes (``SellerProductId``, ``ProductEan``, ``Price``, ``Stock``, ``StrikedPrice``, ``Vat``,
``EcoPart``, ``DeaTax``, ``PreparationTime``) and ``ShippingInformation`` /
``DiscountComponent`` children set the offer. ``PackageType="StockAndPrice"`` updates existing
offers only; ``Full`` (the default) creates or replaces them. Each offer gets a result line.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree import ElementTree

import httpx

from cdlink.sandbox import promotions
from cdlink.sandbox.catalog import Referential
from cdlink.sandbox.lifecycle import Timers
from cdlink.sandbox.model import OfferRequestResult
from cdlink.sandbox.packages import integrate_one
from cdlink.sandbox.serialize import timestamp
from cdlink.sandbox.shop import SellerShop

#: Fetches a package's zip from its URL (None: it could not be downloaded).
Download = Callable[[str], bytes | None]
DOWNLOAD_SECONDS = 10.0
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_OFFERS = 40_000
MAX_XML_BYTES = 50 * 1024 * 1024
FILES_PREFIX = "/_sandbox/files/"
CONDITIONS = {
    "1": "UsedLikeNew",
    "2": "UsedVeryGoodCondition",
    "3": "UsedGoodCondition",
    "4": "UsedAcceptableCondition",
    "5": "Refurbished",
    "6": "New",
}


@dataclasses.dataclass(slots=True)
class XmlPackage:
    package_id: str
    url: str
    state: str
    created_at: datetime
    integrated_at: datetime | None = None
    package_type: str | None = None
    name: str | None = None
    error: str | None = None
    results: list[OfferRequestResult] = dataclasses.field(default_factory=list)


class ZipError(Exception):
    """The package's zip cannot be read; the whole package is Rejected."""


def download(url: str, client: httpx.Client | None = None) -> bytes | None:
    """GET ``url`` as the marketplace would: 200 and at most 20 MB, no redirect followed."""
    owned = client is None
    http = client or httpx.Client(timeout=DOWNLOAD_SECONDS, follow_redirects=False)
    try:
        with http.stream("GET", url) as response:
            if response.status_code != 200:
                return None
            content = bytearray()
            for chunk in response.iter_bytes():
                content += chunk
                if len(content) > MAX_DOWNLOAD_BYTES:
                    return None
            return bytes(content)
    except httpx.HTTPError:
        return None
    finally:
        if owned:
            http.close()


def submit(timers: Timers, shop: SellerShop, url: str, now: datetime) -> XmlPackage:
    package = XmlPackage(shop.serial("xml-package", 9_100_000), url, "Pending", now)
    shop.xml_packages[package.package_id] = package
    due = now + timedelta(seconds=timers.config.package_integration_seconds)
    timers.schedule(due, "xmlpackage.integrate", shop.seller_id, package.package_id)
    return package


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(".", 1)[-1]


def read_offers(content: bytes) -> tuple[dict[str, str], list[ElementTree.Element]]:
    """The root's attributes and the ``Offer`` elements of a package zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = {name.replace("\\", "/").lstrip("/"): name for name in archive.namelist()}
            if "Content/Offers.xml" not in names:
                raise ZipError("the zip must hold Content/Offers.xml")
            info = archive.getinfo(names["Content/Offers.xml"])
            if info.file_size > MAX_XML_BYTES:
                raise ZipError("Content/Offers.xml is too large")
            xml = archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ZipError("the file is not a zip archive") from error
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise ZipError("Content/Offers.xml may not hold a DTD or entities")
    try:
        root = ElementTree.fromstring(xml)  # noqa: S314  (no DTD, so no entity to expand)
    except ElementTree.ParseError as error:
        raise ZipError(f"Content/Offers.xml is not well-formed XML: {error}") from error
    if local_name(root.tag) != "OfferPackage":
        raise ZipError("the root element of Content/Offers.xml must be OfferPackage")
    offers = [element for element in root.iter() if local_name(element.tag) == "Offer"]
    if len(offers) > MAX_OFFERS:
        raise ZipError(f"at most {MAX_OFFERS} offers per package")
    return dict(root.attrib), offers


def _number(value: str | None) -> Any:
    if value is None:
        return None
    try:
        number = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        return value
    return int(number) if number == number.to_integral_value() else number


def offer_item(
    shop: SellerShop, element: ElementTree.Element, light: bool
) -> tuple[dict[str, Any], list[dict[str, str]] | None]:
    """The JSON-like offer request an ``Offer`` element amounts to, and its discount list
    (``None`` when the element has no ``DiscountComponentList``)."""
    attributes = element.attrib
    reference = attributes.get("SellerProductId", "")
    item: dict[str, Any] = {"sellerExternalReference": reference}
    if attributes.get("ProductEan"):
        item["product"] = {"gtin": attributes["ProductEan"]}
    if "ProductCondition" in attributes:
        raw = attributes["ProductCondition"]
        item["condition"] = CONDITIONS.get(raw, raw)
    if "Price" in attributes:
        existing = shop.offers.get(reference)
        taxes: list[dict[str, Any]] = []
        if "Vat" in attributes:
            taxes.append({"code": "VAT", "value": _number(attributes["Vat"])})
        elif light and existing is not None:
            taxes += [{"code": tax.code, "value": tax.value} for tax in existing.taxes]
        for attribute, code in (("EcoPart", "Ecotax"), ("DeaTax", "Deatax")):
            if attribute in attributes and not any(tax["code"] == code for tax in taxes):
                taxes.append({"code": code, "value": _number(attributes[attribute])})
        item["price"] = {"price": _number(attributes["Price"]), "taxes": taxes}
        if attributes.get("StrikedPrice"):
            item["price"]["originPrice"] = _number(attributes["StrikedPrice"])
    if "Stock" in attributes:
        item["quantity"] = _number(attributes["Stock"])
    if "PreparationTime" in attributes:
        item["preparationTime"] = _number(attributes["PreparationTime"])
    children = list(element.iter())
    shipping = [child for child in children if local_name(child.tag) == "ShippingInformation"]
    if shipping:
        item["deliveryModes"] = [
            {
                "code": child.attrib.get("DeliveryMode"),
                "cost": _number(child.attrib.get("ShippingCharges", "0")),
                "additionalCost": _number(child.attrib.get("AdditionalShippingCharges", "0")),
            }
            for child in shipping
        ]
    lists = [child for child in children if local_name(child.tag) == "DiscountComponentList"]
    discounts = None
    if lists:
        discounts = [
            dict(child.attrib) for child in children if local_name(child.tag) == "DiscountComponent"
        ]
    return item, discounts


def integrate(
    timers: Timers,
    shop: SellerShop,
    package: XmlPackage,
    now: datetime,
    *,
    referential: Referential,
    files: dict[str, bytes],
    fetch: Download = download,
) -> None:
    if package.state != "Pending":
        return
    package.integrated_at = now
    hosted = file_name(package.url)
    content = files.get(hosted) if hosted is not None else fetch(package.url)
    try:
        if content is None:
            raise ZipError(f"the zip could not be downloaded from {package.url}")
        attributes, elements = read_offers(content)
    except ZipError as error:
        package.state, package.error = "Rejected", str(error)
        return
    package.package_type = attributes.get("PackageType") or "Full"
    package.name = attributes.get("Name")
    light = package.package_type == "StockAndPrice"
    for element in elements:
        package.results.append(
            integrate_element(timers, shop, element, light=light, now=now, referential=referential)
        )
    package.state = "Integrated"
    shop.count("xml_packages.integrated")


def integrate_element(
    timers: Timers,
    shop: SellerShop,
    element: ElementTree.Element,
    *,
    light: bool,
    now: datetime,
    referential: Referential,
) -> OfferRequestResult:
    item, discounts = offer_item(shop, element, light)
    reference = str(item["sellerExternalReference"])
    existing = shop.offers.get(reference)
    planned = None
    if discounts is not None:
        planned, problems = promotions.plan(existing.promotions if existing else [], discounts, now)
        if planned is None:
            return OfferRequestResult(reference, "Rejected", problems)
    result = integrate_one(
        shop,
        "Update" if light else "Upsert",
        item,
        "percentage",
        now,
        referential=referential,
        strict=timers.config.offers_require_product,
    )
    offer = shop.offers.get(reference)
    if planned is not None and result.integration_status == "Integrated" and offer is not None:
        offer.promotions = planned
    return result


def file_name(url: str) -> str | None:
    path = url.split("://", 1)[-1]
    path = path[path.find("/") :] if "/" in path else ""
    path = path.split("?", 1)[0]
    return path.removeprefix(FILES_PREFIX) if path.startswith(FILES_PREFIX) else None


def package_json(package: XmlPackage, limit: int, page: int) -> dict[str, Any]:
    errors = sum(1 for result in package.results if result.integration_status != "Integrated")
    chosen = package.results[(page - 1) * limit : page * limit]
    return {
        "package_id": int(package.package_id),
        "package_url": package.url,
        "package_type": package.package_type,
        "integration_state": package.state,
        "number_of_offers": len(package.results),
        "number_of_errors": errors + (1 if package.error else 0),
        "error_message": package.error,
        "created_at": timestamp(package.created_at),
        "integrated_at": timestamp(package.integrated_at),
        "page": page,
        "limit": limit,
        "offers": [
            {
                "seller_product_id": result.seller_external_reference,
                "integration_status": result.integration_status,
                "errors": [{"error_code": code, "message": text} for code, text in result.results],
            }
            for result in chosen
        ],
    }
