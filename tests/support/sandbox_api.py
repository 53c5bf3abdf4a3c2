"""Talking to the sandbox over HTTP as a client would: tokens, recorded answers, money read as
Decimal, and the sandbox tests' starting time."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from cdlink.sandbox import Sandbox

TOKEN_PATH = "/auth/realms/maas/protocol/openid-connect/token"
# The recorded answers stay beside the sandbox's tests.
RECORDED = Path(__file__).resolve().parents[1] / "sandbox" / "recorded"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


def decimal_json(response: httpx.Response) -> Any:
    """The body with every number read as Decimal, as a careful client reads money."""
    return json.loads(response.content, parse_float=Decimal)


def fetch_token(http: httpx.Client, client_id: str, client_secret: str) -> str:
    response = http.post(
        TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def renew_token(api: httpx.Client, sandbox: Sandbox) -> None:
    """Give ``api`` a fresh token (after the sandbox clock jumped past the old one's life)."""
    credentials = sandbox.credentials
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox") as http:
        token = fetch_token(http, credentials.client_id, credentials.client_secret)
    api.headers["Authorization"] = f"Bearer {token}"
