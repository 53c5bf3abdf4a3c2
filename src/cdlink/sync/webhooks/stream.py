"""The ``webhooks`` stream: POSTs the due deliveries, signed, and records each attempt.

Woken by every event recorded (``cdlink.hub.webhooks.events.emit``) and every 30 seconds for the
retries, a run claims the due deliveries of its connection (and those of no connection, such as
test events), checks each target's address again (a name may resolve elsewhere since it was
saved), POSTs the events (a few at once) with the Standard Webhooks headers and commits their
outcomes in small groups. A delivery is sent at least once and always with the same
``webhook-id``, so receivers deduplicate on it. It never runs inside a web request.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from cdlink.core.errors import ConfigurationError
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.hub.webhooks import deliveries, signing
from cdlink.hub.webhooks.addresses import WebhookAddressError, check_target
from cdlink.hub.webhooks.events import STREAM, wake
from cdlink.sync.engine.streams import Stream, StreamContext

TIMEOUT_SECONDS = 10.0
#: POSTs in flight at once: a slow receiver does not hold the others back.
PARALLEL = 8
#: Outcomes committed together (a crash before the commit sends those again, same id).
COMMIT_EVERY = 20


def post(
    client: httpx.Client, parcel: deliveries.Parcel, secret: str, timestamp: int
) -> deliveries.Outcome:
    """One signed POST; never raises for the receiver's failures (they are the outcome)."""
    headers = signing.headers(secret, parcel.message_id, timestamp, parcel.body)
    started = time.perf_counter()
    try:
        response = client.post(parcel.url, content=parcel.body, headers=headers)
        status: int | None = response.status_code
        excerpt = response.text[: deliveries.EXCERPT]
    except httpx.HTTPError as problem:
        status, excerpt = None, f"no answer: {type(problem).__name__}: {problem}"
    duration = int((time.perf_counter() - started) * 1000)
    return deliveries.Outcome(status=status, duration_ms=duration, excerpt=excerpt)


class WebhookDeliveries(Stream):
    """Delivers the due webhook deliveries; see the module docstring."""

    name = STREAM
    default_interval = 30

    def run(self, context: StreamContext) -> None:
        with context.transaction() as session:
            claimed = deliveries.claim_due(session, context.connection_id, context.clock.now())
        if not claimed:
            return
        box, settings = _runtime(context)
        with context.database.reading() as session:
            parcels = deliveries.parcels(session, claimed)
        refusals = _refusals({parcel.url for parcel in parcels}, settings)
        secrets = {parcel.secret_ciphertext: "" for parcel in parcels}
        secrets = {ciphertext: box.decrypt(ciphertext) for ciphertext in secrets}
        sent = failed = 0
        outcomes: list[tuple[int, deliveries.Outcome]] = []
        with (
            httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client,
            ThreadPoolExecutor(PARALLEL, thread_name_prefix="webhooks") as pool,
        ):

            def send(parcel: deliveries.Parcel) -> deliveries.Outcome:
                refused = refusals.get(parcel.url)
                if refused is not None:
                    return deliveries.Outcome(status=None, duration_ms=0, excerpt=refused)
                timestamp = int(context.clock.now().timestamp())
                return post(client, parcel, secrets[parcel.secret_ciphertext], timestamp)

            for parcel, outcome in zip(parcels, pool.map(send, parcels), strict=True):
                outcomes.append((parcel.delivery_id, outcome))
                sent, failed = sent + outcome.succeeded, failed + (not outcome.succeeded)
                if len(outcomes) >= COMMIT_EVERY:
                    self._record(context, outcomes)
        self._record(context, outcomes)
        with context.transaction() as session:
            if deliveries.any_due(session, context.connection_id, context.clock.now()):
                wake(session, context.connection_id, context.clock.now())
        context.made_progress()
        context.count(webhooks_delivered=sent, webhook_failures=failed)

    @staticmethod
    def _record(context: StreamContext, outcomes: list[tuple[int, deliveries.Outcome]]) -> None:
        """Commit the outcomes known so far (then forget them), in one short transaction."""
        if not outcomes:
            return
        with context.transaction() as session:
            deliveries.load_for_recording(session, [delivery_id for delivery_id, _ in outcomes])
            for delivery_id, outcome in outcomes:
                deliveries.record_attempt(session, delivery_id, outcome, context.clock.now())
        outcomes.clear()


def _refusals(urls: set[str], settings: Settings) -> dict[str, str]:
    """The targets refused now (resolved again at each run: a name may point elsewhere)."""
    refused = {}
    for url in urls:
        try:
            check_target(url, allow_private=settings.webhook_allow_private_hosts)
        except WebhookAddressError as error:
            refused[url] = f"refused: {error}"
    return refused


def _runtime(context: StreamContext) -> tuple[SecretBox, Settings]:
    """The runtime's secret box and settings (carried by its marketplace clients)."""
    box = getattr(context.clients, "box", None)
    settings = getattr(context.clients, "settings", None)
    if not isinstance(box, SecretBox) or not isinstance(settings, Settings):
        raise ConfigurationError(
            "this runtime has no secret box to read the webhook secrets with",
            hint="Run streams with `cdlink serve`, `cdlink worker` or `cdlink sync run`.",
        )
    return box, settings
