"""The offers stream: the seller's offers on Cdiscount read into the catalog, and stock drift fixed.

Each run reads every offer (``GET /offers``, page by page, one transaction per page). An offer's
``sellerExternalReference`` is the SKU: the product is created if the catalog lacks it (EAN and
price from the offer) and bound to the offer id (binding kind ``offer``), so a seller with a live
shop starts with their SKUs and a second run creates nothing twice.

The same read reconciles stock, for connections with stock sync on: when Cdiscount's quantity
differs from available-to-sell and no push of that SKU is waiting, the confirmed hash of the SKU
is cleared and the right quantity queued, so the stock pusher corrects the drift. Products for
which the seller never entered stock are left alone: importing a live shop must not zero it.
The quantity each offer shows is kept (``marketplace_quantities``) for the Stock page.
When the connection's catalog settings give the price to Cdiscount, the offer's price replaces
the product's (otherwise it only fills a product without a price).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.hub.catalog.publishing import settings as catalog_settings
from cdlink.hub.stock.inventory import Inventory, add_product, is_managed
from cdlink.octopia import OfferQuery
from cdlink.octopia.models import Offer
from cdlink.store.models import Connection, MarketplaceQuantity, OutboxEntry
from cdlink.sync.engine import outbox
from cdlink.sync.engine.bindings import Binder
from cdlink.sync.engine.streams import Stream, StreamContext
from cdlink.sync.pricing.read_back import read_prices
from cdlink.sync.stock.pusher import STREAM as STOCK_STREAM
from cdlink.sync.stock.pusher import StockPusher, publish_to_outbox


class OfferImport(Stream):
    """Imports the seller's offers as catalog products, and reconciles their quantities."""

    name = "offers"
    kind = "offer"
    default_interval = 3600

    def run(self, context: StreamContext) -> None:
        # The channel feedback gives the competition at a glance (best offer, who holds it).
        query = OfferQuery(expand="salesChannelFeedback")
        for page in context.until_stopped(context.client().offers.list_pages(query)):
            with context.transaction() as session:
                self.import_page(session, context, page.items)

    def import_page(
        self, session: Session, context: StreamContext, offers: Sequence[Offer]
    ) -> None:
        binder = Binder(session, context.connection_id, context.clock)
        synced = session.get_one(Connection, context.connection_id).stock_sync_enabled
        cdiscount_price = catalog_settings(session, context.connection_id).cdiscount_owns("price")
        self.record_quantities(session, context, offers)
        read_prices(session, context, offers)
        for offer in offers:
            if not offer.seller_external_reference:
                context.count(skipped=1)
                continue
            product = add_product(
                session,
                context.clock,
                offer.seller_external_reference,
                ean=offer.product.gtin if offer.product else None,
                price=offer.integration_price,
            )
            if cdiscount_price and offer.integration_price is not None:
                product.price = offer.integration_price
            binding = binder.find(self.kind, offer.offer_id)
            if binding is None:
                binder.bind(self.kind, offer.offer_id, str(product.id))
                context.count(created=1)
            else:
                binder.touch(binding)
                context.count(updated=1)
            if synced and offer.quantity is not None:
                self.reconcile(session, context, offer.seller_external_reference, offer.quantity)

    def record_quantities(
        self, session: Session, context: StreamContext, offers: Sequence[Offer]
    ) -> None:
        """Keep the quantity Cdiscount shows per SKU (the Stock page compares it)."""
        shown = {
            offer.seller_external_reference: offer.quantity
            for offer in offers
            if offer.seller_external_reference and offer.quantity is not None
        }
        if not shown:
            return
        query = select(MarketplaceQuantity).where(
            MarketplaceQuantity.connection_id == context.connection_id,
            MarketplaceQuantity.sku.in_(list(shown)),
        )
        rows = {row.sku: row for row in session.scalars(query)}
        now = context.clock.now()
        for sku, quantity in shown.items():
            row = rows.get(sku)
            if row is None:
                row = MarketplaceQuantity(connection_id=context.connection_id, sku=sku)
                session.add(row)
            row.quantity = quantity
            row.read_at = now

    def reconcile(
        self,
        session: Session,
        context: StreamContext,
        sku: str,
        quantity: int,
        available: int | None = None,
    ) -> None:
        """Queue the right quantity when Cdiscount's differs and no push is on its way
        (``available``: the SKU's available-to-sell when the caller has just computed it)."""
        stock = Inventory(session, context.clock, publish_to_outbox)
        product = stock.product(sku)
        if not is_managed(session, product) or _push_waiting(session, context.connection_id, sku):
            return
        if available is None:
            available = stock.available(context.connection_id, product)
        if available == quantity:
            return
        confirmed = Binder(session, context.connection_id, context.clock).find(
            StockPusher.kind, sku
        )
        if confirmed is not None:
            confirmed.payload_hash = None  # what Cdiscount holds is no longer what we confirmed
        publish_to_outbox(session, context.connection_id, sku, available, context.clock.now())
        context.count(drift=1)


def _push_waiting(session: Session, connection_id: int, sku: str) -> bool:
    query = select(OutboxEntry.id).where(
        OutboxEntry.connection_id == connection_id,
        OutboxEntry.stream == STOCK_STREAM,
        OutboxEntry.key == sku,
        OutboxEntry.state.in_((outbox.PENDING, outbox.CLAIMED)),
    )
    return session.scalar(query.limit(1)) is not None
