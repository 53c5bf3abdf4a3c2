"""Deadlines: the shipping deadline is the marketplace's (the order's, else its lines' earliest),
else cdlink's estimate marked as such; the acceptance deadline, which the marketplace does not
send, is cdlink's estimate and the API says so."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from cdlink.octopia.models import Order
from cdlink.sync.orders.mapping import order_draft
from tests.support.octopia_fakes import order_payload


def two_lines(first: str | None, second: str | None) -> dict[str, Any]:
    """The sample order without its own deadline, with two lines due at ``first`` and ``second``."""
    payload = order_payload()
    payload.pop("shippedAtMax", None)
    lines = [copy.deepcopy(payload["lines"][0]) for _ in range(2)]
    for number, (line, due) in enumerate(zip(lines, (first, second), strict=True)):
        line["orderLineId"] = f"L{number}"
        line["delivery"]["shippedAtMax"] = due
    payload["lines"] = lines
    return payload


def test_given_only_line_deadlines_when_mapped_then_the_order_is_due_with_its_first_line() -> None:
    payload = two_lines("2026-01-05T18:00:00Z", "2026-01-03T18:00:00Z")

    draft = order_draft(Order.model_validate(payload))

    assert draft.shipping_deadline == datetime(2026, 1, 3, 18, tzinfo=UTC)


def test_given_no_deadline_sent_when_mapped_then_it_is_estimated_and_marked() -> None:
    with_order_deadline = order_draft(Order.model_validate(order_payload()))
    without = order_draft(Order.model_validate(two_lines(None, None)))

    assert with_order_deadline.shipping_due == datetime(2026, 1, 3, 18, tzinfo=UTC)
    assert not with_order_deadline.shipping_deadline_estimated
    assert without.shipping_deadline is None
    # Purchased 1 January at 12:00: accept within 2 days, then ship within 2 more.
    assert without.shipping_due == datetime(2026, 1, 5, 12, tzinfo=UTC)
    assert without.shipping_deadline_estimated


def test_given_a_waiting_order_when_listed_by_the_api_then_its_acceptance_deadline_is_an_estimate(
    api: TestClient,
) -> None:
    items = api.get("/api/v1/orders", params={"limit": 100}).json()["items"]

    assert items
    assert all(
        item["acceptance_deadline_estimated"] == (item["acceptance_deadline"] is not None)
        for item in items
    )
    assert any(item["acceptance_deadline_estimated"] for item in items)
