"""The ``cdlink`` command, run for real, when a service or the disk fails it: one line naming what
and where (never a password), exit code 1, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cdlink.store import migrate
from cdlink.store.engine import Database
from tests.support.browser import clean_environment
from tests.support.faults import closed_port

pytestmark = pytest.mark.e2e


def _cdlink(
    tmp_path: Path, *arguments: str, stdin: str = "", **settings: str
) -> subprocess.CompletedProcess[str]:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "cdlink", *arguments],
        env=clean_environment(CDLINK_DATA_DIR=str(data_dir), **settings),
        cwd=tmp_path,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1, output
    return output


@pytest.mark.parametrize("command", [["db", "upgrade"], ["serve"], ["tokens", "list"]])
def test_given_postgresql_unreachable_when_a_command_starts_then_one_line_names_it(
    tmp_path: Path, command: list[str]
) -> None:
    port = closed_port()
    url = f"postgresql://cdlink:s3cret@127.0.0.1:{port}/shop"

    line = _one_line(_cdlink(tmp_path, *command, CDLINK_DATABASE_URL=url))

    assert line.startswith(f"error: cannot reach PostgreSQL at 127.0.0.1:{port}/shop")
    assert "connection refused" in line
    assert "s3cret" not in line


@pytest.mark.redis
@pytest.mark.parametrize("command", ["scheduler", "worker"])
def test_given_redis_unreachable_when_a_sync_process_starts_then_one_line_names_it(
    tmp_path: Path, command: str
) -> None:
    port = closed_port()

    line = _one_line(
        _cdlink(
            tmp_path,
            command,
            CDLINK_RUNTIME="distributed",
            CDLINK_REDIS_URL=f"redis://:s3cret@127.0.0.1:{port}/0",
        )
    )

    assert line.startswith(f"error: cannot reach Redis at 127.0.0.1:{port} (connection refused)")
    assert "s3cret" not in line


def test_given_a_database_path_that_cannot_exist_when_upgrading_then_one_line_names_the_file(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where a directory should be")
    path = blocker / "cdlink.sqlite3"

    line = _one_line(_cdlink(tmp_path, "db", "upgrade", CDLINK_DATABASE_URL=f"sqlite:///{path}"))

    assert line.startswith(f"error: cannot open the database file {path}")


def test_given_a_read_only_database_when_creating_a_user_then_one_line_says_it_is_read_only(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.sqlite3"
    writable = Database(f"sqlite:///{path}")
    migrate.upgrade(writable)
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"

    result = _cdlink(
        tmp_path,
        "users",
        "create",
        "--email",
        "owner@boutique.fr",
        "--password-stdin",
        stdin="correct horse battery\n",
        CDLINK_DATABASE_URL=read_only,
    )
    writable.dispose()

    line = _one_line(result)
    assert line.startswith(f"error: the database {path} is read-only. hint: Make the database")


def test_given_a_key_file_that_cannot_be_read_when_serving_then_one_line_names_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "data").mkdir(mode=0o700)
    keys = tmp_path / "data" / "encryption.keys"
    keys.mkdir(mode=0o700)  # a directory where the key file should be

    line = _one_line(_cdlink(tmp_path, "serve", "--migrate", "--port", str(closed_port())))

    assert line.startswith(f"error: cannot use {keys}: Is a directory. hint:")
