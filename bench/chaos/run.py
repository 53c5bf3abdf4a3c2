"""One chaos run of one runtime, start to finish: set up, storm, drain, judge, report."""

from __future__ import annotations

import json
import random
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.chaos import floor
from bench.chaos.drain import Drain, DrainTimeoutError, Verdict, first_sync, judge
from bench.chaos.marketplace import SandboxControl
from bench.chaos.processes import Supervised, start_sandbox, wait_until_answering
from bench.chaos.runtime import RuntimeSetup, postgresql_runtime, sqlite_runtime
from bench.chaos.shop import CLOCK, Account, connect_shop, stock_shop
from bench.chaos.storm import Plan, Storm
from cdlink.core.settings import Settings
from cdlink.sandbox import SandboxConfig
from cdlink.store.engine import Database

#: Each seeded offer starts with this many units on the marketplace, before cdlink's first push.
SANDBOX_QUANTITY = 1000
#: How long the runtime may take over its first sync (30 days of order history, initial stock).
FIRST_SYNC_SECONDS = 600.0


def sandbox_config(plan: Plan) -> SandboxConfig:
    """A busy but quick marketplace: packages integrate in seconds, orders move on in seconds."""
    return SandboxConfig(
        seed=plan.seed,
        offers=plan.skus,
        orders=0,
        orders_per_hour=0.0,
        preparation_seconds=5.0,
        delivery_seconds_min=10.0,
        delivery_seconds_max=40.0,
        customer_cancel_probability=0.03,
        package_pending_seconds=1.0,
        package_integration_seconds=2.0,
        acceptance_timeout_seconds=30 * 86400.0,
    )


@contextmanager
def runtime_setup(plan: Plan, run_dir: Path, options: dict[str, Any]) -> Iterator[RuntimeSetup]:
    if plan.runtime == "sqlite":
        with sqlite_runtime(run_dir) as setup:
            yield setup
    else:
        with postgresql_runtime(
            run_dir, options["postgres_url"], options["redis_url"], keep=options["keep"]
        ) as setup:
            yield setup


def run_chaos(plan: Plan, run_dir: Path, options: dict[str, Any]) -> dict[str, Any]:
    """Run ``plan``; returns the result (``result["passed"]`` says whether every check held)."""
    run_dir = run_dir.resolve()  # the processes run from inside it
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    rng = random.Random(plan.seed)
    started = time.monotonic()
    result: dict[str, Any] = {"plan": asdict(plan), "run_dir": str(run_dir)}
    with ExitStack() as stack:
        setup = stack.enter_context(runtime_setup(plan, run_dir, options))
        sandbox_process, base_url = start_sandbox(sandbox_config(plan).model_dump_json(), run_dir)
        stack.callback(sandbox_process.stop)
        sandbox = SandboxControl(base_url)
        stack.callback(sandbox.close)
        database = Database(setup.database_url)
        stack.callback(database.dispose)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            data_dir=run_dir / "data",
            encryption_keys=setup.environment["CDLINK_ENCRYPTION_KEYS"],
        )
        account = _account(sandbox, base_url, plan)
        connection_id = connect_shop(database, settings, account)
        skus = sorted(sandbox.offers())
        journal = stock_shop(database, connection_id, skus, rng)
        processes = setup.processes(run_dir, plan.workers)
        for process in processes:
            process.start()
            stack.callback(process.stop)
        _wait_for_runtime(processes, setup)
        first_sync(database, sandbox, connection_id, time.monotonic() + FIRST_SYNC_SECONDS)
        result["setup_seconds"] = round(time.monotonic() - started, 1)

        storm = Storm(
            plan,
            sandbox,
            database,
            connection_id,
            skus,
            journal,
            processes,
            [process for process in processes if process.name != "scheduler"],
            rng,
        )
        storm_report = storm.run()
        result["storm"] = {**asdict(storm_report), "faults": sandbox.faults()}
        sandbox.clear_faults()

        drain = Drain(
            database,
            sandbox,
            connection_id,
            time.monotonic() + plan.drain_seconds,
            storm.discussion_ids,
        )
        drain_started, drain_moment = time.monotonic(), CLOCK.now()
        try:
            reconciliation = drain.run()
        except DrainTimeoutError as error:
            reconciliation = {}
            result["drain_error"] = str(error)
        result["drain_seconds"] = round(time.monotonic() - drain_started, 1)
        result["drain_steps"] = {key: round(value, 1) for key, value in drain.steps.items()}
        result["drain_progress"] = drain.progress
        result["drain_floor"] = floor.measure(
            database,
            drain_moment,
            result["drain_seconds"],
            float(setup.environment["CDLINK_OCTOPIA_MAX_CALLS_PER_SECOND"]),
        ).report()
        result["reconciliation"] = reconciliation
        verdict = judge(
            database,
            sandbox,
            connection_id,
            journal,
            reconciliation,
            discussion_ids=storm.discussion_ids,
        )
        if storm_report.unexpected_exits:
            verdict.check("no process died unasked", storm_report.unexpected_exits, "none")
        result["sandbox"] = sandbox.summary()["sellers"]
    result["seconds"] = round(time.monotonic() - started, 1)
    result.update(_verdict(verdict))
    return result


def _account(sandbox: SandboxControl, base_url: str, plan: Plan) -> Account:
    credentials = sandbox.seed(plan.skus, SANDBOX_QUANTITY)
    return Account(
        base_url, credentials["seller_id"], credentials["client_id"], credentials["client_secret"]
    )


def _wait_for_runtime(processes: list[Supervised], setup: RuntimeSetup) -> None:
    if setup.name == "sqlite":
        port = processes[0].environment["CDLINK_PORT"]
        wait_until_answering(processes[0], f"http://127.0.0.1:{port}/healthz")


def _verdict(verdict: Verdict) -> dict[str, Any]:
    return {
        "passed": verdict.passed,
        "checks": [asdict(check) for check in verdict.checks],
        "facts": verdict.facts,
    }


def write_result(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
