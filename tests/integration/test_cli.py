from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdlink import __version__
from cdlink.cli.main import app
from cdlink.core.clock import ManualClock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.models import Connection
from tests.support.connections import make_connection

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI at a private data directory, away from any .env file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CDLINK_DATABASE_URL", raising=False)
    monkeypatch.delenv("CDLINK_ENCRYPTION_KEYS", raising=False)
    return tmp_path / "data"


def test_given_no_arguments_when_run_then_help_lists_the_commands() -> None:
    result = runner.invoke(app, [])

    assert "db" in result.output
    assert "serve" in result.output
    assert "demo" in result.output


def test_given_the_version_command_when_run_then_it_prints_the_version() -> None:
    result = runner.invoke(app, ["version"])

    assert result.exit_code == 0
    assert result.output.strip() == f"cdlink {__version__}"


def test_given_a_fresh_data_dir_when_upgrading_then_the_schema_is_current(cli_env: Path) -> None:
    upgraded = runner.invoke(app, ["db", "upgrade"])
    current = runner.invoke(app, ["db", "current"])
    downgraded = runner.invoke(app, ["db", "downgrade", "base"])

    assert upgraded.exit_code == 0, upgraded.output
    head = migrate.head_revision(Database(f"sqlite:///{cli_env / 'cdlink.sqlite3'}"))
    assert f"database schema at {head}" in upgraded.output
    assert f"current: {head}" in current.output
    assert "schema at base" in downgraded.output
    assert (cli_env / "cdlink.sqlite3").exists()


def test_given_an_invalid_setting_when_running_then_the_error_names_the_variable(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDLINK_PORT", "not-a-port")

    result = runner.invoke(app, ["db", "current"])

    assert result.exit_code == 1
    assert "CDLINK_PORT" in result.output


def test_given_no_schema_when_creating_a_user_then_the_hint_says_to_upgrade(cli_env: Path) -> None:
    result = runner.invoke(
        app, ["users", "create", "--email", "a@b.fr", "--password", "long enough pass"]
    )

    assert result.exit_code == 1
    assert "cdlink db upgrade" in result.output


def test_given_a_schema_when_creating_a_user_then_it_is_confirmed(cli_env: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])

    result = runner.invoke(
        app, ["users", "create", "--email", "a@b.fr", "--password", "long enough pass"]
    )

    assert result.exit_code == 0, result.output
    assert "created user a@b.fr (administrator)" in result.output
    assert "long enough pass" not in result.output


def test_given_stored_secrets_when_rotating_then_they_decrypt_with_the_new_key_only(
    cli_env: Path,
) -> None:
    runner.invoke(app, ["db", "upgrade"])
    settings = Settings(_env_file=None, data_dir=cli_env)  # type: ignore[call-arg]
    database = Database(settings.effective_database_url)
    with database.session() as session:
        session.add(make_connection(SecretBox.from_settings(settings), ManualClock()))

    result = runner.invoke(app, ["secrets", "rotate"])

    assert result.exit_code == 0, result.output
    assert "re-encrypted 1 secret(s)" in result.output
    box = SecretBox.from_settings(settings)
    assert box.key_count == 1
    with database.reading() as session:
        stored = session.query(Connection).one()
        assert box.decrypt(stored.secret_ciphertext) == "the-client-secret"
    database.dispose()


def test_given_the_generate_key_command_when_run_then_it_prints_a_usable_key() -> None:
    result = runner.invoke(app, ["secrets", "generate-key"])

    assert SecretBox([result.output.strip()]).key_count == 1
