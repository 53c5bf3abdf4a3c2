"""What the Apps pages and the connections API share: the secret box and the connection test."""

from __future__ import annotations

from fastapi import Request

from cdlink.core.secret_box import SecretBox
from cdlink.hub.connections.accounts import draft_credentials
from cdlink.hub.connections.rules import ConnectionDraft
from cdlink.sync.connections.check import CheckResult, check_and_record
from cdlink.web.identity import current_identity


def secret_box(request: Request) -> SecretBox:
    box: SecretBox = request.app.state.secret_box
    return box


def check_connection(request: Request, connection_id: int) -> CheckResult:
    """Test the connection against the marketplace and remember the outcome (administrators)."""
    state = request.app.state
    return check_and_record(
        state.database,
        secret_box(request),
        state.clock,
        state.connection_checker,
        connection_id,
        user_id=current_identity(request).user_id,
    )


def check_draft(request: Request, draft: ConnectionDraft) -> CheckResult:
    """Test the credentials of a connection not saved yet (nothing is written)."""
    checker = request.app.state.connection_checker
    result: CheckResult = checker(draft_credentials(draft))
    return result
