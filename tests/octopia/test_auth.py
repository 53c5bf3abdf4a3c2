"""The OAuth flow: cached token, expiry, one refresh across threads, one retry after a 401."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs

import httpx
import pytest

from cdlink.core.clock import ManualClock
from cdlink.octopia import (
    AuthError,
    CachedToken,
    CredentialsRejected,
    InMemoryTokenStore,
    MalformedResponse,
    OctopiaClient,
    PasswordCredentials,
)
from tests.support.octopia_fakes import SECRET, TOKEN_URL, FakeOctopia, problem

SELLER = {"seller_id": 700085, "shop_name": "Boutique"}


def form_of(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode())


def test_given_client_credentials_when_calling_then_token_form_and_headers_are_right(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/sellers", httpx.Response(200, json=SELLER))
    client.sellers.get()
    token_request, api_request = fake.requests
    assert str(token_request.url) == TOKEN_URL
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form_of(token_request) == {
        "grant_type": ["client_credentials"],
        "client_id": ["cdlink-test"],
        "client_secret": [SECRET],
    }
    assert "sellerid" not in token_request.headers
    assert api_request.headers["authorization"] == "Bearer token-1"
    assert api_request.headers["sellerid"] == "700085"


def test_given_password_credentials_when_calling_then_the_password_grant_is_used(
    fake: FakeOctopia, make_client: Callable[..., OctopiaClient]
) -> None:
    fake.route("GET", "/sellers", httpx.Response(200, json=SELLER))
    credentials = PasswordCredentials(seller_id="700085", login="api-user", password="legacy-pass")
    make_client(credentials=credentials).sellers.get()
    form = form_of(fake.requests[0])
    assert form["grant_type"] == ["password"]
    assert form["username"] == ["api-user"]
    assert form["password"] == ["legacy-pass"]


def test_given_a_cached_token_when_calling_again_then_no_new_token_is_asked(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/sellers", httpx.Response(200, json=SELLER))
    for _ in range(5):
        client.sellers.get()
    assert fake.token_calls == 1


def test_given_a_token_near_its_expiry_when_calling_then_it_is_renewed_before_the_margin(
    fake: FakeOctopia, client: OctopiaClient, clock: ManualClock
) -> None:
    fake.route("GET", "/sellers", httpx.Response(200, json=SELLER))
    client.sellers.get()
    clock.advance(7200 - 121)  # still outside the 120 s margin
    client.sellers.get()
    assert fake.token_calls == 1
    clock.advance(2)
    client.sellers.get()
    assert fake.token_calls == 2
    assert fake.api_requests()[-1].headers["authorization"] == "Bearer token-2"


def test_given_a_short_lived_token_when_cached_then_the_margin_is_a_quarter_of_its_life(
    fake: FakeOctopia, client: OctopiaClient, clock: ManualClock
) -> None:
    fake.expires_in = 60
    fake.route("GET", "/sellers", httpx.Response(200, json=SELLER))
    client.sellers.get()
    clock.advance(44)
    client.sellers.get()
    assert fake.token_calls == 1
    clock.advance(2)
    client.sellers.get()
    assert fake.token_calls == 2


def test_given_a_revoked_token_when_calling_then_it_is_renewed_once_and_the_call_succeeds(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/sellers", httpx.Response(200, json=SELLER))
    client.sellers.get()
    fake.revoke_all()
    assert client.sellers.get().shop_name == "Boutique"
    assert fake.token_calls == 2
    statuses = [r.headers["authorization"] for r in fake.api_requests()]
    assert statuses == ["Bearer token-1", "Bearer token-1", "Bearer token-2"]


def test_given_401_even_with_a_new_token_when_calling_then_auth_error_after_one_retry(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/sellers", problem(401, "Unauthorized", trace_id="00-t401"))
    with pytest.raises(AuthError) as caught:
        client.sellers.get()
    assert not isinstance(caught.value, CredentialsRejected)
    assert str(caught.value).startswith("[traceId 00-t401]")
    assert len(fake.api_requests()) == 2
    assert fake.token_calls == 2


def test_given_revoked_credentials_when_asking_a_token_then_credentials_rejected(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.token_answers.append(
        httpx.Response(
            401, json={"error": "invalid_client", "error_description": "Invalid client credentials"}
        )
    )
    with pytest.raises(CredentialsRejected) as caught:
        client.sellers.get()
    assert "Re-authentication needed" in caught.value.hint
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value)
    assert fake.api_requests() == []


def test_given_credentials_revoked_mid_session_when_the_token_is_renewed_then_credentials_rejected(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/sellers", httpx.Response(200, json=SELLER))
    client.sellers.get()
    fake.revoke_all()
    fake.token_answers.append(problem(400, "invalid_grant"))
    with pytest.raises(CredentialsRejected):
        client.sellers.get()


def test_given_a_token_answer_without_expiry_when_parsed_then_malformed_response(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.token_answers.append(
        httpx.Response(200, json={"access_token": "abc", "token_type": "Bearer"})
    )
    with pytest.raises(MalformedResponse, match="expires_in"):
        client.sellers.get()


def test_given_a_shared_token_store_when_two_clients_call_then_one_token_serves_both(
    fake: FakeOctopia, make_client: Callable[..., OctopiaClient]
) -> None:
    fake.route("GET", "/sellers", httpx.Response(200, json=SELLER))
    store = InMemoryTokenStore()
    make_client(token_store=store).sellers.get()
    make_client(token_store=store).sellers.get()
    assert fake.token_calls == 1


def test_given_many_threads_and_an_expired_token_when_calling_then_one_thread_refreshes(
    fake: FakeOctopia, make_client: Callable[..., OctopiaClient], clock: ManualClock
) -> None:
    inner = fake._token

    def slow_token(request: httpx.Request) -> httpx.Response:
        time.sleep(0.05)  # widen the race window: every thread finds the token stale
        return inner(request)

    fake._token = slow_token  # type: ignore[method-assign]
    fake.route("GET", "/sellers", httpx.Response(200, json=SELLER))
    client = make_client()
    client.sellers.get()
    clock.advance(7200)
    barrier = threading.Barrier(8)
    failures: list[BaseException] = []

    def work() -> None:
        barrier.wait()
        try:
            client.sellers.get()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert fake.token_calls == 2


def test_given_concurrent_401s_when_renewing_then_threads_reuse_the_first_new_token(
    fake: FakeOctopia, make_client: Callable[..., OctopiaClient]
) -> None:
    fake.route("GET", "/sellers", httpx.Response(200, json=SELLER))
    client = make_client()
    client.sellers.get()
    rejected = client.auth.token()
    fake.revoke_all()
    first = client.auth.renew(rejected)
    second = client.auth.renew(rejected)
    assert first.access_token == second.access_token == "token-2"
    assert fake.token_calls == 2


def test_given_a_cached_token_when_stored_as_json_then_it_comes_back_equal_and_utc() -> None:
    paris = timezone(timedelta(hours=1))
    token = CachedToken("abc.def", datetime(2026, 3, 2, 10, 0, tzinfo=paris))
    again = CachedToken.from_json(token.to_json())
    assert again == token
    assert again.expires_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert "abc.def" not in repr(token)


def test_given_a_token_store_when_deleting_twice_then_no_error_and_nothing_left() -> None:
    store = InMemoryTokenStore()
    store.put("k", CachedToken("t", datetime(2030, 1, 1, tzinfo=UTC)))
    store.delete("k")
    store.delete("k")
    assert store.get("k") is None


def test_given_a_client_when_told_to_forget_its_token_then_the_next_call_asks_a_new_one(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/sellers", httpx.Response(200, json=SELLER))
    client.sellers.get()
    client.auth.forget()
    client.sellers.get()
    assert fake.token_calls == 2
