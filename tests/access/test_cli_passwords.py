"""``cdlink users``: passwords read from standard input or a prompt, never needed on the command
line (where ``ps`` and the shell history would show them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdlink.cli.main import app
from cdlink.core.clock import SystemClock
from cdlink.core.settings import Settings
from cdlink.store import access
from cdlink.store.engine import Database
from cdlink.store.users import authenticate, find_user

runner = CliRunner()
EMAIL = "owner@boutique.fr"
PASSWORD = "correct horse battery"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CDLINK_DATABASE_URL", raising=False)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    return Database(settings.effective_database_url)


def _can_log_in(database: Database, password: str) -> bool:
    with database.session() as session:
        return authenticate(session, EMAIL, password) is not None


def test_given_password_stdin_when_creating_a_user_then_the_first_line_is_the_password(
    database: Database,
) -> None:
    result = runner.invoke(
        app, ["users", "create", "--email", EMAIL, "--password-stdin"], input=f"{PASSWORD}\n"
    )

    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert PASSWORD not in result.output
    assert _can_log_in(database, PASSWORD)


def test_given_nothing_when_creating_a_user_then_a_hidden_prompt_asks_twice(
    database: Database,
) -> None:
    result = runner.invoke(app, ["users", "create", "--email", EMAIL], input=f"{PASSWORD}\n" * 2)

    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output
    assert _can_log_in(database, PASSWORD)


def test_given_a_password_option_when_creating_a_user_then_it_works_with_a_warning(
    database: Database,
) -> None:
    result = runner.invoke(app, ["users", "create", "--email", EMAIL, "--password", PASSWORD])

    assert result.exit_code == 0, result.output
    assert "warning: a password given with --password is visible" in result.stderr
    assert "--password-stdin" in result.stderr
    assert _can_log_in(database, PASSWORD)


def test_given_both_ways_or_an_empty_stdin_when_creating_a_user_then_it_is_refused(
    database: Database,
) -> None:
    both = runner.invoke(
        app,
        ["users", "create", "--email", EMAIL, "--password", PASSWORD, "--password-stdin"],
        input=f"{PASSWORD}\n",
    )
    empty = runner.invoke(app, ["users", "create", "--email", EMAIL, "--password-stdin"], input="")

    assert both.exit_code == empty.exit_code == 1
    assert "--password and --password-stdin were both given" in both.output
    assert "read nothing from standard input" in empty.output
    with database.reading() as session:
        assert find_user(session, EMAIL) is None


def test_given_a_user_when_setting_a_password_from_stdin_then_it_changes_and_sessions_end(
    database: Database,
) -> None:
    runner.invoke(app, ["users", "create", "--email", EMAIL, "--password-stdin"], input="x" * 12)
    with database.session() as session:
        user = find_user(session, EMAIL)
        assert user is not None
        token = access.open_session(session, user, SystemClock().now(), access.SEEN_PRECISION)

    result = runner.invoke(
        app, ["users", "set-password", "--email", EMAIL, "--password-stdin"], input=PASSWORD
    )
    unknown = runner.invoke(
        app, ["users", "set-password", "--email", "nobody@x.fr", "--password-stdin"], input=PASSWORD
    )

    assert result.exit_code == 0, result.output
    assert _can_log_in(database, PASSWORD)
    assert not _can_log_in(database, "x" * 12)
    with database.reading() as session:
        resumed, _ = access.resume_session(
            session, token, SystemClock().now(), access.SEEN_PRECISION
        )
    assert resumed is None
    assert unknown.exit_code == 1
    assert "there is no user nobody@x.fr" in unknown.output
