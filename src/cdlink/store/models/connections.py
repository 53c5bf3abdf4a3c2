"""Connections: linked Cdiscount seller accounts ("apps" in the UI)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cdlink.store.base import Base
from cdlink.store.types import UtcDateTime


class Connection(Base):
    """One linked seller account. The secret is only ever stored encrypted."""

    __tablename__ = "connections"
    __table_args__ = (UniqueConstraint("seller_id", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    seller_id: Mapped[int] = mapped_column(BigInteger)
    # "client_credentials" (Client ID + Client Secret) or "password" (legacy API login).
    auth_mode: Mapped[str] = mapped_column(String(32), default="client_credentials")
    client_id: Mapped[str] = mapped_column(String(120))
    secret_ciphertext: Mapped[str] = mapped_column(Text)
    token_url: Mapped[str | None] = mapped_column(String(500), default=None)
    api_url: Mapped[str | None] = mapped_column(String(500), default=None)
    stock_sync_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # "active", "reauth_required" (credentials rejected) or "paused".
    state: Mapped[str] = mapped_column(String(32), default="active")
    state_reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_tested_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)

    def __repr__(self) -> str:
        # Never the secret, not even its ciphertext.
        return f"<Connection {self.id} {self.name!r} seller={self.seller_id}>"
