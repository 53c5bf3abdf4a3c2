"""Browser sessions, personal API tokens and login throttling, kept in the database.

Tokens are random (256 bits) and only their SHA-256 is stored, so looking one up is one indexed
query and a stolen database opens nothing. Throttling slows down failed logins per (account,
address) with a doubling delay, and counts an address's failures in a sliding window; being in the
database, it survives restarts and holds across several processes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.store.models import ApiToken, LoginAttempt, User, UserSession

API_TOKEN_PREFIX = "cdl_"  # noqa: S105  (a marker that says "cdlink token", not a secret)
_SHOWN_PREFIX_LENGTH = 12
SEEN_PRECISION = timedelta(minutes=1)


class AccessError(CdlinkError):
    """A token cannot be created or revoked as asked."""

    default_hint = "List the tokens with `cdlink tokens list` and try again."


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- sessions -----------------------------------------------------------------------------


def open_session(session: Session, user: User, now: datetime, lifetime: timedelta) -> str:
    """Start a browser session for ``user``; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=token_hash(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
    )
    user.last_login_at = now
    return token


def resume_session(
    session: Session, token: str, now: datetime, idle: timedelta
) -> tuple[User | None, bool]:
    """The active user of a session token (None when unknown, expired or idle too long), and
    whether ``refresh_session`` should run. Only reads, so a page view takes no write lock."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if row is None:
        return None, False
    if row.expires_at <= now or row.last_seen_at + idle <= now:
        return None, True
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None, False
    # Writing on every request would serialise readers on SQLite; a minute is precise enough.
    return user, now - row.last_seen_at > SEEN_PRECISION


def refresh_session(session: Session, token: str, now: datetime, idle: timedelta) -> None:
    """Forget an expired session, or note that a live one was just used."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if row is None:
        return
    if row.expires_at <= now or row.last_seen_at + idle <= now:
        session.delete(row)
    else:
        row.last_seen_at = now


def close_session(session: Session, token: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))


def close_all_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))


# --- API tokens ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    """A new API token: ``secret`` is shown once and never stored."""

    record: ApiToken
    secret: str


def issue_api_token(session: Session, user: User, name: str, now: datetime) -> IssuedToken:
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise AccessError(
            "a token needs a name of 1 to 80 characters",
            hint="Name it after what will use it, e.g. 'ERP' or 'warehouse script'.",
        )
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[:_SHOWN_PREFIX_LENGTH],
        token_hash=token_hash(secret),
        created_at=now,
    )
    session.add(record)
    session.flush()
    return IssuedToken(record=record, secret=secret)


def list_api_tokens(session: Session, user_id: int | None = None) -> list[ApiToken]:
    """Tokens not revoked, newest first; every user's when ``user_id`` is None."""
    query = select(ApiToken).where(ApiToken.revoked_at.is_(None))
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(session.scalars(query.order_by(ApiToken.id.desc())))


def revoke_api_token(
    session: Session, token_id: int, now: datetime, user_id: int | None = None
) -> ApiToken:
    """Revoke a token (of ``user_id`` when given); it stops working at once."""
    record = session.get(ApiToken, token_id)
    if (
        record is None
        or record.revoked_at is not None
        or (user_id is not None and record.user_id != user_id)
    ):
        raise AccessError(f"there is no active API token number {token_id}")
    record.revoked_at = now
    return record


def authenticate_api_token(
    session: Session, secret: str, now: datetime
) -> tuple[User | None, bool]:
    """The active user a bearer token belongs to (or None), and whether ``mark_token_used``
    should run. Only reads."""
    if not secret.startswith(API_TOKEN_PREFIX):
        return None, False
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
    if record is None or record.revoked_at is not None:
        return None, False
    user = session.get(User, record.user_id)
    if user is None or not user.is_active:
        return None, False
    due = record.last_used_at is None or now - record.last_used_at > SEEN_PRECISION
    return user, due


def mark_token_used(session: Session, secret: str, now: datetime) -> None:
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
    if record is not None:
        record.last_used_at = now


# --- login throttling ---------------------------------------------------------------------

#: The first delay once an (account, address) pair has used its free failures; it then doubles.
FIRST_DELAY = timedelta(seconds=1)


@dataclass(frozen=True)
class ThrottlePolicy:
    """``failures_per_account`` failures in a row for one account from one address are free, then
    each further try waits ``FIRST_DELAY`` doubled per failure up to ``max_delay``; an address
    may fail ``failures_per_address`` times within ``window`` whatever the accounts."""

    failures_per_account: int
    failures_per_address: int
    window: timedelta
    max_delay: timedelta = timedelta(minutes=15)

    def delay(self, failures_in_a_row: int) -> timedelta:
        """The wait after ``failures_in_a_row`` failures of one account from one address."""
        extra = failures_in_a_row - self.failures_per_account
        if extra < 0:
            return timedelta(0)
        doubled: timedelta = FIRST_DELAY * 2 ** min(extra, 32)
        return min(self.max_delay, doubled)


def login_blocked_until(
    session: Session, policy: ThrottlePolicy, account: str, address: str, now: datetime
) -> datetime | None:
    """When the next attempt may be made, or None if one may be made now.

    The delay is per (account, address): someone guessing a password from one address slows
    down only there, and the real user logging in from another address is not locked out. An
    address's failures over all accounts also count, so one address cannot try many accounts.
    """
    candidates = (
        _pair_blocked_until(session, policy, account, address),
        _address_blocked_until(session, policy, address, now - policy.window),
    )
    later = [moment for moment in candidates if moment is not None and moment > now]
    return max(later) if later else None


def _pair_blocked_until(
    session: Session, policy: ThrottlePolicy, account: str, address: str
) -> datetime | None:
    """The last failure plus the delay its run of failures earned (since the last success)."""
    recent = session.execute(
        select(LoginAttempt.attempted_at, LoginAttempt.succeeded)
        .where(LoginAttempt.account == account, LoginAttempt.address == address)
        .order_by(LoginAttempt.attempted_at.desc(), LoginAttempt.id.desc())
        # Past this many failures the delay is at its maximum: older rows change nothing.
        .limit(policy.failures_per_account + 40)
    ).all()
    failures = 0
    for _moment, succeeded in recent:
        if succeeded:
            break
        failures += 1
    if failures < policy.failures_per_account:
        return None
    last_failure: datetime = recent[0][0]
    return last_failure + policy.delay(failures)


def _address_blocked_until(
    session: Session, policy: ThrottlePolicy, address: str, since: datetime
) -> datetime | None:
    limit = policy.failures_per_address
    failures = list(
        session.scalars(
            select(LoginAttempt.attempted_at)
            .where(
                LoginAttempt.address == address,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at > since,
            )
            .order_by(LoginAttempt.attempted_at.desc())
            .limit(limit)
        )
    )
    if len(failures) < limit:
        return None
    # The oldest of the last ``limit`` failures leaving the window frees one attempt.
    return failures[-1] + policy.window


def record_login_attempt(
    session: Session,
    policy: ThrottlePolicy,
    account: str,
    address: str,
    now: datetime,
    *,
    succeeded: bool,
) -> None:
    session.add(
        LoginAttempt(account=account, address=address, attempted_at=now, succeeded=succeeded)
    )
    # Attempts older than a day tell nothing any more; forget them as we go.
    horizon = now - max(policy.window, policy.max_delay, timedelta(days=1))
    session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < horizon))
