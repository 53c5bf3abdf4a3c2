"""The benchmark harness's helpers, the idle report's arithmetic and the benchmark modules' shape.

No timing is asserted: only what the helpers compute from the samples they are given.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from bench import bench_idle, harness, seeding
from bench.harness import (
    Measurement,
    Options,
    cpu_model,
    discover,
    load_results,
    memory_kilobytes,
    merge,
    quantile,
    timings,
    write_report,
)

from cdlink.core.settings import Settings
from cdlink.store.engine import Database


def test_given_samples_when_a_quantile_is_taken_then_it_interpolates_between_neighbours() -> None:
    assert quantile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([float(n) for n in range(1, 21)], 0.95) == pytest.approx(19.05)
    assert quantile([7.0], 0.95) == 7.0
    assert quantile([1.0, 9.0], 0.0) == 1.0
    assert quantile([1.0, 9.0], 1.0) == 9.0


def test_given_no_samples_or_a_bad_fraction_when_a_quantile_is_taken_then_it_refuses() -> None:
    with pytest.raises(ValueError, match="no samples"):
        quantile([], 0.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        quantile([1.0], 95)


def test_given_an_action_when_timed_then_each_sample_is_one_call_after_the_warmup() -> None:
    calls: list[int] = []

    measured = timings(lambda: calls.append(1), samples=5, warmup=3)

    assert len(measured) == 5
    assert len(calls) == 8
    assert all(seconds >= 0 for seconds in measured)


def test_given_a_proc_status_when_memory_is_read_then_the_field_asked_is_returned(
    tmp_path: Path,
) -> None:
    status = tmp_path / "status"
    status.write_text("Name:\tpython\nVmHWM:\t  90112 kB\nVmRSS:\t  81920 kB\n", encoding="ascii")

    assert memory_kilobytes(status=status) == 81920
    assert memory_kilobytes("VmHWM", status=status) == 90112


def test_given_no_proc_status_when_memory_is_read_then_the_peak_from_getrusage_is_given(
    tmp_path: Path,
) -> None:
    assert memory_kilobytes(status=tmp_path / "missing") > 0


def test_given_the_seed_inputs_when_keyed_then_any_change_makes_a_new_cache_entry(
    tmp_path: Path,
) -> None:
    key = seeding.cache_key(1_000_000, "0006_dashboard")

    assert key.startswith("orders_1000000_")
    assert seeding.cache_key(1_000_000, "0007_next") != key
    assert seeding.cache_key(100_000, "0006_dashboard") != key
    assert seeding.cache_key(1_000_000, "0006_dashboard", version=99) != key
    assert seeding.sqlite_path(1_000_000, "0006_dashboard", tmp_path).parent == tmp_path
    assert len(f"cdlink_bench_{key}_partial") <= 63  # a PostgreSQL name


def test_given_migrations_when_one_is_edited_then_the_schema_revision_changes(
    tmp_path: Path,
) -> None:
    (tmp_path / "0001_initial.py").write_text("revision = '0001'\n")
    before = seeding.schema_revision(tmp_path)

    (tmp_path / "0001_initial.py").write_text("revision = '0001'  # an index added\n")

    assert seeding.schema_revision(tmp_path) != before
    assert seeding.schema_revision().startswith(
        seeding.migrate.head_revision(Database("sqlite://"))
    )


def test_given_a_size_when_spaced_then_the_orders_span_two_years() -> None:
    for size in (1_000, 100_000, 1_000_000):
        spread = seeding.spacing_seconds(size) * size
        assert 0.99 * seeding.SPAN.total_seconds() <= spread <= seeding.SPAN.total_seconds()


def test_given_simulated_idle_runs_when_reported_then_the_hourly_figures_scale_up() -> None:
    settings = Settings(_env_file=None, sync_embedded_enabled=False)  # type: ignore[call-arg]
    runs = {"orders": [(1, 0.004)] * 6, "offers": [(3, 0.010)]}

    found = {m.name: m for m in bench_idle.report(runs, [0.001] * 60, 0.002, 60, settings)}

    assert found["marketplace calls per idle orders run"].value == 1
    assert found["CPU per idle orders run, p50"].value == pytest.approx(4.0)
    assert found["idle orders run CPU / CPU of its raw marketplace calls"].value == pytest.approx(2)
    assert found["marketplace calls per hour, idle connection"].value == pytest.approx(9 * 60)
    cpu = found["CPU per hour, idle connection (runs + ticks)"].value
    assert cpu == pytest.approx((6 * 0.004 + 0.010 + 60 * 0.001) * 60)
    assert found["marketplace calls and CPU per idle offers run"].value == 3


def test_given_the_benchmark_modules_when_imported_then_each_has_a_name_and_a_run() -> None:
    names = discover()

    assert {"bench_idle", "bench_pages", "bench_scheduler"} <= set(names)
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        assert isinstance(module.NAME, str)
        assert callable(module.run)
    assert Options().orders is None


def row(benchmark: str, name: str, value: float = 1.0) -> Measurement:
    return Measurement(benchmark, name, value, "ms")


def test_given_a_report_when_some_modules_are_run_again_then_only_their_rows_change() -> None:
    previous = [row("a", "a1"), row("pages", "p1"), row("pages", "p2"), row("z", "z1")]
    fresh = [row("pages", "p1", 2.0), row("pages", "p3", 3.0), row("new", "n1")]

    merged = merge(previous, fresh)

    assert [(m.benchmark, m.name, m.value) for m in merged] == [
        ("a", "a1", 1.0),
        ("pages", "p1", 2.0),
        ("pages", "p3", 3.0),
        ("z", "z1", 1.0),
        ("new", "n1", 1.0),
    ]


def test_given_no_or_a_broken_results_file_when_loaded_then_the_report_starts_afresh(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")

    assert load_results(tmp_path / "missing.json") == {}
    assert load_results(broken) == {}


def test_given_a_cpuinfo_when_the_machine_is_named_then_its_model_is_read(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\n")

    assert cpu_model(cpuinfo) == "AMD EPYC"
    assert cpu_model(tmp_path / "missing")  # falls back to what platform knows


def test_given_a_quick_report_when_one_benchmark_is_re_run_in_full_then_only_its_line_is_quick(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(harness, "RESULTS", tmp_path / "benchmarks.json")
    monkeypatch.setattr(harness, "REPORT", tmp_path / "benchmarks.md")
    first = [Measurement("alpha", "a", 1.0, "s"), Measurement("beta", "b", 2.0, "s")]
    write_report(first, Options(quick=True))

    write_report([Measurement("beta", "b", 3.0, "s")], Options(), partial=True)
    write_report([Measurement("alpha", "a", 4.0, "s")], Options(quick=True), partial=True)
    lines = (tmp_path / "benchmarks.md").read_text().splitlines()
    results = load_results(tmp_path / "benchmarks.json")

    assert lines[2].endswith("(quick mode).")
    reruns = [line.split(" UTC", 1)[1] for line in lines if line.startswith("Re-run on")]
    assert reruns == [": beta.", " (quick mode): alpha."]
    assert results["quick"] is True
    assert [update["quick"] for update in results["updates"]] == [False, True]
    assert [m["value"] for m in results["measurements"]] == [4.0, 3.0]
