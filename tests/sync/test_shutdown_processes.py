"""SIGTERM on real processes while the marketplace hangs or fails in the middle of a stock push:
``cdlink serve`` (embedded, SQLite) and ``cdlink worker`` (distributed, PostgreSQL and Redis)
exit with status 0 within 10 s of the signal, and after a restart the pending push completes.

"hang": the package creation never answers (the call is stuck in a socket read at the signal),
so the marketplace never got the package and exactly one package carries the new quantity.
"down": every poll of the package's state fails, so the package was created but its outcome is
unknown at the signal: the push is made again after the restart (a second package with the same
absolute quantity, which is harmless), and confirmed once.

Each runtime meets one fault: both runtimes share the stop event and the outbox claim, so the
other two pairings would prove little more and cost over a minute each (a job stuck in a call is
also stopped in-process, on both databases, in tests/sync/test_shutdown.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import free_port, sandbox_server
from tests.support.databases import REDIS_URL, postgres_database
from tests.support.shutdown import (
    MARKETPLACE,
    QUANTITY,
    SHUTDOWN_LIMIT,
    clear_faults,
    confirmed_quantity,
    environment,
    fault_fired,
    inject,
    marketplace_quantity,
    outbox_states,
    packages,
    prepare_shop,
    shop_settings,
    sigterm,
    start,
    stop_quietly,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

#: Packages the marketplace holds after the restart, by fault (see the module docstring).
PACKAGES = {"hang": 1, "down": 2}


@pytest.mark.parametrize("fault", ["hang"])
def test_given_a_stock_push_stuck_on_the_marketplace_when_serve_gets_sigterm_then_it_exits_within_10_s_and_the_restart_pushes_once(  # noqa: E501
    tmp_path: Path, fault: str
) -> None:
    with sandbox_server(tmp_path, MARKETPLACE) as market:
        shop = prepare_shop(shop_settings(tmp_path / "data"), market)
        before = packages(market)
        inject(market, fault)
        port = free_port()
        env = environment(shop)
        command = ["serve", "--port", str(port)]
        log = tmp_path / "serve.log"
        first = start(command, env, log)
        try:
            wait_until(lambda: fault_fired(market), alive=first, what="the push")
            elapsed = sigterm(first)
        finally:
            stop_quietly(first)
        output = log.read_text(errors="replace")
        assert first.returncode == 0, output
        assert elapsed <= SHUTDOWN_LIMIT, f"{elapsed:.1f} s after SIGTERM\n{output}"

        clear_faults(market)
        second = start(command, env, log)
        try:
            wait_until(lambda: confirmed_quantity(shop) == QUANTITY, alive=second, what="the push")
        finally:
            stop_quietly(second)
        assert marketplace_quantity(market, shop.reference) == QUANTITY
        assert packages(market) - before == PACKAGES[fault]
    assert outbox_states(shop) == [("done", 2)]  # claimed before the signal and after it


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.parametrize("fault", ["down"])
def test_given_a_stock_push_stuck_on_the_marketplace_when_the_worker_gets_sigterm_then_it_exits_within_10_s_and_the_restart_pushes_once(  # noqa: E501
    tmp_path: Path, fault: str, redis_namespace: str
) -> None:
    with sandbox_server(tmp_path, MARKETPLACE) as market, postgres_database() as url:
        shop = prepare_shop(shop_settings(tmp_path / "data", url), market)
        before = packages(market)
        inject(market, fault)
        env = environment(
            shop,
            CDLINK_RUNTIME="distributed",
            CDLINK_REDIS_URL=REDIS_URL,
            CDLINK_SYNC_REDIS_NAMESPACE=redis_namespace,
        )
        log = tmp_path / "worker.log"
        scheduler = start(["scheduler"], env, tmp_path / "scheduler.log")
        first = start(["worker"], env, log)
        try:
            wait_until(lambda: fault_fired(market), alive=first, what="the push")
            elapsed = sigterm(first)
            output = log.read_text(errors="replace")
            assert first.returncode == 0, output
            assert elapsed <= SHUTDOWN_LIMIT, f"{elapsed:.1f} s after SIGTERM\n{output}"

            clear_faults(market)
            second = start(["worker"], env, log)
            try:
                wait_until(
                    lambda: confirmed_quantity(shop) == QUANTITY, alive=second, what="the push"
                )
            finally:
                stop_quietly(second)
            scheduler_elapsed = sigterm(scheduler)
        finally:
            stop_quietly(first)
            stop_quietly(scheduler)
        assert scheduler.returncode == 0
        assert scheduler_elapsed <= SHUTDOWN_LIMIT
        assert marketplace_quantity(market, shop.reference) == QUANTITY
        assert packages(market) - before == PACKAGES[fault]
        assert outbox_states(shop) == [("done", 2)]
