"""Who is asking: the user behind a request, how they proved it, and their role."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from fastapi import HTTPException, Request


class Role(StrEnum):
    """What a user may do (``docs/roles.md``); ``PUBLIC`` marks routes open before login."""

    PUBLIC = "public"
    MEMBER = "member"
    ADMIN = "admin"


#: Who holds a role also holds the ones below it.
RANKS = {Role.PUBLIC: 0, Role.MEMBER: 1, Role.ADMIN: 2}


@dataclass(frozen=True)
class Identity:
    """A logged-in user, by browser session or by API token (a token carries its user's role)."""

    user_id: int
    email: str
    is_admin: bool
    via: Literal["session", "token"]

    @property
    def role(self) -> Role:
        return Role.ADMIN if self.is_admin else Role.MEMBER

    def holds(self, needed: Role) -> bool:
        return RANKS[self.role] >= RANKS[needed]


def current_identity(request: Request) -> Identity:
    """The identity the access guard attached; a route only runs when there is one."""
    identity: Identity | None = getattr(request.state, "identity", None)
    if identity is None:
        # The guard answers unauthenticated requests itself; reaching here is a wiring bug.
        raise HTTPException(status_code=401, detail="authentication required")
    return identity
