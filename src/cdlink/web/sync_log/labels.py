"""The sync log in the seller's words: each entry's plain sentence, the raw text folded away.

The engine writes English, technical lines ("orders: [no traceId] HTTP 404 Not Found: …").
``describe`` turns an entry into a translatable sentence with its arguments (the stream's name,
the record) and keeps the original as the technical detail, shown folded under it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cdlink.core.translatable import translatable
from cdlink.store.models import ActivityEntry
from cdlink.web.queue.labels import failure_text

LEVELS = {
    "info": translatable("Information"),
    "warning": translatable("Warning"),
    "error": translatable("Error"),
}
LEVEL_TONES = {"info": "info", "warning": "warning", "error": "error"}
PERIODS = {
    "today": translatable("Today"),
    "7d": translatable("7 days"),
    "30d": translatable("30 days"),
    "all": translatable("All"),
}
_STREAM_SENTENCES = {
    "sync.failed": translatable("%(stream)s: %(failure)s"),
    "sync.dead": translatable("%(stream)s stopped after repeated failures: %(failure)s"),
    "connection.reauth_required": translatable("%(stream)s: %(failure)s"),
    "sync.recovered": translatable("%(stream)s runs normally again."),
    "sync.record_rejected": translatable(
        "%(stream)s: a record could not be imported; it is kept in Queue and errors."
    ),
    "sync.push_failed": translatable(
        "%(stream)s: Cdiscount refused a change several times; it is no longer sent."
    ),
}
_SENTENCES = {
    "connection.reactivated": translatable("The application syncs again."),
    "orders.reconciled": translatable("Orders checked against Cdiscount."),
    "orders.history_imported": translatable("An order history import finished."),
}


@dataclass(frozen=True)
class Described:
    """A sentence to translate, its arguments (each translated too when ``translated``), and
    the technical text kept folded (None when the sentence says it all)."""

    sentence: str
    arguments: dict[str, str] = field(default_factory=dict)
    translated: frozenset[str] = frozenset()
    detail: str | None = None


def stream_of(entry: ActivityEntry) -> str | None:
    """The stream an engine entry is about (its message starts with ``<stream>: ``)."""
    head, separator, _ = entry.message.partition(": ")
    if separator and head.replace("_", "").isalnum() and head.islower():
        return head
    return None


def describe(entry: ActivityEntry, stream_title: str | None) -> Described:
    stream = stream_of(entry)
    if entry.kind in _STREAM_SENTENCES and stream is not None:
        details = entry.details or {}
        failure = failure_text(details.get("error_class"), details.get("failure_type"))
        technical = None if entry.kind == "sync.recovered" else entry.message
        return Described(
            _STREAM_SENTENCES[entry.kind],
            {"stream": stream_title or stream, "failure": failure},
            frozenset({"stream", "failure"}),
            technical,
        )
    if entry.kind in _SENTENCES:
        return Described(_SENTENCES[entry.kind], detail=entry.message)
    return Described(entry.message)
