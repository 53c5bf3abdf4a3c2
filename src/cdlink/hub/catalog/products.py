"""Product sheets in the back office: what a product sheet holds beyond the SKU, and its edits.

A product (``products``: SKU, EAN, title, price) gets a sheet (``product_sheets``) when it is
created or edited in cdlink, by CSV or the API, or when the referential import fills it from
Cdiscount. ``sheet_hash`` fingerprints what would be sent: the products stream sends a sheet again
only when its hash changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.store.models import Product, ProductSheetRecord

SKU_MAX = 50
TITLE_MAX = 300
BRAND_MAX = 120
PICTURES_MAX = 20
#: The fields a connection's ownership settings name (which side wins on each).
OWNED_FIELDS = ("title", "description", "pictures", "attributes", "price", "stock")


class ProductError(CdlinkError):
    """A product that cannot be saved as given (names the field)."""

    def __init__(self, message: str, *, field: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint or translatable("Correct the field and save again."))
        self.field = field


class ProductNotFoundError(CdlinkError):
    """No product has this SKU."""

    default_hint = "Check the SKU; the Products page lists them."


@dataclass(frozen=True)
class ProductData:
    """A product with its sheet: what the pages, the API, CSV and the sheet mapper read."""

    sku: str
    ean: str | None = None
    title: str = ""
    description: str = ""
    marketing_description: str | None = None
    brand: str | None = None
    pictures: Sequence[str] = ()
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    variant_group: str | None = None
    seller_category: str | None = None
    marketplace_category: str | None = None
    price: Decimal | None = None

    def sheet_hash(self) -> str:
        body = asdict(self)
        body.pop("price")
        body["pictures"] = list(self.pictures)
        body["attributes"] = {key: list(values) for key, values in sorted(self.attributes.items())}
        text = json.dumps(body, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


#: Every field a product edit may set (the API's PATCH and the CSV columns use these names).
EDITABLE = (
    "ean",
    "title",
    "description",
    "marketing_description",
    "brand",
    "pictures",
    "attributes",
    "variant_group",
    "seller_category",
    "price",
)


def check_data(data: ProductData) -> None:
    """Refuse what the store cannot hold; the marketplace's rules are the validator's."""
    if not data.sku.strip() or len(data.sku) > SKU_MAX:
        raise ProductError(translatable("The SKU must have 1 to 50 characters"), field="sku")
    if data.ean is not None and (not data.ean.isdigit() or len(data.ean) > 14):
        raise ProductError(translatable("The EAN must be up to 14 digits"), field="ean")
    if len(data.title) > TITLE_MAX:
        raise ProductError(
            translatable("The title must have at most 300 characters"), field="title"
        )
    if data.brand is not None and len(data.brand) > BRAND_MAX:
        raise ProductError(
            translatable("The brand must have at most 120 characters"), field="brand"
        )
    if len(data.pictures) > PICTURES_MAX:
        raise ProductError(translatable("A product has at most 20 pictures"), field="pictures")
    if data.price is not None and not (Decimal(0) <= data.price < Decimal("10000000000")):
        raise ProductError(
            translatable("The price must be between 0 and 9,999,999,999.99"), field="price"
        )
    for name in (data.variant_group, data.seller_category):
        if name is not None and len(name) > 200:
            raise ProductError(
                translatable("Names have at most 200 characters"), field="seller_category"
            )


def _data(product: Product, sheet: ProductSheetRecord | None) -> ProductData:
    if sheet is None:
        return ProductData(product.sku, product.ean, product.title, price=product.price)
    return ProductData(
        product.sku,
        product.ean,
        product.title,
        sheet.description,
        sheet.marketing_description,
        sheet.brand,
        tuple(sheet.pictures or ()),
        {key: tuple(values) for key, values in (sheet.attributes or {}).items()},
        sheet.variant_group,
        sheet.seller_category,
        sheet.marketplace_category,
        product.price,
    )


def find(session: Session, sku: str) -> tuple[Product, ProductData] | None:
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        return None
    return product, _data(product, session.get(ProductSheetRecord, product.id))


def get(session: Session, sku: str) -> ProductData:
    found = find(session, sku)
    if found is None:
        raise ProductNotFoundError(translatable("No product has this SKU"))
    return found[1]


def with_sheets(
    session: Session, skus: Sequence[str] | None = None
) -> list[tuple[int, ProductData]]:
    """Products that have a sheet (all, or those of ``skus``), by SKU, with their ids."""
    query = select(Product, ProductSheetRecord).join(
        ProductSheetRecord, ProductSheetRecord.product_id == Product.id
    )
    if skus is not None:
        query = query.where(Product.sku.in_(list(skus)))
    return [
        (product.id, _data(product, sheet))
        for product, sheet in session.execute(query.order_by(Product.sku))
    ]


def all_products(session: Session) -> list[ProductData]:
    sheets = {row.product_id: row for row in session.scalars(select(ProductSheetRecord))}
    return [
        _data(product, sheets.get(product.id))
        for product in session.scalars(select(Product).order_by(Product.sku))
    ]


def save(
    session: Session, clock: Clock, data: ProductData, *, create: bool | None = None
) -> Product:
    """Create (``create=True``), update (``False``) or upsert (``None``) a product and its sheet."""
    check_data(data)
    now = clock.now()
    product = session.scalar(select(Product).where(Product.sku == data.sku))
    if product is None:
        if create is False:
            raise ProductNotFoundError(translatable("No product has this SKU"))
        product = Product(sku=data.sku, created_at=now, updated_at=now)
        session.add(product)
    elif create is True:
        raise ProductError(
            translatable("A product with this SKU already exists"),
            field="sku",
            hint=translatable("Edit that product, or choose another SKU."),
        )
    product.ean = data.ean
    product.title = data.title
    product.price = data.price
    product.updated_at = now
    session.flush()
    sheet = session.get(ProductSheetRecord, product.id)
    if sheet is None:
        sheet = ProductSheetRecord(product_id=product.id)
        session.add(sheet)
    sheet.description = data.description
    sheet.marketing_description = data.marketing_description
    sheet.brand = data.brand
    sheet.pictures = list(data.pictures)
    sheet.attributes = {key: list(values) for key, values in data.attributes.items()}
    sheet.variant_group = data.variant_group
    sheet.seller_category = data.seller_category
    sheet.marketplace_category = data.marketplace_category
    sheet.updated_at = now
    session.flush()
    return product


def update(session: Session, clock: Clock, sku: str, changes: Mapping[str, object]) -> ProductData:
    """Apply ``changes`` (names from ``EDITABLE``) to the product ``sku``."""
    current = get(session, sku)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        name = sorted(unknown)[0]
        raise ProductError(translatable("This field cannot be changed"), field=name)
    updated = replace(current, **changes)  # type: ignore[arg-type]
    save(session, clock, updated, create=False)
    return updated
