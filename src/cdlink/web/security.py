"""Signed cookie values and CSRF tokens, both keyed by the instance's signing key.

The session cookie carries a random token and an HMAC of it, so a forged or truncated cookie is
refused before the database is asked. The CSRF token of a page is an HMAC of a random per-browser
cookie (the "signed double-submit cookie" pattern): a page from another site can make the browser
send the cookie, but cannot read it, so cannot compute the token that must come with the form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

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

    def csrf_token(self, browser_secret: str) -> str:
        return self.mac("csrf", browser_secret)

    def csrf_valid(self, browser_secret: str, token: str) -> bool:
        return bool(token) and hmac.compare_digest(token, self.csrf_token(browser_secret))


def new_browser_secret() -> str:
    return secrets.token_urlsafe(32)
