"""The Products pages: the catalog with publishing statuses and filters, a product's sheet with
the validator's output and the report history (edit, validate, publish), a new product, and
the category mapping page with the taxonomy search. Nothing here calls the marketplace: the
streams do (publishing, the taxonomy), asked through ``cdlink.sync.catalog.actions``."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.hub.catalog import listing, mappings, products, publishing, taxonomy
from cdlink.hub.catalog.hints import HINTS, field_label
from cdlink.hub.catalog.products import ProductData, ProductError
from cdlink.hub.catalog.queries import count_products, list_products
from cdlink.hub.connections.accounts import list_connections
from cdlink.sync.catalog.actions import request_publish, request_taxonomy, validate_product
from cdlink.web.i18n import gettext, request_language
from cdlink.web.params import Page
from cdlink.web.placeholders import coming_page
from cdlink.web.runtime import wake
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
STATUS_FILTERS = (listing.DRAFT, *publishing.STATUSES)
TextField = Annotated[str, Field(max_length=5000)]


class ProductFields(BaseModel):
    """The product form's fields besides the SKU (the same on the new and the edit page)."""

    ean: Annotated[str, Field(max_length=20)] = ""
    title: TextField = ""
    description: TextField = ""
    marketing_description: TextField = ""
    brand: Annotated[str, Field(max_length=120)] = ""
    pictures: TextField = ""
    attributes: TextField = ""
    variant_group: Annotated[str, Field(max_length=200)] = ""
    seller_category: Annotated[str, Field(max_length=200)] = ""
    price: Annotated[str, Field(max_length=20)] = ""


def _labels() -> dict[str, str]:
    return {listing.DRAFT: translatable("Not published"), **publishing.STATUS_LABELS}


@router.get("/products")
def products_page(
    request: Request,
    q: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    problem: Annotated[str, Query(max_length=40)] = "",
    page: Page = 1,
) -> Response:
    with request.app.state.database.reading() as session:
        if count_products(session) == 0:
            return coming_page(request, "products")
        connection = listing.default_connection(session)
        status = status if status in STATUS_FILTERS else ""
        problem = problem if problem in HINTS else ""
        skus = None
        if status or problem:
            chosen = listing.list_products(
                session,
                connection,
                status=status or None,
                problem=problem or None,
                page=1,
                page_size=listing.MAXIMUM_PAGE_SIZE,
            )
            skus = [row.data.sku for row in chosen.rows]
        found = list_products(session, q or None, page=page, page_size=PAGE_SIZE, skus=skus)
        connections = {item.id: item.name for item in list_connections(session)}
        statuses = publishing.statuses_by_sku(session, connection) if connection else {}
        sums = publishing.reconciliation(session, connection) if connection else None
    filters = {
        key: value for key, value in (("q", q), ("status", status), ("problem", problem)) if value
    }
    values = {
        "found": found,
        "q": q,
        "status": status,
        "problem": problem,
        "query": urlencode(filters),
        "connections": connections,
        "statuses": {sku: row.status for sku, row in statuses.items()},
        "problems": {sku: len(row.problems) + len(row.reasons) for sku, row in statuses.items()},
        "labels": _labels(),
        "status_filters": STATUS_FILTERS,
        "rules": sorted(HINTS),
        "hints": HINTS,
        "sums": sums,
    }
    return render(request, "catalog/list.html", values)


def _product_values(request: Request, sku: str, **extra: Any) -> dict[str, Any]:
    settings = request.app.state.settings
    with request.app.state.database.reading() as session:
        connection = listing.default_connection(session)
        row = listing.one(session, connection, sku)
        if row is None:
            raise products.ProductNotFoundError("No product has this SKU")
        history = publishing.report_history(session, connection, sku) if connection else []
    now = request.app.state.clock.now()
    waiting_hours = (
        int((now - row.manual_check_since).total_seconds() // 3600)
        if row.manual_check_since
        else None
    )
    return {
        "row": row,
        "data": row.data,
        "history": history,
        "labels": _labels(),
        "hints": HINTS,
        "field_label": field_label,
        "zone": settings.zone,
        "waiting_hours": waiting_hours,
        "attributes_text": "\n".join(
            f"{name}: {' | '.join(values)}" for name, values in row.data.attributes.items()
        ),
        **extra,
    }


@router.get("/products/new")
def new_product_page(request: Request) -> Response:
    return render(request, "catalog/edit.html", {"data": ProductData(sku=""), "new": True})


@router.get("/products/{sku}")
def product_page(request: Request, sku: str) -> Response:
    return render(request, "catalog/detail.html", _product_values(request, sku))


def _form_data(  # noqa: PLR0917
    sku: str,
    ean: str,
    title: str,
    description: str,
    marketing_description: str,
    brand: str,
    pictures: str,
    attributes: str,
    variant_group: str,
    seller_category: str,
    price: str,
) -> ProductData:
    try:
        amount = Decimal(price.replace(",", ".").strip()) if price.strip() else None
    except InvalidOperation as error:
        raise ProductError("The price must be a number", field="price") from error
    if amount is not None and not amount.is_finite():
        raise ProductError("The price must be a number", field="price")
    found: dict[str, tuple[str, ...]] = {}
    for line in attributes.splitlines():
        name, _, values = line.partition(":")
        if name.strip() and values.strip():
            found[name.strip()] = tuple(v.strip() for v in values.split("|") if v.strip())
    return ProductData(
        sku=sku.strip(),
        ean=ean.strip() or None,
        title=title.strip(),
        description=description.strip(),
        marketing_description=marketing_description.strip() or None,
        brand=brand.strip() or None,
        pictures=tuple(line.strip() for line in pictures.splitlines() if line.strip()),
        attributes=found,
        variant_group=variant_group.strip() or None,
        seller_category=seller_category.strip() or None,
        price=amount,
    )


def _save(request: Request, data: ProductData, *, create: bool) -> Response:
    state = request.app.state
    language = request_language(request, state.settings)
    try:
        with state.database.session() as session:
            current = products.find(session, data.sku)
            if current is not None and not create:
                data = replace(data, marketplace_category=current[1].marketplace_category)
            products.save(session, state.clock, data, create=create)
            connection = listing.default_connection(session)
            if connection is not None:
                validate_product(session, connection, data.sku, state.clock.now())
    except CdlinkError as error:
        message = f"{gettext(language, error.message)} {gettext(language, error.hint)}"
        values = {"data": data, "new": create, "error": message}
        return render(request, "catalog/edit.html", values, status=422)
    return RedirectResponse(f"/products/{quote(data.sku, safe='')}", status_code=303)


@router.post("/products/new")
def create_product(
    request: Request,
    sku: Annotated[str, Form(max_length=50)],
    fields: Annotated[ProductFields, Form()],
) -> Response:
    return _submit(request, sku, fields, create=True)


def _bad_form(request: Request, data: ProductData, error: CdlinkError, *, create: bool) -> Response:
    language = request_language(request, request.app.state.settings)
    message = f"{gettext(language, error.message)} {gettext(language, error.hint)}"
    return render(
        request, "catalog/edit.html", {"data": data, "new": create, "error": message}, status=422
    )


@router.get("/products/{sku}/edit")
def edit_product_page(request: Request, sku: str) -> Response:
    return render(request, "catalog/edit.html", _product_values(request, sku, new=False))


@router.post("/products/{sku}/edit")
def edit_product(request: Request, sku: str, fields: Annotated[ProductFields, Form()]) -> Response:
    return _submit(request, sku, fields, create=False)


def _submit(request: Request, sku: str, fields: ProductFields, *, create: bool) -> Response:
    """Save the product sheet the form holds, or show the form again with what is wrong."""
    try:
        data = _form_data(sku, **fields.model_dump())
    except CdlinkError as error:
        return _bad_form(request, ProductData(sku=sku), error, create=create)
    return _save(request, data, create=create)


@router.post("/products/{sku}/validate")
def validate_page(request: Request, sku: str) -> Response:
    state = request.app.state
    with state.database.session() as session:
        connection = listing.default_connection(session)
        if connection is not None:
            validate_product(session, connection, sku, state.clock.now())
    return RedirectResponse(f"/products/{quote(sku, safe='')}", status_code=303)


@router.post("/products/{sku}/publish")
def publish_page(request: Request, sku: str) -> Response:
    state = request.app.state
    with state.database.session() as session:
        connection = listing.default_connection(session)
        if connection is not None:
            request_publish(session, connection, sku, state.clock.now())
    wake(request)
    return RedirectResponse(f"/products/{quote(sku, safe='')}", status_code=303)


@router.get("/catalog/mappings")
def mappings_page(
    request: Request,
    q: Annotated[str, Query(max_length=100)] = "",
    seller_category: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    with request.app.state.database.reading() as session:
        connection = listing.default_connection(session)
        if connection is None:
            return coming_page(request, "products")
        found = taxonomy.search(session, connection, q) if q.strip() else []
        values = {
            "mappings": mappings.mappings(session, connection),
            "found": found,
            "q": q,
            "seller_category": seller_category,
            "cached": taxonomy.count_categories(session, connection),
            "fetched_at": taxonomy.fetched_at(session, connection),
            "zone": request.app.state.settings.zone,
            "unmapped": _unmapped(session, connection),
        }
    return render(request, "catalog/mappings.html", values)


def _unmapped(session: Any, connection: int) -> list[str]:
    mapped = {item.seller_category for item in mappings.mappings(session, connection)}
    used = {
        data.seller_category for _, data in products.with_sheets(session) if data.seller_category
    }
    return sorted(used - mapped)


@router.post("/catalog/mappings")
def save_mapping(
    request: Request,
    seller_category: Annotated[str, Form(max_length=200)],
    category_reference: Annotated[str, Form(max_length=12)],
) -> Response:
    state = request.app.state
    language = request_language(request, state.settings)
    try:
        with state.database.session() as session:
            connection = listing.default_connection(session)
            if connection is None:
                raise listing.NoConnectionError("There is no Cdiscount application yet")
            mappings.save_mapping(
                session, connection, seller_category, category_reference, state.clock.now()
            )
    except CdlinkError as error:
        message = f"{gettext(language, error.message)} {gettext(language, error.hint)}"
        return render(request, "error.html", {"message": message, "status": 422}, status=422)
    return RedirectResponse("/catalog/mappings", status_code=303)


@router.post("/catalog/mappings/delete")
def delete_mapping(
    request: Request, seller_category: Annotated[str, Form(max_length=200)]
) -> Response:
    state = request.app.state
    with state.database.session() as session:
        connection = listing.default_connection(session)
        if connection is not None:
            mappings.delete_mapping(session, connection, seller_category)
    return RedirectResponse("/catalog/mappings", status_code=303)


@router.post("/catalog/taxonomy/refresh")
def refresh_taxonomy(request: Request) -> Response:
    state = request.app.state
    with state.database.session() as session:
        connection = listing.default_connection(session)
        if connection is not None:
            request_taxonomy(session, connection, state.clock.now())
    wake(request)
    return RedirectResponse("/catalog/mappings", status_code=303)
