from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from cdlink.core.settings import DEFAULT_OCTOPIA_API_URL, Settings


def test_given_no_database_url_when_reading_settings_then_sqlite_lives_in_the_data_dir(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]

    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'cdlink.sqlite3'}"
    assert settings.octopia_api_url == DEFAULT_OCTOPIA_API_URL
    assert settings.runtime == "embedded"


def test_given_cdlink_variables_when_reading_settings_then_they_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDLINK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CDLINK_DATABASE_URL", "postgresql://postgres@127.0.0.1/cdlink")
    monkeypatch.setenv("CDLINK_LOG_LEVEL", "debug")
    monkeypatch.setenv("CDLINK_PORT", "9001")

    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    assert settings.data_dir == tmp_path
    assert settings.effective_database_url == "postgresql://postgres@127.0.0.1/cdlink"
    assert settings.log_level == "DEBUG"
    assert settings.base_url == "http://127.0.0.1:9001"


def test_given_a_dotenv_file_when_reading_settings_then_it_is_used(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"CDLINK_DATA_DIR={tmp_path}/from-dotenv\nCDLINK_TIMEZONE=UTC\n")

    settings = Settings(_env_file=env_file)  # type: ignore[call-arg]

    assert settings.data_dir == tmp_path / "from-dotenv"
    assert settings.timezone == "UTC"


def test_given_an_unknown_timezone_when_reading_settings_then_the_error_names_it() -> None:
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Olympus'"):
        Settings(_env_file=None, timezone="Mars/Olympus")  # type: ignore[call-arg]


def test_given_a_secret_setting_when_printed_then_its_value_is_hidden() -> None:
    settings = Settings(_env_file=None, secret_key="s" * 40)  # type: ignore[call-arg]

    assert "s" * 40 not in repr(settings)
    assert "s" * 40 not in str(settings.model_dump())


def test_given_a_data_dir_when_ensured_then_it_is_private(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "new")  # type: ignore[call-arg]

    path = settings.ensure_data_dir()

    assert path.is_dir()
    assert path.stat().st_mode & 0o077 == 0
