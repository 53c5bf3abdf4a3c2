"""A client that syncs reads again with ``updated_since`` = the last moment it saw, and gets
exactly the rows changed since (docs/api.md, "Syncing"): one row is changed by cdlink's own
writer, and only it comes back."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.hub.customer_service import actions as cs_actions
from cdlink.hub.customer_service.returns import ReturnDraft, save_return
from cdlink.hub.finance.invoices import finish_upload
from cdlink.hub.finance.records import PayoutDraft, save_payouts
from cdlink.hub.orders.records import LineDraft, OrderDraft, save_order
from cdlink.hub.pricing.promotions import Promotions
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import (
    CustomerServiceAction,
    FinanceDifference,
    Order,
    OrderInvoiceUpload,
    Promotion,
    PromotionItem,
)
from cdlink.sync.pricing.promotions import wake_promotions
from tests.support.stocked_shop import CONNECTION, inventory, sku

PDF = b"%PDF-1.7\n% an invoice\n%%EOF\n"


def since_now(shop: JobEnvironment) -> str:
    """Move the clock on and give the moment as a client would send it."""
    clock = shop.clock
    assert isinstance(clock, ManualClock)
    return clock.advance(timedelta(minutes=5)).isoformat()


def changed(api: TestClient, path: str, since: str, **query: Any) -> list[dict[str, Any]]:
    answer = api.get(path, params={**query, "updated_since": since, "limit": "200"})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_given_one_price_changed_when_listing_prices_since_then_only_it_comes(
    api: TestClient, shop: JobEnvironment
) -> None:
    assert len(api.get("/api/v1/prices", params={"connection_id": 1}).json()["items"]) > 1
    since = since_now(shop)

    answer = api.put(
        "/api/v1/prices/SKU-00002", params={"connection_id": 1}, json={"price": "9.90"}
    )

    assert answer.status_code == 200, answer.text
    found = changed(api, "/api/v1/prices", since, connection_id=1)
    assert [item["sku"] for item in found] == ["SKU-00002"]
    assert found[0]["updated_at"] >= since.replace("+00:00", "Z")


def test_given_one_refund_and_one_gesture_finished_when_listing_since_then_only_they_come(
    api: TestClient, shop: JobEnvironment
) -> None:
    now = shop.clock.now()
    with shop.database.session() as session:
        order = session.scalars(select(Order).order_by(Order.id)).first()
        assert order is not None
        for kind in (cs_actions.REFUND, cs_actions.GESTURE) * 2:
            session.add(
                CustomerServiceAction(
                    connection_id=CONNECTION,
                    order_id=order.id,
                    kind=kind,
                    payload={"reason": "Other"},
                    state=cs_actions.PENDING,
                    requested_at=now,
                    updated_at=now,
                )
            )
    since = since_now(shop)
    with shop.database.session() as session:
        first = {
            kind: session.scalars(
                select(CustomerServiceAction)
                .where(CustomerServiceAction.kind == kind)
                .order_by(CustomerServiceAction.id)
            ).first()
            for kind in (cs_actions.REFUND, cs_actions.GESTURE)
        }
        for action in first.values():
            assert action is not None
            cs_actions.finish(action, succeeded=False, outcome="refused", now=shop.clock.now())
        ids = {kind: action.id for kind, action in first.items() if action is not None}

    assert len(api.get("/api/v1/refunds").json()["items"]) == 2
    assert [item["id"] for item in changed(api, "/api/v1/refunds", since)] == [ids["refund"]]
    gestures = changed(api, "/api/v1/gestures", since, sort="updated_at")
    assert [item["id"] for item in gestures] == [ids["gesture"]]


def test_given_one_return_updated_when_listing_returns_since_then_only_it_comes(
    api: TestClient, shop: JobEnvironment
) -> None:
    now = shop.clock.now()
    with shop.database.session() as session:
        for number in ("R1", "R2"):
            save_return(session, CONNECTION, ReturnDraft(number, "Requested", now), now)
    since = since_now(shop)
    with shop.database.session() as session:
        later = shop.clock.now()
        save_return(session, CONNECTION, ReturnDraft("R2", "Received", later), later)
        # Read again with nothing new: not a change.
        save_return(session, CONNECTION, ReturnDraft("R1", "Requested", now), later)

    found = changed(api, "/api/v1/returns", since)
    assert [(item["marketplace_return_id"], item["status"]) for item in found] == [
        ("R2", "Received")
    ]


def test_given_one_invoice_upload_finished_when_listing_invoices_since_then_only_it_comes(
    api: TestClient, shop: JobEnvironment
) -> None:
    with shop.database.reading() as session:
        orders = list(session.scalars(select(Order.id).order_by(Order.id).limit(2)))
    for order_id in orders:
        sent = api.post(f"/api/v1/orders/{order_id}/invoice", files={"file": ("f.pdf", PDF)})
        assert sent.status_code == 202, sent.text
    since = since_now(shop)
    with shop.database.session() as session:
        upload = session.scalars(
            select(OrderInvoiceUpload).where(OrderInvoiceUpload.order_id == orders[1])
        ).one()
        finish_upload(upload, succeeded=False, outcome="refused", now=shop.clock.now())
        upload_id = upload.id

    found = changed(api, "/api/v1/invoices", since)
    assert [(item["id"], item["state"]) for item in found] == [(upload_id, "failed")]


def order_draft(number: str, customer: str, status: str, at: datetime) -> OrderDraft:
    price = Decimal("19.99")
    line = LineDraft("L1", status, 1, price, shipping_cost=Decimal(0), total_amount=price)
    return OrderDraft(
        marketplace_order_id=number,
        status=status,
        updated_at=at,
        currency="EUR",
        lines=[line],
        purchased_at=at,
        customer_reference=customer,
    )


def test_given_one_customers_order_changed_when_listing_customers_since_then_only_they_come(
    api: TestClient, shop: JobEnvironment
) -> None:
    now = shop.clock.now()
    with shop.database.session() as session:
        for number, customer in (("2603020900AAA", "CUST-A"), ("2603020900BBB", "CUST-B")):
            save_order(session, CONNECTION, order_draft(number, customer, "Accepted", now), now)
    since = since_now(shop)
    with shop.database.session() as session:
        later = shop.clock.now()
        shipped = order_draft("2603020900BBB", "CUST-B", "Shipped", later)
        save_order(session, CONNECTION, shipped, later)

    found = changed(api, "/api/v1/customers", since)
    assert [item["key"] for item in found] == ["CUST-B"]
    assert found[0]["updated_at"] == later.isoformat().replace("+00:00", "Z")


def test_given_one_warehouse_renamed_when_listing_warehouses_since_then_only_it_comes(
    api: TestClient, shop: JobEnvironment
) -> None:
    since = since_now(shop)

    renamed = api.patch("/api/v1/warehouses/LYON", json={"name": "Entrepôt Lyon"})

    assert renamed.status_code == 200, renamed.text
    assert [item["code"] for item in changed(api, "/api/v1/warehouses", since)] == ["LYON"]
    # Stock changes move the warehouse holding it.
    since = since_now(shop)
    with inventory(shop) as stock:
        stock.set_on_hand(sku(0), "PARIS", 99, "count")
    assert [item["code"] for item in changed(api, "/api/v1/warehouses", since)] == ["PARIS"]


def test_given_one_promotion_stopped_when_listing_promotions_since_then_only_it_comes(
    api: TestClient, shop: JobEnvironment
) -> None:
    now = shop.clock.now()
    with shop.database.session() as session:
        for name in ("Soldes", "Vente flash"):
            promotion = Promotion(
                connection_id=CONNECTION,
                name=name,
                kind="sale",
                discount_percent=Decimal(10),
                starts_at=now + timedelta(days=10),
                ends_at=now + timedelta(days=20),
                created_at=now,
                updated_at=now,
            )
            session.add(promotion)
            session.flush()
            session.add(PromotionItem(promotion_id=promotion.id, sku=sku(0)))
    since = since_now(shop)
    with shop.database.session() as session:
        stopped = session.scalars(select(Promotion).where(Promotion.name == "Soldes")).one()
        Promotions(session, shop.clock, wake_promotions).stop(CONNECTION, stopped.id)

    found = changed(api, "/api/v1/promotions", since, connection_id=1)
    assert [(item["name"], item["state"]) for item in found] == [("Soldes", "stopped")]


def test_given_one_difference_reviewed_when_listing_differences_since_then_only_it_comes(
    api: TestClient, shop: JobEnvironment
) -> None:
    now = shop.clock.now()
    with shop.database.session() as session:
        for reference in ("OP-1", "OP-2"):
            session.add(
                FinanceDifference(
                    connection_id=CONNECTION,
                    kind="unknown_order",
                    reference=reference,
                    detected_at=now,
                    updated_at=now,
                )
            )
    since = since_now(shop)
    with shop.database.reading() as session:
        second = session.scalars(
            select(FinanceDifference.id).where(FinanceDifference.reference == "OP-2")
        ).one()

    reviewed = api.post(f"/api/v1/finance/reconciliation/{second}/review")

    assert reviewed.status_code == 204, reviewed.text
    found = changed(api, "/api/v1/finance/differences", since, include_reviewed="true")
    assert [item["reference"] for item in found] == ["OP-2"]


def test_given_one_payout_paid_when_listing_payouts_since_then_only_it_comes(
    api: TestClient, shop: JobEnvironment
) -> None:
    now = shop.clock.now()
    drafts = [
        PayoutDraft(f"P9-{day}", now + timedelta(days=day), "Estimated", Decimal(100))
        for day in (1, 2)
    ]
    with shop.database.session() as session:
        save_payouts(session, CONNECTION, drafts, now)
    since = since_now(shop)
    with shop.database.session() as session:
        paid = replace(drafts[1], state="Paid")
        save_payouts(session, CONNECTION, [paid], shop.clock.now())

    found = changed(api, "/api/v1/finance/payouts", since, sort="updated_at")
    assert [(item["payment_id"], item["state"]) for item in found] == [("P9-2", "Paid")]
