"""The sandbox's discussions over HTTP: generation, escalation on its clock, customer replies,
the rules with their error bodies, the variants, the control API and faults."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest

from cdlink.core.clock import ManualClock
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.sandbox.discussions import SUB_TYPOLOGY_STATUSES
from tests.support.sandbox_api import START, fetch_token, renew_token

REPLY = "Bonjour, nous regardons votre demande aujourd'hui."
NEW_ENDPOINTS = [
    ("GET", "/discussions", "discussions.list"),
    ("GET", "/discussions/count", "discussions.count"),
    ("GET", "/typologies?salesChannel=CDISFR", "typologies.list"),
    ("GET", "/sales-channel-configurations/CDISFR", "sales_channels.configuration"),
    ("GET", "/attachments", "attachments.list"),
    ("GET", "/order-commercial-gesture-requests", "gestures.list"),
    ("GET", "/returns", "returns.list"),
    ("GET", "/returns/count", "returns.count"),
    ("POST", "/messages", "messages.create"),
    ("POST", "/discussions", "discussions.create"),
    ("POST", "/order-commercial-gesture-requests", "gestures.create"),
    ("POST", "/returns", "returns.create"),
]


@contextmanager
def api_for(sandbox: Sandbox) -> Iterator[httpx.Client]:
    credentials = sandbox.credentials
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox") as http:
        token = fetch_token(http, credentials.client_id, credentials.client_secret)
    headers = {"Authorization": f"Bearer {token}", "SellerId": str(credentials.seller_id)}
    with httpx.Client(
        transport=sandbox.transport(), base_url=sandbox.api_url(), headers=headers
    ) as api:
        yield api


def every_discussion(api: httpx.Client) -> list[dict[str, Any]]:
    return list(api.get("/discussions", params={"pageSize": 100}).json()["items"])


def opened(sandbox: Sandbox, status: str = "Delivered", sub_typology: str | None = None) -> str:
    order_id = sandbox.create_orders(1, status=status)[0]
    return sandbox.open_discussion(order_id, sub_typology=sub_typology)


def reply(
    api: httpx.Client, discussion_id: str, body: str = REPLY, **extra: object
) -> httpx.Response:
    payload = {
        "discussionId": discussion_id,
        "salesChannel": "CDISFR",
        "body": body,
        "receivers": [{"userType": "Customer"}],
        **extra,
    }
    return api.post("/messages", json=payload)


def test_given_a_discussion_rate_when_a_day_passes_then_french_discussions_fit_their_orders(
    manual_clock: ManualClock,
) -> None:
    sandbox = Sandbox(
        SandboxConfig(seed=3, discussions=0, discussions_per_hour=2, orders=40), clock=manual_clock
    )
    sandbox.advance(86400)

    state = sandbox.summary()["sellers"]["700085"]["discussionsByGraduation"]
    assert sum(state.values()) >= 20
    with api_for(sandbox) as api:
        found = every_discussion(api)
    assert len(found) == sum(state.values())
    for listed in found:
        discussion = sandbox.discussion(listed["discussionId"])
        first = discussion["messages"][0]
        assert first["body"].startswith("Bonjour")
        assert discussion["subject"]
        assert first["sender"]["userType"] == "Customer"
        assert discussion["subTypologyCode"] in SUB_TYPOLOGY_STATUSES


def test_given_the_same_seed_when_two_sandboxes_run_then_their_discussions_are_identical() -> None:
    def listing() -> list[str]:
        sandbox = Sandbox(
            SandboxConfig(seed=5, discussions=6, discussions_per_hour=1), clock=ManualClock(START)
        )
        sandbox.advance(3 * 86400)
        with api_for(sandbox) as api:
            return [str(sandbox.discussion(d["discussionId"])) for d in every_discussion(api)]

    assert listing() == listing()


def test_given_an_unanswered_discussion_when_the_delays_pass_then_claim_then_level_1(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    discussion_id = opened(sandbox)

    sandbox.advance(2 * 86400 - 1)
    renew_token(api, sandbox)
    still = api.get(f"/discussions/{discussion_id}").json()
    sandbox.advance(1)
    claim = api.get(f"/discussions/{discussion_id}").json()
    sandbox.advance(2 * 86400)
    renew_token(api, sandbox)
    level_1 = api.get(f"/discussions/{discussion_id}").json()

    assert still["graduation"] == "Discussion"
    assert claim["graduation"] == "Claim"
    assert claim["messages"][-1]["sender"]["userType"] == "GrcOperator"
    assert claim["updatedAt"] > still["updatedAt"]
    assert {r["userType"] for r in claim["eligibleReceivers"]} == {"Customer", "GrcOperator"}
    assert level_1["graduation"] == "Level_1"


def test_given_configured_delays_when_a_seller_replies_in_time_then_no_escalation(
    manual_clock: ManualClock,
) -> None:
    sandbox = Sandbox(
        SandboxConfig(seed=7, discussion_claim_after_seconds=600, customer_reply_probability=0),
        clock=manual_clock,
    )
    answered, ignored = opened(sandbox), opened(sandbox)
    with api_for(sandbox) as api:
        sandbox.advance(300)
        assert reply(api, answered).status_code == 201
        sandbox.advance(600)

    assert sandbox.discussion(answered)["graduation"] == "Discussion"
    assert sandbox.discussion(ignored)["graduation"] == "Claim"


def test_given_a_customer_who_answers_when_the_seller_replies_then_the_customer_writes_back(
    manual_clock: ManualClock,
) -> None:
    sandbox = Sandbox(SandboxConfig(seed=7, customer_reply_probability=1.0), clock=manual_clock)
    discussion_id = opened(sandbox)
    with api_for(sandbox) as api:
        assert reply(api, discussion_id).status_code == 201
        sandbox.advance(86400)
        renew_token(api, sandbox)
        found = api.get(f"/discussions/{discussion_id}").json()

    assert [m["sender"]["userType"] for m in found["messages"]] == [
        "Customer",
        "Seller",
        "Customer",
    ]
    assert found["status"] == "ToTreat"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"body": "Trop court."}, "body"),
        ({"body": "x" * 5001}, "body"),
        (
            {"attachments": [{"fileName": f"{n}.pdf", "content": ""} for n in range(4)]},
            "attachments",
        ),
        (
            {
                "attachments": [
                    {
                        "fileName": "a.pdf",
                        "content": base64.b64encode(b"0" * (4 * 1024 * 1024 + 1)).decode(),
                    }
                ]
            },
            "attachments[0].content",
        ),
        ({"attachments": [{"fileName": "a.exe", "content": ""}]}, "attachments[0].fileName"),
        ({"receivers": [{"userType": "GrcOperator"}]}, "receivers[0].userType"),
    ],
)
def test_given_a_message_breaking_a_rule_when_posted_then_400_naming_the_field(
    sandbox: Sandbox, api: httpx.Client, extra: dict[str, object], field: str
) -> None:
    discussion_id = opened(sandbox)
    payload = {
        "discussionId": discussion_id,
        "salesChannel": "CDISFR",
        "body": REPLY,
        "receivers": [{"userType": "Customer"}],
        **extra,
    }

    response = api.post("/messages", json=payload)

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert field in body["errors"]
    assert body["traceId"]
    assert body["instance"].endswith("/messages")
    assert len(sandbox.discussion(discussion_id)["messages"]) == 1


def test_given_bad_lists_and_states_when_called_then_400_409_or_422(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    discussion_id = opened(sandbox)
    accepted = sandbox.create_orders(1, status="Accepted")[0]
    too_wide = api.get(
        "/discussions",
        params={"updatedAtMin": "2020-01-01T00:00:00Z", "updatedAtMax": "2026-01-01T00:00:00Z"},
    )
    count_filter = api.get("/discussions/count", params={"orderSellerId": "X"})
    bad_include = api.get("/discussions", params={"includeMessages": "All"})
    wrong_status = api.post(
        "/discussions",
        json={
            "subject": "Colis abîmé",
            "orderId": accepted,
            "salesChannel": "CDISFR",
            "subtypologyCode": "productIsDamaged",
            "message": {"body": REPLY, "receivers": [{"userType": "Customer"}]},
        },
    )
    close = [{"op": "replace", "path": "/isOpen", "value": False}]
    assert api.patch(f"/discussions/{discussion_id}", json=close).status_code == 204
    closed = reply(api, discussion_id)
    reopen = api.patch(
        f"/discussions/{discussion_id}", json=[{"op": "replace", "path": "/isOpen", "value": True}]
    )

    assert too_wide.status_code == 400
    assert "updatedAtMin" in too_wide.json()["errors"]
    assert count_filter.status_code == 400
    assert "orderSellerId" in count_filter.json()["errors"]
    assert bad_include.status_code == 400
    assert wrong_status.status_code == 422
    assert "subtypologyCode" in wrong_status.json()["errors"]
    assert (closed.status_code, reopen.status_code) == (409, 409)


def test_given_the_receiver_and_opt_variants_when_the_other_form_is_sent_then_400_naming_it(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    discussion_id = opened(sandbox)
    sandbox.set_variants(message_receiver="receiver", json_patch="opt")
    message_id = sandbox.discussion(discussion_id)["messages"][0]["messageId"]

    standard_reply = reply(api, discussion_id)
    legacy_reply = reply(api, discussion_id, receivers=None, receiver="Customer")
    standard_patch = api.patch(
        f"/messages/{message_id}", json=[{"op": "replace", "path": "/hasRead", "value": True}]
    )
    legacy_patch = api.patch(
        f"/messages/{message_id}", json=[{"opt": "replace", "path": "/hasRead", "value": "true"}]
    )

    assert standard_reply.status_code == 400
    assert "receiver" in standard_reply.json()["errors"]
    assert legacy_reply.status_code == 201
    assert standard_patch.status_code == 400
    assert "[0].opt" in standard_patch.json()["errors"]
    assert legacy_patch.status_code == 204
    assert sandbox.discussion(discussion_id)["messages"][0]["hasRead"] is True


def test_given_many_discussions_when_paging_by_updated_at_then_each_comes_once_in_order(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    ids = [opened(sandbox) for _ in range(5)]
    sandbox.advance(60)
    reply(api, ids[0])
    window = {"updatedAtMin": (START - timedelta(days=30)).isoformat(), "pageSize": 2}

    pages = [
        api.get("/discussions", params={**window, "pageIndex": n}).json() for n in (1, 2, 3, 4, 5)
    ]
    items = [item for page in pages for item in page["items"]]

    seen = [item["discussionId"] for item in items]
    assert len(seen) == len(set(seen))
    assert set(ids) <= set(seen)
    assert seen[-1] == ids[0]
    stamps = [item["updatedAt"] for item in items]
    assert stamps == sorted(stamps)
    assert all("messages" not in item for item in items)


def test_given_the_control_api_when_a_customer_opens_writes_and_escalation_is_forced_then_seen(
    sandbox: Sandbox, http: httpx.Client, api: httpx.Client
) -> None:
    order_id = sandbox.create_orders(1, status="Shipped")[0]

    opened_now = http.post(
        f"/_sandbox/orders/{order_id}/discussions", json={"sub_typology": "orderNotShipped"}
    ).json()
    discussion_id = opened_now["discussionId"]
    written = http.post(
        f"/_sandbox/discussions/{discussion_id}/messages", json={"body": "Toujours rien reçu !"}
    )
    escalated = http.post(f"/_sandbox/discussions/{discussion_id}/escalate").json()
    wrong = http.post(
        f"/_sandbox/orders/{order_id}/discussions", json={"sub_typology": "printReceipt!"}
    )
    found = api.get(f"/discussions/{discussion_id}").json()

    assert written.status_code == 200
    assert escalated == {"graduation": "Claim"}
    assert wrong.status_code == 400
    assert "printReceipt!" in wrong.json()["error"]
    assert [m["body"] for m in found["messages"]][1] == "Toujours rien reçu !"
    assert found["graduation"] == "Claim"
    state = http.get("/_sandbox/state").json()["sellers"]["700085"]
    assert state["discussionsByGraduation"]["Claim"] >= 1


@pytest.mark.parametrize(("method", "path", "endpoint"), NEW_ENDPOINTS)
def test_given_a_503_fault_on_a_new_endpoint_when_called_then_it_fires(
    sandbox: Sandbox, api: httpx.Client, method: str, path: str, endpoint: str
) -> None:
    sandbox.add_fault({"kind": "status", "endpoint": endpoint, "status": 503, "count": 1})

    first = api.request(method, path, json={} if method == "POST" else None)
    second = api.request(method, path, json={} if method == "POST" else None)

    assert first.status_code == 503
    assert first.json()["status"] == 503
    assert second.status_code != 503


def test_given_a_malformed_fault_on_the_discussion_list_when_read_then_the_id_is_missing(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    opened(sandbox)
    sandbox.add_fault(
        {"kind": "malformed", "endpoint": "discussions.list", "malformation": "missing_field"}
    )

    items = api.get("/discussions").json()["items"]

    assert "discussionId" not in items[0]
    assert "discussionId" in items[-1]


def test_given_an_expired_token_when_listing_discussions_then_401(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.revoke_tokens()

    response = api.get("/discussions")

    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers
