"""Clients, legacy logins and the bearer tokens the sandbox issues (Keycloak realm ``maas``).

Tokens are JWT-shaped (header.payload.signature, base64url) with the recorded claims (``exp``,
``iat``, ``iss``, ``azp``, ``clientId``…) so that a client decoding ``exp`` works, but they are
not signed: the sandbox looks them up in its own table, where it can also revoke them.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import random
from collections import deque
from datetime import datetime, timedelta

ISSUER = "https://auth.octopia-io.net/auth/realms/maas"
# The audiences and roles (reference §4.3) of the resources the sandbox serves.
ROLES = {
    "SELLER_MARKETPLACE-API": ["SELLERS_GET"],
    "INTERNATIONAL-ORDER-SELLER_SELLER-ORDER-API": [
        "ORDERS_GET",
        "ORDERS_COUNT_GET",
        "ORDERS_SHIPMENTS_POST",
        "ORDER-CANCELLATION-REQUESTS_GET",
        "ORDER-CANCELLATION-REQUESTS_POST",
        "ORDER-PARTIAL-CANCELLATION-REQUESTS_POST",
        "CANCELLATION-REASONS_GET",
    ],
    "INTERNATIONAL-OFFER-INTEGRATION_SUBMISSION": [
        "MANAGE_OFFER_PACKAGE",
        "READ_OFFER_PACKAGE",
        "READ_OFFER_REQUEST_RESULT",
    ],
    "INTERNATIONAL-OFFER-REFERENTIAL_OFFER-AGGREGATOR": ["READ-OFFER-SELLER"],
    "INTERNATIONAL-PRODUCT-REFERENTIAL_REFERENTIAL-API": ["CATEGORIES_GET", "PROPERTIES_GET"],
    "INTERNATIONAL-PRODUCT-INTEGRATION_PRODUCTS-API": ["PRODUCTS-INTEGRATION-REPORTS_GET"],
    "EP_INTERNATIONAL-LOGISTIC-PARCEL": ["CARRIERS_GET"],
}


@dataclasses.dataclass(frozen=True)
class Credentials:
    """What a seller holds: the numeric seller id, a client pair, and a legacy login pair."""

    seller_id: int
    client_id: str
    client_secret: str
    login: str
    password: str

    def __repr__(self) -> str:
        # Sandbox secrets are not real secrets, but reprs end up in logs: keep the habit.
        return f"Credentials(seller_id={self.seller_id}, client_id={self.client_id!r})"


@dataclasses.dataclass
class Client:
    client_id: str
    client_secret: str
    seller_ids: set[int]


@dataclasses.dataclass
class Token:
    client_id: str
    seller_ids: frozenset[int]
    expires_at: datetime
    revoked: bool = False


class TokenError(Exception):
    """Why a token request failed, in Keycloak's words."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Authority:
    """The realm: registered clients and legacy logins, issued tokens, revocation."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self.clients: dict[str, Client] = {}
        self.logins: dict[str, tuple[str, int]] = {}
        self.tokens: dict[str, Token] = {}
        self._issued: deque[datetime] = deque()

    def add_client(self, client_id: str, client_secret: str, seller_ids: set[int]) -> None:
        existing = self.clients.get(client_id)
        if existing is not None and existing.client_secret == client_secret:
            existing.seller_ids |= seller_ids
            return
        self.clients[client_id] = Client(client_id, client_secret, set(seller_ids))

    def add_login(self, login: str, password: str, seller_id: int) -> None:
        self.logins[login] = (password, seller_id)

    def client_credentials(self, client_id: str, client_secret: str) -> Client:
        client = self.clients.get(client_id)
        if client is None:
            raise TokenError(401, "invalid_client", "Invalid client or Invalid client credentials")
        if client.client_secret != client_secret:
            raise TokenError(401, "unauthorized_client", "Invalid client secret")
        return client

    def password(self, login: str, password: str) -> tuple[str, frozenset[int]]:
        known = self.logins.get(login)
        if known is None or known[0] != password:
            raise TokenError(401, "invalid_grant", "Invalid user credentials")
        return login, frozenset({known[1]})

    def check_quota(self, now: datetime, per_hour: int | None) -> None:
        """The ~500 tokens per hour of reference §4.4, when the configuration asks for one."""
        while self._issued and self._issued[0] <= now - timedelta(hours=1):
            self._issued.popleft()
        if per_hour is not None and len(self._issued) >= per_hour:
            raise TokenError(429, "too_many_requests", "Token quota exceeded, retry later")

    def issue(
        self, subject: str, seller_ids: frozenset[int], now: datetime, lifetime: int
    ) -> tuple[str, int]:
        issued_at = int(now.timestamp())
        claims: dict[str, object] = {
            "exp": issued_at + lifetime,
            "iat": issued_at,
            "jti": f"{self._rng.getrandbits(128):032x}",
            "iss": ISSUER,
            "aud": list(ROLES),
            "sub": f"{self._rng.getrandbits(128):032x}",
            "typ": "Bearer",
            "azp": subject,
            "realm_access": {
                "roles": ["offline_access", "default-roles-maas", "uma_authorization"]
            },
            "resource_access": {audience: {"roles": roles} for audience, roles in ROLES.items()},
            "scope": "",
            "clientId": subject,
            "clientHost": "127.0.0.1",
            "clientAddress": "127.0.0.1",
        }
        header = {"alg": "RS256", "typ": "JWT", "kid": "cdlink-sandbox"}
        signature = self._rng.getrandbits(256).to_bytes(32, "big")
        token = ".".join(
            (_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), _b64(signature))
        )
        self.tokens[token] = Token(subject, seller_ids, now + timedelta(seconds=lifetime))
        self._issued.append(now)
        return token, lifetime

    def resolve(self, token: str, now: datetime) -> Token | None:
        """The live token record, or ``None`` when unknown, expired or revoked."""
        record = self.tokens.get(token)
        if record is None or record.revoked or now >= record.expires_at:
            return None
        return record

    def revoke(self, client_id: str | None = None) -> int:
        revoked = 0
        for record in self.tokens.values():
            if not record.revoked and client_id in (None, record.client_id):
                record.revoked = True
                revoked += 1
        return revoked
