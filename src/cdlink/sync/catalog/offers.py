"""From sheet to sale: an offer for every live sheet whose product has a price.

Once a report said ``Integrated``, the products stream sends one ``Upsert`` offer package (the
same offer-package path as the stock pusher: create, add requests by 100, mark Ready) with the
price (VAT 20 %), the available-to-sell quantity, the condition, the delivery mode and the
preparation time. The offer is recorded (``offer_sent_at``) and committed *before* the package is
sent, and confirmed (``offer_confirmed_at``) once the marketplace took the package. A run that
dies between the two (a killed worker, a lost answer) leaves the offer recorded and unconfirmed:
the next run sends it again. An ``Upsert`` of the same SKU is the same offer, so the product ends
with exactly one offer whatever the crash. A failed send (5xx, 429) is left unconfirmed and is
retried the same way. The offers stream then binds the offer and the stock pusher keeps its
quantity in step.
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
                ProductPublication.offer_confirmed_at.is_(None),
                Product.price.is_not(None),
                Product.ean.is_not(None),
            )
            .limit(1000)
        ).all()
        stock = Inventory(session, context.clock, publish_to_outbox)
        requests = []
        ids = []
        retried = 0
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
            retried += publication.offer_sent_at is not None
            publication.offer_sent_at = now
            ids.append(publication.id)
    # Recorded and committed: from here a crash leaves the offers to be sent again.
    if not requests:
        return
    context.client().offer_packages.submit(PackageType.UPSERT, requests)
    with context.transaction() as session:
        now = context.clock.now()
        for publication_id in ids:
            session.get_one(ProductPublication, publication_id).offer_confirmed_at = now
    context.made_progress()
    context.count(offers=len(requests), offers_retried=retried)
