"""The guard against server-side request forgery: private, loopback and link-local targets are
refused when a subscription is saved and again before each delivery, unless
``CDLINK_WEBHOOK_ALLOW_PRIVATE_HOSTS=true``."""

from __future__ import annotations

import pytest

from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.hub.webhooks import subscriptions
from cdlink.hub.webhooks.addresses import WebhookAddressError, check_target, is_public
from cdlink.hub.webhooks.events import emit
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import in_process_clients
from cdlink.sandbox import Sandbox
from cdlink.sync.registry import default_registry
from tests.support.webhook_receiver import Receiver
from tests.support.webhooks import attempts, delivery_states, subscribe


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hooks",
        "http://localhost/hooks",
        "http://10.1.2.3/hooks",
        "http://192.168.0.10/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://0.0.0.0/hooks",
    ],
)
def test_given_a_private_target_when_checked_then_it_is_refused(url: str) -> None:
    with pytest.raises(WebhookAddressError, match="private or local"):
        check_target(url, allow_private=False)


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "http:///nohost", "http://user:pw@example.com/", "not a url"]
)
def test_given_a_url_of_the_wrong_form_when_checked_then_it_is_refused(url: str) -> None:
    with pytest.raises(WebhookAddressError):
        check_target(url, allow_private=True)


def test_given_public_addresses_when_classified_then_they_are_public() -> None:
    assert is_public("93.184.216.34")
    assert is_public("2606:4700::1111")
    assert not is_public("100.64.0.1")  # carrier-grade NAT


def test_given_private_hosts_allowed_by_the_environment_when_checked_then_it_passes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CDLINK_WEBHOOK_ALLOW_PRIVATE_HOSTS", "true")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    check_target("http://127.0.0.1:9/hooks", allow_private=settings.webhook_allow_private_hosts)

    assert settings.webhook_allow_private_hosts is True
    assert (
        Settings(_env_file=None, webhook_allow_private_hosts=False).webhook_allow_private_hosts
        is False
    )  # type: ignore[call-arg]


def test_given_the_default_settings_when_a_loopback_webhook_is_created_then_it_is_refused(
    shop: JobEnvironment,
) -> None:
    with pytest.raises(WebhookAddressError), shop.database.session() as session:
        subscriptions.create(
            session,
            SecretBox.from_settings(shop.settings),
            url="http://127.0.0.1:8000/hooks",
            event_types=["order.created"],
            description="",
            allow_private=False,
            now=shop.clock.now(),
        )


def test_given_private_hosts_forbidden_at_delivery_when_the_stream_runs_then_nothing_is_sent(
    shop: JobEnvironment, sandbox: Sandbox, receiver: Receiver
) -> None:
    subscribe(shop, receiver.url, "price.held")  # saved while allowed
    with shop.database.session() as session:
        emit(session, "price.held", {"sku": "A"}, connection_id=1, now=shop.clock.now())
    strict = shop.settings.model_copy(update={"webhook_allow_private_hosts": False})
    clients = in_process_clients(strict, shop.clock, transports=sandbox.transport)
    guarded = JobEnvironment(strict, shop.database, shop.clock, default_registry, clients=clients)

    report = guarded.runner().run(1, "webhooks")

    assert report.outcome == "succeeded", report.message
    assert receiver.received == []
    [attempt] = attempts(shop)
    assert attempt.status is None
    assert attempt.excerpt.startswith("refused: the host '127.0.0.1' resolves to 127.0.0.1")
    assert delivery_states(shop) == [("pending", 1)]
