"""The stock tests' shop: connection 1, its SKUs, and stock writes that queue pushes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cdlink.hub.stock.inventory import Inventory
from cdlink.jobs.environment import JobEnvironment
from cdlink.sync.stock.pusher import publish_to_outbox

CONNECTION = 1
SKUS = 40


def sku(index: int) -> str:
    return f"SKU-{index + 1:05d}"


@contextmanager
def inventory(environment: JobEnvironment) -> Iterator[Inventory]:
    """Stock writes in one committed transaction, queueing pushes in the outbox."""
    with environment.database.session() as session:
        yield Inventory(session, environment.clock, publish_to_outbox)
