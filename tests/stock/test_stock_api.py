"""The stock REST API: listing, counts, idempotent adjustments, bulk and CSV all or nothing,
warehouses and their mapping, buffers; authentication and CSRF like every other API route."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.sandbox import Sandbox
from cdlink.store.engine import Database
from cdlink.store.models import OutboxEntry, StockMovement
from cdlink.sync.stock.pusher import publish_to_outbox
from tests.support.sandbox_shop import sandbox_connection
from tests.support.web import csrf_token

SKUS = ("SKU-A", "SKU-B", "SKU-C")


@pytest.fixture
def stocked(
    web_database: Database, settings: Settings, sandbox: Sandbox, clock: ManualClock
) -> Database:
    """Connection 1 (stock sync on) sells PARIS; LYON is not mapped; three products."""
    with web_database.session() as session:
        session.add(sandbox_connection(settings, sandbox, clock.now(), stock_sync_enabled=True))
        session.flush()
        for index, sku in enumerate(SKUS):
            add_product(session, clock, sku, title=f"Lampe {index}", ean=f"340000000000{index}")
        add_warehouse(session, clock, "PARIS", "Entrepôt Paris")
        add_warehouse(session, clock, "LYON", "Entrepôt Lyon")
        stock = Inventory(session, clock, publish_to_outbox)
        stock.map_warehouse("PARIS", 1)
        stock.set_on_hand("SKU-A", "PARIS", 10, "count")
        stock.set_on_hand("SKU-A", "LYON", 4, "count")
        stock.set_on_hand("SKU-B", "PARIS", 2, "count")
    return web_database


@pytest.fixture
def token(browser: TestClient) -> str:
    page = browser.post(
        "/settings/tokens", data={"name": "ERP", "csrf_token": csrf_token(browser, "/settings")}
    )
    found = re.search(r'data-testid="new-token">(cdl_[^<]+)<', page.text)
    assert found
    return found.group(1)


@pytest.fixture
def api(client: TestClient, token: str, stocked: Database) -> TestClient:
    client.cookies.clear()
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def _movements(database: Database) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(StockMovement)) or 0


def test_given_no_token_when_calling_the_stock_api_then_401(
    client: TestClient, stocked: Database
) -> None:
    for method, path in (
        ("GET", "/api/v1/stock"),
        ("GET", "/api/v1/stock.csv"),
        ("PUT", "/api/v1/stock/SKU-A/PARIS"),
        ("GET", "/api/v1/warehouses"),
        ("GET", "/api/v1/buffers"),
    ):
        response = client.request(method, path, json={"quantity": 1})
        assert response.status_code == 401, path
        assert response.headers["content-type"] == "application/problem+json"


def test_given_a_session_without_csrf_when_writing_stock_then_it_is_refused(
    browser: TestClient, stocked: Database
) -> None:
    refused = browser.put("/api/v1/stock/SKU-A/PARIS", json={"quantity": 3})
    allowed = browser.put(
        "/api/v1/stock/SKU-A/PARIS",
        json={"quantity": 3},
        headers={"X-CSRF-Token": csrf_token(browser, "/stock")},
    )

    assert refused.status_code == 403
    assert allowed.status_code == 200
    assert allowed.json()["on_hand"] == {"LYON": 4, "PARIS": 3}


def test_given_stock_when_listed_then_each_sku_shows_warehouses_and_available_per_connection(
    api: TestClient,
) -> None:
    listed = api.get("/api/v1/stock", params={"page_size": 2})
    by_text = api.get("/api/v1/stock", params={"q": "lampe 1"})
    in_lyon = api.get("/api/v1/stock", params={"warehouse": "LYON"})

    assert listed.status_code == 200
    body = listed.json()
    assert (body["total"], body["page_size"], [item["sku"] for item in body["items"]]) == (
        3,
        2,
        ["SKU-A", "SKU-B"],
    )
    first = body["items"][0]
    assert first["on_hand"] == {"LYON": 4, "PARIS": 10}
    assert first["total_on_hand"] == 14
    cell = first["connections"][0]
    assert (cell["connection_id"], cell["available"], cell["buffer"]) == (1, 10, 0)
    assert cell["cdiscount_quantity"] is None
    assert cell["state"] == "sending"  # queued a moment ago, not pushed yet
    assert [item["sku"] for item in by_text.json()["items"]] == ["SKU-B"]
    assert [item["sku"] for item in in_lyon.json()["items"]] == ["SKU-A"]


def test_given_a_sku_when_counted_then_the_level_changes_and_a_push_is_queued(
    api: TestClient, stocked: Database
) -> None:
    response = api.put("/api/v1/stock/SKU-C/PARIS", json={"quantity": 7, "reason": "inventory"})
    unknown = api.put("/api/v1/stock/NOPE/PARIS", json={"quantity": 7})
    negative = api.put("/api/v1/stock/SKU-C/PARIS", json={"quantity": -1})

    assert response.status_code == 200
    assert response.json()["connections"][0]["available"] == 7
    assert unknown.status_code == 404
    assert "hint" in unknown.json()
    assert negative.status_code == 422
    with stocked.reading() as session:
        queued = session.scalars(
            select(OutboxEntry.payload).where(OutboxEntry.key == "SKU-C").order_by(OutboxEntry.id)
        ).all()
    assert queued[-1] == {"quantity": 7}
    assert api.get("/api/v1/stock/SKU-C").json()["on_hand"] == {"PARIS": 7}


def test_given_an_idempotency_key_when_an_adjustment_is_retried_then_it_applies_once(
    api: TestClient, stocked: Database
) -> None:
    key = str(uuid.uuid4())
    path = "/api/v1/stock/SKU-A/PARIS/adjustments"
    before = _movements(stocked)

    first = api.post(path, json={"delta": -3, "reason": "sale"}, headers={"Idempotency-Key": key})
    again = api.post(path, json={"delta": -3, "reason": "sale"}, headers={"Idempotency-Key": key})
    other = api.post(path, json={"delta": -1, "reason": "sale"}, headers={"Idempotency-Key": key})
    without = api.post(path, json={"delta": 1})

    assert first.status_code == 200
    assert first.json()["on_hand"]["PARIS"] == 7
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert other.status_code == 422
    assert without.json()["on_hand"]["PARIS"] == 8
    assert _movements(stocked) == before + 2


def test_given_an_adjustment_below_zero_when_sent_then_422_and_nothing_changes(
    api: TestClient, stocked: Database
) -> None:
    before = _movements(stocked)

    response = api.post("/api/v1/stock/SKU-B/PARIS/adjustments", json={"delta": -5})

    assert response.status_code == 422
    assert "only 2 on hand" in response.json()["title"]
    assert _movements(stocked) == before


def test_given_a_bulk_list_with_a_bad_item_when_sent_then_nothing_is_written(
    api: TestClient, stocked: Database
) -> None:
    before = _movements(stocked)
    bad = [
        {"sku": "SKU-A", "warehouse": "PARIS", "quantity": 1},
        {"sku": "SKU-Z", "warehouse": "PARIS", "quantity": 1},
        {"sku": "SKU-B", "warehouse": "MARS", "quantity": -2},
    ]

    refused = api.post("/api/v1/stock/bulk", json={"items": bad})
    good = api.post("/api/v1/stock/bulk", json={"items": bad[:1], "reason": "count"})

    assert refused.status_code == 422
    problems = refused.json()["problems"]
    assert [problem["item"] for problem in problems] == [2, 3]
    assert "SKU-Z" in problems[0]["message"]
    assert good.json() == {"applied": 1}
    assert _movements(stocked) == before + 1


def test_given_a_bad_csv_when_uploaded_over_http_then_422_names_the_lines_and_nothing_changes(
    api: TestClient, stocked: Database
) -> None:
    before = _movements(stocked)
    text = "sku,warehouse,quantity\nSKU-A,PARIS,5\nSKU-A,PARIS,6\nSKU-B,LYON,-1\nSKU-Q,PARIS,1\n"

    refused = api.post("/api/v1/stock.csv", files={"file": ("stock.csv", text, "text/csv")})
    binary = api.post("/api/v1/stock.csv", files={"file": ("stock.csv", b"sku\xff", "text/csv")})

    assert refused.status_code == 422
    body = refused.json()
    assert [problem["line"] for problem in body["problems"]] == [3, 4, 5]
    assert "nothing was changed" in body["hint"]
    assert binary.status_code == 422
    assert _movements(stocked) == before


def test_given_stock_when_downloaded_then_the_file_uploads_back_unchanged(
    api: TestClient, stocked: Database
) -> None:
    download = api.get("/api/v1/stock.csv")
    before = _movements(stocked)

    upload = api.post(
        "/api/v1/stock.csv", files={"file": ("stock.csv", download.content, "text/csv")}
    )

    assert download.headers["content-type"].startswith("text/csv")
    assert download.text.splitlines() == [
        "sku,warehouse,quantity",
        "SKU-A,LYON,4",
        "SKU-A,PARIS,10",
        "SKU-B,PARIS,2",
    ]
    assert upload.json() == {"applied": 3}
    assert _movements(stocked) == before + 3  # counted again, each a zero change journaled


def test_given_warehouses_when_managed_through_the_api_then_mapping_changes_available(
    api: TestClient,
) -> None:
    created = api.post("/api/v1/warehouses", json={"code": "LILLE", "name": "Lille"})
    duplicate = api.post("/api/v1/warehouses", json={"code": "LILLE", "name": "Again"})
    invalid = api.post("/api/v1/warehouses", json={"code": "no spaces", "name": "X"})
    renamed = api.patch("/api/v1/warehouses/LILLE", json={"name": "Entrepôt Lille"})
    mapped = api.put("/api/v1/warehouses/LYON/connections/1")
    available = api.get("/api/v1/stock/SKU-A").json()["connections"][0]["available"]
    unmapped = api.delete("/api/v1/warehouses/LYON/connections/1")
    no_connection = api.put("/api/v1/warehouses/LYON/connections/99")
    in_use = api.delete("/api/v1/warehouses/LYON")
    deleted = api.delete("/api/v1/warehouses/LILLE")

    assert created.status_code == 201
    assert created.json() == {
        "code": "LILLE",
        "name": "Lille",
        "units": 0,
        "skus": 0,
        "connection_ids": [],
        "priorities": {},
        "updated_at": "2026-01-01T00:00:00Z",
    }
    assert duplicate.status_code == 409
    assert invalid.status_code == 422
    assert renamed.json()["name"] == "Entrepôt Lille"
    assert mapped.json()["connection_ids"] == [1]
    assert available == 14
    assert unmapped.json()["connection_ids"] == []
    assert no_connection.status_code == 404
    assert in_use.status_code == 409
    assert "Count its stock to 0" in in_use.json()["hint"]
    assert deleted.status_code == 204
    assert [item["code"] for item in api.get("/api/v1/warehouses").json()["items"]] == [
        "LYON",
        "PARIS",
    ]


def test_given_a_mapped_warehouse_when_its_priority_is_set_then_it_is_kept_and_bad_ones_refused(
    api: TestClient,
) -> None:
    first = api.put("/api/v1/warehouses/LYON/connections/1", params={"priority": 2})
    kept = api.put("/api/v1/warehouses/LYON/connections/1")
    changed = api.put("/api/v1/warehouses/LYON/connections/1", params={"priority": 1})
    negative = api.put("/api/v1/warehouses/LYON/connections/1", params={"priority": -1})

    assert first.json()["priorities"] == {"1": 2}
    assert kept.json()["priorities"] == {"1": 2}
    assert changed.json()["priorities"] == {"1": 1}
    assert negative.status_code == 422


def test_given_buffers_when_set_per_connection_and_per_product_then_available_follows(
    api: TestClient,
) -> None:
    default = api.put("/api/v1/buffers/1", json={"quantity": 2})
    own = api.put("/api/v1/buffers/1/SKU-A", json={"quantity": 5})
    listed = api.get("/api/v1/buffers").json()
    with_both = api.get("/api/v1/stock/SKU-A").json()["connections"][0]
    cleared = api.delete("/api/v1/buffers/1/SKU-A")
    after = api.get("/api/v1/stock/SKU-A").json()["connections"][0]

    assert default.status_code == own.status_code == 200
    assert listed == [
        {"connection_id": 1, "sku": None, "quantity": 2},
        {"connection_id": 1, "sku": "SKU-A", "quantity": 5},
    ]
    assert (with_both["buffer"], with_both["available"]) == (5, 5)
    assert cleared.status_code == 204
    assert (after["buffer"], after["available"]) == (2, 8)
    assert api.put("/api/v1/buffers/1", json={"quantity": -1}).status_code == 422


def test_given_the_openapi_document_then_the_stock_endpoints_are_described(
    api: TestClient,
) -> None:
    paths = api.get("/api/openapi.json").json()["paths"]

    for path in (
        "/api/v1/stock",
        "/api/v1/stock/{sku}",
        "/api/v1/stock/{sku}/{warehouse}/adjustments",
        "/api/v1/stock/bulk",
        "/api/v1/stock.csv",
        "/api/v1/warehouses/{code}/connections/{connection_id}",
        "/api/v1/buffers/{connection_id}/{sku}",
    ):
        assert path in paths


def _queued(database: Database) -> int:
    with database.reading() as session:
        return int(session.scalar(select(func.count(OutboxEntry.id))) or 0)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/stock/SKU-C/PARIS", {"quantity": 2**62}),
        ("/api/v1/stock/SKU-C/PARIS", {"quantity": 1_000_001}),
        ("/api/v1/stock/SKU-C/PARIS", {"quantity": True}),
        ("/api/v1/stock/SKU-C/PARIS", {"quantity": "7"}),
        ("/api/v1/stock/SKU-C/PARIS", {"quantity": 7.0}),
        ("/api/v1/stock/SKU-C/PARIS/adjustments", {"delta": 2**62}),
        ("/api/v1/stock/SKU-C/PARIS/adjustments", {"delta": True}),
        ("/api/v1/stock/SKU-C/PARIS/adjustments", {"delta": "3"}),
        ("/api/v1/buffers/1", {"quantity": 2**63}),
        ("/api/v1/buffers/1", {"quantity": False}),
    ],
)
def test_given_a_quantity_out_of_bounds_or_not_an_integer_when_sent_then_422_and_nothing_queued(
    api: TestClient, stocked: Database, path: str, body: dict[str, object]
) -> None:
    before = (_movements(stocked), _queued(stocked))
    send = api.post if path.endswith("adjustments") else api.put

    refused = send(path, json=body)

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["problems"][0]["field"] in {"quantity", "delta"}
    assert (_movements(stocked), _queued(stocked)) == before


def test_given_the_largest_quantity_when_counted_then_it_is_set_and_one_more_is_refused(
    api: TestClient, stocked: Database
) -> None:
    largest = api.put("/api/v1/stock/SKU-C/PARIS", json={"quantity": 1_000_000})
    beyond = api.post("/api/v1/stock/SKU-C/PARIS/adjustments", json={"delta": 1})

    assert largest.status_code == 200
    assert largest.json()["on_hand"] == {"PARIS": 1_000_000}
    assert beyond.status_code == 422
    assert "1,000,000" in beyond.json()["title"]
    assert "1,000,000" in beyond.json()["hint"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/stock", {"connection_id": 2**63}),
        ("/api/v1/stock", {"connection_id": 0}),
        ("/api/v1/stock", {"page": 2**63}),
        ("/api/v1/stock", {"page_size": 201}),
        ("/api/v1/buffers", {"connection_id": 2**63}),
        (f"/api/v1/buffers/{2**63}", {}),
        (f"/api/v1/buffers/{2**31}", {}),
        (f"/api/v1/warehouses/PARIS/connections/{2**63}", {}),
        ("/api/v1/warehouses/PARIS/connections/1", {"priority": 2**63}),
    ],
)
def test_given_an_id_or_a_page_beyond_the_database_integer_when_asked_then_422_not_500(
    api: TestClient, path: str, params: dict[str, int]
) -> None:
    if "connections/" in path or path.startswith("/api/v1/buffers/"):
        answer = api.put(path, params=params, json={"quantity": 1})
    else:
        answer = api.get(path, params=params)

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["problems"]


@pytest.mark.parametrize(
    ("quantity", "line"),
    [("\u00b2", 2), ("\u0663", 2), ("\uff17", 2), ("9" * 5000, 2), ("x" * 140_000, 2)],
)
def test_given_a_csv_with_a_bad_number_or_a_huge_field_when_uploaded_then_422_names_the_line(
    api: TestClient, stocked: Database, quantity: str, line: int
) -> None:
    before = _movements(stocked)
    text = f"sku,warehouse,quantity\nSKU-A,PARIS,{quantity}\n"

    refused = api.post("/api/v1/stock.csv", files={"file": ("stock.csv", text, "text/csv")})

    assert refused.status_code == 422, refused.text[:500]
    assert [problem["line"] for problem in refused.json()["problems"]] == [line]
    assert len(refused.text) < 2000
    assert _movements(stocked) == before


def test_given_a_sku_that_starts_like_a_formula_when_downloaded_then_it_is_escaped_and_reads_back(
    api: TestClient, stocked: Database, clock: ManualClock
) -> None:
    with stocked.session() as session:
        add_product(session, clock, "=1+1", title="Formula")
        Inventory(session, clock, publish_to_outbox).set_on_hand("=1+1", "PARIS", 5, "count")

    exported = api.get("/api/v1/stock.csv").text
    uploaded = api.post("/api/v1/stock.csv", files={"file": ("stock.csv", exported, "text/csv")})

    assert "'=1+1,PARIS,5" in exported.splitlines()
    assert uploaded.status_code == 200, uploaded.text
    assert api.get("/api/v1/stock.csv").text == exported
    assert api.get("/api/v1/stock/=1+1").json()["on_hand"] == {"PARIS": 5}
