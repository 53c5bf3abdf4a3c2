"""After a full flow against the real server, the secret is nowhere in plaintext: not in the log,
not in a page, not in an API answer, not in the database files (issue 6, "Checked by")."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.browser import (
    SandboxServer,
    Server,
    cdlink_server,
    clean_environment,
    sandbox_server,
)

pytestmark = pytest.mark.e2e

EMAIL = "vendeur@boutique.fr"
PASSWORD = "un mot de passe solide"
WRONG_SECRETS = ("Leak-Probe-Secret-Two-9a8b", "legacy-Password-5c6d")


class Recorder:
    """An HTTP client that keeps every answer it gets, to scan them afterwards."""

    def __init__(self, server: Server) -> None:
        self.client = httpx.Client(
            base_url=server.url,
            follow_redirects=True,
            timeout=30,
            headers={"Accept-Language": "en"},
        )
        self.answers: list[str] = []

    def call(self, method: str, path: str, **options: object) -> httpx.Response:
        response = self.client.request(method, path, **options)  # type: ignore[arg-type]
        self.answers.append(f"{response.headers}\n{response.text}")
        return response

    def csrf(self, path: str = "/apps") -> str:
        found = re.search(r'name="csrf-token" content="([^"]+)"', self.call("GET", path).text)
        assert found
        return found.group(1)


def full_flow(web: Recorder, market: SandboxServer) -> None:
    """Log in; install, fail and fix, edit; legacy mode; the API; delete. Every answer kept."""
    login = {"csrf_token": web.csrf("/login"), "email": EMAIL, "password": PASSWORD}
    web.call("POST", "/login", data=login)
    token = web.csrf()
    form = {
        "csrf_token": token,
        "name": "Cdiscount",
        "seller_id": market.seller_id,
        "client_id": market.client_id,
        "secret": market.client_secret,
    }
    web.call("POST", "/apps", data=form)
    web.call("POST", "/apps", data={**form, "client_id": "bad@mail.fr"})
    web.call("POST", "/apps/1", data={**form, "secret": WRONG_SECRETS[0]})
    web.call("POST", "/apps/1", data=form)
    web.call("POST", "/apps/1", data={**form, "secret": "", "stock_sync": "on"})
    web.call("GET", "/apps/1/edit")
    legacy = {"seller_id": "515151", "auth_mode": "password", "client_id": "boutique-api"}
    web.call("POST", "/apps", data={**form, **legacy, "secret": WRONG_SECRETS[1]})
    issued = web.call(
        "POST", "/api/v1/tokens", json={"name": "scan"}, headers={"X-CSRF-Token": token}
    ).json()["token"]
    api = {"Authorization": f"Bearer {issued}"}
    other = {"seller_id": 616161, "client_id": "other-client-2"}
    web.call(
        "POST",
        "/api/v1/connections",
        headers=api,
        json={**other, "client_secret": WRONG_SECRETS[0]},
    )
    web.call("POST", "/api/v1/connections", headers=api, json={"client_secret": WRONG_SECRETS[0]})
    web.call("PATCH", "/api/v1/connections/1", headers=api, json={"name": "Boutique"})
    web.call("POST", "/api/v1/connections/1/test", headers=api)
    for path in (
        "/api/v1/connections",
        "/api/v1/connections/1",
        "/apps",
        "/sync-log",
        "/",
        "/settings",
        "/api/openapi.json",
    ):
        web.call("GET", path, headers=api if path.startswith("/api/v1") else {})
    web.call("DELETE", "/api/v1/connections/3", headers=api)
    web.call("POST", "/apps/2/delete", data={"csrf_token": token})


@pytest.mark.slow
def test_given_a_full_flow_when_scanning_everything_then_no_secret_is_in_plaintext(
    tmp_path: Path,
) -> None:
    with sandbox_server(tmp_path) as market:
        env = clean_environment(
            CDLINK_DATA_DIR=str(tmp_path / "data"), CDLINK_LOG_LEVEL="DEBUG", **market.settings()
        )
        for arguments in (
            ["db", "upgrade"],
            ["users", "create", "--email", EMAIL, "--password", PASSWORD],
        ):
            cdlink(arguments, env)
        with cdlink_server(tmp_path, CDLINK_LOG_LEVEL="DEBUG", **market.settings()) as server:
            web = Recorder(server)
            full_flow(web, market)
            web.client.close()
        tested = cdlink(["apps", "test", "1"], env, check=False)
        listed = cdlink(["apps", "list"], env)
        log = server.log()
        files = {
            path.name: path.read_bytes() for path in server.data_dir.iterdir() if path.is_file()
        }

    answers = "".join(web.answers)
    assert "cdlink.sqlite3" in files
    assert len(web.answers) > 20
    assert "Module installed correctly" in answers
    assert "The Client ID or the Client Secret is wrong" in answers
    assert "Module installed correctly" in tested.stdout
    for secret in (market.client_secret, *WRONG_SECRETS):
        assert secret not in log
        assert secret not in tested.stdout + tested.stderr + listed.stdout
        for answer in web.answers:
            assert secret not in answer
        for name, content in files.items():
            assert secret.encode() not in content, name


def cdlink(
    arguments: list[str], env: dict[str, str], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cdlink", *arguments],
        env=env,
        check=check,
        capture_output=True,
        text=True,
    )
