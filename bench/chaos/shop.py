"""The seller's side of a chaos run: a fresh database, the connection, the catalog and stock.

The stock changes of the run go through cdlink's own entry point, ``cdlink.hub.stock.inventory``,
with the outbox publisher the product uses, so each one queues its push in the same transaction. The
run keeps its own journal of on-hand units (``StockJournal``) to check at the end that no write
was lost.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from cdlink.core.clock import SystemClock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.hub.connections.accounts import create_connection
from cdlink.hub.connections.rules import ConnectionDraft
from cdlink.hub.orders.actions import ALWAYS, set_acceptance_policy
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.sync.stock.pusher import publish_to_outbox

WAREHOUSES = ("PARIS", "LYON")
CLOCK = SystemClock()


@dataclass
class Account:
    """The sandbox seller the connection is bound to, and where the sandbox answers."""

    base_url: str
    seller_id: int
    client_id: str
    client_secret: str


def connect_shop(database: Database, settings: Settings, account: Account) -> int:
    """Schema, connection (stock sync on, automatic acceptance); returns the connection id."""
    migrate.upgrade(database)
    draft = ConnectionDraft(
        name="Chaos shop",
        seller_id=str(account.seller_id),
        client_id=account.client_id,
        secret=account.client_secret,
        token_url=f"{account.base_url}/auth/realms/maas/protocol/openid-connect/token",
        api_url=f"{account.base_url}/seller/v2",
        stock_sync_enabled=True,
    )
    with database.session() as session:
        connection = create_connection(session, SecretBox.from_settings(settings), CLOCK, draft)
        set_acceptance_policy(session, connection.id, ALWAYS, CLOCK.now())
        return connection.id


@dataclass
class StockJournal:
    """The run's own record of every on-hand level it set, to compare with cdlink's."""

    on_hand: dict[tuple[str, str], int] = field(default_factory=dict)
    changes: int = 0


@contextmanager
def inventory(database: Database) -> Iterator[Inventory]:
    with database.session() as session:
        yield Inventory(session, CLOCK, publish_to_outbox)


def stock_shop(
    database: Database, connection_id: int, skus: list[str], rng: random.Random
) -> StockJournal:
    """Products for the sandbox's offers, two warehouses mapped to the connection, stock in both."""
    journal = StockJournal()
    with inventory(database) as stock:
        for sku in skus:
            add_product(stock.session, CLOCK, sku, title=f"Chaos product {sku}")
        for code in WAREHOUSES:
            add_warehouse(stock.session, CLOCK, code, code.title())
            stock.map_warehouse(code, connection_id)
        for sku in skus:
            for code in WAREHOUSES:
                quantity = rng.randrange(200, 600)
                stock.set_on_hand(sku, code, quantity, "chaos: initial count")
                journal.on_hand[(sku, code)] = quantity
    return journal


def change_stock(
    database: Database,
    *,
    connection_id: int,
    journal: StockJournal,
    skus: list[str],
    rng: random.Random,
    count: int,
) -> None:
    """``count`` random stock changes in one transaction: counts, adjustments, buffers.

    Levels stay in the hundreds so that the marketplace never runs out of stock to sell.
    """
    with inventory(database) as stock:
        for _ in range(count):
            sku, code = rng.choice(skus), rng.choice(WAREHOUSES)
            draw = rng.random()
            if draw < 0.55:
                quantity = rng.randrange(100, 600)
                stock.set_on_hand(sku, code, quantity, "chaos: count")
                journal.on_hand[(sku, code)] = quantity
            elif draw < 0.95:
                delta = max(-journal.on_hand[(sku, code)], rng.randrange(-20, 21))
                stock.adjust_on_hand(sku, code, delta, "chaos: adjustment")
                journal.on_hand[(sku, code)] += delta
            else:
                stock.set_buffer(connection_id, rng.randrange(0, 6), sku)
    journal.changes += count
