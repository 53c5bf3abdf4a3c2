"""A test exporter that pushes stock to a marketplace that is a dict, and the outbox entries it
drains: the sync engine's outbox without any feature's stream."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from cdlink.core.clock import ManualClock
from cdlink.store.engine import Database
from cdlink.sync.engine import outbox
from cdlink.sync.engine.exporter import OutboxExporter, Push, PushOutcome
from cdlink.sync.engine.streams import StreamContext


class StockPusher(OutboxExporter):
    """Pushes stock levels to a marketplace that is a dict; SKUs in ``refused`` are refused."""

    name = "test_stock"
    kind = "test_offer"
    marketplace: ClassVar[dict[str, Any]] = {}
    refused: ClassVar[set[str]] = set()
    calls: ClassVar[list[list[str]]] = []

    def push(self, context: StreamContext, pushes: Sequence[Push]) -> Mapping[int, PushOutcome]:
        self.calls.append([push.key for push in pushes])
        outcomes = {}
        for push in pushes:
            if push.key in self.refused:
                outcomes[push.entry_id] = PushOutcome(False, "offer unknown to the marketplace")
            else:
                self.marketplace[push.key] = push.payload["stock"]
                outcomes[push.entry_id] = PushOutcome(True)
        return outcomes


def queue_stock(
    database: Database, clock: ManualClock, connection_id: int, sku: str, stock: int
) -> None:
    with database.session() as session:
        outbox.add(
            session,
            connection_id=connection_id,
            stream="test_stock",
            key=sku,
            payload={"stock": stock},
            now=clock.now(),
        )
