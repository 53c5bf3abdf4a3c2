"""Errors of the sync engine.

Error tree::

    CdlinkError
    └── SyncError                    the sync engine cannot do what was asked
        ├── UnknownStream            no stream of that name is registered
        ├── UnknownConnection        no connection with that id or name
        ├── ConnectionPaused         the connection needs re-authentication or is paused
        ├── RecordRejected           one marketplace record cannot be mapped (the rest go on)
        └── RetryLater               a harmless race: run again later, not a failure to count
            ├── BindingRaced         another run bound the same marketplace object first
            ├── StreamBusy           another worker holds the stream's lease
            ├── LeaseLost            the lease expired and another worker took it over
            ├── WindowDrifting       the marketplace kept changing a window while it was read
            └── RunStopped           the process is shutting down: the run stopped between steps

The failure policy (``cdlink.sync.engine.failures``) decides what a run does about each of these and
about the marketplace client's errors.
"""

from __future__ import annotations

from typing import Any

from cdlink.core.errors import CdlinkError


class SyncError(CdlinkError):
    """The sync engine cannot do what was asked."""

    default_hint = "See the sync log of the connection for what happened and what to do."


class UnknownStream(SyncError):  # noqa: N818  (named for what happened, like RateLimited)
    """No stream of that name is registered."""

    default_hint = "Run `cdlink sync status` to see the streams cdlink knows."


class UnknownConnection(SyncError):  # noqa: N818  (named for what happened, like RateLimited)
    """No connection has that id or name."""

    default_hint = "Check the connection's id or name on the Apps page."


class ConnectionPaused(SyncError):  # noqa: N818  (named for what happened, like RateLimited)
    """The connection is not active, so its streams do not run."""

    default_hint = "Enter the Client ID and Client Secret again on the Apps page, then retry."


class RecordRejected(SyncError):  # noqa: N818  (named for what happened, like RateLimited)
    """One marketplace record cannot be mapped; the rest of the page still goes through.

    ``raw`` is what to keep in the quarantine (by default, the record as the importer got it).
    """

    default_hint = "The record is kept aside with its reason; fix the mapping and retry it."

    def __init__(self, message: str, *, raw: Any = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.raw = raw


class RetryLater(SyncError):  # noqa: N818  (named for what happened, like RateLimited)
    """A harmless race with another run: the work is tried again later, nothing is lost."""

    default_hint = "Nothing to do: cdlink tries again on its own in a moment."


class BindingRaced(RetryLater):
    """Another run bound the same marketplace object between our read and our write."""


class StreamBusy(RetryLater):
    """Another worker holds the lease of this stream of this connection."""


class LeaseLost(RetryLater):
    """This run's lease expired and another worker took the stream over; its work is dropped."""


class WindowDrifting(RetryLater):
    """The orders of a window kept changing while they were read; the window is read again."""


class RunStopped(RetryLater):
    """The process is shutting down (SIGTERM): the run stopped between two committed steps.

    Nothing half-done stays: every step commits whole or not at all, and the stream is asked to
    run again, so the next start (this process restarted, or another worker) resumes it.
    """

    default_hint = "Nothing to do: the stream resumes where it stopped when cdlink starts again."
