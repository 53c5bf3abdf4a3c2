"""Testing a connection: can cdlink get a token with these credentials and read the seller?

The answer is one of a few outcomes a seller can act on, each with what to do about it (English
here; the web layer translates). The check itself talks to the marketplace through the Octopia
client, so it goes through the same retries and error mapping as every sync.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import httpx

from cdlink.core.clock import Clock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.core.translatable import translatable
from cdlink.hub.connections.accounts import Credentials, credentials, get_connection, record_check
from cdlink.octopia import (
    AuthError,
    ClientCredentials,
    CredentialsRejected,
    Forbidden,
    NotFound,
    OctopiaClient,
    OctopiaError,
    PasswordCredentials,
    RateLimited,
    RetryPolicy,
    TransportError,
)
from cdlink.store.engine import Database

log = logging.getLogger(__name__)
# A seller waits on the Confirm button: answer within seconds, even from a slow marketplace.
CHECK_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


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


class OctopiaConnectionChecker:
    """Tests credentials with the Octopia client: fetch a token, then ``GET /sellers``.

    Interactive: one quick retry at most, so a seller waiting on the Confirm button gets an
    answer in seconds; the sync jobs keep their own, longer retry horizon.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.transport = transport
        self.clock = clock
        self.retry = retry or RetryPolicy(max_retries=1, max_delay=2.0)

    def __call__(self, credentials: Credentials) -> CheckResult:
        try:
            with self._client(credentials) as client:
                client.sellers.get()
        except OctopiaError as error:
            log.info(
                "connection test failed: %s",
                error,
                extra={"connection_id": credentials.connection_id},
            )
            return CheckResult(outcome_of_error(error), trace_id=error.trace_id)
        return CheckResult(CheckOutcome.OK)

    def _client(self, credentials: Credentials) -> OctopiaClient:
        return OctopiaClient(
            octopia_credentials(credentials),
            api_url=credentials.api_url or self.settings.octopia_api_url,
            token_url=credentials.token_url or self.settings.octopia_token_url,
            transport=self.transport,
            clock=self.clock,
            retry=self.retry,
            timeout=CHECK_TIMEOUT,
        )


def octopia_credentials(credentials: Credentials) -> ClientCredentials | PasswordCredentials:
    seller_id = str(credentials.seller_id)
    if credentials.auth_mode == "password":
        return PasswordCredentials(
            seller_id=seller_id, login=credentials.client_id, password=credentials.secret
        )
    return ClientCredentials(
        seller_id=seller_id, client_id=credentials.client_id, client_secret=credentials.secret
    )


# Most specific first: CredentialsRejected is an AuthError, every one is an OctopiaError.
ERROR_OUTCOMES: tuple[tuple[type[OctopiaError], CheckOutcome], ...] = (
    (CredentialsRejected, CheckOutcome.WRONG_CREDENTIALS),
    (Forbidden, CheckOutcome.NOT_LINKED),
    # A token the API refuses even after one renewal: valid credentials, but not for this seller.
    (AuthError, CheckOutcome.NOT_LINKED),
    (RateLimited, CheckOutcome.RATE_LIMITED),
    (TransportError, CheckOutcome.UNREACHABLE),
    # /sellers always exists: a 404 means the API address points somewhere else.
    (NotFound, CheckOutcome.UNREACHABLE),
)


def outcome_of_error(error: OctopiaError) -> CheckOutcome:
    for kind, outcome in ERROR_OUTCOMES:
        if isinstance(error, kind):
            return outcome
    return CheckOutcome.MARKETPLACE_ERROR


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
