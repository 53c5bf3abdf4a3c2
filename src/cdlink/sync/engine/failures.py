"""The failure policy: what a run does about an error, as data.

``DEFAULT_POLICY`` is a table from error class to a ``FailureResolution``: an action (retry on a
schedule, wait for the rate limit, ask for re-authentication, or give up until a person retries),
a failure type the seller can act on (configuration / transient / system), and the retry
schedule. Lookups walk the error's class hierarchy (``type(error).__mro__``), most specific
first, and match either a registered class or its dotted name. The marketplace's rows come from
the client's own table (``cdlink.octopia.policy.FAILURE_POLICY``: action and failure type per
error class), given the job layer's retry schedules by ``octopia_resolution``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.exc import OperationalError

from cdlink.octopia import FAILURE_POLICY as OCTOPIA_POLICY
from cdlink.octopia import (
    Action,
    AuthError,
    CredentialsRejected,
    Forbidden,
    OctopiaError,
    RateLimited,
    Resolution,
    ServerError,
    TransportError,
)
from cdlink.octopia import FailureType as OctopiaFailureType


class FailureAction(enum.StrEnum):
    RETRY = "retry"  # try again on the schedule; dead after too many failures in a row
    RATE_LIMITED = "rate_limited"  # wait as long as the marketplace says; not counted
    RETRY_SOON = "retry_soon"  # a harmless race; try again shortly, not counted
    REAUTHENTICATE = "reauthenticate"  # credentials rejected: pause the connection
    FAIL = "fail"  # retrying cannot help: dead until a person retries


class FailureType(enum.StrEnum):
    """Who can fix it: the seller (configuration), time (transient) or a developer (system)."""

    CONFIGURATION = "configuration"
    TRANSIENT = "transient"
    SYSTEM = "system"


def minutes(*values: float) -> tuple[timedelta, ...]:
    return tuple(timedelta(minutes=value) for value in values)


TRANSIENT_SCHEDULE = minutes(0.5, 2, 10, 30, 60, 120)
SYSTEM_SCHEDULE = minutes(1, 10, 60)
SOON_SCHEDULE = (timedelta(seconds=5),)
#: After a 429 the client's call budget has already slowed down: the stream comes back in
#: seconds, and waits longer only while the marketplace keeps refusing (rate-limited runs in a
#: row), up to a minute. A ``Retry-After`` that is longer wins.
RATE_LIMITED_SCHEDULE = tuple(timedelta(seconds=value) for value in (5, 15, 30, 60))


@dataclass(frozen=True)
class FailureResolution:
    """What to do about one class of error."""

    action: FailureAction
    failure_type: FailureType
    schedule: tuple[timedelta, ...] = ()
    # Shown to the seller next to the error's own message.
    advice: str = ""

    def delay(self, failures: int, retry_after: float | None = None) -> timedelta | None:
        """How long to wait after the ``failures``-th failure in a row (for a rate limit, the
        ``failures``-th rate-limited run in a row); None: do not retry."""
        if self.action in (FailureAction.REAUTHENTICATE, FailureAction.FAIL):
            return None
        wait = self.schedule[min(max(failures, 1), len(self.schedule)) - 1]
        if retry_after is not None:
            wait = max(wait, timedelta(seconds=retry_after))
        return wait

    @property
    def counts_as_failure(self) -> bool:
        """Whether this failure brings the stream closer to the dead state."""
        return self.action not in (FailureAction.RATE_LIMITED, FailureAction.RETRY_SOON)


@dataclass
class FailurePolicy:
    """A table from error class (or its dotted name) to a resolution; see the module docstring."""

    table: dict[str, FailureResolution] = field(default_factory=dict)

    def register(self, error: type[BaseException] | str, resolution: FailureResolution) -> None:
        self.table[error if isinstance(error, str) else qualified_name(error)] = resolution

    def resolve(self, error: BaseException) -> FailureResolution:
        if database_busy(error) and DATABASE_BUSY in self.table:
            return self.table[DATABASE_BUSY]
        for cls in type(error).__mro__:
            resolution = self.table.get(qualified_name(cls))
            if resolution is not None:
                return resolution
        return self.table[qualified_name(Exception)]

    def copy(self) -> FailurePolicy:
        return FailurePolicy(dict(self.table))


def qualified_name(cls: type[BaseException]) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


#: SQLite's primary result code for "database is locked" (https://sqlite.org/rescode.html).
SQLITE_BUSY = 5
#: The row of SQLite's "database is locked", looked up before the error's class hierarchy.
DATABASE_BUSY = "sqlite.database_is_locked"


def database_busy(error: BaseException) -> bool:
    """SQLite's "database is locked": another writer held the database past the busy timeout
    (a long import on a loaded machine). A race with that writer, not an outage."""
    code = getattr(getattr(error, "orig", None), "sqlite_errorcode", None)
    busy = isinstance(code, int) and code & 0xFF == SQLITE_BUSY
    return isinstance(error, OperationalError) and busy


# What the seller reads next to a marketplace error's own message and hint.
_ADVICE: dict[type[OctopiaError], str] = {
    TransportError: "The marketplace could not be reached.",
    AuthError: "The marketplace's login service failed.",
    CredentialsRejected: "Enter the Client ID and Client Secret again.",
    Forbidden: "The seller account lacks the right for this API.",
    RateLimited: "The call budget is spent.",
    ServerError: "The marketplace had a server error.",
}


def octopia_resolution(
    error_class: type[OctopiaError], resolution: Resolution
) -> FailureResolution:
    """The client's own verdict on a marketplace error (``cdlink.octopia.policy``), with the job
    layer's schedules: retry → the transient or system schedule; rate-limited → wait; a failure
    the seller must fix → dead until retried; a failure that is cdlink's or the API's → retried on
    the system schedule (a later run may pass), dead after too many. A rejected credential pauses
    the connection.
    """
    advice = _ADVICE.get(error_class, "")
    failure_type = _FAILURE_TYPES[resolution.failure_type]
    if issubclass(error_class, CredentialsRejected):
        return FailureResolution(FailureAction.REAUTHENTICATE, failure_type, (), advice)
    if resolution.action is Action.RATE_LIMITED:
        return FailureResolution(
            FailureAction.RATE_LIMITED, failure_type, RATE_LIMITED_SCHEDULE, advice
        )
    if resolution.action is Action.FAIL and failure_type is FailureType.CONFIGURATION:
        return FailureResolution(FailureAction.FAIL, failure_type, (), advice)
    schedule = TRANSIENT_SCHEDULE if failure_type is FailureType.TRANSIENT else SYSTEM_SCHEDULE
    return FailureResolution(FailureAction.RETRY, failure_type, schedule, advice)


_FAILURE_TYPES = {
    OctopiaFailureType.CONFIG: FailureType.CONFIGURATION,
    OctopiaFailureType.TRANSIENT: FailureType.TRANSIENT,
    OctopiaFailureType.SYSTEM: FailureType.SYSTEM,
}


def _rows() -> Mapping[str, FailureResolution]:
    retry, soon = FailureAction.RETRY, FailureAction.RETRY_SOON
    transient, system = FailureType.TRANSIENT, FailureType.SYSTEM
    configuration, fail = FailureType.CONFIGURATION, FailureAction.FAIL
    rows = {
        "builtins.Exception": FailureResolution(
            retry, system, SYSTEM_SCHEDULE, "An unexpected error; it is retried a few times."
        ),
        "cdlink.core.errors.ConfigurationError": FailureResolution(fail, configuration),
        "cdlink.core.errors.SecretBoxError": FailureResolution(fail, configuration),
        "cdlink.core.errors.StorageError": FailureResolution(retry, system, TRANSIENT_SCHEDULE),
        # Another writer held SQLite's lock past the busy timeout: the run's uncommitted step
        # is done again in a few seconds, neither counted nor waiting for the retry schedule
        # (a stream that lost such a race once no longer waits minutes with work queued).
        DATABASE_BUSY: FailureResolution(
            soon,
            transient,
            SOON_SCHEDULE,
            "Another task held the database; cdlink tries again in a few seconds.",
        ),
        # The database went away mid-run (restart, failover): nothing was committed half-way.
        "sqlalchemy.exc.OperationalError": FailureResolution(
            retry, transient, TRANSIENT_SCHEDULE, "The database could not be reached."
        ),
        "cdlink.sync.engine.errors.RetryLater": FailureResolution(soon, transient, SOON_SCHEDULE),
        "cdlink.sync.engine.errors.ConnectionPaused": FailureResolution(fail, configuration),
        "cdlink.sync.engine.errors.UnknownStream": FailureResolution(fail, system),
    }
    for error_class, resolution in OCTOPIA_POLICY.items():
        rows[qualified_name(error_class)] = octopia_resolution(error_class, resolution)
    return rows


DEFAULT_POLICY = FailurePolicy(dict(_rows()))
