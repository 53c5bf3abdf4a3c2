"""``/api/v1/products``, ``/api/v1/categories`` and ``/api/v1/category-mappings``.

Products with their sheets and their publishing status on a connection (the first one unless
``connection_id`` says otherwise); the validator on demand; publishing on demand (the products
stream sends it: no request calls the marketplace); the cached taxonomy searched; the category
mappings of a connection read and replaced. CSV import is all or nothing (422 names every bad
line).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from cdlink.core.spreadsheets import Format, dialect
from cdlink.core.translatable import translatable
from cdlink.hub.catalog import csv_files, listing, mappings, products, publishing, taxonomy
from cdlink.hub.catalog.products import ProductData
from cdlink.store.models import Connection
from cdlink.sync.catalog.actions import request_publish, validate_product
from cdlink.web.listing import Listing, PagedListOut, Window, example
from cdlink.web.params import id_query
from cdlink.web.runtime import wake

router = APIRouter(tags=["catalog"])

Sku = Annotated[str, Field(min_length=1, max_length=50)]
Text = Annotated[StrictStr, Field(max_length=300)]
LongText = Annotated[StrictStr, Field(max_length=5000)]
Name = Annotated[StrictStr, Field(min_length=1, max_length=200)]
Url = Annotated[StrictStr, Field(min_length=1, max_length=1000)]
Values = Annotated[list[Annotated[StrictStr, Field(max_length=200)]], Field(max_length=50)]
Price = Annotated[Decimal, Field(ge=0, le=Decimal("9999999999.99"), decimal_places=2)]
Ean = Annotated[StrictStr, Field(pattern=r"^[0-9]{1,14}$")]
STATUS_CHOICES = (listing.DRAFT, *publishing.STATUSES)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProductIn(Strict):
    sku: Sku
    ean: Ean | None = None
    title: Text = ""
    description: LongText = ""
    marketing_description: LongText | None = None
    brand: Annotated[StrictStr, Field(max_length=120)] | None = None
    pictures: Annotated[list[Url], Field(max_length=20)] = []
    attributes: Annotated[dict[Name, Values], Field(max_length=100)] = {}
    variant_group: Name | None = None
    seller_category: Name | None = None
    price: Price | None = None


class ProductPatch(Strict):
    ean: Ean | None = None
    title: Text | None = None
    description: LongText | None = None
    marketing_description: LongText | None = None
    brand: Annotated[StrictStr, Field(max_length=120)] | None = None
    pictures: Annotated[list[Url], Field(max_length=20)] | None = None
    attributes: Annotated[dict[Name, Values], Field(max_length=100)] | None = None
    variant_group: Name | None = None
    seller_category: Name | None = None
    price: Price | None = None


class ProblemOut(BaseModel):
    field: str | None
    rule: str
    message: str | None
    hint: str


class ProductOut(BaseModel):
    model_config = example(
        {
            "sku": "TSHIRT-BLEU-M",
            "ean": "3760123456789",
            "title": "T-shirt coton bio bleu, taille M",
            "description": "T-shirt en coton biologique, coupe droite.",
            "marketing_description": None,
            "brand": "Atelier Nord",
            "pictures": ["https://boutique.example/img/tshirt-bleu.jpg"],
            "attributes": {"Couleur": ["Bleu"], "Taille": ["M"]},
            "variant_group": "TSHIRT-BLEU",
            "seller_category": "Vêtements > T-shirts",
            "marketplace_category": "0R0B0F",
            "price": "19.90",
            "status": "integrated",
            "problems": [],
            "reasons": [],
            "sent_at": "2026-12-01T10:00:00Z",
            "live_at": "2026-12-01T10:20:00Z",
            "manual_check_since": None,
        }
    )

    sku: str
    ean: str | None
    title: str
    description: str
    marketing_description: str | None
    brand: str | None
    pictures: list[str]
    attributes: dict[str, list[str]]
    variant_group: str | None
    seller_category: str | None
    marketplace_category: str | None
    price: Decimal | None
    status: str = Field(description="draft, " + ", ".join(publishing.STATUSES))
    problems: list[ProblemOut] = Field(description="What the validator found.")
    reasons: list[ProblemOut] = Field(description="Why Cdiscount refused the sheet.")
    sent_at: datetime | None
    live_at: datetime | None
    manual_check_since: datetime | None

    @classmethod
    def of(cls, row: listing.ProductRow) -> ProductOut:
        data = row.data
        return cls(
            sku=data.sku,
            ean=data.ean,
            title=data.title,
            description=data.description,
            marketing_description=data.marketing_description,
            brand=data.brand,
            pictures=list(data.pictures),
            attributes={key: list(values) for key, values in data.attributes.items()},
            variant_group=data.variant_group,
            seller_category=data.seller_category,
            marketplace_category=data.marketplace_category,
            price=data.price,
            status=row.status,
            problems=[_problem(item) for item in row.problems],
            reasons=[_problem(item) for item in row.reasons],
            sent_at=row.sent_at,
            live_at=row.live_at,
            manual_check_since=row.manual_check_since,
        )


def _problem(item: dict[str, Any]) -> ProblemOut:
    return ProblemOut(
        field=item.get("field"),
        rule=str(item.get("rule") or item.get("code") or "marketplace"),
        message=item.get("message"),
        hint=str(item.get("hint") or ""),
    )


class ProductList(PagedListOut):
    items: list[ProductOut]


class Validation(BaseModel):
    sku: str
    status: str
    problems: list[ProblemOut]


class CategoryOut(BaseModel):
    reference: str
    label: str
    level: int
    path: str
    is_variant: bool
    is_brand_mandatory: bool


class CategoryList(BaseModel):
    items: list[CategoryOut]
    cached: int = Field(description="Categories in the cache (0 until the taxonomy is read).")
    fetched_at: datetime | None


class MappingIo(Strict):
    seller_category: Name
    category_reference: Annotated[StrictStr, Field(min_length=1, max_length=12)]
    attributes: Annotated[
        dict[Name, Annotated[StrictStr, Field(max_length=80)]], Field(max_length=100)
    ] = {}
    values: Annotated[
        dict[Annotated[StrictStr, Field(max_length=80)], dict[Name, Name]], Field(max_length=100)
    ] = {}


class MappingOut(MappingIo):
    category_path: str = ""


class MappingsIn(Strict):
    items: Annotated[list[MappingIo], Field(max_length=1000)]


class MappingsOut(BaseModel):
    items: list[MappingOut]


class Imported(BaseModel):
    imported: int


def _connection(request: Request, connection_id: int | None) -> int:
    """The connection asked for, or the first one; a 422 when there is none."""
    found = _optional_connection(request, connection_id)
    if found is None:
        raise listing.NoConnectionError(translatable("There is no Cdiscount application yet"))
    return found


def _optional_connection(request: Request, connection_id: int | None) -> int | None:
    """For reads: the connection asked for, the first one, or None when there is none yet."""
    with request.app.state.database.reading() as session:
        if connection_id is not None:
            if session.get(Connection, connection_id) is None:
                raise listing.NoConnectionError(
                    translatable("There is no connection with this number"),
                    hint=translatable("Leave connection_id out, or use the number of an app."),
                )
            return connection_id
        return listing.default_connection(session)


def _one(request: Request, connection_id: int | None, sku: str) -> ProductOut:
    with request.app.state.database.reading() as session:
        row = listing.one(session, connection_id, sku)
    if row is None:
        raise products.ProductNotFoundError(translatable("No product has this SKU"))
    return ProductOut.of(row)


ConnectionQuery = Annotated[int | None, id_query("The connection (the first one by default).")]
PRODUCTS = Listing(("sku",), pages=True)


@router.get("/products")
def list_products(
    request: Request,
    *,
    q: str | None = Query(default=None, max_length=100, description="Text in SKU, title, EAN."),
    status: str | None = Query(default=None, description=" | ".join(STATUS_CHOICES)),
    problem: str | None = Query(default=None, max_length=40, description="A rule code."),
    connection_id: ConnectionQuery = None,
    window: Annotated[Window, Depends(PRODUCTS)],
) -> ProductList:
    """Products by SKU, with their publishing status, problems and Cdiscount's reasons."""
    if status is not None and status not in STATUS_CHOICES:
        status = "none"  # matches nothing, like any unknown filter value
    connection = _optional_connection(request, connection_id)
    with request.app.state.database.reading() as session:
        found = listing.list_products(
            session,
            connection,
            text=q,
            status=status,
            problem=problem,
            page=window.page,
            page_size=window.limit,
            updated_since=window.updated_since,
        )
    return ProductList(
        items=[ProductOut.of(row) for row in found.rows],
        **window.answer_total(request, found.total, shown=len(found.rows)),
    )


@router.post("/products", status_code=201)
def create_product(
    request: Request, body: ProductIn, connection_id: ConnectionQuery = None
) -> ProductOut:
    """Create a product with its sheet (an existing SKU is a 422 naming ``sku``)."""
    connection = _optional_connection(request, connection_id)
    state = request.app.state
    data = ProductData(**body.model_dump())
    with state.database.session() as session:
        products.save(session, state.clock, data, create=True)
    return _one(request, connection, body.sku)


@router.get("/products/{sku}")
def get_product(request: Request, sku: str, connection_id: ConnectionQuery = None) -> ProductOut:
    return _one(request, _optional_connection(request, connection_id), sku)


@router.patch("/products/{sku}")
def patch_product(
    request: Request, sku: str, body: ProductPatch, connection_id: ConnectionQuery = None
) -> ProductOut:
    """Change the fields given; a changed sheet is validated and sent again by the products
    stream."""
    connection = _optional_connection(request, connection_id)
    changes: dict[str, object] = body.model_dump(exclude_unset=True)
    if "pictures" in changes and changes["pictures"] is not None:
        changes["pictures"] = tuple(body.pictures or ())
    for name in ("title", "description", "pictures", "attributes"):
        if name in changes and changes[name] is None:
            changes.pop(name)
    state = request.app.state
    with state.database.session() as session:
        products.update(session, state.clock, sku, changes)
    return _one(request, connection, sku)


@router.post("/products/{sku}/validate")
def validate(request: Request, sku: str, connection_id: ConnectionQuery = None) -> Validation:
    """Run the pre-flight validator now (against the cached taxonomy) and record its verdict."""
    connection = _connection(request, connection_id)
    state = request.app.state
    with state.database.session() as session:
        problems = validate_product(session, connection, sku, state.clock.now())
    row = _one(request, connection, sku)
    return Validation(
        sku=sku,
        status=row.status,
        problems=[_problem(problem.as_dict()) for problem in problems],
    )


@router.post("/products/{sku}/publish", status_code=202)
def publish(request: Request, sku: str, connection_id: ConnectionQuery = None) -> ProductOut:
    """Queue the sheet for the products stream (sent now unless it has problems)."""
    connection = _connection(request, connection_id)
    state = request.app.state
    with state.database.session() as session:
        request_publish(session, connection, sku, state.clock.now())
    wake(request)
    return _one(request, connection, sku)


@router.get(
    "/products.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": ", ".join(csv_files.COLUMNS)}},
)
def download(
    request: Request,
    separator: str = Query(default=",", pattern="^[,;]$", description="Deprecated: use format."),
    format: Annotated[
        Format | None,
        Query(description="standard (UTF-8, commas) or excel-fr (Windows-1252, ;, 12,50)"),
    ] = None,
) -> Response:
    """Every product as CSV (UTF-8 with BOM, so Excel reads accents; or ``format=excel-fr``)."""
    with request.app.state.database.reading() as session:
        every = products.all_products(session)
        text = csv_files.export(every, delimiter=separator, name=format)
    if format == "excel-fr":
        content = text.encode("cp1252", errors="replace")
    else:
        content = ("\ufeff" + text).encode()
    return Response(
        content,
        media_type=dialect(format or "standard").media_type,
        headers={"Content-Disposition": 'attachment; filename="products.csv"'},
    )


@router.post("/products.csv")
def upload(
    request: Request,
    file: Annotated[UploadFile, File(description=", ".join(csv_files.COLUMNS) + ", attr:<name>")],
) -> Imported:
    """Create or update products from a file, all or nothing: 422 names every bad line."""
    text = csv_files.decode(file.file.read(csv_files.MAXIMUM_FILE_BYTES + 1))
    state = request.app.state
    with state.database.session() as session:
        return Imported(imported=csv_files.upload(session, state.clock, text))


@router.get("/categories")
def categories(
    request: Request,
    q: str = Query(default="", max_length=100, description="Words of the path or a reference."),
    connection_id: ConnectionQuery = None,
    leaves_only: bool = Query(default=True, description="Only level-3 categories."),
) -> CategoryList:
    """Search the cached Cdiscount taxonomy (at most 50 results, level 3 first)."""
    connection = _optional_connection(request, connection_id) or 0
    with request.app.state.database.reading() as session:
        found = taxonomy.search(session, connection, q, leaves_only=leaves_only)
        cached = taxonomy.count_categories(session, connection)
        fetched = taxonomy.fetched_at(session, connection)
    return CategoryList(
        items=[
            CategoryOut(
                reference=item.reference,
                label=item.label,
                level=item.level,
                path=item.path,
                is_variant=item.is_variant,
                is_brand_mandatory=item.is_brand_mandatory,
            )
            for item in found
        ],
        cached=cached,
        fetched_at=fetched,
    )


def _mappings_out(request: Request, connection: int) -> MappingsOut:
    with request.app.state.database.reading() as session:
        found = mappings.mappings(session, connection)
    return MappingsOut(
        items=[
            MappingOut(
                seller_category=item.seller_category,
                category_reference=item.category_reference,
                attributes=item.attributes,
                values=item.values,
                category_path=item.category_path,
            )
            for item in found
        ]
    )


@router.get("/category-mappings")
def get_mappings(request: Request, connection_id: ConnectionQuery = None) -> MappingsOut:
    return _mappings_out(request, _optional_connection(request, connection_id) or 0)


@router.put("/category-mappings")
def put_mappings(
    request: Request, body: MappingsIn, connection_id: ConnectionQuery = None
) -> MappingsOut:
    """Replace the connection's mappings, all or nothing (422 names the first bad one)."""
    connection = _connection(request, connection_id)
    state = request.app.state
    now = state.clock.now()
    with state.database.session() as session:
        for current in mappings.mappings(session, connection):
            mappings.delete_mapping(session, connection, current.seller_category)
        for item in body.items:
            mappings.save_mapping(
                session,
                connection,
                item.seller_category,
                item.category_reference,
                now,
                attributes=item.attributes,
                values=item.values,
            )
    return _mappings_out(request, connection)


Field_ = Literal["title", "description", "pictures", "attributes", "price", "stock"]


class CatalogSettingsIo(Strict):
    direction: Literal["import", "export", "both"] = Field(
        description="import: Cdiscount → cdlink; export: cdlink → Cdiscount; both"
    )
    owners: dict[Field_, Literal["cdlink", "cdiscount"]] = Field(
        default_factory=dict, description="Which side wins on each field (cdlink by default)."
    )


@router.get("/catalog-settings")
def get_catalog_settings(
    request: Request, connection_id: ConnectionQuery = None
) -> CatalogSettingsIo:
    """Which way products flow for the connection, and which side wins per field."""
    connection = _optional_connection(request, connection_id) or 0
    with request.app.state.database.reading() as session:
        found = publishing.settings(session, connection)
    return CatalogSettingsIo.model_validate(
        {"direction": found.direction, "owners": dict(found.owners)}
    )


@router.put("/catalog-settings")
def put_catalog_settings(
    request: Request, body: CatalogSettingsIo, connection_id: ConnectionQuery = None
) -> CatalogSettingsIo:
    connection = _connection(request, connection_id)
    state = request.app.state
    with state.database.session() as session:
        found = publishing.save_settings(
            session,
            connection,
            body.direction,
            {str(k): str(v) for k, v in body.owners.items()},
            state.clock.now(),
        )
    return CatalogSettingsIo.model_validate(
        {"direction": found.direction, "owners": dict(found.owners)}
    )
