"""The demo's webhook: paused before any run, with a log of failed attempts; seeded once; the
stream then sends nothing (nothing leaves the machine)."""

from __future__ import annotations

from cdlink.cli.demo_webhooks import DEMO_URL, seed_demo_webhooks
from cdlink.core.secret_box import SecretBox
from cdlink.hub.webhooks import deliveries, subscriptions
from cdlink.jobs.environment import JobEnvironment
from tests.support.webhooks import deliver


def test_given_the_demo_seed_when_run_twice_then_one_paused_webhook_shows_failed_attempts(
    shop: JobEnvironment,
) -> None:
    box = SecretBox.from_settings(shop.settings)

    seed_demo_webhooks(shop.database, shop.clock, box, 1)
    seed_demo_webhooks(shop.database, shop.clock, box, 1)
    counts = deliver(shop)

    with shop.database.reading() as session:
        [webhook] = subscriptions.subscriptions(session)
        views = deliveries.deliveries(session, webhook.id)
    assert webhook.url == DEMO_URL
    assert webhook.state == "paused"
    assert counts == {}
    assert [len(view.attempts) for view in views] == [3, 3]
    assert all(not attempt.succeeded for view in views for attempt in view.attempts)
