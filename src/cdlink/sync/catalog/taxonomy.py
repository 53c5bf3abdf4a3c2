"""The ``taxonomy`` stream: the marketplace's ~8,000 categories cached per connection.

Once a week, or when a person asks (``cdlink catalog refresh-taxonomy``, the mapping page, the
API), it reads ``GET /categories`` in pages (about 80 calls, through the connection's budget)
and replaces the cache in one transaction; then it reads the properties of every category a
mapping uses or a product names (one call each), so that the validator checks them offline.
"""

from __future__ import annotations

from sqlalchemy import select

from cdlink.hub.catalog import mappings
from cdlink.hub.catalog.taxonomy import (
    STREAM,
    TaxonomyEntry,
    category,
    category_properties,
    replace_taxonomy,
    store_properties,
)
from cdlink.store.models import ProductSheetRecord
from cdlink.sync.engine.streams import Stream, StreamContext

WEEK = 7 * 86400


class TaxonomyFetcher(Stream):
    """Fetches and caches the taxonomy and the properties of the categories in use."""

    name = STREAM
    default_interval = WEEK

    def run(self, context: StreamContext) -> None:
        client = context.client()
        entries = [
            TaxonomyEntry(
                reference=category.category_reference,
                label=category.label or category.category_reference,
                level=category.level or len(category.category_reference) // 2,
                parent_references=tuple(category.parent_references or ()),
                is_brand_mandatory=bool(category.is_brand_mandatory),
                is_variant=bool(category.is_variant),
            )
            for category in client.categories.list()
        ]
        with context.transaction() as session:
            kept = replace_taxonomy(session, context.connection_id, entries, context.clock.now())
        context.made_progress()
        context.count(categories=kept)
        self.refresh_properties(context, {entry.reference for entry in entries if entry.level == 3})

    def refresh_properties(self, context: StreamContext, leaves: set[str]) -> None:
        read_properties(context, leaves, only_missing=False)


def read_properties(
    context: StreamContext, leaves: set[str] | None = None, *, only_missing: bool
) -> None:
    """Read the properties of the cached categories in use (mapped, or named by a product):
    all of them, or (``only_missing``) those never read."""
    with context.database.reading() as session:
        used = mappings.mapped_categories(session, context.connection_id)
        used |= {
            code
            for code in session.scalars(select(ProductSheetRecord.marketplace_category))
            if code
        }
        if only_missing or leaves is None:
            wanted = {
                reference
                for reference in used
                if (choice := category(session, context.connection_id, reference)) is not None
                and choice.accepts_products
                and (
                    not only_missing
                    or category_properties(session, context.connection_id, reference) is None
                )
            }
        else:
            wanted = used & leaves
    for reference in sorted(wanted):
        properties = context.client().categories.properties(reference)
        with context.transaction() as session:
            store_properties(
                session,
                context.connection_id,
                reference,
                [prop.to_payload() for prop in properties],
            )
        context.count(properties=1)
