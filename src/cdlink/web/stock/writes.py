"""What the Stock pages and the stock API share: one transaction of stock writes, then a wake-up.

Writes go through ``Inventory`` with the outbox publisher, so each change queues its push in the
same transaction; once committed, the embedded runtime is woken so the stock pusher starts now
rather than at its next tick.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request

from cdlink.hub.stock.inventory import Inventory
from cdlink.sync.stock.pusher import publish_to_outbox
from cdlink.web.runtime import wake


@contextmanager
def stock_writes(request: Request) -> Iterator[Inventory]:
    """An ``Inventory`` in one committed transaction; the sync runtime is woken after it."""
    state = request.app.state
    with state.database.session() as session:
        yield Inventory(session, state.clock, publish_to_outbox)
    wake(request)
