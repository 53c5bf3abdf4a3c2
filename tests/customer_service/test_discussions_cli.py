"""``cdlink discussions list|show|reply|close`` through the real CLI, on imported discussions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cdlink.cli.main import app
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import CustomerServiceAction, Discussion
from tests.support.customer_service import import_all

runner = CliRunner()


@pytest.fixture
def cli_shop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shop: JobEnvironment, settings: Settings
) -> JobEnvironment:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDLINK_DATABASE_URL", shop.database.url)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(settings.data_dir))
    import_all(shop)
    return shop


def _first(shop: JobEnvironment) -> Discussion:
    with shop.database.reading() as session:
        found = session.scalars(select(Discussion).where(Discussion.is_open.is_(True))).first()
        assert found is not None
        return found


def test_given_discussions_when_listed_and_shown_then_the_thread_is_printed(
    cli_shop: JobEnvironment,
) -> None:
    discussion = _first(cli_shop)
    listed = runner.invoke(app, ["discussions", "list", "--view", "all"])
    shown = runner.invoke(app, ["discussions", "show", str(discussion.id)])

    assert listed.exit_code == 0, listed.output
    assert f"{discussion.id}\t" in listed.output
    assert shown.exit_code == 0, shown.output
    assert discussion.marketplace_discussion_id in shown.output


def test_given_a_reply_and_a_close_then_both_are_recorded_and_a_short_reply_is_refused(
    cli_shop: JobEnvironment,
) -> None:
    discussion = _first(cli_shop)
    short = runner.invoke(app, ["discussions", "reply", str(discussion.id), "Trop court"])
    replied = runner.invoke(
        app, ["discussions", "reply", str(discussion.id), "Bonjour, votre colis est en route."]
    )
    closed = runner.invoke(app, ["discussions", "close", str(discussion.id)])

    assert short.exit_code != 0
    assert "13 characters" in short.output
    assert (replied.exit_code, closed.exit_code) == (0, 0), replied.output + closed.output
    with cli_shop.database.reading() as session:
        kinds = list(
            session.scalars(select(CustomerServiceAction.kind).order_by(CustomerServiceAction.id))
        )
    assert kinds == ["reply", "close"]
