"""What the Apps pages and the connections API share: the secret box and the connection test."""

from __future__ import annotations

from fastapi import Request

from cdlink.core.secret_box import SecretBox
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
