"""The two kinds of Octopia credentials a connection can hold, with secrets that never show.

``ClientCredentials`` (Seller ID + Client ID + Client Secret, OAuth2 client_credentials) is the
current way; ``PasswordCredentials`` (Seller ID + API login + API password, the OAuth2 password
grant) is the deprecated one some sellers still hold. Both hide their secret in ``repr`` and
``str`` (pydantic ``SecretStr``), and register it with ``cdlink.core.redaction`` so that it is
masked in any log line it might still reach.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from cdlink.core.redaction import register_secret

# Keycloak's public client for direct (password) grants.
PASSWORD_GRANT_CLIENT_ID = "admin-cli"  # noqa: S105  (a public client name)


class _Credentials(BaseModel, ABC):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    seller_id: str = Field(min_length=1, max_length=32)

    @field_validator("seller_id", mode="before")
    @classmethod
    def _seller_id_digits(cls, value: object) -> object:
        text = str(value).strip() if isinstance(value, int | str) else value
        if isinstance(text, str) and not text.isdigit():
            raise ValueError("the Seller ID is a number, as shown in the Octopia seller portal")
        return text

    @abstractmethod
    def token_form(self) -> dict[str, str]:
        """The form fields of the token request (they contain the secret: never log them)."""

    def cache_key(self, token_url: str) -> str:
        """A key naming the token of these credentials at ``token_url``, without revealing them.

        It is a SHA-256 over the token URL, the grant and every credential field, so a changed
        secret gets a new key and a token store never holds the secret, even hashed alone.
        """
        material = "\x1f".join(
            [token_url, *sorted(f"{k}={v}" for k, v in self.token_form().items())]
        )
        digest = hashlib.sha256(material.encode("utf-8")).hexdigest()
        return f"octopia-token:{self.seller_id}:{digest[:32]}"


class ClientCredentials(_Credentials):
    """Seller ID + Client ID + Client Secret (OAuth2 client_credentials)."""

    client_id: str = Field(min_length=1)
    client_secret: SecretStr

    @model_validator(mode="after")
    def _remember_secret(self) -> Self:
        register_secret(self.client_secret.get_secret_value())
        return self

    def token_form(self) -> dict[str, str]:
        return {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret.get_secret_value(),
        }


class PasswordCredentials(_Credentials):
    """Seller ID + API login + API password (deprecated OAuth2 password grant)."""

    login: str = Field(min_length=1)
    password: SecretStr
    client_id: str = PASSWORD_GRANT_CLIENT_ID

    @model_validator(mode="after")
    def _remember_secret(self) -> Self:
        register_secret(self.password.get_secret_value())
        return self

    def token_form(self) -> dict[str, str]:
        return {
            "grant_type": "password",
            "client_id": self.client_id,
            "username": self.login,
            "password": self.password.get_secret_value(),
        }


Credentials = ClientCredentials | PasswordCredentials
