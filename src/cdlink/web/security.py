"""Signed cookie values and CSRF tokens, both keyed by the instance's signing key.

The session cookie carries a random token and an HMAC of it, so a forged or truncated cookie is
refused before the database is asked. The CSRF token of a page is an HMAC of a random per-browser
cookie (the "signed double-submit cookie" pattern): a page from another site can make the browser
send the cookie, but cannot read it, so cannot compute the token that must come with the form.
The HMAC also covers the session cookie's token, and the per-browser cookie is replaced at login
and logout: a token obtained before login, or in another session, is refused.

The client's address is the peer's, unless the peer is one of ``CDLINK_TRUSTED_PROXIES``: then
``X-Forwarded-For`` is read from the right, skipping trusted proxies, and the first address that
is not one is the client (the left part of the header is whatever the client chose to send).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address

SESSION_COOKIE = "cdlink_session"
CSRF_COOKIE = "cdlink_csrf"
LANGUAGE_COOKIE = "cdlink_language"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Signer:
    """HMAC-SHA256 under the signing key, with a purpose so one value never passes for another."""

    key: bytes

    @classmethod
    def from_text(cls, key: str) -> Signer:
        return cls(key.encode("utf-8"))

    def mac(self, purpose: str, value: str) -> str:
        message = f"{purpose}:{value}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def sign(self, purpose: str, value: str) -> str:
        return f"{value}.{self.mac(purpose, value)}"

    def unsign(self, purpose: str, signed: str) -> str | None:
        """The value if the signature matches, else None."""
        value, _, mac = signed.rpartition(".")
        if not value or not hmac.compare_digest(mac, self.mac(purpose, value)):
            return None
        return value

    def csrf_token(self, browser_secret: str, session: str = "") -> str:
        """The CSRF token of a browser (its secret cookie) in a session (the session cookie's
        token; empty before login)."""
        return self.mac("csrf", f"{browser_secret}:{session}")

    def csrf_valid(self, browser_secret: str, token: str, session: str = "") -> bool:
        return bool(token) and hmac.compare_digest(token, self.csrf_token(browser_secret, session))


def new_browser_secret() -> str:
    return secrets.token_urlsafe(32)


Networks = Sequence[IPv4Network | IPv6Network]


def client_address(peer: str, forwarded_for: str, trusted: Networks) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy, then the right-most address
    of ``forwarded_for`` (``X-Forwarded-For``) that is not a trusted proxy."""
    if not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    # Every hop is a proxy we trust (or there is no header): the left-most one is the client.
    return hops[0] if hops else peer


def _is_trusted(address: str, trusted: Networks) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)
