"""The demo shop's prices and promotions: a price list that sends prices, a guard holding one
price, a flash sale tomorrow and a sale next week.

Run at each start of ``cdlink demo``; it does nothing once the demo's connection has a price
list, so what the user changed stays as they left it.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from cdlink.core.clock import Clock
from cdlink.hub.pricing.prices import PriceBook
from cdlink.hub.pricing.promotions import Promotions
from cdlink.store.engine import Database
from cdlink.store.models import PriceList, Product
from cdlink.sync.pricing.promotions import wake_promotions
from cdlink.sync.pricing.publish import publish_price_to_outbox

DEMO_PRODUCTS = 12


def seed_demo_pricing(database: Database, clock: Clock, connection_id: int) -> None:
    """Base prices for SKU-00001 … SKU-00012, prices sent with .99 endings, one held price."""
    with database.session() as session:
        if session.get(PriceList, connection_id) is not None:
            return
        skus = [f"SKU-{index + 1:05d}" for index in range(DEMO_PRODUCTS)]
        products = session.scalars(select(Product).where(Product.sku.in_(skus))).all()
        for product in products:
            if product.price is None:
                product.price = Decimal(15) + Decimal(int(product.sku[-2:]) * 4)
        book = PriceBook(session, clock, publish_price_to_outbox)
        if products:
            book.set_guards(products[0].sku, floor=Decimal(10), ceiling=Decimal(200))
        book.set_price_list(
            connection_id,
            sync_enabled=True,
            markup_kind="percent",
            markup=Decimal(10),
            rounding="0.99",
            max_change_percent=Decimal(40),
        )
        if not products:
            return
        book.set_price(connection_id, products[0].sku, Decimal("1.99"))  # held: below the floor
        now = clock.now().replace(minute=0, second=0, microsecond=0)
        promotions = Promotions(session, clock, wake_promotions)
        tomorrow = now + timedelta(days=1, hours=9 - now.hour % 24)
        promotions.create(
            connection_id,
            kind="flash_sale",
            percent=Decimal(20),
            starts_at=tomorrow,
            ends_at=tomorrow + timedelta(hours=12),
            skus=[product.sku for product in products[1:4]],
            name="Vente flash",
        )
        promotions.create(
            connection_id,
            kind="sale",
            percent=Decimal(15),
            starts_at=now + timedelta(days=5),
            ends_at=now + timedelta(days=12),
            skus=[product.sku for product in products[4:8]],
            name="Soldes",
        )
