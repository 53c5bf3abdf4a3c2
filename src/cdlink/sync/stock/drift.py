"""The drift check: Cdiscount's quantities read back every 15 seconds, drift pushed at once.

The offers stream reads every offer, hourly: a quantity changed on Cdiscount's side (an order
cancelled and restocked by the marketplace, an edit in the seller portal, a package that
overwrote a newer level) stayed out of step until then. This stream reads only the offers
changed since its last run (``GET /offers?updatedAtMin=``, one call when nothing changed; its
cursor keeps how far it has read, with a look-back), keeps the quantity each shows for the Stock
page, and queues the available-to-sell of a SKU whose quantity differs (the offers stream's
``reconcile``: managed products only, nothing queued while a push of the SKU is on its way),
which wakes the stock pusher.

One difference waits: Cdiscount showing *fewer* units than available-to-sell is what an order
does before it can be listed (Octopia takes the units when the order is placed, and lists it
after its checks). Pushing then would give the units back for a moment, so such an offer is
corrected only once it has shown that quantity for ``settle`` (the hourly import corrects it
anyway). Cdiscount showing *more* units than cdlink can sell is corrected at once: it is how a
shop oversells.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from sqlalchemy import select

from cdlink.hub.stock.figures import StockFigures, chunks
from cdlink.octopia import OfferQuery
from cdlink.octopia.models import Offer
from cdlink.store.models import Connection, Product
from cdlink.sync.engine.cursors import Cursor
from cdlink.sync.engine.streams import LIVE, Stream, StreamContext
from cdlink.sync.stock.offer_import import OfferImport


class DriftCheck(Stream):
    """Reads back the offers changed on Cdiscount and pushes the quantities out of step."""

    name = "stock_drift"
    default_interval: ClassVar[int | None] = 15
    lane = LIVE
    #: How far back a first run reads (the offers stream covers everything before).
    history: ClassVar[timedelta] = timedelta(hours=1)
    #: Read again each run, for an offer whose change was stamped a little late.
    lookback: ClassVar[timedelta] = timedelta(minutes=2)
    #: How long Cdiscount must show fewer units than available before they are pushed back.
    settle: ClassVar[timedelta] = timedelta(minutes=5)

    def __init__(self) -> None:
        self.offers = OfferImport()

    def cursor(self, connection_id: int) -> Cursor:
        return Cursor(
            connection_id,
            self.name,
            history=self.history,
            lookback=self.lookback,
            size=timedelta(days=1),
        )

    def run(self, context: StreamContext) -> None:
        cursor = self.cursor(context.connection_id)
        now = context.clock.now()
        with context.database.reading() as session:
            if not session.get_one(Connection, context.connection_id).stock_sync_enabled:
                return
            stretch = cursor.span(session, now)
        if stretch is None:
            return
        offers: list[Offer] = []
        for page in context.client().offers.list_pages(OfferQuery(updated_at_min=stretch.start)):
            offers.extend(page.items)
        with context.transaction() as session:
            self.offers.record_quantities(session, context, offers)
            skus = list({offer.seller_external_reference for offer in offers} - {None, ""})
            products: dict[str, Product] = {}
            for part in chunks(skus):
                query = select(Product).where(Product.sku.in_(part))
                products.update((product.sku, product) for product in session.scalars(query))
            # Every offer's available-to-sell at once: most are in step and cost nothing more.
            figures = StockFigures.load(session, list(products.values()))
            for offer in offers:
                sku, quantity = offer.seller_external_reference, offer.quantity
                product = products.get(sku) if sku else None
                if product is None or quantity is None:
                    continue  # a SKU the catalog lacks waits for the offers stream to add it
                available = figures.available(context.connection_id, product.id)
                if quantity == available:
                    continue
                if quantity < available and (
                    offer.updated_at is None or now - offer.updated_at < self.settle
                ):
                    context.count(settling=1)  # perhaps an order not listed yet
                    continue
                self.offers.reconcile(session, context, product.sku, quantity, available)
            cursor.complete(session, stretch, now)
        context.count(read=len(offers))
