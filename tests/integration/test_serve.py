from __future__ import annotations

import socket

import pytest
import typer

from cdlink.cli.serve import DEMO_LOGIN, ensure_port_free, reset_demo_user
from cdlink.store.engine import Database
from cdlink.store.users import find_user, verify_password


def test_given_a_demo_database_when_reset_twice_then_only_the_newest_password_works(
    database: Database,
) -> None:
    first = reset_demo_user(database)
    second = reset_demo_user(database)

    with database.session() as session:
        user = find_user(session, DEMO_LOGIN)
        assert user is not None
        assert user.is_admin
        assert verify_password(user, second)
        assert not verify_password(user, first)


def test_given_a_busy_port_when_serving_then_the_command_stops_with_advice(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        with pytest.raises(typer.Exit):
            ensure_port_free("127.0.0.1", port)

    assert "already in use" in capsys.readouterr().err
