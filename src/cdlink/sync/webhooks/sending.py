"""Sending claimed deliveries: signed POSTs, a few at once, the outcomes handed back in groups.

Used by the ``webhooks`` stream (``stream``) and by the direct delivery of a test event
(``direct``). The sender checks for the shutdown before each POST: once ``stopping`` is set, no
new POST starts, those in flight finish and are recorded, and the deliveries not sent are handed
back (``Sent.unsent``) for the caller to release, so nothing is lost nor sent twice.
"""

from __future__ import annotations

import functools
import ssl
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from cdlink.core.clock import Clock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.hub.webhooks import deliveries, signing
from cdlink.hub.webhooks.addresses import WebhookAddressError, check_target

TIMEOUT_SECONDS = 10.0
#: POSTs in flight at once: a slow receiver does not hold the others back.
PARALLEL = 8
#: Outcomes committed together (a crash before the commit sends those again, same id).
COMMIT_EVERY = 20

#: Commits a group of outcomes (delivery id, outcome) in one transaction.
Recorder = Callable[[list[tuple[int, deliveries.Outcome]]], None]


@dataclass
class Sent:
    """What a batch did: successes, failures, and the deliveries not sent (the shutdown)."""

    succeeded: int = 0
    failed: int = 0
    unsent: list[int] = field(default_factory=list)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The certificate store, loaded once per process: loading it costs tens of milliseconds
    (much more on a busy machine), which every run would otherwise add to an event's delay."""
    return httpx.create_ssl_context()


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


@dataclass
class Sender:
    """Sends parcels with the runtime's secret box and settings."""

    box: SecretBox
    settings: Settings
    clock: Clock
    stopping: threading.Event = field(default_factory=threading.Event)

    def send(self, parcels: list[deliveries.Parcel], record: Recorder) -> Sent:
        """POST the parcels (``PARALLEL`` at once), ``record`` their outcomes every
        ``COMMIT_EVERY`` and at the end; none starts once ``stopping`` is set."""
        refusals = self._refusals({parcel.url for parcel in parcels})
        secrets = {parcel.secret_ciphertext: "" for parcel in parcels}
        secrets = {ciphertext: self.box.decrypt(ciphertext) for ciphertext in secrets}
        sent = Sent()
        outcomes: list[tuple[int, deliveries.Outcome]] = []
        with (
            httpx.Client(
                timeout=TIMEOUT_SECONDS, follow_redirects=False, verify=tls_context()
            ) as client,
            ThreadPoolExecutor(PARALLEL, thread_name_prefix="webhooks") as pool,
        ):

            def one(parcel: deliveries.Parcel) -> deliveries.Outcome | None:
                if self.stopping.is_set():
                    return None  # the shutdown: left for the next run
                refused = refusals.get(parcel.url)
                if refused is not None:
                    return deliveries.Outcome(status=None, duration_ms=0, excerpt=refused)
                timestamp = int(self.clock.now().timestamp())
                return post(client, parcel, secrets[parcel.secret_ciphertext], timestamp)

            for parcel, outcome in zip(parcels, pool.map(one, parcels), strict=True):
                if outcome is None:
                    sent.unsent.append(parcel.delivery_id)
                    continue
                outcomes.append((parcel.delivery_id, outcome))
                sent.succeeded += outcome.succeeded
                sent.failed += not outcome.succeeded
                if len(outcomes) >= COMMIT_EVERY:
                    record(outcomes)
                    outcomes = []
        if outcomes:
            record(outcomes)
        return sent

    def _refusals(self, urls: set[str]) -> dict[str, str]:
        """The targets refused now (resolved again at each run: a name may point elsewhere)."""
        refused = {}
        for url in urls:
            try:
                check_target(url, allow_private=self.settings.webhook_allow_private_hosts)
            except WebhookAddressError as error:
                refused[url] = f"refused: {error}"
        return refused
