"""``cdlink webhooks``: create (the secret printed once), list and deliveries with ``--json`` in
the REST API's shape, update, test, replay and delete."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from cdlink.cli.main import app
from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import Connection
from tests.support.webhook_receiver import Receiver
from tests.support.webhooks import deliver


@pytest.fixture
def cli(shop: JobEnvironment, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI on the shop's database and data directory, private hosts allowed."""
    monkeypatch.setenv("CDLINK_DATA_DIR", str(shop.settings.data_dir))
    monkeypatch.setenv("CDLINK_DATABASE_URL", shop.database.url)
    monkeypatch.setenv("CDLINK_WEBHOOK_ALLOW_PRIVATE_HOSTS", "true")
    return CliRunner()


def test_given_the_cli_when_a_webhook_is_created_tested_and_replayed_then_json_follows(
    cli: CliRunner, shop: JobEnvironment, sandbox_clock: ManualClock, receiver: Receiver
) -> None:
    # The CLI stamps its events with the real clock: the shop's catches up with it.
    sandbox_clock.advance(datetime.now(UTC) - sandbox_clock.now() + timedelta(minutes=1))
    created = cli.invoke(app, ["webhooks", "create", receiver.url, "-e", "order.created", "--json"])
    assert created.exit_code == 0, created.output
    webhook = json.loads(created.output)
    listed = cli.invoke(app, ["webhooks", "list", "--json"])

    tested = cli.invoke(app, ["webhooks", "test", str(webhook["id"])])
    deliver(shop)
    log = cli.invoke(app, ["webhooks", "deliveries", str(webhook["id"]), "--json"])
    [delivery] = json.loads(log.output)
    replayed = cli.invoke(app, ["webhooks", "replay", str(webhook["id"]), str(delivery["id"])])
    sandbox_clock.advance(datetime.now(UTC) - sandbox_clock.now() + timedelta(minutes=1))
    deliver(shop)
    paused = cli.invoke(app, ["webhooks", "update", str(webhook["id"]), "--state", "paused"])
    deleted = cli.invoke(app, ["webhooks", "delete", str(webhook["id"])])

    assert webhook["secret"].startswith("whsec_")
    assert webhook["secret"] not in listed.output
    assert json.loads(listed.output)[0]["url"] == receiver.url
    assert tested.exit_code == 0
    assert delivery["state"] == "succeeded"
    assert replayed.exit_code == 0
    assert len(receiver.received) == 2
    assert "paused" in paused.output
    assert deleted.exit_code == 0


def test_given_an_unknown_event_type_when_created_then_the_cli_says_what_to_do(
    cli: CliRunner, receiver: Receiver
) -> None:
    answer = cli.invoke(app, ["webhooks", "create", receiver.url, "-e", "order.eaten"])

    assert answer.exit_code != 0
    assert "unknown event type 'order.eaten'" in answer.output


def test_given_no_active_connection_when_tested_from_the_cli_then_it_is_sent_at_once(
    cli: CliRunner, shop: JobEnvironment, receiver: Receiver
) -> None:
    with shop.database.session() as session:
        session.get_one(Connection, 1).state = "paused"
    created = cli.invoke(app, ["webhooks", "create", receiver.url, "-e", "order.created", "--json"])
    webhook = json.loads(created.output)

    tested = cli.invoke(app, ["webhooks", "test", str(webhook["id"])])

    assert tested.exit_code == 0, tested.output
    assert "sent" in tested.output
    [received] = receiver.received
    assert received.json()["type"] == "webhook.test"
