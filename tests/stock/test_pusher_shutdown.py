"""The stock pusher at the shutdown: it stops while polling a package, and the next run pushes."""

from __future__ import annotations

from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import OutboxEntry, StreamSchedule, SyncRun
from cdlink.sync.engine.streams import StreamContext, StreamRegistry
from cdlink.sync.stock.pusher import StockPusher
from tests.support.stock import CONNECTION, inventory, sku


def stopped_while_polling(clock: ManualClock) -> type[StockPusher]:
    """A pusher on the manual clock that gets SIGTERM while it waits for its package."""

    class StoppedWhilePolling(StockPusher):
        def wait(self, context: StreamContext, seconds: float) -> None:
            if seconds == self.poll_seconds:
                context.stopping.set()
                super().wait(context, seconds)  # the real pause: it ends at the shutdown
            clock.advance(seconds)

    return StoppedWhilePolling


def test_given_a_package_being_polled_when_the_shutdown_comes_then_it_stops_and_the_next_run_pushes(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    pusher = shop.registry.stream_class("stock")
    with inventory(shop) as stock:
        stock.set_on_hand(sku(0), "PARIS", 9, "delivery")
    shop.registry = StreamRegistry([stopped_while_polling(sandbox_clock)])

    stopped = shop.runner().run(CONNECTION, "stock")
    with shop.database.reading() as session:
        waiting = session.scalars(select(OutboxEntry.state).where(OutboxEntry.key == sku(0)))
        states = sorted(waiting)
        requested = session.get_one(StreamSchedule, (CONNECTION, "stock")).requested_at
    shop.stopping.clear()  # the process starts again
    shop.registry = StreamRegistry([pusher])
    resumed = shop.runner().run(CONNECTION, "stock")

    assert (stopped.outcome, stopped.counts.get("confirmed")) == ("failed", None)
    assert states == ["done", "pending"]  # the first push (0) done; the 9 back in the queue
    assert requested is not None  # asked for again: the scheduler runs it at the next start
    assert resumed.outcome == "succeeded", resumed.message
    assert resumed.counts["confirmed"] == 1
    assert int(sandbox.offer(sku(0))["quantity"]) == 9
    with shop.database.reading() as session:
        outcomes = session.scalars(select(SyncRun.error_class).order_by(SyncRun.id)).all()
        assert outcomes[-2:] == ["RunStopped", None]
        assert session.get_one(StreamSchedule, (CONNECTION, "stock")).failures == 0
