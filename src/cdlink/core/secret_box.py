"""The secret box: how marketplace secrets are encrypted at rest.

Fernet (AES-128-CBC with HMAC-SHA256) under a MultiFernet, so that keys can rotate: the first key
encrypts, every key decrypts, and ``rotate`` re-encrypts a token under the first key. Keys come
from ``CDLINK_ENCRYPTION_KEYS`` (comma-separated, newest first) or, by default, from the 0600 key
file ``encryption.keys`` in the data directory, created on first run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from cdlink.core import keyfile
from cdlink.core.errors import ConfigurationError, SecretBoxError
from cdlink.core.settings import Settings

KEY_FILE_NAME = "encryption.keys"


def generate_key() -> str:
    """A new random Fernet key, as text."""
    return Fernet.generate_key().decode("ascii")


def key_file_path(settings: Settings) -> Path:
    return settings.data_dir / KEY_FILE_NAME


class SecretBox:
    """Encrypts and decrypts secrets; never shows them in its repr."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ConfigurationError("no encryption key is configured")
        try:
            self._fernets = [Fernet(key.strip().encode("ascii")) for key in keys]
        except (ValueError, UnicodeEncodeError) as error:
            raise ConfigurationError(
                "an encryption key is not a valid Fernet key (32 url-safe base64-encoded bytes)",
                hint="Generate one with `cdlink secrets generate-key`.",
            ) from error
        self._multi = MultiFernet(self._fernets)

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        """The box for these settings: keys from the environment, else from the key file."""
        return cls(load_keys(settings))

    @property
    def key_count(self) -> int:
        return len(self._fernets)

    def encrypt(self, plaintext: str) -> str:
        return self._multi.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._multi.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as error:
            raise SecretBoxError(
                "a stored secret cannot be decrypted with the known keys"
            ) from error

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` under the newest key."""
        try:
            return self._multi.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError) as error:
            raise SecretBoxError(
                "a stored secret cannot be decrypted with the known keys"
            ) from error

    def is_current(self, token: str) -> bool:
        """Whether ``token`` is already encrypted under the newest key."""
        try:
            self._fernets[0].decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeError):
            return False
        return True

    def __repr__(self) -> str:
        return f"<SecretBox keys={self.key_count}>"


def load_keys(settings: Settings) -> list[str]:
    """Keys from ``CDLINK_ENCRYPTION_KEYS``, else from the key file (created if missing)."""
    if settings.encryption_keys is not None:
        keys = split_keys(settings.encryption_keys.get_secret_value())
        if not keys:
            raise ConfigurationError("CDLINK_ENCRYPTION_KEYS is set but holds no key")
        return keys
    settings.ensure_data_dir()
    return split_keys(keyfile.read_or_create(key_file_path(settings), generate_key))


def split_keys(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def add_key(settings: Settings) -> SecretBox:
    """Put a new key in front of the key file and return the box that encrypts with it.

    With keys in the environment cdlink cannot edit them: the operator prepends a new key to
    ``CDLINK_ENCRYPTION_KEYS`` and then runs the rotation, which re-encrypts under the first key.
    """
    if settings.encryption_keys is not None:
        raise ConfigurationError(
            "the encryption keys come from CDLINK_ENCRYPTION_KEYS, which cdlink cannot edit",
            hint=(
                "Put a new key (from `cdlink secrets generate-key`) first in "
                "CDLINK_ENCRYPTION_KEYS, keep the old ones after it, then run "
                "`cdlink secrets rotate --keep-keys`."
            ),
        )
    keys = [generate_key(), *load_keys(settings)]
    keyfile.write(key_file_path(settings), "\n".join(keys))
    return SecretBox(keys)


def drop_old_keys(settings: Settings) -> None:
    """Keep only the newest key in the key file (after every secret was rotated to it)."""
    if settings.encryption_keys is not None:
        return
    keys = load_keys(settings)
    keyfile.write(key_file_path(settings), keys[0])
