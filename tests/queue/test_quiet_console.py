"""The demo's console stays readable (issue 21): a line per marketplace request or stream run
only at DEBUG; otherwise one summary line a minute at most, warnings always."""

from __future__ import annotations

import io
import logging

from cdlink.core.logs import QuietRequests, build_handler
from cdlink.core.settings import Settings


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _record(
    name: str, level: int = logging.INFO, message: str = "HTTP Request: GET /x"
) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, None, None)


def test_given_many_requests_when_not_debugging_then_one_summary_a_minute_and_warnings_pass() -> (
    None
):
    clock = _Clock()
    quiet = QuietRequests(clock)

    passed = [quiet.filter(_record("httpx")) for _ in range(169)]
    runs = [
        quiet.filter(_record("cdlink.jobs.functions", message="stream orders: ok"))
        for _ in range(5)
    ]
    warning = quiet.filter(_record("httpx", logging.WARNING, "slow"))
    own = quiet.filter(_record("cdlink.web.app", message="cdlink serving on http://x"))
    clock.now = 61.0
    summary = _record("httpx")
    summarised = quiet.filter(summary)
    after = quiet.filter(_record("httpx"))

    assert not any(passed)
    assert not any(runs)
    assert warning
    assert own
    assert summarised
    assert summary.getMessage() == "last minute: 170 marketplace requests, 5 stream runs"
    assert not after


def test_given_debug_when_requests_are_logged_then_each_line_is_written(settings: Settings) -> None:
    out = io.StringIO()
    debugging = build_handler(settings.model_copy(update={"log_level": "DEBUG"}), out)
    quiet = build_handler(settings, io.StringIO())

    debugging.handle(_record("httpx"))
    debugging.handle(_record("httpx"))

    assert out.getvalue().count("HTTP Request: GET /x") == 2
    assert any(isinstance(item, QuietRequests) for item in quiet.filters)
    assert not any(isinstance(item, QuietRequests) for item in debugging.filters)
