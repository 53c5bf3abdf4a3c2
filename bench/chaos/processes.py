"""The processes of a chaos run: the sandbox server and cdlink's runtime, each killable.

Every process writes to its own log file in the run directory, so a failed run can be read
afterwards. ``Supervised`` keeps the command of a process, so the run can SIGKILL it (no clean-up
of any kind, as a crash or the kernel's OOM killer would) and start it again.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Supervised:
    """One process of the run, started again after each kill."""

    name: str
    command: list[str]
    environment: dict[str, str]
    log_dir: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: list[float] = field(default_factory=list)

    def start(self) -> None:
        self.starts += 1
        log = self.log_dir / f"{self.name}.log"
        with log.open("ab") as output:
            output.write(f"\n--- start {self.starts} at {time.time():.3f}\n".encode())
            output.flush()
            self.process = subprocess.Popen(
                self.command,
                cwd=self.log_dir,  # no developer's .env is read from here
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL, reaped at once; ``start`` brings it back."""
        if self.process is None:
            return
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.kills.append(time.time())

    def stop(self, timeout: float = 30.0) -> None:
        """A clean stop (SIGTERM), forced after ``timeout`` seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def cdlink_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "cdlink", *arguments]


def start_sandbox(config_json: str, log_dir: Path) -> tuple[Supervised, str]:
    """The sandbox server on a free port; returns it and its base URL once it answers."""
    port = free_port()
    server = Supervised(
        "sandbox",
        [sys.executable, "-m", "bench.chaos.sandbox_server", str(port), config_json],
        {**os.environ, "PYTHONPATH": str(ROOT)},
        log_dir,
    )
    server.start()
    base_url = f"http://127.0.0.1:{port}"
    wait_until_answering(server, f"{base_url}/_sandbox/state")
    return server, base_url


def wait_until_answering(process: Supervised, url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive:
            raise RuntimeError(f"{process.name} exited; see {process.log_dir}/{process.name}.log")
        try:
            if httpx.get(url, timeout=2.0).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{process.name} did not answer at {url} within {timeout:.0f} s")
