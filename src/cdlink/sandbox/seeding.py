"""Seeded shops: offers, a week of order history in plausible states, and orders on demand.

Used by the sandbox at start-up, by ``POST /_sandbox/seed`` and ``POST /_sandbox/orders``; every
order goes through the same transitions as one driven over HTTP.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from cdlink.sandbox import discussions, lifecycle, taxonomy
from cdlink.sandbox.catalog import CatalogProduct
from cdlink.sandbox.generator import make_offer
from cdlink.sandbox.model import Order
from cdlink.sandbox.shop import SellerShop
from cdlink.sandbox.state import SandboxState

TARGETS = (
    "WaitingAcceptance",
    "Accepted",
    "InPreparation",
    "Shipped",
    "Delivered",
    "Cancelled",
    "Refused",
)
HISTORY = timedelta(days=7)
DISCUSSION_HISTORY = timedelta(days=5)
# When a seeded order reached each next state: seen, accepted (or cancelled), prepared, shipped,
# delivered; capped at "now" so young orders move in a burst.
STEPS = (
    timedelta(minutes=1),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=20),
    timedelta(days=3),
)


def ensure_shop(state: SandboxState, seller_id: int) -> SellerShop:
    shop = state.shops.get(seller_id)
    if shop is None:
        shop = SellerShop(seller_id, state.clock.now() - timedelta(days=400))
        state.shops[seller_id] = shop
        state.schedule_arrival(shop, state.clock.now())
        state.schedule_discussion(shop, state.clock.now())
    return shop


def seed_shop(
    state: SandboxState,
    seller_id: int,
    *,
    offers: int,
    orders: int,
    quantity: int | None = None,
) -> SellerShop:
    """Replace the seller's shop with ``offers`` offers and ``orders`` orders of history."""
    state.shops.pop(seller_id, None)
    shop = ensure_shop(state, seller_id)
    now = state.clock.now()
    rng = random.Random(f"{state.config.seed}:shop:{seller_id}")
    for index in range(offers):
        shop.put_offer(make_offer(rng, index, now - timedelta(days=30), quantity))
    seed_products(state, shop, now - timedelta(days=30))
    if orders:
        step = HISTORY / orders
        for index in range(orders):
            created = now - HISTORY + step * index
            order = state.create_order(shop, created)
            if order is not None:
                drive(
                    state, shop, order, target_for_age(rng, now - created), created=created, now=now
                )
    seed_discussions(state, shop, rng, state.config.discussions if orders else 0, now)
    state.tick()
    return shop


def seed_products(state: SandboxState, shop: SellerShop, at: datetime) -> None:
    """Every seeded offer's product in the referential: title, brand, pictures, category (a
    private generator, so the offers and orders a seed gives never change)."""
    rng = random.Random(f"{state.config.seed}:products:{shop.seller_id}")
    leaves = [leaf for leaf in taxonomy.leaves() if not leaf["isVariant"]]
    brands = taxonomy.brands()
    for offer in shop.offers.values():
        known = state.referential.get_gtin(offer.gtin)
        if known is not None:
            known.sellers[shop.seller_id] = offer.seller_external_reference
            continue
        leaf = rng.choice(leaves)
        brand = rng.choice(brands)["name"]
        pictures = [
            f"https://images.sandbox.cdlink.invalid/{offer.gtin}/{index}.jpg"
            for index in range(1, rng.randint(1, 4) + 1)
        ]
        description = f"{offer.product_title} de la marque {brand}. {leaf['label'].capitalize()}."
        state.referential.put(
            CatalogProduct(
                reference=offer.product_reference,
                gtin=offer.gtin,
                label=offer.product_title,
                description=description,
                category_reference=leaf["categoryReference"],
                brand=brand,
                pictures=pictures,
                sellers={shop.seller_id: offer.seller_external_reference},
                creator=shop.seller_id,
                updated_at=at,
            )
        )


def seed_discussions(
    state: SandboxState, shop: SellerShop, rng: random.Random, count: int, now: datetime
) -> None:
    """``count`` customer discussions opened over the last five days on orders they fit; the
    escalation timers of the oldest are already due and run at the next tick."""
    for index in range(count):
        order = discussions.random_order(rng, shop)
        if order is None:
            return
        opened = max(order.updated_at, now - DISCUSSION_HISTORY * (1 - index / count))
        discussions.customer_opens(state, shop, order, min(opened, now))


def target_for_age(rng: random.Random, age: timedelta) -> str:
    """A status an order of this age can plausibly have without contradicting the timers."""
    if age > timedelta(days=4):
        return rng.choices(("Delivered", "Cancelled", "Refused"), (90, 6, 4))[0]
    if age > timedelta(days=1):
        return rng.choices(("Shipped", "InPreparation", "Delivered"), (60, 20, 20))[0]
    return rng.choices(("WaitingAcceptance", "Accepted", "InPreparation"), (50, 20, 30))[0]


def drive(
    state: SandboxState,
    shop: SellerShop,
    order: Order,
    target: str,
    *,
    created: datetime,
    now: datetime,
) -> None:
    """Move a new order to ``target`` through the normal transitions, spaced in time."""
    moments = iter(min(created + offset, now) for offset in STEPS)
    lifecycle.make_visible(state, shop, order, next(moments))
    if target in ("WaitingAcceptance", order.status):
        return
    if target == "Cancelled":
        lifecycle.cancel(
            shop, order, next(moments), reason="CustomerRequest", requested_by="Seller"
        )
        return
    if order.status == "WaitingAcceptance":
        decision = "Refused" if target == "Refused" else "Accepted"
        lifecycle.approve(state, shop, order, decision, next(moments))
    if target in ("Accepted", "Refused"):
        return
    lifecycle.prepare(shop, order, next(moments))
    if target == "InPreparation":
        return
    parcel = {"parcelNumber": f"6A{order.order_id}", "carrierName": "Colissimo"}
    parcel["trackingUrl"] = (
        f"https://www.laposte.fr/outils/suivre-vos-envois?code=6A{order.order_id}"
    )
    lifecycle.ship(state, shop, order, [parcel], next(moments))
    if target == "Delivered":
        lifecycle.deliver(shop, order, next(moments))
