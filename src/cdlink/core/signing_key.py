"""The key that signs session cookies and CSRF tokens.

``CDLINK_SECRET_KEY`` when set, otherwise a random key kept in the 0600 file ``secret.key`` in the
data directory, created on first run so that sessions survive restarts.
"""

from __future__ import annotations

import secrets

from cdlink.core import keyfile
from cdlink.core.errors import ConfigurationError
from cdlink.core.settings import Settings

KEY_FILE_NAME = "secret.key"
MINIMUM_LENGTH = 32


def load_signing_key(settings: Settings) -> str:
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value()
        if len(key) < MINIMUM_LENGTH:
            raise ConfigurationError(
                f"CDLINK_SECRET_KEY is shorter than {MINIMUM_LENGTH} characters",
                hint="Use a long random value, e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`.",
            )
        return key
    settings.ensure_data_dir()
    return keyfile.read_or_create(
        settings.data_dir / KEY_FILE_NAME, lambda: secrets.token_urlsafe(48)
    )
