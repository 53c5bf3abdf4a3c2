"""The parsed body of an error answer, whatever shape the marketplace used.

Octopia's API answers errors as RFC 9457 problem details (``application/problem+json``:
``type, title, status, detail, instance, traceId, errors``); its Keycloak token endpoint answers
``{"error": "invalid_client", "error_description": "…"}``; its Kong gateway answers
``{"message": "no Route matched…"}``. ``Problem.from_body`` reads all three into one value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cdlink.core.redaction import redact

# A problem body is kept for the sync log; a huge HTML error page is not worth keeping whole.
MAXIMUM_TEXT_LENGTH = 500


class Problem(BaseModel):
    """An error body: problem details, a Keycloak error or a gateway message, normalised."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    type: str | None = None
    title: str | None = None
    status: int | None = None
    detail: str | None = None
    instance: str | None = None
    trace_id: str | None = Field(default=None, alias="traceId")
    errors: dict[str, list[str]] = Field(default_factory=dict)
    error: str | None = None
    """Keycloak's error code (``invalid_client``, ``invalid_grant``…), when that was the shape."""
    text: str | None = None
    """The beginning of a body that was not JSON, redacted."""

    @classmethod
    def from_body(cls, body: Any) -> Problem:
        """Read a decoded JSON body of any known error shape; unknown shapes keep their text."""
        if not isinstance(body, Mapping):
            return cls(text=_short(str(body)))
        if "error" in body and isinstance(body["error"], str):
            return cls(
                error=body["error"],
                title=body["error"],
                detail=_optional_text(body.get("error_description")),
            )
        fields = {
            "type": _optional_text(body.get("type")),
            "title": _optional_text(body.get("title")),
            "status": body.get("status") if isinstance(body.get("status"), int) else None,
            "detail": _optional_text(body.get("detail") or body.get("message")),
            "instance": _optional_text(body.get("instance")),
            "traceId": _optional_text(body.get("traceId")),
            "errors": _field_errors(body.get("errors")),
        }
        return cls.model_validate(fields)

    @classmethod
    def from_text(cls, text: str) -> Problem:
        return cls(text=_short(text))

    def summary(self) -> str:
        """One line for a message: title, detail and the fields in error."""
        parts = [part for part in (self.title, self.detail, self.text) if part]
        if self.errors:
            fields = "; ".join(
                f"{name}: {', '.join(messages)}" for name, messages in self.errors.items()
            )
            parts.append(f"fields: {fields}")
        return " — ".join(parts)


def _optional_text(value: Any) -> str | None:
    return _short(str(value)) if value is not None else None


def _short(text: str) -> str:
    text = redact(text.strip())
    return text if len(text) <= MAXIMUM_TEXT_LENGTH else text[:MAXIMUM_TEXT_LENGTH] + "…"


def _field_errors(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, Mapping):
        return {}
    errors: dict[str, list[str]] = {}
    for name, messages in value.items():
        listed = messages if isinstance(messages, list) else [messages]
        errors[str(name)] = [_short(str(message)) for message in listed]
    return errors
