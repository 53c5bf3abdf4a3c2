"""Every list of ``/api/v1`` follows one convention (docs/api.md): found in the OpenAPI
description, walked page by page with its cursor, filtered by ``updated_since``, and a clear 422
for a bad ``limit``, ``sort`` or ``cursor``."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from pydantic import BaseModel

#: The lists a back office reads (issue 23): each must be found and follow the convention.
EXPECTED = {
    "/api/v1/orders",
    "/api/v1/customers",
    "/api/v1/products",
    "/api/v1/prices",
    "/api/v1/promotions",
    "/api/v1/stock",
    "/api/v1/warehouses",
    "/api/v1/discussions",
    "/api/v1/refunds",
    "/api/v1/gestures",
    "/api/v1/returns",
    "/api/v1/finance/operations",
    "/api/v1/finance/payouts",
    "/api/v1/finance/differences",
    "/api/v1/invoices",
    "/api/v1/notifications",
    "/api/v1/webhooks",
}
#: The lists without ``updated_since``, each named in docs/api.md with its reason (none today).
WITHOUT_UPDATED_SINCE: set[str] = set()
#: Values for a list's required parameters.
REQUIRED = {"connection_id": "1"}


def list_routes(api: TestClient) -> dict[str, dict[str, Any]]:
    """The GET operations whose answer has ``next_cursor``, by path (path parameters left out)."""
    schema = api.get("/api/openapi.json").json()
    models = schema["components"]["schemas"]
    found = {}
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None or "{" in path:
            continue
        answer = operation["responses"]["200"]["content"].get("application/json", {})
        name = str(answer.get("schema", {}).get("$ref", "")).rsplit("/", 1)[-1]
        if "next_cursor" in models.get(name, {}).get("properties", {}):
            found[path] = operation
    return found


def base_query(operation: dict[str, Any]) -> dict[str, str]:
    return {
        parameter["name"]: REQUIRED[parameter["name"]]
        for parameter in operation.get("parameters", [])
        if parameter.get("required") and parameter["in"] == "query"
    }


def walk(api: TestClient, path: str, query: dict[str, str]) -> list[str]:
    """Every row of the list, following ``next`` with two rows a page."""
    seen: list[str] = []
    answer = api.get(path, params={**query, "limit": "2"})
    for _ in range(500):
        assert answer.status_code == 200, (path, answer.text)
        body = answer.json()
        assert body["limit"] == 2
        assert len(body["items"]) <= 2
        seen += [json.dumps(item, sort_keys=True) for item in body["items"]]
        if body["next"] is None:
            assert body["next_cursor"] is None
            return seen
        answer = api.get(body["next"])
    raise AssertionError(f"{path}: the walk did not end")


def parameters(operation: dict[str, Any]) -> set[str]:
    return {parameter["name"] for parameter in operation.get("parameters", [])}


def test_given_the_openapi_description_when_listing_routes_then_every_resource_list_is_there(
    api: TestClient,
) -> None:
    found = list_routes(api)
    assert set(found) >= EXPECTED, EXPECTED - set(found)
    for path, operation in found.items():
        assert {"cursor", "limit", "sort"} <= parameters(operation), path
        if path not in WITHOUT_UPDATED_SINCE:
            assert "updated_since" in parameters(operation), path


def test_given_every_list_when_walked_by_cursor_then_each_row_comes_once(api: TestClient) -> None:
    walked = 0
    for path, operation in list_routes(api).items():
        query = base_query(operation)
        whole = api.get(path, params={**query, "limit": "200"}).json()["items"]
        pages = walk(api, path, query)
        assert len(pages) == len(set(pages)), f"{path}: a row came twice"
        assert sorted(pages) == sorted(json.dumps(item, sort_keys=True) for item in whole), path
        walked += len(pages) > 2
    assert walked >= 4  # orders, stock, products, warehouses at least span pages


def test_given_updated_since_when_listing_then_only_rows_changed_since_come(
    api: TestClient,
) -> None:
    for path, operation in list_routes(api).items():
        if "updated_since" not in parameters(operation):
            continue
        query = base_query(operation)
        every = api.get(path, params={**query, "limit": "200"}).json()["items"]
        past = api.get(path, params={**query, "limit": "200", "updated_since": "2000-01-01"})
        future = api.get(
            path, params={**query, "limit": "200", "updated_since": "2100-01-01T00:00:00Z"}
        )
        assert (past.status_code, future.status_code) == (200, 200), path
        assert len(past.json()["items"]) == len(every), path
        assert future.json()["items"] == [], path


def test_given_bad_paging_when_listing_then_a_422_names_the_parameter(api: TestClient) -> None:
    for path, operation in list_routes(api).items():
        query = base_query(operation)
        other = api.get(path, params={**query, "limit": "1"}).json()
        bad = {
            "limit": [{"limit": "0"}, {"limit": "201"}, {"limit": "ten"}],
            "sort": [{"sort": "nonsense"}],
            "cursor": [{"cursor": "bm90IGEgY3Vyc29y"}, {"cursor": "%%%"}],
        }
        if other["next_cursor"]:
            # A cursor sent with other filters, or with another limit.
            bad["cursor"].append({"cursor": other["next_cursor"], "updated_since": "2000-01-01"})
            bad["limit"].append({"cursor": other["next_cursor"], "limit": "3"})
        for name, attempts in bad.items():
            for attempt in attempts:
                answer = api.get(path, params={**query, **attempt})
                assert answer.status_code == 422, (path, attempt, answer.text)
                assert answer.headers["content-type"].startswith("application/problem+json")
                assert name in answer.text, (path, attempt, answer.text)


def test_given_the_deprecated_page_parameters_when_listing_orders_then_they_still_answer(
    api: TestClient,
) -> None:
    answer = api.get("/api/v1/orders", params={"page": "2", "page_size": "3"})
    assert answer.status_code == 200
    assert answer.headers["Deprecation"] == "true"
    body = answer.json()
    assert (body["page"], body["page_size"], len(body["items"])) == (2, 3, 3)
    first_two = api.get("/api/v1/orders", params={"limit": "3"}).json()
    second = api.get(first_two["next"]).json()
    assert second["items"] == body["items"]


def test_given_every_list_when_its_item_schema_is_read_then_it_shows_a_valid_example(
    api: TestClient,
) -> None:
    """Each list's item model carries an example in OpenAPI, and the example is an item the
    model accepts (so it cannot drift from the fields)."""
    schema = api.get("/api/openapi.json").json()
    models = schema["components"]["schemas"]
    checked = set()
    for path, operation in list_routes(api).items():
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
        envelope = models[answer["$ref"].rsplit("/", 1)[-1]]
        name = envelope["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[-1]
        examples = models[name].get("examples")
        assert examples, f"{path}: {name} has no example"
        # OpenAPI leaves the null values out: the model's own examples are checked whole.
        extra = item_model(name).model_config.get("json_schema_extra")
        assert isinstance(extra, dict), (path, name)
        for example in extra["examples"]:
            assert sorted(example) == sorted(models[name]["properties"]), (path, name)
            item_model(name).model_validate(example)
        checked.add(name)
    assert len(checked) >= 14, checked


def item_model(name: str) -> type[BaseModel]:
    """The API's pydantic model an OpenAPI item schema was made from: by class name, and by
    module where OpenAPI qualifies the name (two models of one name)."""
    module, _, title = name.rpartition("__")
    found, pending = [], list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending += model.__subclasses__()
        inside = model.__module__ == module.replace("__", ".") if module else True
        if model.__name__ == title and inside and model.__module__.startswith("cdlink.web"):
            found.append(model)
    assert len(found) == 1, (name, found)
    return found[0]
