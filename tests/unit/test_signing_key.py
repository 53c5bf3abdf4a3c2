from __future__ import annotations

from pathlib import Path

import pytest

from cdlink.core.errors import ConfigurationError
from cdlink.core.settings import Settings
from cdlink.core.signing_key import KEY_FILE_NAME, load_signing_key


def test_given_no_secret_key_when_loaded_twice_then_one_private_key_file_serves_both(
    settings: Settings,
) -> None:
    first = load_signing_key(settings)
    second = load_signing_key(settings)

    assert first == second
    assert len(first) >= 32
    assert (settings.data_dir / KEY_FILE_NAME).stat().st_mode & 0o777 == 0o600


def test_given_a_short_secret_key_when_loaded_then_the_error_explains_how_to_make_one(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, secret_key="short")  # type: ignore[call-arg]

    with pytest.raises(ConfigurationError, match="shorter than 32") as caught:
        load_signing_key(settings)
    assert "token_urlsafe" in caught.value.hint


def test_given_a_long_secret_key_when_loaded_then_it_is_used_and_no_file_is_written(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, secret_key="k" * 40)  # type: ignore[call-arg]

    assert load_signing_key(settings) == "k" * 40
    assert not (tmp_path / KEY_FILE_NAME).exists()


def test_given_an_empty_key_file_when_loaded_then_it_is_refused(settings: Settings) -> None:
    settings.ensure_data_dir()
    path = settings.data_dir / KEY_FILE_NAME
    path.write_text("")
    path.chmod(0o600)

    with pytest.raises(ConfigurationError, match="is empty"):
        load_signing_key(settings)
