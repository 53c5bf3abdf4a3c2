"""The worked example ``examples/sync_orders.py`` run as a user would, against a real
``cdlink serve``: the first run copies every order, the next only what changed."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.store import access
from cdlink.store.engine import Database
from cdlink.store.migrate import upgrade
from cdlink.store.models import Order
from cdlink.store.users import create_user
from tests.support.browser import cdlink_server, clean_environment
from tests.support.dashboard import NOW, account, sale

pytestmark = pytest.mark.e2e
EXAMPLE = Path(__file__).parents[2] / "examples" / "sync_orders.py"


def run_example(url: str, token: str, file: Path) -> str:
    finished = subprocess.run(
        [sys.executable, str(EXAMPLE), "--url", url, "--file", str(file)],
        env=clean_environment(CDLINK_API_TOKEN=token),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout


def test_given_a_shop_when_the_example_syncs_twice_then_the_file_holds_every_order_once(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database = Database(Settings(data_dir=data_dir).effective_database_url)
    upgrade(database)
    clock = ManualClock(NOW)
    with database.session() as session:
        session.add(account(1, "Boutique"))
        session.flush()
        session.add_all(
            sale(number, NOW - timedelta(hours=number), "Shipped", "10.00", f"K{number}")
            for number in range(1, 8)
        )
        user = create_user(session, clock, "erp@example.fr", "un mot de passe solide")
        token = access.issue_api_token(session, user, "sync", clock.now()).secret
    copy = tmp_path / "orders.json"

    with cdlink_server(tmp_path, CDLINK_SYNC_EMBEDDED_ENABLED="false") as server:
        first = run_example(server.url, token, copy)
        with database.session() as session:
            changed = session.get_one(Order, 3)
            changed.status, changed.updated_at = "Delivered", NOW + timedelta(hours=1)
        second = run_example(server.url, token, copy)

    saved = json.loads(copy.read_text())
    assert first.startswith("7 order(s) read, 7 in")
    # The changed order, and the first run's latest one read again by the minute's look-back.
    assert second.startswith("2 order(s) read, 7 in")
    assert sorted(saved["orders"]) == [str(number) for number in range(1, 8)]
    assert saved["orders"]["3"]["status"] == "Delivered"
