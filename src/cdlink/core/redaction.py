"""Masking secrets in any text that may reach a log, a page or an error message.

Two nets: the exact values cdlink knows to be secret (registered when a secret is loaded or
decrypted), and patterns that look like credentials whatever their value (``client_secret=…``,
``"password": "…"``, ``Bearer …``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

MASK = "***"
MINIMUM_SECRET_LENGTH = 4

SECRET_NAME = (
    r"(?:client[_-]?secret|secret[_-]?key|api[_-]?password|password|passwd|access[_-]?token"  # noqa: S105  (names to look for, not a password)
    r"|refresh[_-]?token|api[_-]?key|apikey|authorization|secret|token)"
)
_PATTERNS = (
    # "client_secret": "value"  or  'password': 'value'
    re.compile(rf"""(?i)(["']?{SECRET_NAME}["']?\s*[:=]\s*["'])([^"']+)(["'])"""),
    # client_secret=value  (form bodies, query strings, key=value logs)
    re.compile(rf"""(?i)(\b{SECRET_NAME}=)([^\s&,;"']+)()"""),
    # Authorization: Bearer value / Basic value
    re.compile(r"(?i)(\b(?:bearer|basic)\s+)([A-Za-z0-9\-._~+/]+=*)()"),
)


class _Registry:
    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        if len(value) >= MINIMUM_SECRET_LENGTH:
            with self._lock:
                self._values.add(value)

    def snapshot(self) -> list[str]:
        with self._lock:
            # Longest first, so that a secret containing another is masked whole.
            return sorted(self._values, key=len, reverse=True)


_registry = _Registry()


def register_secret(value: str | None) -> None:
    """Remember ``value`` as secret: from now on it is masked wherever it appears."""
    if value:
        _registry.add(value)


def redact(text: str) -> str:
    """``text`` with every known secret and every credential-looking value masked."""
    for value in _registry.snapshot():
        if value in text:
            text = text.replace(value, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda match: f"{match.group(1)}{MASK}{match.group(3)}", text)
    return text


def redact_value(value: Any, name: str = "") -> Any:
    """Redact a structured value (for log fields): secret-named keys are masked whole."""
    if name and re.fullmatch(SECRET_NAME, name, flags=re.IGNORECASE):
        return MASK
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {key: redact_value(item, str(key)) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    return value
