"""The root of every error cdlink raises on purpose.

Error tree (each layer adds its branch under this root)::

    CdlinkError                      something the user or operator can act on
    ├── ConfigurationError           settings, key files or data directory are unusable
    ├── SecretBoxError               a stored secret cannot be decrypted with the known keys
    ├── StorageError                 the database is unreachable or its schema is not current
    ├── OctopiaError                 the marketplace refused or was unreachable (octopia/errors.py)
    └── SandboxError                 a sandbox control call cannot be honoured (sandbox/control.py)

Every error carries a ``hint``: one sentence telling the user what to do about it. ``str(error)``
never contains a secret; callers must not put one in the message.
"""

from __future__ import annotations


class CdlinkError(Exception):
    """Base class of all cdlink errors; ``hint`` says what to do about it."""

    default_hint = "See the sync log for details, or run the command again with --verbose."

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint or self.default_hint

    def __str__(self) -> str:
        return self.message


class ConfigurationError(CdlinkError):
    """The settings, a key file or the data directory cannot be used as they are."""

    default_hint = "Check the CDLINK_* settings in your environment or .env file (see README)."


class SecretBoxError(CdlinkError):
    """A stored secret cannot be decrypted with any known encryption key."""

    default_hint = (
        "Restore the encryption key file (or CDLINK_ENCRYPTION_KEYS) that was used when the "
        "secret was saved, or enter the secret again on the Apps page."
    )


class StorageError(CdlinkError):
    """The database cannot be reached or its schema is not at the current revision."""

    default_hint = "Run `cdlink db upgrade`, and check CDLINK_DATABASE_URL."
