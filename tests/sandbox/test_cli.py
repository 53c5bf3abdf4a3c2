"""`cdlink sandbox` as a real server: start it, fetch a token, call the API, drop a connection."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

pytestmark = pytest.mark.e2e

CLIENT = {"client_id": "my-erp", "client_secret": "my-erp-secret"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    command = [
        sys.executable, "-m", "cdlink", "sandbox", "--port", str(port), "--seed", "3",
        "--client-id", CLIENT["client_id"], "--client-secret", CLIENT["client_secret"],
        "--seller-id", "424242", "--orders-per-hour", "0",
    ]  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    httpx.get(f"{base_url}/_sandbox/clock", timeout=1)
                    break
                except httpx.TransportError:
                    assert process.poll() is None, "the sandbox server exited early"
                    time.sleep(0.1)
            yield base_url, process
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.mark.slow
def test_given_the_command_when_served_then_a_token_and_the_seller_answer(
    server: tuple[str, subprocess.Popen[str]],
) -> None:
    base_url, process = server
    token = httpx.post(
        f"{base_url}/auth/realms/maas/protocol/openid-connect/token",
        data={"grant_type": "client_credentials", **CLIENT},
    ).json()["access_token"]

    seller = httpx.get(
        f"{base_url}/seller/v2/sellers",
        headers={"Authorization": f"Bearer {token}", "SellerId": "424242"},
    )

    assert seller.status_code == 200
    assert seller.json()["seller_id"] == 424242
    process.terminate()
    output, _ = process.communicate(timeout=10)
    assert f"{base_url}/auth/realms/maas/protocol/openid-connect/token" in output
    assert f"{base_url}/seller/v2" in output
    assert CLIENT["client_secret"] in output


@pytest.mark.slow
def test_given_a_drop_fault_when_served_by_uvicorn_then_the_connection_really_breaks(
    server: tuple[str, subprocess.Popen[str]],
) -> None:
    base_url, _ = server
    httpx.post(f"{base_url}/_sandbox/faults", json={"kind": "drop_after", "endpoint": "token"})

    with pytest.raises(httpx.TransportError):
        httpx.post(
            f"{base_url}/auth/realms/maas/protocol/openid-connect/token",
            data={"grant_type": "client_credentials", **CLIENT},
        )


@pytest.mark.slow
def test_given_half_a_client_pair_when_starting_then_the_command_refuses() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cdlink", "sandbox", "--client-id", "only-id"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert "--client-secret" in result.stderr
