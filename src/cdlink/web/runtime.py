"""The embedded sync runtime, seen from a request: woken after a commit that queued work."""

from __future__ import annotations

from fastapi import Request


def wake(request: Request) -> None:
    """Let the embedded runtime (if this process runs one) start the queued work now rather than
    at its next tick; with the distributed runtime the scheduler picks it up on its own."""
    runtime = getattr(request.app.state, "sync_runtime", None)
    if runtime is not None:
        runtime.wake()
