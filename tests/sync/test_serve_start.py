"""``cdlink serve`` starts its embedded runtime before it builds the web app (seconds of CPU), so a
process started again after a crash syncs meanwhile; a SIGTERM in that time stops the runtime
cleanly and the process ends with status 0."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.browser import clean_environment, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STARTED = "embedded sync runtime started"
STOPPED = "embedded sync runtime stopped"
SERVING = "serving on"


def serve(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    env = clean_environment(CDLINK_DATA_DIR=str(tmp_path / "data"))
    subprocess.run([sys.executable, "-m", "cdlink", "db", "upgrade"], env=env, check=True)
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "cdlink", "serve", "--port", str(free_port())],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return process, log


def wait_for_line(log: Path, text: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while text not in log.read_text():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)


def test_given_serve_when_started_then_the_runtime_runs_before_the_web_app_serves(
    tmp_path: Path,
) -> None:
    process, log = serve(tmp_path)
    try:
        wait_for_line(log, SERVING, process)
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    lines = log.read_text().splitlines()
    started = next(index for index, line in enumerate(lines) if STARTED in line)
    serving = next(index for index, line in enumerate(lines) if SERVING in line)
    assert started < serving
    assert code == 0


def test_given_serve_starting_when_sigterm_comes_as_its_runtime_starts_then_it_stops_cleanly(
    tmp_path: Path,
) -> None:
    process, log = serve(tmp_path)
    try:
        wait_for_line(log, STARTED, process)
        process.send_signal(signal.SIGTERM)  # the web app is being built (or just served)
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 0, log.read_text()
    assert STOPPED in log.read_text()
    assert "Traceback" not in log.read_text()
