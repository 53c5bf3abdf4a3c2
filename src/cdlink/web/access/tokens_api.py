"""``/api/v1/me`` and ``/api/v1/tokens``: who am I, and my personal API tokens."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from cdlink.store import access
from cdlink.store.models import ApiToken, User
from cdlink.web.identity import current_identity
from cdlink.web.params import Id

router = APIRouter(tags=["account"])


class Me(BaseModel):
    id: int
    email: str
    is_admin: bool


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
        )


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself: shown in this answer only, never again.")


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=80, examples=["ERP"])


@router.get("/me")
def me(request: Request) -> Me:
    identity = current_identity(request)
    return Me(id=identity.user_id, email=identity.email, is_admin=identity.is_admin)


@router.get("/tokens")
def list_tokens(request: Request) -> list[TokenOut]:
    identity = current_identity(request)
    with request.app.state.database.reading() as session:
        return [TokenOut.of(token) for token in access.list_api_tokens(session, identity.user_id)]


@router.post("/tokens", status_code=201)
def create_token(request: Request, body: TokenIn, response: Response) -> TokenCreated:
    identity = current_identity(request)
    with request.app.state.database.session() as session:
        user = session.get_one(User, identity.user_id)
        issued = access.issue_api_token(session, user, body.name, request.app.state.clock.now())
        created = TokenCreated(**TokenOut.of(issued.record).model_dump(), token=issued.secret)
    response.headers["Cache-Control"] = "no-store"
    return created


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(request: Request, token_id: Id) -> Response:
    identity = current_identity(request)
    with request.app.state.database.session() as session:
        access.revoke_api_token(session, token_id, request.app.state.clock.now(), identity.user_id)
    return Response(status_code=204)
