"""The REST API: personal tokens, bearer authentication, and connections without secrets."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from cdlink.sandbox import Sandbox
from tests.support.web import csrf_token

SECRET = "Api-Secret-9d8c7b"


@pytest.fixture
def token(browser: TestClient) -> str:
    """A personal token created on the Settings page, as a user would."""
    page = browser.post(
        "/settings/tokens", data={"name": "ERP", "csrf_token": csrf_token(browser, "/settings")}
    )
    assert page.headers["cache-control"] == "no-store"
    found = re.search(r'data-testid="new-token">(cdl_[^<]+)<', page.text)
    assert found
    return found.group(1)


@pytest.fixture
def api(client: TestClient, token: str) -> TestClient:
    client.cookies.clear()
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_given_a_token_when_calling_the_api_then_it_acts_as_its_user(api: TestClient) -> None:
    response = api.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["email"] == "admin@boutique.fr"


def test_given_a_bad_or_revoked_token_when_calling_the_api_then_it_is_refused(
    api: TestClient, token: str
) -> None:
    listed = api.get("/api/v1/tokens").json()
    assert [item["name"] for item in listed] == ["ERP"]
    assert token not in str(listed)

    assert api.delete(f"/api/v1/tokens/{listed[0]['id']}").status_code == 204

    assert api.get("/api/v1/me").status_code == 401
    api.headers["Authorization"] = "Bearer cdl_not-a-token"
    assert api.get("/api/v1/me").status_code == 401


def test_given_a_token_when_creating_another_through_the_api_then_it_is_shown_once(
    api: TestClient,
) -> None:
    created = api.post("/api/v1/tokens", json={"name": "Warehouse"})

    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith(created.json()["prefix"])
    assert secret not in api.get("/api/v1/tokens").text


def test_given_a_connection_when_managed_through_the_api_then_the_secret_never_comes_back(
    api: TestClient,
) -> None:
    body = {"seller_id": 424242, "client_id": "boutique-client-1", "client_secret": SECRET}

    created = api.post("/api/v1/connections", params={"test": "false"}, json=body)
    connection_id = created.json()["connection"]["id"]
    patched = api.patch(
        f"/api/v1/connections/{connection_id}",
        params={"test": "false"},
        json={"name": "Boutique", "stock_sync_enabled": True},
    )
    listed = api.get("/api/v1/connections")
    one = api.get(f"/api/v1/connections/{connection_id}")
    deleted = api.delete(f"/api/v1/connections/{connection_id}")
    gone = api.get(f"/api/v1/connections/{connection_id}")

    assert created.status_code == 201
    assert created.json()["connection"]["name"] == "Cdiscount"
    assert patched.json()["connection"]["stock_sync_enabled"] is True
    assert [item["name"] for item in listed.json()] == ["Boutique"]
    assert one.json()["client_id"] == "boutique-client-1"
    assert deleted.status_code == 204
    assert gone.status_code == 404
    assert "apps list" in gone.json()["hint"]
    for response in (created, patched, listed, one, gone):
        assert SECRET not in response.text
        assert "secret" not in response.text.replace("client_secret", "")


def test_given_invalid_bodies_when_posting_connections_then_fields_are_named_and_nothing_echoed(
    api: TestClient,
) -> None:
    missing_field = api.post("/api/v1/connections", json={"client_secret": SECRET})
    broken_rules = api.post(
        "/api/v1/connections",
        json={"seller_id": "12x", "client_id": "me@boutique.fr", "client_secret": SECRET},
    )

    assert missing_field.status_code == 422
    assert {p["field"] for p in missing_field.json()["problems"]} == {"seller_id", "client_id"}
    assert broken_rules.status_code == 422
    assert {p["field"] for p in broken_rules.json()["problems"]} == {"seller_id", "client_id"}
    assert SECRET not in missing_field.text
    assert SECRET not in broken_rules.text
    assert api.get("/api/v1/connections").json() == []


def test_given_a_browser_session_when_posting_to_the_api_then_the_csrf_header_is_required(
    browser: TestClient,
) -> None:
    body = {"name": "Script"}

    refused = browser.post("/api/v1/tokens", json=body)
    accepted = browser.post(
        "/api/v1/tokens", json=body, headers={"X-CSRF-Token": csrf_token(browser, "/")}
    )

    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert accepted.status_code == 201


def test_given_the_docs_when_logged_in_then_they_are_served_from_cdlink_itself(
    browser: TestClient,
) -> None:
    page = browser.get("/api/docs")
    schema = browser.get("/api/openapi.json").json()

    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "http" not in page.text.replace("http-equiv", "")
    assert "/api/v1/connections" in schema["paths"]
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert browser.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_given_marketplace_credentials_when_saved_through_the_api_then_the_check_comes_back(
    api: TestClient, sandbox: Sandbox
) -> None:
    account = sandbox.credentials
    body = {
        "seller_id": account.seller_id,
        "client_id": account.client_id,
        "client_secret": account.client_secret,
    }

    created = api.post("/api/v1/connections", json=body)
    connection_id = created.json()["connection"]["id"]
    wrong = api.patch(
        f"/api/v1/connections/{connection_id}", json={"client_secret": "Wrong-Secret-0"}
    )
    tested = api.post(f"/api/v1/connections/{connection_id}/test")

    assert created.json()["check"]["outcome"] == "ok"
    assert created.json()["check"]["title"] == "Module installed correctly"
    assert wrong.json()["check"]["outcome"] == "wrong_credentials"
    assert wrong.json()["connection"]["state"] == "reauth_required"
    assert tested.json()["outcome"] == "wrong_credentials"
    for response in (created, wrong, tested):
        assert account.client_secret not in response.text
        assert "Wrong-Secret-0" not in response.text
