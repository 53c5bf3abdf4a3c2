"""The sandbox seen from the chaos run: its control API (never faulted) and its faults."""

from __future__ import annotations

import random
from typing import Any

import httpx

#: Statuses new orders are driven to, with their weights: most wait for cdlink's acceptance.
ORDER_STATUSES = {"WaitingAcceptance": 80, "Accepted": 8, "InPreparation": 6, "Shipped": 6}
#: The share of API calls answered with a server error while the storm lasts.
SERVER_ERROR_RATE = 0.20
SLOW_RATE = 0.05
#: The share of orders whose customer asks to cancel a line while the storm lasts.
CANCEL_REQUEST_RATE = 0.03
#: The share of customer messages that open a new discussion (the others follow up in one).
NEW_DISCUSSION_RATE = 0.25


class SandboxControl:
    """``/_sandbox`` over HTTP."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=f"{base_url}/_sandbox", timeout=120.0)

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def seed(self, offers: int, quantity: int) -> dict[str, Any]:
        return dict(
            self._call("POST", "/seed", {"offers": offers, "orders": 0, "quantity": quantity})
        )

    def create_orders(self, count: int, status: str) -> list[str]:
        return list(self._call("POST", "/orders", {"count": count, "status": status})["orderIds"])

    def customer_cancel_request(self, order_id: str) -> bool:
        answer = self._call("POST", f"/orders/{order_id}/cancel-request", {"line_id": "1"})
        return bool(answer["cancelRequested"])

    def open_discussion(self, order_id: str) -> str | None:
        """The order's customer opens a discussion (its first message); None if the order's
        status admits none (waiting for acceptance) or the order is unknown."""
        response = self.http.post(f"/orders/{order_id}/discussions", json={})
        if response.status_code == 400:
            return None
        response.raise_for_status()
        return str(response.json()["discussionId"])

    def customer_message(self, discussion_id: str) -> str | None:
        """The customer writes again in the discussion; None if it is closed."""
        response = self.http.post(f"/discussions/{discussion_id}/messages", json={})
        if response.status_code == 400:
            return None
        response.raise_for_status()
        return str(response.json()["messageId"])

    def discussion(self, discussion_id: str) -> dict[str, Any]:
        """The discussion as the marketplace holds it, every message included."""
        return dict(self._call("GET", f"/discussions/{discussion_id}"))

    def orders(self) -> dict[str, str]:
        return dict(self._call("GET", "/orders")["orders"])

    def offers(self) -> dict[str, int]:
        return dict(self._call("GET", "/offers")["offers"])

    def add_fault(self, rule: dict[str, Any]) -> None:
        self._call("POST", "/faults", rule)

    def faults(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/faults"))

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def revoke_tokens(self) -> int:
        return int(self._call("POST", "/tokens/revoke", {})["revoked"])

    def summary(self) -> dict[str, Any]:
        return dict(self._call("GET", "/state"))


def storm_rules() -> list[dict[str, Any]]:
    """20 % server errors (500, 502, 503 in equal parts) and 5 % slow replies, on every endpoint.

    The sandbox applies the first rule that fires, so each rule's probability is conditional on
    the earlier ones not firing: 1/15, then 1/14, then 1/13 of the rest makes 3 * 1/15 = 20 %.
    """
    rules: list[dict[str, Any]] = []
    share, left = SERVER_ERROR_RATE / 3, 1.0
    for status in (500, 502, 503):
        rules.append({"kind": "status", "status": status, "probability": share / left})
        left -= share
    rules.append({"kind": "slow", "delay_seconds": 1.5, "probability": SLOW_RATE / left})
    return rules


def throttle_burst(rng: random.Random) -> dict[str, Any]:
    """A burst of 429s: the next 5 to 30 calls are refused, with a short Retry-After."""
    return {
        "kind": "status",
        "status": 429,
        "count": rng.randrange(5, 31),
        "retry_after": rng.randrange(0, 3),
    }


def order_mix(rng: random.Random, count: int) -> dict[str, int]:
    """How many of ``count`` new orders go to each status."""
    statuses = rng.choices(list(ORDER_STATUSES), weights=list(ORDER_STATUSES.values()), k=count)
    return {status: statuses.count(status) for status in ORDER_STATUSES if status in statuses}
