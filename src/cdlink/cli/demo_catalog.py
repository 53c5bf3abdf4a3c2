"""The demo shop's catalog: a few products created in cdlink, beside the sandbox's offers.

The offers stream imports the sandbox shop's offers and the catalog import fills their titles from
the referential. This adds ``DEMO_NEW`` products made in cdlink under two seller categories
mapped to Cdiscount categories: most are valid and get published (then put on sale), three
have problems the validator explains, and one has an 8-digit EAN that Cdiscount refuses (it
wants 13 digits). Run at each start of ``cdlink demo``; it only adds what is missing.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from cdlink.core.clock import Clock
from cdlink.hub.catalog import products
from cdlink.hub.catalog.products import ProductData
from cdlink.hub.stock.inventory import Inventory
from cdlink.sandbox import taxonomy as sandbox_taxonomy
from cdlink.store.engine import Database
from cdlink.store.models import CategoryMapping
from cdlink.sync.stock.pusher import publish_to_outbox

#: (seller category, the Cdiscount leaf it maps to, the products' title)
CATEGORIES = (
    ("Lampes", "LAMPE A POSER", "Lampe de bureau"),
    ("Bougies", "BOUGIE ADULTE", "Bougie parfumée"),
)
VALID = 8


def _gtin13(number: int) -> str:
    body = f"{376000000000 + number:012d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(body[::-1]))
    return body + str((10 - total % 10) % 10)


def _plain_leaves() -> list[dict[str, Any]]:
    """The leaf of each demo category: found by label, else the first plain leaf."""
    plain = [
        leaf
        for leaf in sandbox_taxonomy.leaves()
        if not leaf.get("isVariant") and not leaf.get("isBrandMandatory")
    ]
    found = []
    for _, label, _ in CATEGORIES:
        matching = [leaf for leaf in plain if leaf["label"] == label]
        found.append((matching or plain)[0])
    return found


def _attributes(reference: str) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for prop in sandbox_taxonomy.properties(reference):
        if prop.get("necessity") == "Mandatory":
            choices = prop.get("choices") or []
            found[str(prop["propertyReference"])] = (str(choices[0]) if choices else "Acier",)
    return found


def seed_demo_catalog(database: Database, clock: Clock, connection_id: int) -> None:
    leaves = _plain_leaves()
    with database.session() as session:
        if products.find(session, "NEW-001") is not None:
            return
        now = clock.now()
        for (name, _, _), leaf in zip(CATEGORIES, leaves, strict=True):
            exists = session.scalar(
                select(CategoryMapping).where(
                    CategoryMapping.connection_id == connection_id,
                    CategoryMapping.seller_category == name,
                )
            )
            if exists is None:
                session.add(
                    CategoryMapping(
                        connection_id=connection_id,
                        seller_category=name,
                        category_reference=leaf["categoryReference"],
                        attributes={},
                        values={},
                        updated_at=now,
                    )
                )
        for index in range(1, VALID + 5):
            (name, _, kind), leaf = CATEGORIES[index % 2], leaves[index % 2]
            data = ProductData(
                sku=f"NEW-{index:03d}",
                ean=_gtin13(index),
                title=f"{kind} n°{index}",
                description="Fabriqué en France, livré dans une boîte recyclée.",
                brand="Atelier Démo",
                pictures=(f"https://images.example.com/demo/new-{index:03d}.jpg",),
                attributes=_attributes(leaf["categoryReference"]),
                seller_category=name,
                price=Decimal("14.90") + index,
            )
            if index == VALID + 1:  # a title with an emoji and HTML
                data = replace(data, title="Lampe <b>promo</b> 🎉")
            elif index == VALID + 2:  # no picture, no description
                data = replace(data, pictures=(), description="")
            elif index == VALID + 3:  # a category nobody mapped
                data = replace(data, seller_category="Mugs")
            elif index == VALID + 4:  # valid GS1, but Cdiscount wants 13 digits
                data = replace(data, ean="96385074")
            products.save(session, clock, data)
            stock = Inventory(session, clock, publish_to_outbox)
            stock.set_on_hand(data.sku, "PARIS", 3 + index % 5, "demo")
