"""Idempotency keys of the REST API: a retried request gets the first answer, applied once.

The caller looks the key up, and if it is new, applies the change and ``remember``\\ s the
answer **in the same transaction**: either both are committed or neither. Two requests racing
with one key collide on the unique (user, key) constraint; the loser's transaction rolls back
(``IdempotencyInProgressError``) and its retry then finds the winner's answer. Keys are kept for
``KEEP_FOR``, after which a key may be used again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.store.models import IdempotencyKey

KEEP_FOR = timedelta(hours=24)
MAXIMUM_KEY_LENGTH = 200


class IdempotencyKeyReusedError(CdlinkError):
    """The key was already used for a different request."""

    default_hint = "Use a new Idempotency-Key for each distinct change; reuse it only to retry."


class IdempotencyInProgressError(CdlinkError):
    """Another request with the same key is being applied right now."""

    default_hint = "Retry in a moment: you will get the answer of the first request."


class InvalidIdempotencyKeyError(CdlinkError):
    """A key too long or empty."""

    default_hint = "Send an Idempotency-Key of 1 to 200 characters, e.g. a UUID."


@dataclass(frozen=True)
class Remembered:
    status_code: int
    response: dict[str, Any]


def request_hash(method: str, path: str, body: Any) -> str:
    text = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not 1 <= len(key) <= MAXIMUM_KEY_LENGTH:
        raise InvalidIdempotencyKeyError("the Idempotency-Key header is empty or too long")
    return key


def recall(
    session: Session, user_id: int, key: str, digest: str, now: datetime
) -> Remembered | None:
    """The answer already given to this key, or None if the key is new (or expired)."""
    row = session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )
    if row is None or row.created_at < now - KEEP_FOR:
        return None
    if row.request_hash != digest:
        raise IdempotencyKeyReusedError(f"the Idempotency-Key {key!r} was used for another request")
    return Remembered(row.status_code, dict(row.response))


def remember(
    session: Session,
    user_id: int,
    key: str,
    digest: str,
    *,
    answer: Remembered,
    now: datetime,
) -> None:
    """Keep the answer in the caller's transaction; expired keys go at the same time."""
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEEP_FOR))
    session.add(
        IdempotencyKey(
            user_id=user_id,
            key=key,
            request_hash=digest,
            status_code=answer.status_code,
            response=answer.response,
            created_at=now,
        )
    )
    try:
        session.flush()
    except IntegrityError as error:
        raise IdempotencyInProgressError(
            f"another request with the Idempotency-Key {key!r} is being applied"
        ) from error
