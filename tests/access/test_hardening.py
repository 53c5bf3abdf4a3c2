"""Safer defaults of the web app: login delays per (account, address), trusted proxies,
Cache-Control on private answers, and the CSRF token bound to the session."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.store.engine import Database
from cdlink.store.models import LoginAttempt
from cdlink.web.app import create_app
from tests.support.web import ADMIN_PASSWORD, BASE_URL, csrf_token, log_in

PROXY = "10.1.2.3"


def _behind_proxy(
    tmp_path: Path, database: Database, clock: ManualClock, trusted: str
) -> TestClient:
    """A client whose requests arrive from ``PROXY``, a reverse proxy in front of cdlink."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "data",
        sync_embedded_enabled=False,
        trusted_proxies=trusted,
    )
    app = create_app(settings, database=database, clock=clock)
    return TestClient(app, base_url=BASE_URL, follow_redirects=False, client=(PROXY, 40000))


def _log_in_from(client: TestClient, address: str, email: str, password: str) -> int:
    client.cookies.clear()
    client.headers["X-Forwarded-For"] = address
    return log_in(client, email, password).status_code


def test_given_failures_from_one_address_when_the_user_logs_in_elsewhere_then_it_works(
    tmp_path: Path, web_database: Database, clock: ManualClock, admin: str, settings: Settings
) -> None:
    with _behind_proxy(tmp_path, web_database, clock, trusted=PROXY) as client:
        failures = [
            _log_in_from(client, "203.0.113.9", admin, "guess")
            for _ in range(settings.login_failures_per_account)
        ]
        attacker = _log_in_from(client, "203.0.113.9", admin, ADMIN_PASSWORD)
        real_user = _log_in_from(client, "198.51.100.7", admin, ADMIN_PASSWORD)
        clock.advance(timedelta(seconds=1))
        attacker_after_the_delay = _log_in_from(client, "203.0.113.9", admin, ADMIN_PASSWORD)

    assert failures == [401] * settings.login_failures_per_account
    assert attacker == 429
    assert real_user == 303
    assert attacker_after_the_delay == 303


def test_given_the_delay_when_refused_then_the_page_says_how_many_seconds(
    client: TestClient, admin: str, settings: Settings, clock: ManualClock
) -> None:
    for number in range(settings.login_failures_per_account + 2):
        if number:
            clock.advance(timedelta(minutes=20))  # past any delay: each try is a real failure
        assert log_in(client, admin, "guess").status_code == 401

    refused = log_in(client, admin, ADMIN_PASSWORD)

    assert refused.status_code == 429
    assert "Try again in 4 seconds" in refused.text


def test_given_no_trusted_proxy_when_x_forwarded_for_is_sent_then_it_is_ignored(
    tmp_path: Path, web_database: Database, clock: ManualClock, admin: str, settings: Settings
) -> None:
    with _behind_proxy(tmp_path, web_database, clock, trusted="") as client:
        for number in range(settings.login_failures_per_account):
            # A new made-up address each time does not escape the delay: the peer counts.
            _log_in_from(client, f"192.0.2.{number}", admin, "guess")
        refused = _log_in_from(client, "192.0.2.200", admin, ADMIN_PASSWORD)
    with web_database.reading() as session:
        addresses = {address for (address,) in session.execute(select(LoginAttempt.address))}

    assert refused == 429
    assert addresses == {PROXY}


def test_given_a_trusted_proxy_when_x_forwarded_for_is_sent_then_the_client_is_recorded(
    tmp_path: Path, web_database: Database, clock: ManualClock, admin: str
) -> None:
    with _behind_proxy(tmp_path, web_database, clock, trusted="10.0.0.0/8") as client:
        # The left-most value is the client's own claim; the proxy appended the real peer.
        _log_in_from(client, "127.0.0.1, 198.51.100.7, 10.9.9.9", admin, "guess")
    with web_database.reading() as session:
        addresses = [address for (address,) in session.execute(select(LoginAttempt.address))]

    assert addresses == ["198.51.100.7"]


def test_given_a_logged_in_user_when_reading_pages_and_api_then_nothing_may_be_cached(
    browser: TestClient,
) -> None:
    page = browser.get("/orders")
    answer = browser.get("/api/v1/me")
    static = browser.get("/static/favicon.svg")
    login = browser.get("/login")

    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("cache-control", "")
    assert login.headers["cache-control"] == "no-store"  # a redirect, still for this user


def test_given_no_session_when_reading_static_files_then_their_caching_is_kept(
    client: TestClient,
) -> None:
    static = client.get("/static/favicon.svg")

    assert static.status_code == 200
    assert "cache-control" not in static.headers
    assert "etag" in static.headers


def _language_change(client: TestClient, token: str) -> int:
    response = client.post("/language", data={"csrf_token": token, "language": "en", "next": "/"})
    return response.status_code


def test_given_a_csrf_token_from_before_login_when_used_after_then_it_is_refused(
    client: TestClient, admin: str
) -> None:
    before = csrf_token(client)
    secret_before = client.cookies.get("cdlink_csrf")
    assert log_in(client, admin, ADMIN_PASSWORD).status_code == 303
    after = csrf_token(client, "/orders")

    assert client.cookies.get("cdlink_csrf") != secret_before
    assert _language_change(client, before) == 403
    assert _language_change(client, after) == 303


def test_given_two_sessions_of_one_browser_when_a_token_crosses_then_it_is_refused(
    client: TestClient, admin: str
) -> None:
    log_in(client, admin, ADMIN_PASSWORD)
    first_session = client.cookies.get("cdlink_session")
    first_token = csrf_token(client, "/orders")
    secret = client.cookies.get("cdlink_csrf")
    client.cookies.clear()
    log_in(client, admin, ADMIN_PASSWORD)
    second_session = client.cookies.get("cdlink_session")
    # Same browser secret, other session: only the session differs.
    client.cookies.set("cdlink_csrf", secret or "")

    assert first_session != second_session
    assert _language_change(client, first_token) == 403
    assert _language_change(client, csrf_token(client, "/orders")) == 303


def test_given_a_successful_login_when_failing_again_then_the_count_starts_again(
    client: TestClient, admin: str, settings: Settings
) -> None:
    for _ in range(settings.login_failures_per_account - 1):
        log_in(client, admin, "guess")
    assert log_in(client, admin, ADMIN_PASSWORD).status_code == 303
    client.cookies.clear()

    assert log_in(client, admin, "guess").status_code == 401
    assert log_in(client, admin, ADMIN_PASSWORD).status_code == 303


def test_given_a_request_relayed_by_a_local_proxy_when_reading_metrics_then_it_is_refused(
    client: TestClient,
) -> None:
    local = client.get("/metrics")
    relayed = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})

    assert local.status_code == 200
    assert relayed.status_code == 403
