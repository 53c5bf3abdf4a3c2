"""Helpers of the performance tests: running the indicators stream and reading its figures."""

from __future__ import annotations

from typing import Any

from cdlink.jobs.environment import JobEnvironment


def read_indicators(shop: JobEnvironment, connection_id: int = 1) -> dict[str, int]:
    """Runs the ``indicators`` stream once (after importing the orders); returns its counts."""
    assert shop.runner().run(connection_id, "orders").outcome == "succeeded"
    report = shop.runner().run(connection_id, "indicators")
    assert report.outcome == "succeeded", report.message
    return dict(report.counts)


def figure(body: dict[str, Any], source: str, name: str) -> dict[str, Any]:
    """The current figure of ``source`` and ``name`` in a ``GET /api/v1/indicators`` answer."""
    [found] = [
        item for item in body["current"] if item["source"] == source and item["name"] == name
    ]
    return found
