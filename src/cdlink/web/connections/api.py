"""``/api/v1/connections``: the linked seller accounts ("apps"), without their secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field, SecretStr, StrictInt

from cdlink.hub.connections import accounts as connections
from cdlink.hub.connections.rules import DEFAULT_NAME, ConnectionDraft
from cdlink.store.models import Connection
from cdlink.sync.connections.check import CheckResult
from cdlink.web.connections.checks import check_connection, secret_box
from cdlink.web.identity import current_identity
from cdlink.web.params import Id, StrictFlag

router = APIRouter(prefix="/connections", tags=["connections"])


class ConnectionOut(BaseModel):
    """A connection as the API shows it: never the secret, not even encrypted."""

    id: int
    name: str
    seller_id: int
    auth_mode: Literal["client_credentials", "password"]
    client_id: str
    token_url: str | None
    api_url: str | None
    stock_sync_enabled: bool
    state: str
    state_reason: str | None
    last_tested_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, connection: Connection) -> ConnectionOut:
        return cls.model_validate(connection, from_attributes=True)


class ConnectionIn(BaseModel):
    """A new connection. With ``auth_mode: password`` (legacy), ``client_id`` is the API login
    and ``client_secret`` the API password."""

    name: str = DEFAULT_NAME
    seller_id: StrictInt | str = Field(examples=[123456])
    client_id: str = Field(examples=["my-shop-client"])
    client_secret: SecretStr
    auth_mode: Literal["client_credentials", "password"] = "client_credentials"
    token_url: str | None = None
    api_url: str | None = None
    stock_sync_enabled: StrictFlag = False


class ConnectionPatch(BaseModel):
    """Fields to change; a missing ``client_secret`` keeps the stored one."""

    name: str | None = None
    seller_id: StrictInt | str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    auth_mode: Literal["client_credentials", "password"] | None = None
    token_url: str | None = None
    api_url: str | None = None
    stock_sync_enabled: StrictFlag | None = None


class CheckOut(BaseModel):
    outcome: str = Field(examples=["ok", "wrong_credentials", "not_linked", "unreachable"])
    title: str
    advice: str
    trace_id: str | None

    @classmethod
    def of(cls, result: CheckResult) -> CheckOut:
        return cls(
            outcome=result.outcome.value,
            title=result.title,
            advice=result.advice,
            trace_id=result.trace_id,
        )


class ConnectionSaved(BaseModel):
    connection: ConnectionOut
    check: CheckOut | None = Field(description="The connection test, unless test=false.")


@router.get("")
def list_connections(request: Request) -> list[ConnectionOut]:
    with request.app.state.database.reading() as session:
        return [ConnectionOut.of(item) for item in connections.list_connections(session)]


@router.get("/{connection_id}")
def get_connection(request: Request, connection_id: Id) -> ConnectionOut:
    with request.app.state.database.reading() as session:
        return ConnectionOut.of(connections.get_connection(session, connection_id))


@router.post("", status_code=201)
def create_connection(request: Request, body: ConnectionIn, test: bool = True) -> ConnectionSaved:
    """Validate and save a connection, then test it (the answer says how the test went)."""
    draft = ConnectionDraft(
        name=body.name,
        seller_id=str(body.seller_id),
        client_id=body.client_id,
        secret=body.client_secret.get_secret_value(),
        auth_mode=body.auth_mode,
        token_url=body.token_url or "",
        api_url=body.api_url or "",
        stock_sync_enabled=body.stock_sync_enabled,
    )
    state = request.app.state
    with state.database.session() as session:
        connection = connections.create_connection(
            session,
            secret_box(request),
            state.clock,
            draft,
            user_id=current_identity(request).user_id,
        )
    return _saved(request, connection.id, test=test)


@router.patch("/{connection_id}")
def update_connection(
    request: Request, connection_id: Id, body: ConnectionPatch, test: bool = True
) -> ConnectionSaved:
    state = request.app.state
    with state.database.session() as session:
        current = connections.get_connection(session, connection_id)
        draft = _patched(current, body)
        connections.update_connection(
            session,
            secret_box(request),
            state.clock,
            connection_id,
            draft,
            user_id=current_identity(request).user_id,
        )
    return _saved(request, connection_id, test=test)


def _patched(current: Connection, body: ConnectionPatch) -> ConnectionDraft:
    def pick(value: object, default: object) -> str:
        return str(default if value is None else value)

    return ConnectionDraft(
        name=pick(body.name, current.name),
        seller_id=pick(body.seller_id, current.seller_id),
        client_id=pick(body.client_id, current.client_id),
        secret=body.client_secret.get_secret_value() if body.client_secret else "",
        auth_mode=pick(body.auth_mode, current.auth_mode),
        token_url=pick(body.token_url, current.token_url or ""),
        api_url=pick(body.api_url, current.api_url or ""),
        stock_sync_enabled=(
            current.stock_sync_enabled
            if body.stock_sync_enabled is None
            else body.stock_sync_enabled
        ),
    )


@router.delete("/{connection_id}", status_code=204)
def delete_connection(request: Request, connection_id: Id) -> Response:
    """Stop the connection's syncs and erase its secret; imported data is kept."""
    state = request.app.state
    with state.database.session() as session:
        connections.delete_connection(
            session, state.clock, connection_id, user_id=current_identity(request).user_id
        )
    return Response(status_code=204)


@router.post("/{connection_id}/test")
def test_connection(request: Request, connection_id: Id) -> CheckOut:
    """Test the saved credentials against the marketplace; the outcome is also remembered."""
    with request.app.state.database.reading() as session:
        connections.get_connection(session, connection_id)
    return CheckOut.of(check_connection(request, connection_id))


def _saved(request: Request, connection_id: int, *, test: bool) -> ConnectionSaved:
    check = CheckOut.of(check_connection(request, connection_id)) if test else None
    with request.app.state.database.reading() as session:
        connection = ConnectionOut.of(connections.get_connection(session, connection_id))
    return ConnectionSaved(connection=connection, check=check)
