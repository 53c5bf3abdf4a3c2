"""The demo's prices and promotions: seeded once, a held price, two planned promotions."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from cdlink.cli.demo_pricing import seed_demo_pricing
from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.stock.inventory import add_product
from cdlink.sandbox import Sandbox
from cdlink.store.engine import Database
from cdlink.store.models import OutboxEntry, Promotion, SkuPrice
from tests.support.sandbox_shop import sandbox_connection


def test_given_the_demo_when_seeded_twice_then_prices_are_queued_once_and_promotions_planned(
    database: Database, settings: Settings, sandbox: Sandbox, clock: ManualClock
) -> None:
    with database.session() as session:
        session.add(sandbox_connection(settings, sandbox, clock.now(), stock_sync_enabled=True))
        session.flush()
        for index in range(12):
            add_product(session, clock, f"SKU-{index + 1:05d}")

    seed_demo_pricing(database, clock, 1)
    seed_demo_pricing(database, clock, 1)

    with database.reading() as session:
        held = session.get_one(SkuPrice, (1, "SKU-00001"))
        assert (held.held_price, held.held_reason) == (Decimal("1.99"), "below_floor")
        assert session.get_one(SkuPrice, (1, "SKU-00002")).price == Decimal(
            "25.99"
        )  # (15 + 2 * 4) * 1.10, up to .99
        queued = select(func.count(OutboxEntry.id)).where(OutboxEntry.key.like("price:%"))
        assert session.scalar(queued) == 12
        assert session.scalar(select(func.count(Promotion.id))) == 2
