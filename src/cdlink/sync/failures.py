"""The failure policy: what a run does about an error, as data.

``DEFAULT_POLICY`` is a table from error class to a ``FailureResolution``: an action (retry on a
schedule, wait for the rate limit, ask for re-authentication, or give up until a person retries),
a failure type the seller can act on (configuration / transient / system), and the retry
schedule. Lookups walk the error's class hierarchy (``type(error).__mro__``), most specific
first, and match either a registered class or its dotted name, so the table can name the
marketplace client's errors (``cdlink.octopia.errors.*``) without importing them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta


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


@dataclass(frozen=True)
class FailureResolution:
    """What to do about one class of error."""

    action: FailureAction
    failure_type: FailureType
    schedule: tuple[timedelta, ...] = ()
    # Shown to the seller next to the error's own message.
    advice: str = ""

    def delay(self, failures: int, retry_after: float | None = None) -> timedelta | None:
        """How long to wait after the ``failures``-th failure in a row; None: do not retry."""
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
        for cls in type(error).__mro__:
            resolution = self.table.get(qualified_name(cls))
            if resolution is not None:
                return resolution
        return self.table[qualified_name(Exception)]

    def copy(self) -> FailurePolicy:
        return FailurePolicy(dict(self.table))


def qualified_name(cls: type[BaseException]) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


_OCTOPIA = "cdlink.octopia.errors."


def _rows() -> Mapping[str, FailureResolution]:
    retry, soon = FailureAction.RETRY, FailureAction.RETRY_SOON
    transient, system = FailureType.TRANSIENT, FailureType.SYSTEM
    configuration = FailureType.CONFIGURATION
    fail, reauth = FailureAction.FAIL, FailureAction.REAUTHENTICATE
    return {
        "builtins.Exception": FailureResolution(
            retry, system, SYSTEM_SCHEDULE, "An unexpected error; it is retried a few times."
        ),
        "cdlink.core.errors.ConfigurationError": FailureResolution(fail, configuration),
        "cdlink.core.errors.SecretBoxError": FailureResolution(fail, configuration),
        "cdlink.core.errors.StorageError": FailureResolution(retry, system, TRANSIENT_SCHEDULE),
        # The database went away mid-run (restart, failover): nothing was committed half-way.
        "sqlalchemy.exc.OperationalError": FailureResolution(
            retry, transient, TRANSIENT_SCHEDULE, "The database could not be reached."
        ),
        "cdlink.sync.errors.RetryLater": FailureResolution(soon, transient, SOON_SCHEDULE),
        "cdlink.sync.errors.ConnectionPaused": FailureResolution(fail, configuration),
        "cdlink.sync.errors.UnknownStream": FailureResolution(fail, system),
        _OCTOPIA + "OctopiaError": FailureResolution(retry, transient, TRANSIENT_SCHEDULE),
        _OCTOPIA + "TransportError": FailureResolution(
            retry, transient, TRANSIENT_SCHEDULE, "The marketplace could not be reached."
        ),
        _OCTOPIA + "ApiError": FailureResolution(retry, system, SYSTEM_SCHEDULE),
        _OCTOPIA + "AuthError": FailureResolution(
            retry, transient, TRANSIENT_SCHEDULE, "The marketplace's login service failed."
        ),
        _OCTOPIA + "CredentialsRejected": FailureResolution(
            reauth, configuration, (), "Enter the Client ID and Client Secret again."
        ),
        _OCTOPIA + "Forbidden": FailureResolution(
            fail, configuration, (), "The seller account lacks the right for this API."
        ),
        _OCTOPIA + "RateLimited": FailureResolution(
            FailureAction.RATE_LIMITED, transient, minutes(1), "The call budget is spent."
        ),
        _OCTOPIA + "InvalidRequest": FailureResolution(fail, system),
        _OCTOPIA + "NotFound": FailureResolution(retry, system, SYSTEM_SCHEDULE),
        _OCTOPIA + "Conflict": FailureResolution(retry, transient, TRANSIENT_SCHEDULE),
        _OCTOPIA + "ServerError": FailureResolution(
            retry, transient, TRANSIENT_SCHEDULE, "The marketplace had a server error."
        ),
        _OCTOPIA + "MalformedResponse": FailureResolution(retry, system, SYSTEM_SCHEDULE),
    }


DEFAULT_POLICY = FailurePolicy(dict(_rows()))
