"""The zips of XML offer packages, served by cdlink to the marketplace at an expiring address.

Cdiscount takes an XML offer package (sales, flash sales) as the URL of a zip it downloads
itself. cdlink stores the zip and answers it at ``{CDLINK_PUBLIC_URL}/offer-packages/{token}/
{name}``, without login: the token (32 random bytes) is the only key, only its SHA-256 is stored,
and the address answers 404 once the file has expired (a day: the marketplace downloads it
within minutes). Nothing but that one zip is reachable through a token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cdlink.store.models import OfferPackageFile

#: How long the marketplace may download a package's zip.
LIFETIME = timedelta(hours=24)
#: Where cdlink's web app serves the zips (public: the guard lets it through without login).
PREFIX = "/offer-packages/"
NAME = re.compile(r"^[A-Za-z0-9._-]{1,120}$")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def store(session: Session, connection_id: int, content: bytes, name: str, now: datetime) -> str:
    """Keep ``content`` for the marketplace; the path (under ``PREFIX``) it is served at.

    Expired files are removed on the way.
    """
    if not NAME.match(name):
        raise ValueError(f"file name {name!r}: letters, digits, dot, dash, underscore")
    session.execute(delete(OfferPackageFile).where(OfferPackageFile.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(
        OfferPackageFile(
            connection_id=connection_id,
            token_hash=_digest(token),
            name=name,
            content=content,
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    session.flush()
    return f"{PREFIX}{token}/{name}"


def find(session: Session, token: str, name: str, now: datetime) -> bytes | None:
    """The zip behind ``token`` and ``name``, or None (unknown, other name, or expired)."""
    if not TOKEN.match(token) or not NAME.match(name):
        return None
    found = session.scalar(
        select(OfferPackageFile).where(OfferPackageFile.token_hash == _digest(token))
    )
    if found is None or found.name != name or found.expires_at <= now:
        return None
    return found.content
