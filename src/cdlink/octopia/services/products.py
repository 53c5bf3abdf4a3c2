"""Brands, the product referential and product-sheet integration (§6.4, addendum §4).

Publishing a sheet is asynchronous: ``ProductIntegrationService.submit`` checks every sheet
against the pre-flight rules (``cdlink.octopia.models.catalog_rules``) and refuses the whole
package with ``RuleViolation`` if one breaks them — nothing is sent; otherwise it posts them and
returns the package id. Reports appear SKU by SKU after a lag: poll ``progress`` until nothing is
missing. A sheet is live only when its report says ``Integrated``; creations are limited per hour
(a quota refusal is a report error ``CreationQuotaExceeded``, or a 429 ``RateLimited``).
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence

from cdlink.octopia.errors import RuleViolation
from cdlink.octopia.models.catalog import (
    Brand,
    Category,
    CategoryProperty,
    IntegrationReport,
    Product,
    ProductPackage,
    ProductSheet,
)
from cdlink.octopia.models.catalog_rules import (
    MAX_SHEETS_PER_PACKAGE,
    SheetProblem,
    check_sheet,
    duplicates,
)
from cdlink.octopia.pagination import Page, iterate_cursor, iterate_page_numbers
from cdlink.octopia.responses import json_body
from cdlink.octopia.services.base import Service, read_count, read_one

MAXIMUM_BRAND_PAGE_SIZE = 100
MAXIMUM_PRODUCT_LIMIT = 1000
# One source measured 25 as the reports' maximum (a larger pageSize answers 400), others use
# 100 (reference §9 #2): 25 works with both.
REPORT_PAGE_SIZE = 25


@dataclasses.dataclass(frozen=True)
class ProductQuery:
    """Filters of ``GET /products``; empty means "any"."""

    gtins: Sequence[str] = ()
    category_reference: str | None = None
    fields: str | None = None

    def params(self) -> dict[str, object]:
        return {
            "gtin": list(self.gtins),
            "categoryReference": self.category_reference,
            "fields": self.fields,
        }


@dataclasses.dataclass(frozen=True)
class CategoryRules:
    """What the pre-flight check needs of a category: the category and its properties (a
    local taxonomy cache keeps these, so checking costs no call)."""

    category: Category
    properties: Sequence[CategoryProperty] = ()


@dataclasses.dataclass(frozen=True)
class PackageProgress:
    """Where a package stands: the reports received, by SKU, and the SKUs still without one."""

    reports: Mapping[str, IntegrationReport]
    missing: frozenset[str]

    @property
    def complete(self) -> bool:
        """Every SKU has a final report (Integrated or Refused, or held for a manual check)."""
        return not self.missing and all(
            report.is_live or report.is_refused or report.awaits_manual_check
            for report in self.reports.values()
        )


class BrandsService(Service):
    group = "catalog"

    def list_pages(self, *, page_size: int = MAXIMUM_BRAND_PAGE_SIZE) -> Iterator[Page[Brand]]:
        if not 1 <= page_size <= MAXIMUM_BRAND_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAXIMUM_BRAND_PAGE_SIZE}")
        return iterate_page_numbers(
            lambda index: self._numbered_page(
                Brand, "/brands", index=index, page_size=page_size, params={}
            ),
            page_size=page_size,
        )

    def list(self, *, page_size: int = MAXIMUM_BRAND_PAGE_SIZE) -> Iterator[Brand]:
        for page in self.list_pages(page_size=page_size):
            yield from page.items


class ProductsService(Service):
    """Octopia's product referential: what offers are made on (titles, brands, pictures)."""

    group = "catalog"

    def list_pages(
        self, query: ProductQuery | None = None, *, limit: int = MAXIMUM_PRODUCT_LIMIT
    ) -> Iterator[Page[Product]]:
        if not 1 <= limit <= MAXIMUM_PRODUCT_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAXIMUM_PRODUCT_LIMIT}")
        params = {**(query or ProductQuery()).params(), "limit": limit, "language": self.language}
        return iterate_cursor(
            lambda link: self._cursor_page(Product, "/products", link=link, params=params)
        )

    def list(
        self, query: ProductQuery | None = None, *, limit: int = MAXIMUM_PRODUCT_LIMIT
    ) -> Iterator[Product]:
        for page in self.list_pages(query, limit=limit):
            yield from page.items

    def by_gtins(self, gtins: Iterable[str], *, chunk: int = 100) -> dict[str, Product]:
        """The referential's products for ``gtins`` (those it knows), by GTIN."""
        wanted = list(dict.fromkeys(gtins))
        found: dict[str, Product] = {}
        for start in range(0, len(wanted), chunk):
            query = ProductQuery(gtins=wanted[start : start + chunk])
            for product in self.list(query):
                if product.gtin:
                    found[product.gtin] = product
        return found

    def count(self, category_reference: str | None = None) -> int:
        params = {"categoryReference": category_reference}
        payload, response = self._json("GET", "/products/count", params=params)
        return read_count(payload, response)


class ProductIntegrationService(Service):
    group = "products"

    def check(
        self, sheets: Sequence[ProductSheet], categories: Mapping[str, CategoryRules] | None = None
    ) -> dict[str, list[SheetProblem]]:
        """The problems of each sheet (by SKU) that has some; nothing is sent."""
        problems: dict[str, list[SheetProblem]] = {}
        repeated = duplicates(sheets)
        for position, sheet in enumerate(sheets):
            rules = (categories or {}).get(sheet.category_code)
            found = check_sheet(
                sheet,
                rules.category if rules else None,
                rules.properties if rules else (),
            )
            if position in repeated:
                found.append(repeated[position])
            if found:
                problems.setdefault(sheet.seller_product_reference, []).extend(found)
        return problems

    def submit(
        self,
        sheets: Iterable[ProductSheet],
        categories: Mapping[str, CategoryRules] | None = None,
    ) -> str:
        """Check then post one package; return its id.

        ``categories`` (by code) enables the category rules (brand, variants, properties); a
        sheet breaking any rule stops the package with ``RuleViolation`` before anything is
        sent. At most ``MAX_SHEETS_PER_PACKAGE`` sheets; the hourly creation quota is the
        caller's to respect (see ``IntegrationReport.is_quota_refusal``).
        """
        batch = builtins.list(sheets)
        if not batch:
            raise ValueError("a package holds at least one sheet")
        if len(batch) > MAX_SHEETS_PER_PACKAGE:
            raise ValueError(f"a package holds at most {MAX_SHEETS_PER_PACKAGE} sheets")
        problems = self.check(batch, categories)
        if problems:
            sku, found = next(iter(problems.items()))
            first = found[0]
            raise RuleViolation(
                f"{first.rule}: sheet {sku}, {first.field}: {first.message} "
                f"({len(found)} problem(s) in this sheet, {len(problems)} sheet(s) in all)",
                rule=first.rule,
                sent=False,
            )
        response = self._send(
            "POST",
            "/products-integration",
            json={"products": [sheet.to_payload() for sheet in batch]},
            headers={"Accept-Language": self.language},
        )
        return read_one(ProductPackage, json_body(response), response).package_id

    def reports_pages(
        self,
        *,
        package_id: str | None = None,
        gtin: str | None = None,
        page_size: int = REPORT_PAGE_SIZE,
    ) -> Iterator[Page[IntegrationReport]]:
        """Reports page by page. Always give ``package_id``: without it the marketplace may
        answer every package's reports, or only the latest's."""
        if not 1 <= page_size <= 100:
            raise ValueError("page_size must be between 1 and 100")
        params = {"packageId": package_id, "gtin": gtin}
        return iterate_page_numbers(
            lambda index: self._numbered_page(
                IntegrationReport,
                "/products-integration-reports",
                index=index,
                page_size=page_size,
                params=params,
            ),
            page_size=page_size,
        )

    def reports(
        self,
        *,
        package_id: str | None = None,
        gtin: str | None = None,
        page_size: int = REPORT_PAGE_SIZE,
    ) -> Iterator[IntegrationReport]:
        for page in self.reports_pages(package_id=package_id, gtin=gtin, page_size=page_size):
            yield from page.items

    def progress(self, package_id: str, skus: Iterable[str]) -> PackageProgress:
        """The package's reports by SKU, and which of ``skus`` have none yet (report lag).

        When a SKU has several reports the newest submission wins."""
        latest: dict[str, IntegrationReport] = {}
        for report in self.reports(package_id=package_id):
            sku = report.seller_product_reference
            if sku is None:
                continue
            known = latest.get(sku)
            if known is None or _newer(report, known):
                latest[sku] = report
        return PackageProgress(latest, frozenset(skus) - latest.keys())


def _newer(report: IntegrationReport, than: IntegrationReport) -> bool:
    if report.submission_date is None or than.submission_date is None:
        return True
    return report.submission_date >= than.submission_date
