"""Fault injection: which request gets which fault, the per-seller rate limit, and malformations.

Decisions are drawn from the sandbox's own ``random.Random`` (seeded) so that one seed and one
sequence of requests always produce the same faults.
"""

from __future__ import annotations

import copy
import dataclasses
import random
from collections import deque
from datetime import datetime
from typing import Any

from cdlink.sandbox.config import FaultRule, Malformation, RateLimit

# Fields a client cannot do without, most important first, for "missing_field".
KEY_FIELDS = (
    "discussionId",
    "messageId",
    "requestId",
    "returnId",
    "orderId",
    "offerId",
    "sellerExternalReference",
    "packageId",
    "access_token",
    "code",
)
ENUM_FIELDS = ("status", "offerState", "state", "integrationStatus", "token_type", "seller_state")


@dataclasses.dataclass
class ActiveRule:
    rule: FaultRule
    matched: int = 0
    fired: int = 0

    def matches(self, endpoint: str, method: str, now: datetime) -> bool:
        if self.rule.endpoint not in ("*", endpoint):
            return False
        if self.rule.start_at is not None and now < self.rule.start_at:
            return False
        if self.rule.end_at is not None and now >= self.rule.end_at:
            return False
        return self.rule.method is None or self.rule.method.upper() == method

    @property
    def exhausted(self) -> bool:
        return self.rule.count is not None and self.fired >= self.rule.count


class FaultEngine:
    """The fault rules in force and the per-seller request windows."""

    def __init__(self, rng: random.Random, rules: list[FaultRule]) -> None:
        self._rng = rng
        self.rules = [ActiveRule(rule) for rule in rules]
        self.rate_limit: RateLimit | None = None
        self._windows: dict[int, deque[float]] = {}

    def add(self, rule: FaultRule) -> None:
        self.rules.append(ActiveRule(rule))

    def clear(self) -> None:
        self.rules.clear()

    def decide(self, endpoint: str, method: str, now: datetime) -> FaultRule | None:
        """The first rule that fires for this request, counting it as fired."""
        for active in self.rules:
            if active.exhausted or not active.matches(endpoint, method, now):
                continue
            active.matched += 1
            if active.matched <= active.rule.after:
                continue
            if active.rule.probability < 1.0 and self._rng.random() >= active.rule.probability:
                continue
            active.fired += 1
            return active.rule
        return None

    def throttle(self, seller_id: int, monotonic: float) -> float | None:
        """Seconds to wait when ``seller_id`` is over its budget, ``None`` when it may proceed."""
        limit = self.rate_limit
        if limit is None:
            return None
        window = self._windows.setdefault(seller_id, deque())
        while window and window[0] <= monotonic - limit.per_seconds:
            window.popleft()
        if len(window) >= limit.requests:
            return max(window[0] + limit.per_seconds - monotonic, 0.001)
        window.append(monotonic)
        return None

    def describe(self) -> list[dict[str, Any]]:
        return [
            {**active.rule.model_dump(), "matched": active.matched, "fired": active.fired}
            for active in self.rules
        ]


def malform(body: Any, malformation: Malformation) -> Any:
    """A copy of a decoded JSON body broken the way ``malformation`` says."""
    broken = copy.deepcopy(body)
    target = _first_object(broken)
    if target is None:
        return {"unexpected": broken} if malformation != "wrong_type" else "unexpected"
    if malformation == "missing_field":
        name = next((key for key in KEY_FIELDS if key in target), next(iter(target), None))
        if name is not None:
            del target[name]
    elif malformation == "wrong_type":
        _retype(target)
    elif malformation == "unknown_enum":
        name = next((key for key in ENUM_FIELDS if key in target), None)
        target[name or "status"] = "SandboxUnknownValue"
    return broken


def _first_object(body: Any) -> dict[str, Any] | None:
    if isinstance(body, dict):
        items = body.get("items")
        if isinstance(items, list) and items and isinstance(items[0], dict):
            return items[0]
        return body
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return body[0]
    return None


def _retype(target: dict[str, Any]) -> None:
    """Turn the first number into a string, or else the first string into a number."""
    for key, value in target.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            target[key] = f"{value}!"
            return
    for key, value in target.items():
        if isinstance(value, str):
            target[key] = 12345
            return
    target["items"] = "not-a-list"
