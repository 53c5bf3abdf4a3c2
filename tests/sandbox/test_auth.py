"""The token endpoint and the gateway's checks: token, SellerId, linked sellers."""

from __future__ import annotations

import httpx
import pytest

from cdlink.core.clock import ManualClock
from cdlink.sandbox import Sandbox, SandboxConfig
from tests.support.sandbox_api import TOKEN_PATH, fetch_token


def test_given_a_legacy_login_when_using_the_password_grant_then_a_token_works(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    credentials = sandbox.credentials
    response = http.post(
        TOKEN_PATH,
        data={
            "grant_type": "password",
            "username": credentials.login,
            "password": credentials.password,
        },
    )
    token = response.json()["access_token"]

    sellers = http.get(
        "/seller/v2/sellers",
        headers={"Authorization": f"Bearer {token}", "SellerId": str(credentials.seller_id)},
    )

    assert response.status_code == 200
    assert sellers.status_code == 200
    assert sellers.json()["seller_id"] == credentials.seller_id


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
         401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_secret": "x"}, 401, "invalid_client"),
        ({"grant_type": "password", "username": "nobody", "password": "x"}, 401, "invalid_grant"),
        ({"client_id": "nobody"}, 400, "invalid_request"),
        ({"grant_type": "authorization_code"}, 400, "unsupported_grant_type"),
    ],
)  # fmt: skip
def test_given_bad_token_requests_when_posted_then_keycloak_errors_answer(
    http: httpx.Client, form: dict[str, str], status: int, error: str
) -> None:
    response = http.post(TOKEN_PATH, data=form)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"] == error
    assert response.json()["error_description"]


def test_given_a_wrong_secret_when_asking_a_token_then_unauthorized_client(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": sandbox.credentials.client_id,
        "client_secret": "wrong",
    }

    response = http.post(TOKEN_PATH, data=form)

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized_client"


def test_given_a_json_body_when_asking_a_token_then_bad_request(http: httpx.Client) -> None:
    response = http.post(TOKEN_PATH, json={"grant_type": "client_credentials"})

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_given_the_problem_variant_when_a_token_fails_then_problem_json(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    sandbox.set_variants(token_errors="problem")

    response = http.post(TOKEN_PATH, data={"grant_type": "client_credentials"})

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 401
    assert response.json()["traceId"]


def test_given_a_configured_lifetime_when_a_token_is_issued_then_expires_in_follows(
    manual_clock: ManualClock,
) -> None:
    sandbox = Sandbox(SandboxConfig(token_lifetime_seconds=60), clock=manual_clock)
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox") as http:
        response = http.post(
            TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_id": sandbox.credentials.client_id,
                "client_secret": sandbox.credentials.client_secret,
            },
        )

    assert response.json()["expires_in"] == 60


def test_given_a_token_quota_when_exceeded_then_429_until_an_hour_passes(
    manual_clock: ManualClock,
) -> None:
    sandbox = Sandbox(SandboxConfig(token_quota_per_hour=2), clock=manual_clock)
    credentials = sandbox.credentials
    form = {
        "grant_type": "client_credentials",
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
    }
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox") as http:
        statuses = [http.post(TOKEN_PATH, data=form).status_code for _ in range(3)]
        sandbox.advance(3601)
        later = http.post(TOKEN_PATH, data=form).status_code

    assert statuses == [200, 200, 429]
    assert later == 200


def test_given_no_token_when_calling_the_api_then_401_problem(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    response = http.get("/seller/v2/sellers", headers={"SellerId": "700085"})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json; charset=utf-8"
    body = response.json()
    assert {"type", "title", "status", "detail", "instance", "traceId"} <= set(body)
    assert body["instance"] == "/seller/v2/sellers"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_given_a_token_when_its_lifetime_passes_then_401(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    assert api.get("/sellers").status_code == 200

    sandbox.advance(7200)

    assert api.get("/sellers").status_code == 401


def test_given_a_revoked_token_when_used_then_401(sandbox: Sandbox, api: httpx.Client) -> None:
    revoked = sandbox.revoke_tokens(sandbox.credentials.client_id)

    assert revoked == 1
    assert api.get("/sellers").status_code == 401


def test_given_a_short_lifetime_fault_when_a_token_is_fetched_then_it_soon_expires(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    sandbox.set_token_lifetime(5)
    credentials = sandbox.credentials
    token = fetch_token(http, credentials.client_id, credentials.client_secret)
    headers = {"Authorization": f"Bearer {token}", "SellerId": str(credentials.seller_id)}

    fresh = http.get("/seller/v2/sellers", headers=headers).status_code
    sandbox.advance(5)
    stale = http.get("/seller/v2/sellers", headers=headers).status_code

    assert (fresh, stale) == (200, 401)


def test_given_no_seller_id_when_calling_then_400_problem_naming_the_header(
    api: httpx.Client,
) -> None:
    del api.headers["SellerId"]

    response = api.get("/sellers")

    assert response.status_code == 400
    assert "SellerId" in response.json()["errors"]


def test_given_the_403_variant_when_seller_id_is_missing_then_403(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.set_variants(missing_seller_id_status=403)
    del api.headers["SellerId"]

    assert api.get("/sellers").status_code == 403


def test_given_a_non_numeric_seller_id_when_calling_then_400(api: httpx.Client) -> None:
    response = api.get("/sellers", headers={"SellerId": "abc"})

    assert response.status_code == 400


def test_given_a_seller_the_client_is_not_linked_to_when_calling_then_403(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.add_client("other-client", "other-secret", [900001])

    response = api.get("/sellers", headers={"SellerId": "900001"})

    assert response.status_code == 403
    assert response.json()["status"] == 403


def test_given_a_client_linked_to_two_sellers_when_calling_then_each_shop_answers(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    sandbox.add_client("agency", "agency-secret", [sandbox.credentials.seller_id, 900002])
    token = fetch_token(http, "agency", "agency-secret")

    ids = [
        http.get(
            "/seller/v2/sellers",
            headers={"Authorization": f"Bearer {token}", "SellerId": str(seller_id)},
        ).json()["seller_id"]
        for seller_id in (sandbox.credentials.seller_id, 900002)
    ]

    assert ids == [sandbox.credentials.seller_id, 900002]
