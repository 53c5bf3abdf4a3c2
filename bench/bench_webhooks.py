"""Webhooks: how soon an event reaches its receiver, and how fast deliveries go out.

- event → first delivery attempt, p95 and median: the embedded runtime at default settings on the
  real clock, a receiver on 127.0.0.1; an event is recorded in its own transaction (as a change
  in a stream records it: nothing but the commit itself wakes the runtime), and the time from the
  commit until the receiver has it is recorded (target ≤ 2 s);
- deliveries per second to a local receiver: a backlog of events for one subscription drained
  by runs of the ``webhooks`` stream (signing, the address check, one logged attempt and one
  commit per delivery), beside a bare loop of HTTP POSTs of the same body over one connection
  (the ratio says what cdlink's bookkeeping costs).
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.bench_orders import environment
from bench.harness import Measurement, Options, quantile
from cdlink.core.clock import ManualClock, SystemClock
from cdlink.core.secret_box import SecretBox
from cdlink.hub.webhooks import subscriptions
from cdlink.hub.webhooks.events import emit
from cdlink.jobs.embedded import EmbeddedRuntime
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import in_process_clients
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.models import WebhookDelivery, WebhookEvent

NAME = "webhooks"
EVENT = "stock.pushed"
#: Seconds left to the first runs of every stream of a new connection before measuring.
WARM_UP = 15


class _Inbox:
    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.lock = threading.Lock()


@contextmanager
def receiver() -> Iterator[tuple[str, _Inbox]]:
    """A threaded HTTP server on 127.0.0.1 noting when each ``webhook-id`` arrived."""
    inbox = _Inbox()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once, no delayed ACK

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            with inbox.lock:
                inbox.arrivals.setdefault(self.headers.get("webhook-id", ""), time.perf_counter())
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", inbox
    finally:
        server.shutdown()
        server.server_close()


def _shop(directory: Path, name: str, clock: SystemClock | ManualClock) -> JobEnvironment:
    sandbox = Sandbox(SandboxConfig(seed=4, orders=0), clock=clock)
    base = environment(directory, sandbox, clock, name)
    settings = base.settings.model_copy(update={"webhook_allow_private_hosts": True})
    clients = in_process_clients(settings, clock, transports=sandbox.transport)
    return JobEnvironment(settings, base.database, clock, clients=clients)


def _subscribe(shop: JobEnvironment, url: str) -> None:
    with shop.database.session() as session:
        subscriptions.create(
            session,
            SecretBox.from_settings(shop.settings),
            url=url,
            event_types=[EVENT],
            description="bench",
            allow_private=True,
            now=shop.clock.now(),
        )


def _emit(shop: JobEnvironment, count: int, start: int = 0) -> list[str]:
    """``count`` events in one transaction; their ``webhook-id``s."""
    with shop.database.session() as session:
        for index in range(start, start + count):
            data = {"sku": f"SKU-{index:05d}", "quantity": index % 40}
            emit(session, EVENT, data, connection_id=1, now=shop.clock.now())
        session.flush()
        rows = session.scalars(select(WebhookEvent.message_id).order_by(WebhookEvent.id.desc()))
        return list(rows)[:count]


def latency(directory: Path, options: Options) -> list[Measurement]:
    samples = 8 if options.quick else 30
    shop = _shop(directory, "webhooks_latency", SystemClock())
    waits: list[float] = []
    with receiver() as (url, inbox):
        _subscribe(shop, url)
        runtime = EmbeddedRuntime(shop)
        runtime.start()
        try:
            time.sleep(WARM_UP)  # the first runs of every stream of the new connection
            for index in range(samples):
                [message_id] = _emit(shop, 1, index)
                emitted = time.perf_counter()
                while message_id not in inbox.arrivals:
                    if time.perf_counter() - emitted > 30:
                        raise RuntimeError("the event did not arrive within 30 s")
                    time.sleep(0.01)
                waits.append(inbox.arrivals[message_id] - emitted)
                time.sleep(0.37)  # events land at different points of the scheduler's tick
        finally:
            runtime.stop()
    tick = shop.settings.sync_tick_seconds
    note = f"{samples} events, embedded runtime, scheduler tick {tick} s, receiver on 127.0.0.1"
    return [
        Measurement(
            NAME,
            "Event → first delivery attempt, p95",
            quantile(waits, 0.95),
            "s",
            target="≤ 2",
            note=note,
        ),
        Measurement(
            NAME,
            "Event → first delivery attempt, median",
            statistics.median(waits),
            "s",
            note="the same events: the p95 of a few is their slowest",
        ),
    ]


def throughput(directory: Path, options: Options) -> list[Measurement]:
    count = 200 if options.quick else 1000
    clock = ManualClock(SystemClock().now())
    shop = _shop(directory, "webhooks_throughput", clock)
    with receiver() as (url, inbox):
        _subscribe(shop, url)
        _emit(shop, count)
        started = time.perf_counter()
        while len(inbox.arrivals) < count:
            report = shop.runner().run(1, "webhooks")
            if report.outcome != "succeeded":
                raise RuntimeError(f"the webhooks stream failed: {report.message}")
        cdlink_rate = count / (time.perf_counter() - started)
        body = b'{"data":{"quantity":1,"sku":"SKU-00001"},"type":"stock.pushed"}'
        with httpx.Client() as client:
            started = time.perf_counter()
            for index in range(count):
                client.post(url, content=body, headers={"webhook-id": f"bare_{index}"})
            bare_rate = count / (time.perf_counter() - started)
    with shop.database.reading() as session:
        done = session.scalar(
            select(func.count(WebhookDelivery.id)).where(WebhookDelivery.state == "succeeded")
        )
    if done != count:
        raise RuntimeError(f"{done} of {count} deliveries succeeded")
    note = f"{count} deliveries, SQLite, one stream run per 100"
    return [
        Measurement(
            NAME, "Deliveries per second to a local receiver", cdlink_rate, "/s", note=note
        ),
        Measurement(
            NAME,
            "Deliveries per second versus a bare HTTP POST loop (ratio)",
            cdlink_rate / bare_rate,
            "ratio",
            note=f"bare loop: {bare_rate:.0f} POST/s over one connection",
        ),
    ]


def run(options: Options) -> list[Measurement]:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        return [*latency(directory, options), *throughput(directory, options)]
