"""The page benchmarks' seed (SQL written per database) makes the shop it describes, on both."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from bench import seeding
from sqlalchemy import func, select

from cdlink.hub.dashboard.figures import build_dashboard, sales_since
from cdlink.hub.orders.queries import OrderFilter, list_orders
from cdlink.store.engine import Database
from cdlink.store.models import Order, OutboxEntry, SyncRun

SIZE = 3000
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.slow
def test_given_a_database_when_seeded_then_the_orders_runs_and_figures_are_as_described(
    database: Database,
) -> None:
    seeding.seed(database, SIZE, runs=5, pushes=50)

    with database.reading() as session:
        statuses = dict(
            session.execute(select(Order.status, func.count()).group_by(Order.status)).all()
        )
        newest, oldest = session.execute(
            select(func.max(Order.purchased_at), func.min(Order.purchased_at))
        ).one()
        runs = session.scalar(select(func.count()).select_from(SyncRun))
        done = session.scalar(select(func.count()).where(OutboxEntry.state == "done"))
        figures = build_dashboard(session, seeding.NOW, PARIS)
        today = sales_since(session, figures.today_start)
        first = list_orders(session, OrderFilter(), page=1, page_size=25, count_limit=1000)

    assert sum(statuses.values()) == SIZE
    recent = int(seeding.RECENT.total_seconds()) // seeding.spacing_seconds(SIZE)
    assert statuses["WaitingAcceptance"] == -(-recent // 3)
    assert statuses["Cancelled"] == statuses["Refused"] > 0
    assert str(newest).startswith("2026-03-02 09:00")
    assert (seeding.NOW - oldest).days >= 720
    assert runs == 5 * seeding.CONNECTIONS
    assert done == 50
    assert figures.connections == seeding.CONNECTIONS
    assert figures.acceptance.orders == statuses["WaitingAcceptance"]
    assert today.orders >= 1
    assert today.revenue["EUR"] > 0
    assert figures.stock.out_of_stock == seeding.SKUS // 7 + 1
    assert (figures.stock.failed_pushes, figures.stock.stale_pushes) == (0, 0)
    assert figures.health[0].last_orders_import == seeding.NOW
    assert (first.total, first.exact, first.has_next) == (1000, False, True)
    assert first.orders[0].marketplace_order_id == "B0000000000"
