"""What the offers stream reads back about prices: the price Cdiscount holds, the competition,
and "price differs on Cdiscount" healed like stock drift.

For each offer read, the price Cdiscount holds (``integrationPrice``) and shows (``facialPrice``)
are kept per SKU, with the best offer and whether the seller holds it (``expand=
salesChannelFeedback``). When price sync is on and Cdiscount holds another price than the one
cdlink wants, with no price push of that SKU waiting, the confirmed hash is cleared and the
wanted price queued again: the stock pusher then puts it right.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.hub.pricing.prices import price_payload
from cdlink.hub.pricing.promotions import LIVE, SENT
from cdlink.hub.pricing.status import drifted, record_competition, record_read_back
from cdlink.octopia.models import Offer, SalesChannelFeedback
from cdlink.store.models import (
    OutboxEntry,
    PriceList,
    Product,
    ProductPricing,
    Promotion,
    PromotionItem,
)
from cdlink.sync.engine import outbox
from cdlink.sync.engine.bindings import Binder
from cdlink.sync.engine.streams import StreamContext
from cdlink.sync.pricing.offers import price_key
from cdlink.sync.pricing.publish import publish_price_to_outbox
from cdlink.sync.stock.pusher import STREAM, StockPusher


def read_prices(session: Session, context: StreamContext, offers: Sequence[Offer]) -> None:
    """Keep what Cdiscount shows for each offer's price, and heal a price that drifted."""
    prices = session.get(PriceList, context.connection_id)
    synced = prices is not None and prices.sync_enabled
    now = context.clock.now()
    for offer in offers:
        sku = offer.seller_external_reference
        if not sku:
            continue
        row = record_read_back(
            session,
            context.connection_id,
            sku,
            price=offer.integration_price,
            displayed=offer.displayed_price,
            now=now,
        )
        _competition(session, context.connection_id, sku, offer, now)
        read_promotions(session, context.connection_id, sku, offer, now)
        if synced and drifted(row) and not _push_waiting(session, context.connection_id, sku):
            _heal(session, context, sku, row.price, row.strike_price)


def read_promotions(
    session: Session, connection_id: int, sku: str, offer: Offer, now: datetime
) -> None:
    """A sent promotion whose reduced price Cdiscount shows is live; the price shown is kept."""
    query = (
        select(PromotionItem, Promotion)
        .join(Promotion, Promotion.id == PromotionItem.promotion_id)
        .where(
            Promotion.connection_id == connection_id,
            PromotionItem.sku == sku,
            PromotionItem.state.in_((SENT, LIVE)),
        )
    )
    reduced = (
        offer.displayed_price is not None
        and offer.integration_price is not None
        and offer.displayed_price < offer.integration_price
    )
    for item, promotion in session.execute(query):
        shown = (item.displayed_price, item.state)
        item.displayed_price, item.read_at = offer.displayed_price, now
        if reduced and promotion.starts_at <= now < promotion.ends_at:
            item.state = LIVE
        if (item.displayed_price, item.state) != shown:
            promotion.updated_at = now


def _competition(
    session: Session, connection_id: int, sku: str, offer: Offer, now: datetime
) -> None:
    if offer.sales_channel_feedback is None:
        return
    try:
        feedback = SalesChannelFeedback.model_validate(offer.sales_channel_feedback)
    except ValidationError:
        return
    best = feedback.best_offer_details
    lowest = feedback.lowest_competitor
    best_price = best.best_price if best is not None else None
    holds = best.is_best_offer if best is not None else None
    if best_price is None and lowest is not None:
        best_price = lowest.price
    count = best.competing_offers_count if best is not None else None
    record_competition(
        session,
        connection_id,
        sku,
        best_price=best_price,
        holds_best_offer=holds,
        competitors=count if count is not None else len(feedback.competing_offers),
        now=now,
    )


def _heal(
    session: Session,
    context: StreamContext,
    sku: str,
    price: Decimal | None,
    strike: Decimal | None,
) -> None:
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None or price is None:
        return
    confirmed = Binder(session, context.connection_id, context.clock).find(
        StockPusher.kind, price_key(sku)
    )
    if confirmed is not None:
        confirmed.payload_hash = None  # what Cdiscount holds is no longer what we confirmed
    payload = price_payload(price, session.get(ProductPricing, product.id), strike)
    publish_price_to_outbox(session, context.connection_id, sku, payload, context.clock.now())
    context.count(price_drift=1)


def _push_waiting(session: Session, connection_id: int, sku: str) -> bool:
    query = select(OutboxEntry.id).where(
        OutboxEntry.connection_id == connection_id,
        OutboxEntry.stream == STREAM,
        OutboxEntry.key == price_key(sku),
        OutboxEntry.state.in_((outbox.PENDING, outbox.CLAIMED)),
    )
    return session.scalar(query.limit(1)) is not None
