"""The Products pages: the catalog with publishing statuses and filters, a product's sheet with
the validator's output and the report history (edit, validate, publish), a new product, the
category mapping page with the taxonomy search, a mapping's attributes and values, and the
catalog settings (direction and field ownership). Nothing here calls the marketplace: the
streams do (publishing, the taxonomy), asked through ``cdlink.sync.catalog.actions``.

Every page works on one connection: ``?connection=N`` (the first one when absent or unknown),
carried by every link and form of the catalog pages, with a selector when there are several."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.hub.catalog import csv_files, listing, mappings, products, publishing, taxonomy
from cdlink.hub.catalog.hints import HINTS, field_label
from cdlink.hub.catalog.products import ProductData, ProductError
from cdlink.hub.catalog.queries import count_products, list_products
from cdlink.hub.connections.accounts import list_connections
from cdlink.hub.pricing.queries import price_cells
from cdlink.sync.catalog.actions import (
    request_publish,
    request_publishing,
    request_taxonomy,
    validate_product,
)
from cdlink.web.i18n import gettext, request_language
from cdlink.web.params import Page, parse_id
from cdlink.web.placeholders import coming_page
from cdlink.web.pricing import labels as price_labels
from cdlink.web.runtime import wake
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
STATUS_FILTERS = (listing.DRAFT, *publishing.STATUSES)
TextField = Annotated[str, Field(max_length=5000)]
#: ``?connection=N``: the connection a catalog page works on.
ConnectionParam = Annotated[str, Query(max_length=12)]


def _chosen(session: Any, connection: str) -> tuple[int | None, dict[int, str]]:
    """The connection asked for (the first one when absent or unknown), and every connection."""
    names = {item.id: item.name for item in list_connections(session)}
    wanted = parse_id(connection)
    if wanted is not None and wanted in names:
        return wanted, names
    first = listing.default_connection(session)
    return (first if first in names else next(iter(names), first)), names


def _suffix(connection_id: int | None) -> str:
    """The query string that keeps the connection on the next page."""
    return f"?connection={connection_id}" if connection_id else ""


def _selector(connection_id: int | None, names: dict[int, str]) -> dict[str, Any]:
    return {"connection_id": connection_id, "connection_names": names, "cq": _suffix(connection_id)}


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
def products_page(  # noqa: PLR0917
    request: Request,
    q: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    problem: Annotated[str, Query(max_length=40)] = "",
    connection: ConnectionParam = "",
    page: Page = 1,
) -> Response:
    with request.app.state.database.reading() as session:
        if count_products(session) == 0:
            return coming_page(request, "products")
        chosen, names = _chosen(session, connection)
        connection_id = chosen
        status = status if status in STATUS_FILTERS else ""
        problem = problem if problem in HINTS else ""
        skus = None
        if status or problem:
            picked = listing.list_products(
                session,
                connection_id,
                status=status or None,
                problem=problem or None,
                page=1,
                page_size=listing.MAXIMUM_PAGE_SIZE,
            )
            skus = [row.data.sku for row in picked.rows]
        found = list_products(session, q or None, page=page, page_size=PAGE_SIZE, skus=skus)
        connections = {item.id: item.name for item in list_connections(session)}
        statuses = publishing.statuses_by_sku(session, connection_id) if connection_id else {}
        sums = publishing.reconciliation(session, connection_id) if connection_id else None
        skus_shown = [row.sku for row in found.rows]
        prices = price_cells(session, [connection_id] if connection_id else [], skus_shown)
    filters = {
        key: value
        for key, value in (
            ("q", q),
            ("status", status),
            ("problem", problem),
            ("connection", str(connection_id or "")),
        )
        if value
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
        "prices": prices,
        "hold_reasons": price_labels.HOLD_REASONS,
        "back": f"/products?{urlencode(filters | ({'page': str(page)} if page > 1 else {}))}",
        **_selector(connection_id, names),
    }
    return render(request, "catalog/list.html", values)


def _product_values(request: Request, sku: str, connection: str, **extra: Any) -> dict[str, Any]:
    settings = request.app.state.settings
    with request.app.state.database.reading() as session:
        chosen, names = _chosen(session, connection)
        row = listing.one(session, chosen, sku)
        if row is None:
            raise products.ProductNotFoundError("No product has this SKU")
        history = publishing.report_history(session, chosen, sku) if chosen else []
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
        **_selector(chosen, names),
        **extra,
    }


def _connection_values(request: Request, connection: str) -> dict[str, Any]:
    with request.app.state.database.reading() as session:
        return _selector(*_chosen(session, connection))


@router.post("/products/upload")
def upload_products(request: Request, file: Annotated[UploadFile, File()]) -> Response:
    """A CSV file of products, all or nothing; the report names each bad line (the same reading
    as ``POST /api/v1/products.csv``: ``;`` or ``,``, UTF-8 or Windows-1252)."""
    state = request.app.state
    language = request_language(request, state.settings)
    try:
        text = csv_files.decode(file.file.read(csv_files.MAXIMUM_FILE_BYTES + 1))
        with state.database.session() as session:
            imported = csv_files.upload(session, state.clock, text)
    except csv_files.InvalidProductFileError as error:
        values = {"problems": error.problems, "hint": gettext(language, error.hint)}
        return render(request, "catalog/_upload_result.html", values, status=422)
    return render(request, "catalog/_upload_result.html", {"imported": imported})


@router.get("/products/new")
def new_product_page(request: Request, connection: ConnectionParam = "") -> Response:
    values = {"data": ProductData(sku=""), "new": True, **_connection_values(request, connection)}
    return render(request, "catalog/edit.html", values)


@router.get("/products/{sku}")
def product_page(request: Request, sku: str, connection: ConnectionParam = "") -> Response:
    return render(request, "catalog/detail.html", _product_values(request, sku, connection))


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


def _save(request: Request, data: ProductData, connection: str, *, create: bool) -> Response:
    state = request.app.state
    with state.database.reading() as session:
        chosen, _ = _chosen(session, connection)
    try:
        with state.database.session() as session:
            current = products.find(session, data.sku)
            if current is not None and not create:
                data = replace(data, marketplace_category=current[1].marketplace_category)
            products.save(session, state.clock, data, create=create)
            if chosen is not None:
                validate_product(session, chosen, data.sku, state.clock.now())
    except CdlinkError as error:
        return _bad_form(request, data, error, connection, create=create)
    return RedirectResponse(
        f"/products/{quote(data.sku, safe='')}{_suffix(chosen)}", status_code=303
    )


@router.post("/products/new")
def create_product(
    request: Request,
    sku: Annotated[str, Form(max_length=50)],
    fields: Annotated[ProductFields, Form()],
    connection: ConnectionParam = "",
) -> Response:
    return _submit(request, sku, fields, connection, create=True)


def _bad_form(
    request: Request, data: ProductData, error: CdlinkError, connection: str, *, create: bool
) -> Response:
    language = request_language(request, request.app.state.settings)
    message = f"{gettext(language, error.message)} {gettext(language, error.hint)}"
    values = {
        "data": data,
        "new": create,
        "error": message,
        **_connection_values(request, connection),
    }
    return render(request, "catalog/edit.html", values, status=422)


@router.get("/products/{sku}/edit")
def edit_product_page(request: Request, sku: str, connection: ConnectionParam = "") -> Response:
    values = _product_values(request, sku, connection, new=False)
    return render(request, "catalog/edit.html", values)


@router.post("/products/{sku}/edit")
def edit_product(
    request: Request,
    sku: str,
    fields: Annotated[ProductFields, Form()],
    connection: ConnectionParam = "",
) -> Response:
    return _submit(request, sku, fields, connection, create=False)


def _submit(
    request: Request, sku: str, fields: ProductFields, connection: str, *, create: bool
) -> Response:
    """Save the product sheet the form holds, or show the form again with what is wrong."""
    try:
        data = _form_data(sku, **fields.model_dump())
    except CdlinkError as error:
        return _bad_form(request, ProductData(sku=sku), error, connection, create=create)
    return _save(request, data, connection, create=create)


@router.post("/products/{sku}/validate")
def validate_page(request: Request, sku: str, connection: ConnectionParam = "") -> Response:
    state = request.app.state
    with state.database.session() as session:
        chosen, _ = _chosen(session, connection)
        if chosen is not None:
            validate_product(session, chosen, sku, state.clock.now())
    return RedirectResponse(f"/products/{quote(sku, safe='')}{_suffix(chosen)}", status_code=303)


@router.post("/products/{sku}/publish")
def publish_page(request: Request, sku: str, connection: ConnectionParam = "") -> Response:
    state = request.app.state
    with state.database.session() as session:
        chosen, _ = _chosen(session, connection)
        if chosen is not None:
            request_publish(session, chosen, sku, state.clock.now())
    wake(request)
    return RedirectResponse(f"/products/{quote(sku, safe='')}{_suffix(chosen)}", status_code=303)


@router.post("/products/{sku}/offer/retry")
def retry_offer(request: Request, sku: str, connection: ConnectionParam = "") -> Response:
    """Run the products stream now: it sends every offer recorded and not confirmed."""
    state = request.app.state
    with state.database.session() as session:
        chosen, _ = _chosen(session, connection)
        if chosen is not None:
            request_publishing(session, chosen, state.clock.now())
    wake(request)
    return RedirectResponse(f"/products/{quote(sku, safe='')}{_suffix(chosen)}", status_code=303)


@router.get("/catalog/mappings")
def mappings_page(
    request: Request,
    q: Annotated[str, Query(max_length=100)] = "",
    seller_category: Annotated[str, Query(max_length=200)] = "",
    connection: ConnectionParam = "",
) -> Response:
    with request.app.state.database.reading() as session:
        chosen, names = _chosen(session, connection)
        if chosen is None:
            return coming_page(request, "products")
        found = taxonomy.search(session, chosen, q) if q.strip() else []
        values = {
            "mappings": mappings.mappings(session, chosen),
            "found": found,
            "q": q,
            "seller_category": seller_category,
            "cached": taxonomy.count_categories(session, chosen),
            "fetched_at": taxonomy.fetched_at(session, chosen),
            "zone": request.app.state.settings.zone,
            "unmapped": _unmapped(session, chosen),
            **_selector(chosen, names),
        }
    return render(request, "catalog/mappings.html", values)


def _unmapped(session: Any, connection: int) -> list[str]:
    mapped = {item.seller_category for item in mappings.mappings(session, connection)}
    used = {
        data.seller_category for _, data in products.with_sheets(session) if data.seller_category
    }
    return sorted(used - mapped)


def _error_page(request: Request, error: CdlinkError) -> Response:
    language = request_language(request, request.app.state.settings)
    message = f"{gettext(language, error.message)} {gettext(language, error.hint)}"
    return render(request, "error.html", {"message": message, "status": 422}, status=422)


def _mappings_url(connection_id: int | None, seller_category: str = "") -> str:
    query = {"connection": str(connection_id or ""), "seller_category": seller_category}
    found = urlencode({key: value for key, value in query.items() if value})
    return f"/catalog/mappings{'?' + found if found else ''}"


@router.post("/catalog/mappings")
def save_mapping(
    request: Request,
    seller_category: Annotated[str, Form(max_length=200)],
    category_reference: Annotated[str, Form(max_length=12)],
    connection: ConnectionParam = "",
) -> Response:
    """Map a seller category to a Cdiscount category; a category mapped again keeps the
    attribute and value mappings that still fit the new category's properties."""
    state = request.app.state
    try:
        with state.database.session() as session:
            chosen, _ = _chosen(session, connection)
            if chosen is None:
                raise listing.NoConnectionError("There is no Cdiscount application yet")
            current = mappings.mapping_for(session, chosen, seller_category.strip())
            try:
                with session.begin_nested():
                    mappings.save_mapping(
                        session,
                        chosen,
                        seller_category,
                        category_reference,
                        state.clock.now(),
                        attributes=current.attributes if current else None,
                        values=current.values if current else None,
                    )
            except mappings.MappingError:
                # The attribute mappings do not fit the new category: the category alone.
                mappings.save_mapping(
                    session, chosen, seller_category, category_reference, state.clock.now()
                )
    except CdlinkError as error:
        return _error_page(request, error)
    return RedirectResponse(_mappings_url(chosen), status_code=303)


@router.post("/catalog/mappings/delete")
def delete_mapping(
    request: Request,
    seller_category: Annotated[str, Form(max_length=200)],
    connection: ConnectionParam = "",
) -> Response:
    state = request.app.state
    with state.database.session() as session:
        chosen, _ = _chosen(session, connection)
        if chosen is not None:
            mappings.delete_mapping(session, chosen, seller_category)
    return RedirectResponse(_mappings_url(chosen), status_code=303)


@router.post("/catalog/taxonomy/refresh")
def refresh_taxonomy(request: Request, connection: ConnectionParam = "") -> Response:
    state = request.app.state
    with state.database.session() as session:
        chosen, _ = _chosen(session, connection)
        if chosen is not None:
            request_taxonomy(session, chosen, state.clock.now())
    wake(request)
    return RedirectResponse(_mappings_url(chosen), status_code=303)


# The attributes and values of one mapping -----------------------------------------------------


@dataclass(frozen=True)
class AttributeLine:
    """One line of the attribute form: the seller's name and the property it goes to."""

    name: str
    reference: str


@dataclass(frozen=True)
class ValueLine:
    """One line of the value form: a seller value of a list property and its choice."""

    reference: str
    value: str
    choice: str


def _used_attributes(session: Any, seller_category: str) -> dict[str, set[str]]:
    """The attribute names (and their values) the products of a seller category use."""
    found: dict[str, set[str]] = {}
    for _, data in products.with_sheets(session):
        if data.seller_category == seller_category:
            for name, values in data.attributes.items():
                found.setdefault(name, set()).update(values)
    return found


def _attribute_values(
    request: Request,
    connection: str,
    seller_category: str,
    *,
    lines: tuple[list[AttributeLine], list[ValueLine]] | None = None,
    error: str = "",
) -> dict[str, Any]:
    with request.app.state.database.reading() as session:
        chosen, names = _chosen(session, connection)
        current = mappings.mapping_for(session, chosen or 0, seller_category)
        if chosen is None or current is None:
            raise mappings.MappingError(
                translatable("This category is not mapped yet"),
                hint=translatable("Map it to a Cdiscount category first."),
            )
        choice = taxonomy.category(session, chosen, current.category_reference)
        properties = mappings.category_properties(session, chosen, current.category_reference)
        used = _used_attributes(session, seller_category)
    by_reference = {item.reference: item for item in properties or ()}
    if lines is None:
        attribute_lines = [AttributeLine(k, v) for k, v in sorted(current.attributes.items())]
        attribute_lines += [
            AttributeLine(name, "") for name in sorted(used) if name not in current.attributes
        ]
        value_lines = [
            ValueLine(reference, value, mapped)
            for reference, chosen_values in sorted(current.values.items())
            for value, mapped in sorted(chosen_values.items())
        ]
        for name, reference in sorted(current.attributes.items()):
            prop = by_reference.get(reference)
            if prop is None or not prop.choices:
                continue
            mapped_values = current.values.get(reference, {})
            value_lines += [
                ValueLine(reference, value, "")
                for value in sorted(used.get(name, ()))
                if value not in mapped_values and value not in prop.choices
            ]
    else:
        attribute_lines, value_lines = lines
    return {
        "seller_category": seller_category,
        "category_reference": current.category_reference,
        "category_path": choice.path if choice else current.category_reference,
        "properties": properties,
        "list_properties": [item for item in properties or () if item.choices],
        "by_reference": by_reference,
        "attribute_lines": [*attribute_lines, AttributeLine("", "")],
        "value_lines": [*value_lines, ValueLine("", "", "")],
        "error": error,
        **_selector(chosen, names),
    }


@router.get("/catalog/mappings/attributes")
def attributes_page(
    request: Request,
    seller_category: Annotated[str, Query(max_length=200)] = "",
    connection: ConnectionParam = "",
    saved: Annotated[str, Query(max_length=1)] = "",
) -> Response:
    if not seller_category.strip():  # which category? The mapping page lists them.
        with request.app.state.database.reading() as session:
            chosen, _ = _chosen(session, connection)
        return RedirectResponse(_mappings_url(chosen), status_code=303)
    try:
        values = _attribute_values(request, connection, seller_category)
    except CdlinkError as error:
        return _error_page(request, error)
    values["saved"] = bool(saved)
    return render(request, "catalog/attributes.html", values)


class AttributeForm(BaseModel):
    """The attribute and value lines of a mapping (parallel lists, as the form posts them)."""

    seller_category: Annotated[str, Field(max_length=200)]
    attribute_name: list[Annotated[str, Field(max_length=200)]] = Field(default=[], max_length=200)
    attribute_property: list[Annotated[str, Field(max_length=80)]] = Field(
        default=[], max_length=200
    )
    value_property: list[Annotated[str, Field(max_length=80)]] = Field(default=[], max_length=500)
    value_seller: list[Annotated[str, Field(max_length=200)]] = Field(default=[], max_length=500)
    value_choice: list[Annotated[str, Field(max_length=200)]] = Field(default=[], max_length=500)

    def lines(self) -> tuple[list[AttributeLine], list[ValueLine]]:
        """The lines filled at least in part (an empty line is left out)."""
        attributes = [
            AttributeLine(name.strip(), reference.strip())
            for name, reference in zip(self.attribute_name, self.attribute_property, strict=False)
            if name.strip() or reference.strip()
        ]
        values = [
            ValueLine(reference.strip(), value.strip(), choice.strip())
            for reference, value, choice in zip(
                self.value_property, self.value_seller, self.value_choice, strict=False
            )
            if value.strip() or choice.strip()
        ]
        return attributes, values


@router.post("/catalog/mappings/attributes")
def save_attributes(
    request: Request, form: Annotated[AttributeForm, Form()], connection: ConnectionParam = ""
) -> Response:
    """Save the attribute and value mappings of one seller category, all or nothing."""
    state = request.app.state
    language = request_language(request, state.settings)
    attributes, values = form.lines()
    try:
        duplicate = _duplicate(attributes, values)
        if duplicate:
            raise mappings.MappingError(
                translatable("The same name appears on two lines"),
                hint=translatable("Keep one line per attribute, and one per value."),
                subject=duplicate,
            )
        with state.database.session() as session:
            chosen, _ = _chosen(session, connection)
            current = mappings.mapping_for(session, chosen or 0, form.seller_category)
            if chosen is None or current is None:
                raise mappings.MappingError(
                    translatable("This category is not mapped yet"),
                    hint=translatable("Map it to a Cdiscount category first."),
                )
            chosen_values: dict[str, dict[str, str]] = {}
            for line in values:
                chosen_values.setdefault(line.reference, {})[line.value] = line.choice
            mappings.save_mapping(
                session,
                chosen,
                current.seller_category,
                current.category_reference,
                state.clock.now(),
                attributes={line.name: line.reference for line in attributes},
                values=chosen_values,
            )
    except CdlinkError as error:
        subject = getattr(error, "subject", "")
        message = " ".join(
            part
            for part in (
                gettext(language, error.message),
                f"({subject})" if subject else "",
                gettext(language, error.hint),
            )
            if part
        )
        try:
            page = _attribute_values(
                request,
                connection,
                form.seller_category,
                lines=(attributes, values),
                error=message,
            )
        except CdlinkError as missing:
            return _error_page(request, missing)
        return render(request, "catalog/attributes.html", page, status=422)
    query = {"seller_category": current.seller_category, "connection": chosen, "saved": 1}
    return RedirectResponse(f"/catalog/mappings/attributes?{urlencode(query)}", status_code=303)


def _duplicate(attributes: list[AttributeLine], values: list[ValueLine]) -> str:
    seen: set[str] = set()
    for line in attributes:
        if line.name in seen:
            return line.name
        seen.add(line.name)
    pairs: set[tuple[str, str]] = set()
    for value in values:
        if (value.reference, value.value) in pairs:
            return value.value
        pairs.add((value.reference, value.value))
    return ""


@router.post("/catalog/mappings/properties")
def read_properties_now(
    request: Request,
    seller_category: Annotated[str, Form(max_length=200)],
    connection: ConnectionParam = "",
) -> Response:
    """Ask the products stream to run now: it reads the properties of mapped categories."""
    state = request.app.state
    with state.database.session() as session:
        chosen, _ = _chosen(session, connection)
        if chosen is not None:
            request_publishing(session, chosen, state.clock.now())
    wake(request)
    query = urlencode({"seller_category": seller_category, "connection": chosen or ""})
    return RedirectResponse(f"/catalog/mappings/attributes?{query}", status_code=303)


# Direction and field ownership -----------------------------------------------------------------

FIELD_LABELS = {
    "title": translatable("Title"),
    "description": translatable("Description"),
    "pictures": translatable("Pictures"),
    "attributes": translatable("Attributes"),
    "price": translatable("Price"),
    "stock": translatable("Stock"),
}
DIRECTION_LABELS = {
    "both": translatable("Both ways"),
    "export": translatable("cdlink → Cdiscount only (publish, never import)"),
    "import": translatable("Cdiscount → cdlink only (import, never publish)"),
}


def _settings_values(request: Request, connection: str, **extra: Any) -> dict[str, Any]:
    with request.app.state.database.reading() as session:
        chosen, names = _chosen(session, connection)
        found = publishing.settings(session, chosen or 0)
    return {
        "direction": found.direction,
        "owners": dict(found.owners),
        "fields": FIELD_LABELS,
        "directions": DIRECTION_LABELS,
        "connection_name": names.get(chosen or 0, ""),
        **_selector(chosen, names),
        **extra,
    }


@router.get("/catalog/settings")
def settings_page(
    request: Request,
    connection: ConnectionParam = "",
    saved: Annotated[str, Query(max_length=1)] = "",
) -> Response:
    with request.app.state.database.reading() as session:
        if _chosen(session, connection)[0] is None:
            return coming_page(request, "products")
    return render(
        request, "catalog/settings.html", _settings_values(request, connection, saved=bool(saved))
    )


class SettingsForm(BaseModel):
    direction: Annotated[str, Field(max_length=10)]
    title: Annotated[str, Field(max_length=10)] = "cdlink"
    description: Annotated[str, Field(max_length=10)] = "cdlink"
    pictures: Annotated[str, Field(max_length=10)] = "cdlink"
    attributes: Annotated[str, Field(max_length=10)] = "cdlink"
    price: Annotated[str, Field(max_length=10)] = "cdlink"
    stock: Annotated[str, Field(max_length=10)] = "cdlink"


@router.post("/catalog/settings")
def save_settings_page(
    request: Request, form: Annotated[SettingsForm, Form()], connection: ConnectionParam = ""
) -> Response:
    state = request.app.state
    language = request_language(request, state.settings)
    owners = form.model_dump(exclude={"direction"})
    try:
        with state.database.session() as session:
            chosen, _ = _chosen(session, connection)
            if chosen is None:
                raise listing.NoConnectionError("There is no Cdiscount application yet")
            publishing.save_settings(session, chosen, form.direction, owners, state.clock.now())
    except CdlinkError as error:
        message = f"{gettext(language, error.message)} {gettext(language, error.hint)}"
        values = _settings_values(request, connection, error=message)
        values["direction"], values["owners"] = form.direction, owners
        return render(request, "catalog/settings.html", values, status=422)
    query = urlencode({"connection": chosen, "saved": 1})
    return RedirectResponse(f"/catalog/settings?{query}", status_code=303)
