"""The customer service tests' helpers: running its streams until they succeed, what the sandbox
holds, what was imported."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.octopia import OctopiaClient
from cdlink.sandbox import Sandbox
from cdlink.store.models import Connection, Discussion, DiscussionMessage, Order


def run_until_success(shop: JobEnvironment, stream: str, attempts: int = 10) -> None:
    """Run ``stream`` as the scheduler would after each failure, until a run succeeds."""
    assert isinstance(shop.clock, ManualClock)
    messages = []
    for _ in range(attempts):
        report = shop.runner().run(1, stream)
        if report.outcome == "succeeded":
            return
        messages.append(report.message)
        shop.clock.advance(61)
    raise AssertionError(f"the {stream} stream never succeeded: {messages[-1]}")


def import_all(shop: JobEnvironment) -> None:
    run_until_success(shop, "orders")
    run_until_success(shop, "discussions")


def seller_client(shop: JobEnvironment) -> OctopiaClient:
    assert shop.clients is not None
    with shop.database.reading() as session:
        return shop.clients(session.get_one(Connection, 1))


def marketplace_messages(shop: JobEnvironment, sandbox: Sandbox) -> dict[str, set[str]]:
    """Every discussion of the sandbox's seller: id → the ids of its messages."""
    with seller_client(shop) as client:
        since = shop.clock.now() - timedelta(days=60)
        ids = {item.discussion_id for item in client.discussions.list_changed(since)}
    return {
        discussion_id: {
            message["messageId"] for message in sandbox.discussion(discussion_id)["messages"]
        }
        for discussion_id in ids
    }


def stored_messages(shop: JobEnvironment) -> Counter[tuple[str, str]]:
    """How many times each (discussion, message) pair is stored."""
    with shop.database.reading() as session:
        query = select(
            Discussion.marketplace_discussion_id, DiscussionMessage.marketplace_message_id
        ).join(DiscussionMessage, DiscussionMessage.discussion_id == Discussion.id)
        return Counter((row[0], row[1]) for row in session.execute(query))


def assert_exactly_once(shop: JobEnvironment, sandbox: Sandbox) -> None:
    expected = marketplace_messages(shop, sandbox)
    stored = stored_messages(shop)
    assert all(count == 1 for count in stored.values()), "a message was stored twice"
    wanted = {(d, m) for d, messages in expected.items() for m in messages}
    assert set(stored) == wanted, (set(stored) - wanted, wanted - set(stored))
    with shop.database.reading() as session:
        discussions = list(session.scalars(select(Discussion.marketplace_discussion_id)))
    assert sorted(discussions) == sorted(expected)


def stored_discussion(shop: JobEnvironment, marketplace_id: str) -> Discussion:
    with shop.database.reading() as session:
        query = select(Discussion).where(Discussion.marketplace_discussion_id == marketplace_id)
        discussion = session.scalars(query).one()
        _ = discussion.messages
        return discussion


def shipped_order(shop: JobEnvironment) -> Order:
    with shop.database.reading() as session:
        query = select(Order).where(Order.status.in_(("Shipped", "Delivered"))).limit(1)
        order = session.scalars(query).first()
        assert order is not None, "the sandbox shop has no shipped order"
        _ = order.lines
        return order
