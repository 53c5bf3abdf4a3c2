"""Who is asking: the user behind a request, and how they proved it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fastapi import HTTPException, Request

from cdlink.core.translatable import translatable


@dataclass(frozen=True)
class Identity:
    """A logged-in user, by browser session or by API token."""

    user_id: int
    email: str
    is_admin: bool
    via: Literal["session", "token"]


def current_identity(request: Request) -> Identity:
    """The identity the access guard attached; a route only runs when there is one."""
    identity: Identity | None = getattr(request.state, "identity", None)
    if identity is None:
        # The guard answers unauthenticated requests itself; reaching here is a wiring bug.
        raise HTTPException(status_code=401, detail="authentication required")
    return identity


def require_admin(request: Request) -> Identity:
    identity = current_identity(request)
    if not identity.is_admin:
        raise HTTPException(
            status_code=403, detail=translatable("Only an administrator may change applications.")
        )
    return identity
