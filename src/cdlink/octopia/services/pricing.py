"""Prices and promotions (§6.3, addendum §5): rules checked before sending, refusals as errors.

- JSON ``Update`` packages carry stock and price of a SKU together
  (``OfferPackagesService.submit_updates``, in ``services.offers``).
- XML offer packages (``OfferIntegrationPackagesService``) carry promotions, the only channel
  Cdiscount documents for sales: the zip is built here (``build_offer_zip``), hosted by the
  caller at a public URL (``host``), and its URL posted; the package is then read back.
- ``result_violation`` turns a per-offer refusal of a price or promotion rule into the same
  ``RuleViolation`` the pre-flight check raises, with ``sent=True``.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime

from cdlink.octopia.errors import RuleViolation
from cdlink.octopia.models.offer_xml import MAX_XML_OFFERS, PackageKind, build_offer_zip
from cdlink.octopia.models.offers import DiscountComponent, OfferRequestResult
from cdlink.octopia.models.pricing import XmlOffer, XmlOfferResult, XmlPackageReport
from cdlink.octopia.models.pricing_rules import (
    RULES,
    PriceProblem,
    check_xml_offer,
    rule_of_result,
)
from cdlink.octopia.responses import json_body, malformed
from cdlink.octopia.services.base import Service, read_one, segment
from cdlink.octopia.services.offers import refuse_problems

MAXIMUM_REPORT_LIMIT = 1000

ZipHost = Callable[[bytes, str], str]
"""Puts a zip (content, file name) where the marketplace can download it; returns its URL."""


def result_violation(result: OfferRequestResult | XmlOfferResult) -> RuleViolation | None:
    """The ``RuleViolation`` (``sent=True``) a refused offer stands for, if a price or
    promotion rule refused it; ``None`` when it was integrated or refused for another reason."""
    if isinstance(result, OfferRequestResult):
        sku, status = result.seller_external_reference, str(result.integration_status)
        codes = [(item.result_code, item.message) for item in result.results]
    else:
        sku, status = result.seller_product_id, result.integration_status
        codes = [(item.error_code, item.message) for item in result.errors]
    if status == "Integrated":
        return None
    for code, message in codes:
        rule = rule_of_result(code)
        if rule is not None:
            text = message or RULES.get(rule, rule)
            return RuleViolation(f"{rule}: offer {sku}: {text}", rule=rule, sent=True)
    return None


class OfferIntegrationPackagesService(Service):
    group = "offer-integration-packages"

    def check(
        self,
        offers: Sequence[XmlOffer],
        *,
        now: datetime,
        history: Mapping[str, Sequence[DiscountComponent]] | None = None,
    ) -> dict[str, list[PriceProblem]]:
        """The price and promotion problems of each offer, by SKU (empty: all good).
        ``history`` holds each SKU's earlier promotions (for the 48-hour gap)."""
        problems: dict[str, list[PriceProblem]] = {}
        seen: set[str] = set()
        for offer in offers:
            found = check_xml_offer(offer, now=now, history=(history or {}).get(offer.sku, ()))
            if offer.sku in seen:
                found.append(PriceProblem("SellerProductId", "duplicate_offer"))
            seen.add(offer.sku)
            if found:
                problems.setdefault(offer.sku, []).extend(found)
        return problems

    def submit_url(self, url: str) -> str:
        """Post the URL of a hosted zip; return the package id."""
        response = self._send("POST", "/offer-integration-packages", json=url)
        body = json_body(response)
        if isinstance(body, dict):
            body = body.get("packageId", body.get("package_id"))
        if isinstance(body, bool) or not isinstance(body, int | str) or not str(body):
            raise malformed(response, "no package id in the answer")
        return str(body)

    def submit(
        self,
        offers: Sequence[XmlOffer],
        *,
        host: ZipHost,
        now: datetime,
        name: str = "cdlink",
        package_type: PackageKind = "StockAndPrice",
        history: Mapping[str, Sequence[DiscountComponent]] | None = None,
    ) -> str:
        """Check the offers (``RuleViolation`` before anything is sent), build the zip, host
        it with ``host`` and post its URL; return the package id."""
        batch = builtins.list(offers)
        if not 1 <= len(batch) <= MAX_XML_OFFERS:
            raise ValueError(f"an XML offer package holds 1 to {MAX_XML_OFFERS} offers")
        problems = self.check(batch, now=now, history=history)
        if problems:
            raise refuse_problems(problems)
        content = build_offer_zip(batch, name=name, package_type=package_type)
        stamp = now.strftime("%Y%m%dT%H%M%S")
        return self.submit_url(host(content, f"{name}-{stamp}.zip"))

    def get(self, package_id: str, *, limit: int = 100, page: int = 1) -> XmlPackageReport:
        """The package's state and one page of its per-offer results."""
        if not 1 <= limit <= MAXIMUM_REPORT_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAXIMUM_REPORT_LIMIT}")
        payload, response = self._json(
            "GET",
            f"/offer-integration-packages/{segment(package_id)}",
            params={"$limit": limit, "$page": page},
        )
        return read_one(XmlPackageReport, payload, response)

    def results(self, package_id: str, *, limit: int = 100) -> Iterator[XmlOfferResult]:
        """Every per-offer result of a finished package, page after page."""
        page = 1
        while True:
            report = self.get(package_id, limit=limit, page=page)
            yield from report.offers
            if len(report.offers) < limit:
                return
            page += 1
