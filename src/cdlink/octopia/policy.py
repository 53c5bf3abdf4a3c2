"""What to do about a failed marketplace call, as data: the long retry horizon's input.

``FAILURE_POLICY`` maps each error class to a ``Resolution``: an ``Action`` (retry later, wait for
the rate limit, fail) and a ``FailureType`` the user can act on (``CONFIG``: fix the connection;
``TRANSIENT``: nothing to do, it will pass; ``SYSTEM``: a bug or an API change to report).
``resolve(error)`` looks an error up by its class, most specific first. The job layer decides a
job's fate from it, and the sync log shows the hint instead of a stack trace.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from enum import StrEnum

from cdlink.octopia.errors import (
    ApiError,
    AuthError,
    Conflict,
    CredentialsRejected,
    Forbidden,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    OctopiaError,
    RateLimited,
    RuleViolation,
    ServerError,
    TransportError,
)
from cdlink.octopia.retry import CallInterrupted


class Action(StrEnum):
    RETRY = "retry"
    """Try again later, with the job layer's backoff."""
    RATE_LIMITED = "rate_limited"
    """Try again after ``retry_after`` (or the job layer's backoff when there is none)."""
    FAIL = "fail"
    """Do not retry by itself: a human has to act (or a later run will pick it up)."""


class FailureType(StrEnum):
    CONFIG = "config"
    TRANSIENT = "transient"
    SYSTEM = "system"


@dataclasses.dataclass(frozen=True)
class Resolution:
    action: Action
    failure_type: FailureType


FAILURE_POLICY: Mapping[type[OctopiaError], Resolution] = {
    CredentialsRejected: Resolution(Action.FAIL, FailureType.CONFIG),
    AuthError: Resolution(Action.RETRY, FailureType.TRANSIENT),
    Forbidden: Resolution(Action.FAIL, FailureType.CONFIG),
    RateLimited: Resolution(Action.RATE_LIMITED, FailureType.TRANSIENT),
    InvalidRequest: Resolution(Action.FAIL, FailureType.SYSTEM),
    # A broken rule (reply length, gesture amount…): the request must change, never retried.
    RuleViolation: Resolution(Action.FAIL, FailureType.SYSTEM),
    NotFound: Resolution(Action.FAIL, FailureType.SYSTEM),
    Conflict: Resolution(Action.FAIL, FailureType.SYSTEM),
    ServerError: Resolution(Action.RETRY, FailureType.TRANSIENT),
    ApiError: Resolution(Action.FAIL, FailureType.SYSTEM),
    TransportError: Resolution(Action.RETRY, FailureType.TRANSIENT),
    # Cut short by a shutdown: the outcome is unknown, the next start tries again.
    CallInterrupted: Resolution(Action.RETRY, FailureType.TRANSIENT),
    MalformedResponse: Resolution(Action.FAIL, FailureType.SYSTEM),
    OctopiaError: Resolution(Action.FAIL, FailureType.SYSTEM),
}


def resolve(
    error: OctopiaError, policy: Mapping[type[OctopiaError], Resolution] = FAILURE_POLICY
) -> Resolution:
    """The resolution of the most specific class of ``error`` found in ``policy``."""
    for cls in type(error).__mro__:
        if cls in policy:
            return policy[cls]
    return Resolution(Action.FAIL, FailureType.SYSTEM)
