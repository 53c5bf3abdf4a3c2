"""The failure policy table: error class → (action, failure type, retry schedule)."""

# The marketplace client names its errors for what happened (RateLimited, not RateLimitedError).
# ruff: noqa: N818

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from cdlink.core.errors import ConfigurationError
from cdlink.octopia.errors import (
    AuthError,
    Conflict,
    CredentialsRejected,
    Forbidden,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
    TransportError,
)
from cdlink.sync.engine.errors import BindingRaced, LeaseLost
from cdlink.sync.engine.failures import (
    DEFAULT_POLICY,
    TRANSIENT_SCHEDULE,
    FailureAction,
    FailureResolution,
    FailureType,
)
from cdlink.sync.engine.runs import human_message


@pytest.mark.parametrize(
    ("error", "action", "failure_type"),
    [
        (CredentialsRejected("no"), FailureAction.REAUTHENTICATE, FailureType.CONFIGURATION),
        (AuthError("token service down"), FailureAction.RETRY, FailureType.TRANSIENT),
        (Forbidden("no right"), FailureAction.FAIL, FailureType.CONFIGURATION),
        (
            RateLimited("slow down", retry_after=30),
            FailureAction.RATE_LIMITED,
            FailureType.TRANSIENT,
        ),
        (InvalidRequest("bad"), FailureAction.RETRY, FailureType.SYSTEM),
        (NotFound("gone"), FailureAction.RETRY, FailureType.SYSTEM),
        (Conflict("state"), FailureAction.RETRY, FailureType.SYSTEM),
        (ServerError("500"), FailureAction.RETRY, FailureType.TRANSIENT),
        (TransportError("reset", request_sent=False), FailureAction.RETRY, FailureType.TRANSIENT),
        (MalformedResponse("not json"), FailureAction.RETRY, FailureType.SYSTEM),
        (BindingRaced("race"), FailureAction.RETRY_SOON, FailureType.TRANSIENT),
        (LeaseLost("taken"), FailureAction.RETRY_SOON, FailureType.TRANSIENT),
        (ConfigurationError("bad key"), FailureAction.FAIL, FailureType.CONFIGURATION),
        (KeyError("a bug"), FailureAction.RETRY, FailureType.SYSTEM),
        (
            OperationalError("SELECT 1", {}, Exception("connection refused")),
            FailureAction.RETRY,
            FailureType.TRANSIENT,
        ),
    ],
)
def test_given_an_error_when_resolved_then_the_table_row_of_its_most_specific_class_applies(
    error: BaseException, action: FailureAction, failure_type: FailureType
) -> None:
    resolution = DEFAULT_POLICY.resolve(error)

    assert (resolution.action, resolution.failure_type) == (action, failure_type)


def test_given_an_unlisted_subclass_when_resolved_then_its_parent_row_applies() -> None:
    class GatewayTimeout(ServerError):
        pass

    assert DEFAULT_POLICY.resolve(GatewayTimeout("504")).action is FailureAction.RETRY


def test_given_a_class_registered_on_a_copy_when_resolved_then_only_the_copy_changes() -> None:
    class ShopClosed(Exception):
        pass

    policy = DEFAULT_POLICY.copy()
    policy.register(ShopClosed, FailureResolution(FailureAction.FAIL, FailureType.CONFIGURATION))

    assert policy.resolve(ShopClosed()).action is FailureAction.FAIL
    assert DEFAULT_POLICY.resolve(ShopClosed()).action is FailureAction.RETRY


def test_given_successive_failures_when_delayed_then_the_schedule_is_followed_and_then_held() -> (
    None
):
    resolution = DEFAULT_POLICY.resolve(ServerError("500"))

    delays = [resolution.delay(failures) for failures in range(1, 10)]

    assert delays[: len(TRANSIENT_SCHEDULE)] == list(TRANSIENT_SCHEDULE)
    assert delays[-1] == TRANSIENT_SCHEDULE[-1]


def test_given_a_retry_after_longer_than_the_schedule_when_delayed_then_the_server_wins() -> None:
    resolution = DEFAULT_POLICY.resolve(RateLimited("slow down", retry_after=600))

    assert resolution.delay(1, retry_after=600) == timedelta(minutes=10)
    assert resolution.delay(1, retry_after=1) == timedelta(seconds=5)
    assert not resolution.counts_as_failure


def test_given_rate_limits_in_a_row_when_delayed_then_each_waits_longer_up_to_a_minute() -> None:
    resolution = DEFAULT_POLICY.resolve(RateLimited("slow down"))

    waits = [resolution.delay(row) for row in range(1, 7)]

    assert waits == [timedelta(seconds=seconds) for seconds in (5, 15, 30, 60, 60, 60)]


@pytest.mark.parametrize("error", [CredentialsRejected("no"), Forbidden("no")])
def test_given_an_error_retrying_cannot_fix_when_delayed_then_there_is_no_retry(
    error: BaseException,
) -> None:
    assert DEFAULT_POLICY.resolve(error).delay(1) is None


def test_given_a_driver_error_with_its_statement_when_worded_then_only_its_first_line_is_kept() -> (
    None
):
    error = OperationalError("INSERT INTO outbox VALUES (...)", {}, Exception("server closed"))

    message = human_message(error, DEFAULT_POLICY.resolve(error))

    assert message.startswith("(builtins.Exception) server closed.")
    assert "INSERT" not in message
    assert "The database could not be reached." in message


def test_given_a_cdlink_error_when_worded_then_its_hint_follows_the_message() -> None:
    error = ConfigurationError("the key file is unreadable", hint="Restore the key file.")

    assert human_message(error, DEFAULT_POLICY.resolve(error)) == (
        "the key file is unreadable. Restore the key file."
    )


def test_given_sqlite_locked_past_its_busy_timeout_when_resolved_then_retried_soon_uncounted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "busy.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    waiter = sqlite3.connect(path, isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        with pytest.raises(sqlite3.OperationalError) as locked:
            waiter.execute("BEGIN IMMEDIATE")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        waiter.close()
    error = OperationalError("BEGIN IMMEDIATE", {}, locked.value)

    resolution = DEFAULT_POLICY.resolve(error)

    assert (resolution.action, resolution.failure_type) == (
        FailureAction.RETRY_SOON,
        FailureType.TRANSIENT,
    )
    assert not resolution.counts_as_failure
    assert resolution.delay(1) == timedelta(seconds=5)
    # Any other driver error of the same class keeps its own row: the database went away.
    unreachable = OperationalError("SELECT 1", {}, sqlite3.OperationalError("disk I/O error"))
    assert DEFAULT_POLICY.resolve(unreachable).action is FailureAction.RETRY
