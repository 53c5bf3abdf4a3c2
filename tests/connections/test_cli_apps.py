"""``cdlink apps`` and ``cdlink tokens``: the Apps page and API tokens from a terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdlink.cli.main import app

runner = CliRunner()
SECRET = "Cli-Secret-1a2b3c"


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CDLINK_DATABASE_URL", raising=False)
    monkeypatch.delenv("CDLINK_ENCRYPTION_KEYS", raising=False)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return tmp_path / "data"


def test_given_an_account_when_added_listed_and_removed_then_the_secret_is_never_printed(
    cli_env: Path,
) -> None:
    added = runner.invoke(
        app,
        [
            "apps",
            "add",
            "--seller-id",
            "424242",
            "--client-id",
            "boutique-client-1",
            "--no-test",
            "--stock-sync",
        ],
        input=f"{SECRET}\n",
    )
    listed = runner.invoke(app, ["apps", "list"])
    refused = runner.invoke(app, ["apps", "remove", "1"], input="n\n")
    removed = runner.invoke(app, ["apps", "remove", "1", "--yes"])
    empty = runner.invoke(app, ["apps", "list"])

    assert added.exit_code == 0, added.output
    assert "added application 1" in added.output
    assert "seller 424242" in listed.output
    assert "stock sync on" in listed.output
    assert refused.exit_code == 1
    assert removed.exit_code == 0
    assert "imported data is kept" in removed.output
    assert "no application yet" in empty.output
    for result in (added, listed, removed):
        assert SECRET not in result.output


def test_given_a_bad_client_id_when_adding_then_the_rule_and_a_hint_are_printed(
    cli_env: Path,
) -> None:
    result = runner.invoke(
        app,
        ["apps", "add", "--seller-id", "42", "--client-id", "a@b.fr", "--client-secret", SECRET],
    )

    assert result.exit_code == 1
    assert "not an e-mail address" in result.output
    assert "hint:" in result.output
    assert SECRET not in result.output


def test_given_a_user_when_managing_tokens_then_the_token_is_shown_once_and_revocable(
    cli_env: Path,
) -> None:
    runner.invoke(app, ["users", "create", "--email", "a@b.fr", "--password", "x" * 12])
    created = runner.invoke(app, ["tokens", "create", "--email", "a@b.fr", "--name", "ERP"])
    secret = created.output.strip().splitlines()[-1]
    listed = runner.invoke(app, ["tokens", "list", "--email", "a@b.fr"])
    revoked = runner.invoke(app, ["tokens", "revoke", "1"])
    again = runner.invoke(app, ["tokens", "revoke", "1"])
    nobody = runner.invoke(app, ["tokens", "create", "--email", "x@y.fr", "--name", "ERP"])

    assert created.exit_code == 0, created.output
    assert secret.startswith("cdl_")
    assert "ERP" in listed.output
    assert secret not in listed.output
    assert "revoked token 1" in revoked.output
    assert again.exit_code == 1
    assert nobody.exit_code == 1
    assert "no user" in nobody.output
