"""What a valid connection looks like: the rules a form, an API body or a CLI call must meet.

Pure functions from raw text to a list of problems, each naming its field, so every entry point
shows the same messages (English here; the web layer translates them).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from cdlink.core.translatable import translatable

AuthMode = Literal["client_credentials", "password"]
AUTH_MODES: tuple[AuthMode, ...] = ("client_credentials", "password")
DEFAULT_NAME = "Cdiscount"
CLIENT_ID_MINIMUM, CLIENT_ID_MAXIMUM = 8, 80
NAME_MAXIMUM = 120
SECRET_MAXIMUM = 500
URL_MAXIMUM = 500
SELLER_ID_DIGITS_MAXIMUM = 18

_CLIENT_ID_CHARACTERS = re.compile(r"^[A-Za-z0-9 @-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field, said in a way the user can fix."""

    field: str
    message: str


@dataclass(frozen=True)
class ConnectionDraft:
    """A connection as typed by the user: raw text, validated by ``draft_problems``.

    ``secret`` is the Client Secret (or the legacy API password); empty means "keep the stored
    one" when editing.
    """

    name: str = DEFAULT_NAME
    seller_id: str = ""
    client_id: str = ""
    secret: str = ""
    auth_mode: str = "client_credentials"
    token_url: str = ""
    api_url: str = ""
    stock_sync_enabled: bool = False

    def __repr__(self) -> str:
        # The secret never appears in a repr, a log line or a traceback.
        return f"ConnectionDraft(name={self.name!r}, seller_id={self.seller_id!r})"


def client_id_problems(client_id: str) -> list[str]:
    """Why ``client_id`` cannot be an Octopia Client ID (empty when it can)."""
    problems: list[str] = []
    if not CLIENT_ID_MINIMUM <= len(client_id) <= CLIENT_ID_MAXIMUM:
        problems.append(translatable("The Client ID must be 8 to 80 characters long."))
    if client_id and not (client_id[0].isascii() and client_id[0].isalpha()):
        problems.append(translatable("The Client ID must start with a letter."))
    if client_id and not (client_id[-1].isascii() and client_id[-1].isalnum()):
        problems.append(translatable("The Client ID must end with a letter or a digit."))
    if _EMAIL.match(client_id):
        problems.append(
            translatable("The Client ID is not an e-mail address: copy it from the Octopia portal.")
        )
    elif not _CLIENT_ID_CHARACTERS.match(client_id):
        problems.append(
            translatable("The Client ID may contain only letters, digits, spaces, dashes and @.")
        )
    return problems


def seller_id_problems(seller_id: str) -> list[str]:
    if not seller_id.isascii() or not seller_id.isdigit():
        return [translatable("The Seller ID is a number, e.g. 123456.")]
    if len(seller_id) > SELLER_ID_DIGITS_MAXIMUM or int(seller_id) == 0:
        return [translatable("This is not a valid Seller ID.")]
    return []


def url_problems(url: str) -> list[str]:
    """An https URL, or http to this machine (for the sandbox); empty text means the default."""
    if not url:
        return []
    parts = urlsplit(url)
    if len(url) > URL_MAXIMUM or not parts.hostname or parts.scheme not in {"http", "https"}:
        return [translatable("Enter a full address starting with https://.")]
    if parts.scheme == "http" and not _is_local(parts.hostname):
        return [translatable("Use https:// (plain http is allowed only for this machine).")]
    return []


def _is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def draft_problems(draft: ConnectionDraft, *, creating: bool) -> list[FieldProblem]:
    """Everything wrong with ``draft``; a new connection needs a secret, an edit may keep it."""
    problems: list[FieldProblem] = []
    if not draft.name.strip() or len(draft.name.strip()) > NAME_MAXIMUM:
        problems.append(
            FieldProblem(
                "name", translatable("Give the application a name (120 characters at most).")
            )
        )
    problems += [FieldProblem("seller_id", text) for text in seller_id_problems(draft.seller_id)]
    if draft.auth_mode not in AUTH_MODES:
        problems.append(FieldProblem("auth_mode", translatable("Choose a way to connect.")))
    elif draft.auth_mode == "client_credentials":
        problems += [
            FieldProblem("client_id", text) for text in client_id_problems(draft.client_id)
        ]
    elif not 1 <= len(draft.client_id) <= NAME_MAXIMUM:
        problems.append(FieldProblem("client_id", translatable("Enter the API login.")))
    if creating and not draft.secret:
        problems.append(FieldProblem("secret", translatable("Enter the secret.")))
    if len(draft.secret) > SECRET_MAXIMUM:
        problems.append(FieldProblem("secret", translatable("This secret is too long.")))
    problems += [FieldProblem("token_url", text) for text in url_problems(draft.token_url)]
    problems += [FieldProblem("api_url", text) for text in url_problems(draft.api_url)]
    return problems


def cleaned(draft: ConnectionDraft) -> ConnectionDraft:
    """The draft with surrounding spaces removed (never inside the secret)."""
    return ConnectionDraft(
        name=draft.name.strip(),
        seller_id=draft.seller_id.strip(),
        client_id=draft.client_id.strip(),
        secret=draft.secret,
        auth_mode=draft.auth_mode.strip(),
        token_url=draft.token_url.strip(),
        api_url=draft.api_url.strip(),
        stock_sync_enabled=draft.stock_sync_enabled,
    )
