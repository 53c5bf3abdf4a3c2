"""Sandbox capacity: a shop of 1,000 offers and 100,000 orders, and how fast it serves pages.

- seeding: orders created per second (each through the full state machine);
- `GET /orders` pages of 100 per second, over the in-process sync transport (token, SellerId,
  routing, the index by date, serialization), against the raw rate of ``json.dumps`` of the
  same 100 orders as dicts: the ratio shows what the simulator adds on top of the JSON itself;
- the same with an ``updatedAtMin`` window (binary search) and with a ``status`` filter (scan).
"""

from __future__ import annotations

import json
import random
import time

import httpx

from bench.harness import Measurement, Options, rate
from cdlink.core.clock import ManualClock
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.sandbox.serialize import order_json

NAME = "sandbox"
TOKEN_PATH = "/auth/realms/maas/protocol/openid-connect/token"  # noqa: S105  (a path)


def run(options: Options) -> list[Measurement]:
    orders = 20_000 if options.quick else 100_000
    seconds = 0.3 if options.quick else 1.5
    config = SandboxConfig(seed=1, offers=1_000, orders=0, customer_cancel_probability=0.02)
    sandbox = Sandbox(config, clock=ManualClock())
    started = time.perf_counter()
    sandbox.seed(offers=1_000, orders=orders, quantity=1_000_000)
    seeding = orders / (time.perf_counter() - started)
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.api_url()) as client:
        authorize(sandbox, client)
        return [
            Measurement(NAME, f"orders seeded per second ({orders:,} orders)", seeding, "orders/s"),
            *pages(sandbox, client, orders, seconds),
        ]


def authorize(sandbox: Sandbox, client: httpx.Client) -> None:
    credentials = sandbox.credentials
    response = client.post(
        sandbox.token_url(),
        data={
            "grant_type": "client_credentials",
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
        },
    )
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    client.headers["SellerId"] = str(credentials.seller_id)


def pages(sandbox: Sandbox, client: httpx.Client, orders: int, seconds: float) -> list[Measurement]:
    count = client.get("/orders/count").json()
    assert count > orders * 0.9, count
    last_page = count // 100
    rng = random.Random(7)

    def any_page() -> None:
        response = client.get(
            "/orders", params={"pageIndex": rng.randint(1, last_page), "pageSize": 100}
        )
        assert response.json()["itemsPerPage"] == 100

    since = client.get("/orders", params={"pageIndex": last_page // 2, "pageSize": 1}).json()
    window = {"updatedAtMin": since["items"][0]["updatedAt"], "pageSize": 100, "sort": "updatedAt"}
    page_rate = rate(any_page, seconds=seconds)
    warm_rate = rate(
        lambda: client.get("/orders", params={"pageIndex": 3, "pageSize": 100}), seconds=seconds
    )
    window_rate = rate(lambda: client.get("/orders", params=window), seconds=seconds)
    sandbox.advance(60)
    recent = sandbox.now()
    sandbox.create_orders(300)
    changes = {"updatedAtMin": recent, "pageSize": 100}
    changes_rate = rate(lambda: client.get("/orders", params=changes), seconds=seconds)
    status_rate = rate(
        lambda: client.get(
            "/orders", params={"status": "Delivered", "pageSize": 100, "pageIndex": 5}
        ),
        seconds=seconds,
    )
    sample = [
        order_json(order, sandbox.config.variants)
        for order in list(sandbox.state.shops[sandbox.credentials.seller_id].orders.values())[:100]
    ]
    raw_rate = rate(lambda: json.dumps(sample), seconds=seconds)
    return [
        Measurement(NAME, "orders in the shop", float(count), "orders"),
        Measurement(
            NAME, "GET /orders 100-order pages/s (random page, mostly cold)", page_rate, "pages/s"
        ),
        Measurement(
            NAME, "GET /orders 100-order pages/s (same page, cached JSON)", warm_rate, "pages/s"
        ),
        Measurement(
            NAME,
            "GET /orders pages/s, updatedAtMin mid-shop, sort=updatedAt",
            window_rate,
            "pages/s",
        ),
        Measurement(
            NAME,
            "GET /orders pages/s, updatedAtMin = last 300 changes, default sort",
            changes_rate,
            "pages/s",
            note="the importer's query",
        ),
        Measurement(
            NAME, "GET /orders pages/s with status filter (page 5)", status_rate, "pages/s"
        ),
        Measurement(NAME, "json.dumps of the same 100 orders per second", raw_rate, "dumps/s"),
        Measurement(
            NAME,
            "cold page rate / raw json.dumps rate",
            page_rate / raw_rate,
            "ratio",
            note="HTTP round trip in process, orders serialized fresh, vs json.dumps alone",
        ),
        Measurement(
            NAME,
            "cached page rate / raw json.dumps rate",
            warm_rate / raw_rate,
            "ratio",
            note="unchanged orders are served from their cached JSON",
        ),
    ]
