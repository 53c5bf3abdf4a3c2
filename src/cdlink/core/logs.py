"""Structured logging with a redaction filter that masks secrets before anything is written.

``configure_logging`` installs one handler on the root logger; its ``RedactionFilter`` rewrites
each record (message, arguments, extra fields and traceback) through ``core.redaction``, so no
secret reaches the output whichever logger, format or handler level produced it.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

from cdlink.core.redaction import redact, redact_value
from cdlink.core.settings import Settings

_STANDARD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys()
    | {"message", "asctime", "color_message", "taskName"}
)


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields a caller passed with ``extra=``."""
    return {key: value for key, value in record.__dict__.items() if key not in _STANDARD_ATTRIBUTES}


class RedactionFilter(logging.Filter):
    """Masks secrets in a record in place; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in extra_fields(record).items():
            setattr(record, key, redact_value(value, key))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, extra fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **extra_fields(record),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    """Human-readable lines: ``time level logger message key=value …``."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M:%S")
        fields = " ".join(f"{key}={value}" for key, value in extra_fields(record).items())
        line = f"{moment} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if fields:
            line = f"{line} {fields}"
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line = f"{line}\n{record.exc_text}"
        return line


#: The loggers that write a line per request or per run, and what each line counts as.
CHATTY_LOGGERS = {
    "httpx": "marketplace requests",
    "httpcore": "marketplace requests",
    "uvicorn.access": "page requests",
    "cdlink.jobs.functions": "stream runs",
}
SUMMARY_SECONDS = 60.0


class QuietRequests(logging.Filter):
    """Below DEBUG, one line per request or run is noise that scrolls the demo's URL and login
    away: such INFO lines are counted instead, and the first one after a minute is rewritten as
    a summary of the minute ("last minute: 169 marketplace requests, 12 stream runs"). Warnings
    and errors always pass; at DEBUG every line passes."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.clock = clock
        self.counts: dict[str, int] = {}
        self.since = clock()

    def filter(self, record: logging.LogRecord) -> bool:
        what = CHATTY_LOGGERS.get(record.name)
        if what is None or record.levelno >= logging.WARNING:
            return True
        self.counts[what] = self.counts.get(what, 0) + 1
        now = self.clock()
        if now - self.since < SUMMARY_SECONDS:
            return False
        summary = ", ".join(f"{count} {name}" for name, count in self.counts.items())
        self.counts, self.since = {}, now
        record.name, record.msg, record.args = "cdlink.activity", f"last minute: {summary}", None
        return True


def build_handler(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else ConsoleFormatter())
    if settings.log_level != "DEBUG":
        handler.addFilter(QuietRequests())
    handler.addFilter(RedactionFilter())
    return handler


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Route every logger through one redacting handler; returns that handler."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "cdlink_handler", False):
            root.removeHandler(existing)
    handler = build_handler(settings, stream)
    handler.cdlink_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # Alembic narrates every migration step at INFO; keep that for DEBUG.
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    return handler
