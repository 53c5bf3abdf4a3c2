"""``python -m bench.chaos [--quick] [--runtime sqlite|postgresql|both] [sizes…]``.

Full size (``make chaos``): 20,000 orders, 2,000 customer messages, 5,000 stock changes,
10 kills, on both runtimes.
``--quick`` is the reduced run of the test suite. Writes the result as JSON and exits 1 if any
check failed on any runtime.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from bench.chaos.floor import NAME
from bench.chaos.processes import ROOT
from bench.chaos.run import run_chaos, write_result
from bench.chaos.runtime import DEFAULT_POSTGRES_URL, DEFAULT_REDIS_URL
from bench.chaos.storm import Plan

#: ``drain``: how long cdlink may take to catch up; the full run's acceptances alone are about an
#: hour at the call budget's pace (docs/chaos.md, "What to expect").
FULL = {
    "orders": 20_000,
    "messages": 2_000,
    "stock_changes": 5_000,
    "kills": 10,
    "skus": 1_000,
    "storm": 600.0,
    "drain": 3 * 3600.0,
}
QUICK = {
    "orders": 300,
    "messages": 60,
    "stock_changes": 200,
    "kills": 3,
    "skus": 60,
    "storm": 20.0,
    "drain": 600.0,
}


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.chaos", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="the reduced run (seconds)")
    parser.add_argument("--runtime", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--orders", type=int, help="orders the marketplace receives")
    parser.add_argument(
        "--messages", type=int, help="customer messages (new discussions and follow-ups)"
    )
    parser.add_argument("--stock-changes", type=int, help="stock changes made in cdlink")
    parser.add_argument("--kills", type=int, help="worker processes SIGKILLed")
    parser.add_argument("--skus", type=int, help="offers in the shop")
    parser.add_argument("--storm-seconds", type=float, help="how long the storm lasts")
    parser.add_argument("--drain-seconds", type=float, help="catch-up limit")
    parser.add_argument(
        "--workers", type=int, default=2, help="cdlink worker processes (PostgreSQL)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, help="the JSON result (default: see docs/chaos.md)")
    parser.add_argument("--run-dir", type=Path, default=ROOT / "test-artifacts" / "chaos")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    return parser.parse_args(argv)


def plans(options: argparse.Namespace) -> list[Plan]:
    sizes = QUICK if options.quick else FULL
    runtimes = ["sqlite", "postgresql"] if options.runtime == "both" else [options.runtime]
    return [
        Plan(
            runtime=runtime,
            orders=options.orders if options.orders is not None else int(sizes["orders"]),
            stock_changes=(
                options.stock_changes
                if options.stock_changes is not None
                else int(sizes["stock_changes"])
            ),
            kills=options.kills if options.kills is not None else int(sizes["kills"]),
            skus=options.skus if options.skus is not None else int(sizes["skus"]),
            storm_seconds=options.storm_seconds or float(sizes["storm"]),
            drain_seconds=options.drain_seconds or float(sizes["drain"]),
            seed=options.seed,
            workers=options.workers,
            messages=options.messages if options.messages is not None else int(sizes["messages"]),
        )
        for runtime in runtimes
    ]


def summary(result: dict[str, Any]) -> str:
    plan, storm = result["plan"], result.get("storm", {})
    lines = [
        f"== chaos on {plan['runtime']}: {'PASSED' if result['passed'] else 'FAILED'} "
        f"in {result['seconds']} s (setup {result.get('setup_seconds')} s, storm "
        f"{round(storm.get('seconds', 0), 1)} s, drain {result.get('drain_seconds')} s)",
        f"   {storm.get('orders_created')} orders, {storm.get('customer_messages')} customer "
        f"messages in {storm.get('discussions_opened')} discussions, "
        f"{storm.get('stock_changes')} stock changes, "
        f"{len(storm.get('kills', []))} kills, {storm.get('throttle_bursts')} 429 bursts, "
        f"{storm.get('token_revocations')} token revocations",
    ]
    lines.append(f"   drain steps (s from its start): {result.get('drain_steps')}")
    if "drain_floor" in result:
        lines.append(floor_line(result["drain_floor"]))
    if "drain_error" in result:
        lines.append(f"   drain: {result['drain_error']}")
    for check in result["checks"]:
        lines.append(
            f"   [{'ok' if check['passed'] else 'FAIL'}] {check['name']} — {check['detail']}"
        )
    return "\n".join(lines)


def floor_line(found: dict[str, Any]) -> str:
    """The drain beside its physical minimum (``bench.chaos.floor``)."""
    ratio = found[NAME]
    return (
        f"   {NAME}: {'n/a' if ratio is None else ratio} (drain {found['drain_seconds']} s, "
        f"minimum {found['minimum_seconds']} s = {found['order_actions']} order actions + "
        f"{found['package_calls']} package calls in {found['packages']} packages "
        f"at {found['calls_per_second']:g} calls/s)"
    )


def main(argv: list[str] | None = None) -> int:
    options = arguments(argv)
    # Stopped from outside: unwind, so the run's processes and database are cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    default = "test-artifacts/chaos/chaos.json" if options.quick else "docs/chaos.json"
    output = options.output or ROOT / default
    settings = {
        "postgres_url": options.postgres_url,
        "redis_url": options.redis_url,
        "keep": options.keep,
    }
    results = []
    for plan in plans(options):
        result = run_chaos(plan, options.run_dir / plan.runtime, settings)
        print(summary(result), flush=True)
        results.append(result)
    passed = all(result["passed"] for result in results)
    write_result({"passed": passed, "runs": results}, output)
    print(f"result written to {output}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
