"""Testing a connection: can cdlink get a token with these credentials and read the seller?

The answer is one of a few outcomes a seller can act on, each with what to do about it (English
here; the web layer translates). The check itself talks to the marketplace through the Octopia
client, so it goes through the same retries and error mapping as every sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from cdlink.core.clock import Clock
from cdlink.core.secret_box import SecretBox
from cdlink.core.translatable import translatable
from cdlink.hub.connections import Credentials, credentials, get_connection, record_check
from cdlink.store.engine import Database


class CheckOutcome(StrEnum):
    OK = "ok"
    WRONG_CREDENTIALS = "wrong_credentials"
    NOT_LINKED = "not_linked"
    UNREACHABLE = "unreachable"
    RATE_LIMITED = "rate_limited"
    MARKETPLACE_ERROR = "marketplace_error"


# outcome → (what happened, what to do)
EXPLANATIONS: dict[CheckOutcome, tuple[str, str]] = {
    CheckOutcome.OK: (
        translatable("Module installed correctly"),
        translatable("cdlink reached your Cdiscount seller account."),
    ),
    CheckOutcome.WRONG_CREDENTIALS: (
        translatable("The Client ID or the Client Secret is wrong"),
        translatable(
            "Copy both again from the Octopia seller portal (Mon compte → API), without spaces, "
            "and confirm again. A secret that was regenerated there replaces the old one."
        ),
    ),
    CheckOutcome.NOT_LINKED: (
        translatable("These credentials are not linked to this Seller ID"),
        translatable(
            "Check the Seller ID, or link this Client ID to your seller account in the Octopia "
            "seller portal."
        ),
    ),
    CheckOutcome.UNREACHABLE: (
        translatable("The marketplace cannot be reached"),
        translatable(
            "Check this server's internet connection (and the token and API addresses, if you "
            "changed them), then test again."
        ),
    ),
    CheckOutcome.RATE_LIMITED: (
        translatable("The marketplace asks cdlink to slow down"),
        translatable(
            "Too many calls were made with these credentials. Wait a minute and test again."
        ),
    ),
    CheckOutcome.MARKETPLACE_ERROR: (
        translatable("The marketplace answered with an error"),
        translatable("This is usually temporary on Cdiscount's side. Test again in a few minutes."),
    ),
}


@dataclass(frozen=True)
class CheckResult:
    outcome: CheckOutcome
    # The marketplace's request id, for a support ticket with Octopia.
    trace_id: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.outcome is CheckOutcome.OK

    @property
    def credentials_rejected(self) -> bool:
        """The credentials themselves are at fault: syncs wait until the user fixes them."""
        return self.outcome in {CheckOutcome.WRONG_CREDENTIALS, CheckOutcome.NOT_LINKED}

    @property
    def title(self) -> str:
        return EXPLANATIONS[self.outcome][0]

    @property
    def advice(self) -> str:
        return EXPLANATIONS[self.outcome][1]


class ConnectionChecker(Protocol):
    """Anything that can test credentials against the marketplace."""

    def __call__(self, credentials: Credentials) -> CheckResult: ...


def check_and_record(
    database: Database,
    box: SecretBox,
    clock: Clock,
    checker: ConnectionChecker,
    connection_id: int,
    *,
    user_id: int | None = None,
) -> CheckResult:
    """Test a saved connection and remember the outcome on it (and in the activity log).

    No transaction is held while the marketplace answers.
    """
    with database.reading() as session:
        found = credentials(get_connection(session, connection_id), box)
    result = checker(found)
    with database.session() as session:
        record_check(
            session,
            clock,
            connection_id,
            succeeded=result.succeeded,
            credentials_rejected=result.credentials_rejected,
            reason=None if result.succeeded else result.outcome.value,
            user_id=user_id,
        )
    return result


def outcome_of(reason: str | None) -> CheckOutcome | None:
    """The outcome a connection's stored ``state_reason`` names, if it names one."""
    try:
        return CheckOutcome(reason) if reason else None
    except ValueError:
        return None
