"""Access to the web app and the REST API: browser sessions, API tokens, login attempts.

Only hashes of session and API tokens are stored: a copy of the database lets nobody log in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cdlink.store.base import Base
from cdlink.store.types import UtcDateTime


class UserSession(Base):
    """One logged-in browser; the cookie holds the token, the table its SHA-256."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id}>"


class ApiToken(Base):
    """A personal API token; shown once at creation, then only its prefix."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name!r} {self.prefix}…>"


class LoginAttempt(Base):
    """One password check, kept a while so throttling works across restarts and processes."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_account_attempted", "account", "attempted_at"),
        Index("ix_login_attempts_address_attempted", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
