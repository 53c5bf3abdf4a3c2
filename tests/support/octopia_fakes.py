"""A small fake of the Octopia API for httpx.MockTransport, and the canned answers it gives:
recorded bodies, problem documents, pages of items, the sample order."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

# The recorded answers stay beside the client's tests.
RECORDED = Path(__file__).resolve().parents[1] / "octopia" / "recorded"
API_URL = "https://api.test/seller/v2"
TOKEN_URL = "https://auth.test/auth/realms/maas/protocol/openid-connect/token"
SECRET = "client-secret-value-42"

Handler = Callable[[httpx.Request], httpx.Response]


class FakeOctopia:
    """Token endpoint + API routes; records every request; tokens are ``token-1``, ``token-2``…"""

    def __init__(self, *, expires_in: int = 7200) -> None:
        self.expires_in = expires_in
        self.requests: list[httpx.Request] = []
        self.routes: dict[tuple[str, str], list[Handler | httpx.Response]] = {}
        self.valid_tokens: set[str] = set()
        self.token_answers: list[httpx.Response] = []
        self.token_calls = 0
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def route(self, method: str, path: str, *answers: Handler | httpx.Response) -> None:
        """Answers for ``method path`` in turn; the last one repeats."""
        self.routes[(method, "/seller/v2" + path)] = list(answers)

    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith("/seller/v2")]

    def revoke_all(self) -> None:
        self.valid_tokens.clear()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        # A copy: the client mutates its request (a renewed token) before sending it again.
        snapshot = httpx.Request(
            request.method, request.url, headers=request.headers.copy(), content=request.read()
        )
        with self._lock:
            self.requests.append(snapshot)
        if request.url.path.endswith("/openid-connect/token"):
            return self._token(request)
        if (
            request.headers.get("authorization", "").removeprefix("Bearer ")
            not in self.valid_tokens
        ):
            return problem(401, "Unauthorized")
        raw_path = request.url.raw_path.decode("ascii").split("?", 1)[0]
        answers = self.routes.get((request.method, raw_path))
        if not answers:
            return httpx.Response(404, json={"message": "no Route matched with those values"})
        with self._lock:
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return answer(request) if callable(answer) else answer

    def _token(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.token_calls += 1
            if self.token_answers:
                return self.token_answers.pop(0)
            token = f"token-{next(self._numbers)}"
            self.valid_tokens.add(token)
        body = recorded("token.client_credentials.200.json")["response"]["body"]
        return httpx.Response(
            200, json={**body, "access_token": token, "expires_in": self.expires_in}
        )


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


def problem(
    status: int, title: str, trace_id: str = "00-trace-abc", **extra: Any
) -> httpx.Response:
    body = {"type": "about:blank", "title": title, "status": status, "traceId": trace_id, **extra}
    return httpx.Response(
        status, content=json.dumps(body), headers={"Content-Type": "application/problem+json"}
    )


def page(items: list[Any], **headers: str) -> httpx.Response:
    return httpx.Response(200, json={"itemsPerPage": len(items), "items": items}, headers=headers)


def order_payload(order_id: str = "2601011200ABCDE", **changes: Any) -> dict[str, Any]:
    """The sample order of reference §6.2.4, as the fixture file holds it."""
    sample = json.loads((RECORDED / "order.sample.json").read_text(encoding="utf-8"))
    sample.pop("_source")
    return {**sample, "orderId": order_id, **changes}
