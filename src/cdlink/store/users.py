"""Users: creating them and checking their passwords (argon2id hashes)."""

from __future__ import annotations

import contextlib
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.core.errors import CdlinkError
from cdlink.store.models import User

MINIMUM_PASSWORD_LENGTH = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_hasher = PasswordHasher()
# Checked against when the e-mail is unknown, so that an unknown account takes as long to refuse
# as a wrong password and the answer time does not tell which accounts exist.
_UNKNOWN_USER_HASH = _hasher.hash("cdlink: no such user")


class UserError(CdlinkError):
    """A user cannot be created or changed as asked."""

    default_hint = "Check the e-mail address and the password and try again."


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise UserError(f"{email!r} is not an e-mail address")
    return email


def hash_password(password: str) -> str:
    if len(password) < MINIMUM_PASSWORD_LENGTH:
        raise UserError(
            f"the password is shorter than {MINIMUM_PASSWORD_LENGTH} characters",
            hint=f"Choose a password of at least {MINIMUM_PASSWORD_LENGTH} characters.",
        )
    return _hasher.hash(password)


def create_user(
    session: Session, clock: Clock, email: str, password: str, *, is_admin: bool = False
) -> User:
    email = normalize_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserError(f"a user with the e-mail {email} already exists")
    user = User(
        email=email,
        password_hash=hash_password(password),
        is_admin=is_admin,
        is_active=True,
        display_name="",
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` is the user's; rehashes transparently when parameters changed."""
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (in about the same time)."""
    user = find_user(session, email)
    if user is None or not user.is_active:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_UNKNOWN_USER_HASH, password)
        return None
    return user if verify_password(user, password) else None


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def user_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


#: The PostgreSQL advisory lock that serialises first setups (any constant, unique to this use).
_FIRST_SETUP_LOCK = 0x6364_6C6E_6B01


def has_users_locked(session: Session) -> bool:
    """Whether any user exists, holding off every other first setup until this one commits.

    SQLite writers already run one at a time (``BEGIN IMMEDIATE``); PostgreSQL reads committed
    data, so two setups started together would both count zero users and both create an admin.
    A transaction-scoped advisory lock makes the second wait and then see the first's account.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _FIRST_SETUP_LOCK})
    return user_count(session) > 0
