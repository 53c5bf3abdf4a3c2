"""The benchmark harness: runs every ``bench_*`` module and writes the report.

A benchmark module exposes ``run(options) -> list[Measurement]``. Where a claim is about speed,
the measurement is a ratio of two rates taken in the same run on the same machine (cdlink against
the raw work it wraps), which survives a noisy machine far better than an absolute time.
"""

from __future__ import annotations

import dataclasses
import gc
import importlib
import json
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "docs" / "benchmarks.json"


@dataclasses.dataclass(frozen=True)
class Measurement:
    benchmark: str
    name: str
    value: float
    unit: str
    target: str = ""
    note: str = ""


@dataclasses.dataclass(frozen=True)
class Options:
    quick: bool = False
    # Orders in the page benchmarks' shop; None: 1,000,000 (100,000 with ``quick``).
    orders: int | None = None


def rate(action: Callable[[], object], *, seconds: float = 1.0, rounds: int = 3) -> float:
    """Median calls per second of ``action`` over ``rounds`` rounds of about ``seconds`` each."""
    rates = []
    for _ in range(rounds):
        count, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            action()
            count += 1
        rates.append(count / elapsed)
    return statistics.median(rates)


def quantile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile of ``values`` (0.5: the median, 0.95: p95), interpolated
    between the two nearest samples; one sample is its own every quantile.
    """
    if not values:
        raise ValueError("no samples to take a quantile of")
    if not 0 <= fraction <= 1:
        raise ValueError(f"a quantile is between 0 and 1, not {fraction}")
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def timings(action: Callable[[], object], *, samples: int, warmup: int = 2) -> list[float]:
    """Seconds each of ``samples`` calls of ``action`` took, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        action()
    measured = []
    for _ in range(samples):
        started = time.perf_counter()
        action()
        measured.append(time.perf_counter() - started)
    return measured


def memory_kilobytes(field: str = "VmRSS", status: Path = Path("/proc/self/status")) -> int:
    """A memory figure of this process in KiB from ``/proc/self/status`` (VmRSS: resident now,
    VmHWM: resident at its peak); where there is no /proc, the peak from ``getrusage``.
    """
    try:
        for line in status.read_text(encoding="ascii").splitlines():
            name, _, value = line.partition(":")
            if name == field:
                return int(value.split()[0])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The processor's model name where Linux tells it, else what ``platform`` knows."""
    try:
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "model name" and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    memory = ""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            memory = handle.readline().split(":", 1)[1].strip()
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "processor": cpu_model(),
        "cpus": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
    }


def discover() -> list[str]:
    return sorted(path.stem for path in Path(__file__).parent.glob("bench_*.py"))


def run_all(options: Options, only: list[str] | None = None) -> list[Measurement]:
    measurements: list[Measurement] = []
    for name in discover():
        if only and not any(part in name for part in only):
            continue
        module = importlib.import_module(f"bench.{name}")
        print(f"running {name} …", flush=True)
        # What the benchmarks before left alive (a sandbox of 20,000 orders, caches) would be
        # walked by every collection of this one's: a rate measured after them read half of
        # the same rate measured alone (model parsing: 0.18 against 0.34).
        gc.collect()
        gc.freeze()
        found = module.run(options)
        for measurement in found:
            print(f"  {measurement.name}: {measurement.value:,.3f} {measurement.unit}", flush=True)
        measurements.extend(found)
    return measurements


def merge(previous: list[Measurement], fresh: list[Measurement]) -> list[Measurement]:
    """The report after re-running some modules: each benchmark run again replaces all of its
    previous rows where they stood; the others keep theirs; a new benchmark goes last.
    """
    rerun = {m.benchmark for m in fresh}
    merged: list[Measurement] = []
    placed: set[str] = set()
    for measurement in previous:
        if measurement.benchmark not in rerun:
            merged.append(measurement)
        elif measurement.benchmark not in placed:
            placed.add(measurement.benchmark)
            merged += [m for m in fresh if m.benchmark == measurement.benchmark]
    merged += [m for m in fresh if m.benchmark not in placed]
    return merged


def load_results(path: Path | None = None) -> dict[str, Any]:
    """The previous report's raw results (``RESULTS`` unless told), or an empty one."""
    try:
        return json.loads((path or RESULTS).read_text())  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return {}


def write_report(
    measurements: list[Measurement], options: Options, *, partial: bool = False
) -> None:
    """Write the report; ``partial`` (some modules only) replaces their rows in the last one."""
    host = machine()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    previous = load_results() if partial else {}
    generated, updates = when, []
    if previous.get("measurements"):
        kept = [Measurement(**item) for item in previous["measurements"]]
        generated = previous.get("generated_at", when)
        rerun = sorted({m.benchmark for m in measurements})
        updates = [
            *previous.get("updates", []),
            {"at": when, "benchmarks": rerun, "quick": options.quick},
        ]
        measurements = merge(kept, measurements)
    # "quick" says how the report was first generated; each update says how it ran, so a full
    # re-run of one benchmark is not labelled quick because the first generation was.
    quick = bool(previous.get("quick")) if previous.get("measurements") else options.quick
    RESULTS.write_text(
        json.dumps(
            {
                "generated_at": generated,
                "updates": updates,
                "machine": host,
                "quick": quick,
                "measurements": [dataclasses.asdict(m) for m in measurements],
            },
            indent=2,
        )
        + "\n"
    )
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` on {generated}{' (quick mode)' if quick else ''}.",
        *[
            f"Re-run on {update['at']}{' (quick mode)' if update.get('quick') else ''}: "
            f"{', '.join(update['benchmarks'])}."
            for update in updates
        ],
        f"Machine: {host['platform']}, {host['cpus']} CPUs ({host['processor']}), "
        f"{host['memory']} memory, "
        f"Python {host['python']}.",
        "",
        "Every number below comes from those runs; the raw values are in `docs/benchmarks.json`.",
        "How to read them: `docs/benchmarking.md`.",
        "",
        "| Benchmark | Measurement | Value | Unit | Target | Note |",
        "|---|---|---:|---|---|---|",
    ]
    lines += [
        f"| {m.benchmark} | {m.name} | {m.value:,.3f} | {m.unit} | {m.target} | {m.note} |"
        for m in measurements
    ]
    REPORT.write_text("\n".join(lines) + "\n")
