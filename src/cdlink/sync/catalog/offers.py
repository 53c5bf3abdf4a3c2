"""From sheet to sale: an offer for every live sheet whose product has a price.

Once a report said ``Integrated``, the products stream sends one ``Upsert`` offer package (the
same offer-package path as the stock pusher: create, add requests by 100, mark Ready) with the
price (VAT 20 %), the available-to-sell quantity, the condition, the delivery mode and the
preparation time. ``offer_sent_at`` is recorded before the package is sent and cleared if the
send fails, so an offer is asked for once; the offers stream then binds it and the stock pusher
keeps its quantity in step.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from cdlink.hub.stock.inventory import Inventory
from cdlink.octopia.models import (
    OfferDeliveryMode,
    OfferPrice,
    OfferProduct,
    OfferRequest,
    OfferTax,
    PackageType,
)
from cdlink.store.models import Product, ProductPublication
from cdlink.sync.engine.streams import StreamContext
from cdlink.sync.stock.pusher import publish_to_outbox

VAT_PERCENT = Decimal(20)
CONDITION = "New"
PREPARATION_DAYS = 2
DELIVERY = OfferDeliveryMode(code="TRK", cost=Decimal("4.90"), additional_cost=Decimal("1.00"))


def create_offers(context: StreamContext) -> None:
    with context.transaction() as session:
        now = context.clock.now()
        rows = session.execute(
            select(ProductPublication, Product)
            .join(Product, Product.id == ProductPublication.product_id)
            .where(
                ProductPublication.connection_id == context.connection_id,
                ProductPublication.status == "integrated",
                ProductPublication.offer_sent_at.is_(None),
                Product.price.is_not(None),
                Product.ean.is_not(None),
            )
            .limit(1000)
        ).all()
        stock = Inventory(session, context.clock, publish_to_outbox)
        requests = []
        ids = []
        for publication, product in rows:
            if product.price is None or product.price <= 0:
                continue
            requests.append(
                OfferRequest(
                    seller_external_reference=product.sku,
                    product=OfferProduct(gtin=product.ean),
                    condition=CONDITION,
                    price=OfferPrice(
                        price=product.price, taxes=[OfferTax(code="VAT", value=VAT_PERCENT)]
                    ),
                    quantity=stock.available(context.connection_id, product),
                    preparation_time=PREPARATION_DAYS,
                    delivery_modes=[DELIVERY],
                )
            )
            publication.offer_sent_at = now
            ids.append(publication.id)
    if not requests:
        return
    try:
        context.client().offer_packages.submit(PackageType.UPSERT, requests)
    except Exception:
        with context.transaction() as session:
            for publication_id in ids:
                session.get_one(ProductPublication, publication_id).offer_sent_at = None
        raise
    context.count(offers=len(requests))
