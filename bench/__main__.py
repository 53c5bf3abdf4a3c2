"""``python -m bench [--quick] [--orders N] [names…]``: run the benchmarks and write the report."""

from __future__ import annotations

import argparse

from bench.harness import REPORT, Options, run_all, write_report


def main() -> None:
    parser = argparse.ArgumentParser(description="Run cdlink's benchmarks.")
    parser.add_argument("--quick", action="store_true", help="shorter runs, for a smoke test")
    parser.add_argument(
        "--orders", type=int, default=None, help="orders in the page benchmarks' shop"
    )
    parser.add_argument("only", nargs="*", help="run only benchmarks whose name contains these")
    arguments = parser.parse_args()
    options = Options(quick=arguments.quick, orders=arguments.orders)
    measurements = run_all(options, arguments.only or None)
    write_report(measurements, options, partial=bool(arguments.only))
    print(f"report written to {REPORT}")


main()
