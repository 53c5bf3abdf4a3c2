"""Octopia client overheads: how fast order pages are read, against the raw JSON decoding.

- model parsing: a page of 100 orders (the reference sample order, varied) decoded with exact
  Decimal money and validated into ``Order`` models, against ``json.loads`` of the same bytes;
- whole call: ``client.orders.list_page`` through an in-process ``httpx.MockTransport`` (auth,
  budget, retry loop, logging, parsing), against the same model parsing alone.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.harness import Measurement, Options, rate
from cdlink.octopia import BudgetPolicy, ClientCredentials, OctopiaClient, OrderQuery
from cdlink.octopia.models import Order
from cdlink.octopia.pagination import read_items, read_items_json
from cdlink.octopia.responses import json_body

NAME = "octopia"
SAMPLE = (
    Path(__file__).resolve().parent.parent / "tests" / "octopia" / "recorded" / "order.sample.json"
)
PAGE_SIZE = 100


def run(options: Options) -> list[Measurement]:
    seconds = 0.2 if options.quick else 0.8
    content = page_bytes()
    return [*parsing(content, seconds), *whole_call(content, seconds)]


def page_bytes() -> bytes:
    sample: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    sample.pop("_source")
    orders = [{**sample, "orderId": f"2603020900{number:05d}"} for number in range(PAGE_SIZE)]
    return json.dumps({"itemsPerPage": PAGE_SIZE, "items": orders}).encode()


def parse_page(content: bytes) -> list[Order]:
    """As the client reads a page: validated from its bytes at once."""
    items = read_items_json(content, Order)
    assert items is not None
    assert len(items) == PAGE_SIZE
    return items


def parse_page_decoded(content: bytes) -> list[Order]:
    """As the client read a page before: decoded (Decimal money), then item by item (the
    path it still takes for a page holding an unreadable item)."""
    response = httpx.Response(200, content=content, request=httpx.Request("GET", "http://x/"))
    items, rejected = read_items(json_body(response)["items"], Order)
    assert not rejected
    assert len(items) == PAGE_SIZE
    return items


def side_by_side(
    first: Callable[[], object], second: Callable[[], object], seconds: float, rounds: int = 5
) -> tuple[float, float, float]:
    """Median rates of ``first`` and ``second`` measured in alternating rounds, and the median
    of the per-round ratios (the machine is shared: alternation cancels most of its drift)."""
    pairs = [
        (rate(first, seconds=seconds, rounds=1), rate(second, seconds=seconds, rounds=1))
        for _ in range(rounds)
    ]
    return (
        statistics.median(a for a, _ in pairs),
        statistics.median(b for _, b in pairs),
        statistics.median(a / b for a, b in pairs),
    )


def parsing(content: bytes, seconds: float) -> list[Measurement]:
    parsed, raw, ratio = side_by_side(
        lambda: parse_page(content), lambda: json.loads(content), seconds
    )
    _, _, before = side_by_side(
        lambda: parse_page_decoded(content), lambda: json.loads(content), seconds
    )
    return [
        Measurement(NAME, "100-order pages parsed into models/s", parsed, "pages/s"),
        Measurement(NAME, "100-order pages json.loads/s (raw)", raw, "pages/s"),
        Measurement(
            NAME,
            "model parsing rate / raw json.loads rate",
            ratio,
            "ratio",
            target="≥ 0.3",
            note="validated from the bytes at once: Decimal money + strict validation of 100 "
            "orders with one line each",
        ),
        Measurement(
            NAME,
            "model parsing rate / raw json.loads rate, before (decoded, then item by item)",
            before,
            "ratio",
            note="the path a page holding an unreadable item still takes",
        ),
    ]


def whole_call(content: bytes, seconds: float) -> list[Measurement]:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "t", "expires_in": 7200})
        return httpx.Response(200, content=content, headers={"Content-Type": "application/json"})

    credentials = ClientCredentials(
        seller_id="1",
        client_id="bench",
        client_secret="bench-secret",  # noqa: S106  (a fake for an in-process transport)
    )
    unlimited = BudgetPolicy(max_rate=1e9, capacity=1e9)
    with OctopiaClient(
        credentials,
        api_url="http://bench/seller/v2",
        token_url="http://bench/token",  # noqa: S106  (a URL, not a password)
        transport=httpx.MockTransport(handler),
        budget_policy=unlimited,
    ) as client:
        query = OrderQuery()
        called, _, ratio = side_by_side(
            lambda: client.orders.list_page(query), lambda: parse_page(content), seconds
        )
    return [
        Measurement(NAME, "orders.list_page calls/s (MockTransport)", called, "pages/s"),
        Measurement(
            NAME,
            "whole call rate / model parsing rate",
            ratio,
            "ratio",
            note="auth, budget, retry loop and logging around the parsing",
        ),
    ]
