"""Brands, the product referential and product-sheet integration (reference §6.4, addendum §4).

``/brands`` uses the page-number envelope; ``/products`` the cursor (``limit`` ≤ 1000, ``Link``
header); ``POST /products-integration`` answers ``{"packageId"}`` and the reports come later
(``/products-integration-reports``, page numbers, see the variants for the paging conflict).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.responses import Response

from cdlink.sandbox import catalog, taxonomy
from cdlink.sandbox.api_offers import decode_cursor, next_link, parse_limit, take
from cdlink.sandbox.api_seller import page_params
from cdlink.sandbox.gateway import Call
from cdlink.sandbox.responses import ApiError, json_response

MAX_SHEETS = 10_000


def list_brands(call: Call) -> Response:
    index, size = page_params(call, default_size=100)
    page = taxonomy.brands()[(index - 1) * size : index * size]
    return json_response({"itemsPerPage": len(page), "items": page})


def product_filter(call: Call) -> tuple[set[str], str | None]:
    gtins = set(call.query_list("gtin")) | set(call.query_list("gtins"))
    category = call.query("categoryReference")
    if category is not None and category not in taxonomy.by_reference():
        raise ApiError(
            400, f"category {category} does not exist", errors={"categoryReference": [category]}
        )
    return gtins, category


def list_products(call: Call) -> Response:
    gtins, category = product_filter(call)
    limit = parse_limit(call, 100, 1000)
    referential = call.state.referential
    after = decode_cursor(call)
    candidates: Iterable[catalog.CatalogProduct]
    if gtins:
        found = (p for gtin in gtins if (p := referential.get_gtin(gtin)) is not None)
        ordered = sorted(found, key=lambda product: product.reference)
        candidates = [p for p in ordered if after is None or p.reference > after]
    else:
        candidates = referential.after(after)
    chosen = (p for p in candidates if category is None or p.category_reference == category)
    page, more = take(chosen, limit)
    items = [catalog.product_json(product, call.shop.seller_id) for product in page]
    headers = next_link(call, page[-1].reference) if more else {}
    return json_response({"items": items}, headers=headers)


def count_products(call: Call) -> Response:
    _, category = product_filter(call)
    products = call.state.referential.products.values()
    return json_response(
        sum(1 for p in products if category is None or p.category_reference == category)
    )


def integrate_products(call: Call) -> Response:
    body = call.json()
    items = body.get("products") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise ApiError(
            400,
            'The body must be {"products": [...]} with at least one product sheet.',
            errors={"products": ["required, a non-empty array"]},
        )
    if len(items) > MAX_SHEETS:
        raise ApiError(
            400,
            f"At most {MAX_SHEETS} product sheets per package, got {len(items)}.",
            errors={"products": [f"at most {MAX_SHEETS}"]},
        )
    package_id = call.state.next_id()
    wait = catalog.submit(
        call.state,
        call.shop.catalog,
        referential=call.state.referential,
        seller_id=call.shop.seller_id,
        package_id=package_id,
        items=items,
        now=call.now,
    )
    if wait is not None:
        limit = call.state.config.product_creations_per_hour
        raise ApiError(
            429,
            f"Product creation quota reached ({limit} new products per hour); retry later.",
            headers={"Retry-After": str(wait)},
        )
    call.shop.count("products.packages")
    return json_response({"packageId": package_id}, 202)


def list_reports(call: Call) -> Response:
    high = call.state.config.variants.report_page_size
    index, size = page_params(call, default_size=min(high, 100), high=high)
    package_id, gtin = call.query("packageId"), call.query("gtin")
    shop = call.shop.catalog
    if package_id is not None:
        chosen = [package_id] if package_id in shop.packages else []
    elif call.state.config.variants.reports_without_package == "latest":
        chosen = shop.package_order[-1:]
    else:
        chosen = list(reversed(shop.package_order))
    reports: list[dict[str, Any]] = []
    for identifier in chosen:
        package = shop.packages[identifier]
        for outcome in package.outcomes:
            if outcome.status is None:
                continue  # not judged yet: the report lag
            if gtin is not None and str(outcome.sheet.get("gtin")) != gtin:
                continue
            reports.append(catalog.report_json(package, outcome))
    page = reports[(index - 1) * size : index * size]
    return json_response({"itemsPerPage": len(page), "items": page})
