"""The ``catalog_import`` stream: products of existing offers filled from Cdiscount's referential.

The offers stream creates a product per offer with only its SKU, EAN and price. This stream reads
the referential (``GET /products`` by GTIN, 100 per call) for those products and fills their
title, description, brand, pictures and Cdiscount category: no more blank titles. A field the
connection's settings give to cdlink is filled only while it is empty; one given to Cdiscount is
overwritten. The sheet is then live (its publication is ``integrated``) and is not sent back
unless it changes in cdlink. Nothing is done when the connection's direction is export only.

While Cdiscount owns a sheet field (title, description, pictures), the products of the offers
are read again once a day (``REREAD``): Cdiscount's values replace cdlink's in cdlink, and are
kept as what Cdiscount holds (``marketplace_fields``), which the products stream sends in place
of any edit made in cdlink. A product read again keeps its publishing status.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.hub.catalog import products as catalog_products
from cdlink.hub.catalog import publishing
from cdlink.octopia.models import Product as ReferentialProduct
from cdlink.store.models import Binding, Product
from cdlink.sync.engine.streams import Stream, StreamContext

STREAM = "catalog_import"
OFFER_KIND = "offer"
CHUNK = 100
#: How often the products are read again while Cdiscount owns a sheet field.
REREAD = timedelta(days=1)


class CatalogImport(Stream):
    """Fills the products of the connection's offers from the product referential."""

    name = STREAM
    #: Cheap when nothing is missing (no call): often, so new offers get titles soon.
    default_interval = 600

    def run(self, context: StreamContext) -> None:
        with context.database.reading() as session:
            owners = publishing.settings(session, context.connection_id)
            if not owners.imports:
                return
            reread = any(owners.cdiscount_owns(name) for name in publishing.SHEET_FIELDS)
            stale = context.clock.now() - REREAD
            bound = select(Binding.local_id).where(
                Binding.connection_id == context.connection_id, Binding.kind == OFFER_KIND
            )
            ids = [int(local) for local in session.scalars(bound) if local.isdigit()]
            known = publishing.publications(session, context.connection_id)
            wanted = {
                product.ean: product.sku
                for product in session.scalars(select(Product).where(Product.id.in_(ids)))
                if product.ean
                and (
                    product.id not in known
                    or not product.title
                    or (reread and _read_before(known[product.id].marketplace_read_at, stale))
                )
            }
        gtins = sorted(wanted)
        for start in range(0, len(gtins), CHUNK):
            found = context.client().products.by_gtins(gtins[start : start + CHUNK])
            with context.transaction() as session:
                for gtin, item in found.items():
                    if gtin in wanted:
                        self.fill(context, session, wanted[gtin], item)
            context.made_progress()
            context.count(missing=len(set(gtins[start : start + CHUNK]) - found.keys()))

    def fill(
        self, context: StreamContext, session: Session, sku: str, item: ReferentialProduct
    ) -> None:
        found = catalog_products.find(session, sku)
        if found is None:
            return
        product, data = found
        owners = publishing.settings(session, context.connection_id)
        # A product never imported (no publication, or still no title) is live from now on; one
        # read again keeps the status the products stream gave it.
        first = not data.title or (
            publishing.publication(session, context.connection_id, product.id) is None
        )

        def take(field: str, current: object) -> bool:
            return owners.cdiscount_owns(field) or not current

        pictures = [picture.url for picture in sorted(item.pictures, key=lambda p: p.index or 0)]
        updated = replace(
            data,
            title=(item.label or "")[:300] if take("title", data.title) else data.title,
            description=(
                (item.description or "")
                if take("description", data.description)
                else data.description
            ),
            pictures=tuple(pictures) if take("pictures", data.pictures) else data.pictures,
            brand=data.brand or (item.brand.name if item.brand else None),
            marketplace_category=item.category.reference if item.category else None,
        )
        catalog_products.save(session, context.clock, updated, create=False)
        now = context.clock.now()
        row = publishing.ensure(
            session, context.connection_id, product.id, publishing.INTEGRATED, now
        )
        held = replace(
            updated,
            title=(item.label or "")[:300],
            description=item.description or "",
            pictures=tuple(pictures),
            attributes=(row.marketplace_fields or {}).get("attributes") or data.attributes,
        )
        publishing.remember_sent(row, held)
        row.marketplace_read_at = now
        if not first:  # read again: the publishing status is the products stream's
            context.count(reread=1)
            return
        if row.status in (publishing.NEEDS_FIXING, publishing.QUEUED):
            row.status = publishing.INTEGRATED
        if row.status == publishing.INTEGRATED:
            row.sent_hash = publishing.as_sent(updated, row, owners).sheet_hash()
            row.live_at = row.live_at or now
            row.offer_sent_at = row.offer_sent_at or now  # the offer exists: it was read
            row.offer_confirmed_at = row.offer_confirmed_at or now
        context.count(filled=1)


def _read_before(read_at: datetime | None, limit: datetime) -> bool:
    return read_at is None or read_at < limit
