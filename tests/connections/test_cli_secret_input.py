"""``cdlink apps add``: the Client Secret from standard input, a prompt, or (with a warning) an
option."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdlink.cli.main import app
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.store.engine import Database
from cdlink.store.models import Connection

runner = CliRunner()
SECRET = "Stdin-Secret-7f6e5d"
ADD = ["apps", "add", "--seller-id", "424242", "--client-id", "boutique-client-1", "--no-test"]


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CDLINK_DATABASE_URL", raising=False)
    monkeypatch.delenv("CDLINK_ENCRYPTION_KEYS", raising=False)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]


def _stored_secret(settings: Settings) -> str:
    database = Database(settings.effective_database_url)
    with database.reading() as session:
        connection = session.query(Connection).one()
        secret = SecretBox.from_settings(settings).decrypt(connection.secret_ciphertext)
    database.dispose()
    return secret


def test_given_client_secret_stdin_when_adding_an_app_then_the_piped_secret_is_stored(
    settings: Settings,
) -> None:
    result = runner.invoke(app, [*ADD, "--client-secret-stdin"], input=f"{SECRET}\n")

    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert "warning" not in result.output
    assert _stored_secret(settings) == SECRET


def test_given_a_client_secret_option_when_adding_an_app_then_it_is_stored_with_a_warning(
    settings: Settings,
) -> None:
    result = runner.invoke(app, [*ADD, "--client-secret", SECRET])

    assert result.exit_code == 0, result.output
    assert "visible to every user of this machine (ps)" in result.stderr
    assert "--client-secret-stdin" in result.stderr
    assert _stored_secret(settings) == SECRET
