"""``/api/v1/orders`` filters as people write them (plain days, comma lists) and the bounds of
its ids: every bad value is a 422 problem naming the field, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from cdlink.core.settings import Settings

pytestmark = pytest.mark.slow


def _ids(api: TestClient, **params: object) -> list[int]:
    answer = api.get("/api/v1/orders", params={"page_size": 200, **params})
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


def test_given_a_plain_day_when_filtering_then_it_is_that_whole_day_in_the_shop_time_zone(
    api: TestClient, settings: Settings
) -> None:
    orders = api.get("/api/v1/orders", params={"page_size": 200}).json()["items"]
    bought = datetime.fromisoformat(orders[0]["purchased_at"]).astimezone(settings.zone)
    day = bought.date().isoformat()
    start = datetime.combine(bought.date(), datetime.min.time(), tzinfo=settings.zone)

    by_day = _ids(api, purchased_from=day, purchased_to=day)
    by_time = _ids(
        api,
        purchased_from=start.isoformat(),
        purchased_to=(start + timedelta(days=1)).isoformat(),
    )
    in_utc = _ids(api, purchased_from=start.astimezone(UTC).isoformat().replace("+00:00", "Z"))

    assert orders[0]["id"] in by_day
    assert by_day == by_time
    assert by_day == [
        item["id"]
        for item in orders
        if datetime.fromisoformat(item["purchased_at"]).astimezone(settings.zone).date()
        == bought.date()
    ]
    assert set(by_day) <= set(in_utc)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"purchased_from": "2026-12-05T08:00:00"}, "time zone"),
        ({"purchased_to": "yesterday"}, "date"),
        ({"purchased_from": "2026-02-30"}, "date"),
        ({"purchased_to": "9999-12-31"}, "date"),
        ({"status": "Shipped,Lost"}, "allowed: Processing, WaitingAcceptance"),
        ({"connection_id": 2**63}, "less than or equal"),
        ({"page": 0}, "greater than or equal"),
    ],
)
def test_given_a_bad_filter_when_listing_then_422_names_the_field_and_what_is_allowed(
    api: TestClient, params: dict[str, object], expected: str
) -> None:
    refused = api.get("/api/v1/orders", params=params)

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    [problem] = refused.json()["problems"]
    assert problem["field"] == next(iter(params))
    assert expected in problem["message"]


def test_given_statuses_as_a_comma_list_or_repeated_when_filtering_then_both_give_the_same(
    api: TestClient,
) -> None:
    comma = _ids(api, status="WaitingAcceptance,Shipped")
    repeated = _ids(api, status=["WaitingAcceptance", "Shipped"])
    each = _ids(api, status="WaitingAcceptance") + _ids(api, status="Shipped")

    assert comma
    assert comma == repeated
    assert sorted(comma) == sorted(each)


def test_given_an_order_id_beyond_the_id_columns_when_read_then_422_and_unknown_is_404(
    api: TestClient,
) -> None:
    beyond = api.get(f"/api/v1/orders/{2**63}")
    reasons = api.get(f"/api/v1/orders/{2**63}/cancellation-reasons")
    action = api.post(f"/api/v1/orders/{2**64}/actions", json={"kind": "accept"})
    beyond_postgresql = api.get(f"/api/v1/orders/{2**31}")  # an INTEGER column's limit
    unknown = api.get(f"/api/v1/orders/{2**31 - 1}")

    assert [beyond.status_code, reasons.status_code, action.status_code] == [422, 422, 422]
    assert beyond_postgresql.status_code == 422
    assert beyond.json()["problems"][0]["field"] == "order_id"
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
