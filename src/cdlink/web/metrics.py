"""Prometheus metrics of the web app: requests by route and status, and their latency."""

from __future__ import annotations

import ipaddress
import secrets
import time
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from cdlink.core.settings import Settings
from cdlink.web.roles import route_templates_of


class WebMetrics:
    """The collectors of one app, in a registry of its own (tests build many apps)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "cdlink_http_requests",
            "HTTP requests answered, by method, route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "cdlink_http_request_duration_seconds",
            "Time to answer an HTTP request, by route.",
            ["route"],
            registry=self.registry,
        )

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = route_template(request)
        self.latency.labels(route).observe(time.perf_counter() - started)
        self.requests.labels(request.method, route, str(response.status_code)).inc()
        return response

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def route_template(request: Request) -> str:
    """The route's whole path template (``/api/v1/orders/{order_id}``, prefixes included), so
    labels do not explode with ids and an API route is not confused with a page."""
    route = request.scope.get("route")
    if route is None:
        return "unmatched"
    found = route_templates_of(request)
    return found[0] if found else str(getattr(route, "path", "unmatched"))


def may_read_metrics(request: Request, settings: Settings) -> bool:
    """Metrics are for the operator: the metrics token, or a scrape from this machine."""
    if settings.metrics_token is not None:
        expected = f"Bearer {settings.metrics_token.get_secret_value()}"
        given = request.headers.get("authorization", "")
        return secrets.compare_digest(given.encode(), expected.encode())
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        return False  # relayed by a proxy: the client is elsewhere, whatever the peer is
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "testclient"
