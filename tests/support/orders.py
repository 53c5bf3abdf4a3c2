"""The orders tests' helpers: what the sandbox lists, what was imported, running the orders
stream until it succeeds, reading an order back, an order with several lines, and asking for an
action on it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.octopia import OctopiaClient
from cdlink.sandbox import Sandbox
from cdlink.store.engine import Database
from cdlink.store.models import Binding, Connection, Order
from cdlink.sync.orders.actions import request_action


def marketplace_orders(sandbox: Sandbox, since: timedelta = timedelta(days=30)) -> dict[str, str]:
    """Every order the sandbox lists as changed in the last ``since``: id → status."""
    credentials = sandbox.credentials
    found: dict[str, str] = {}
    with sandbox.transport() as transport, httpx.Client(transport=transport) as http:
        token = http.post(
            sandbox.token_url(),
            data={
                "grant_type": "client_credentials",
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret,
            },
        ).json()["access_token"]
        since_time = datetime.fromisoformat(sandbox.now()) - since
        for page in range(1, 100):
            body = http.get(
                sandbox.api_url() + "/orders",
                params={"pageSize": 100, "pageIndex": page, "updatedAtMin": since_time.isoformat()},
                headers={
                    "Authorization": f"Bearer {token}",
                    "SellerId": str(credentials.seller_id),
                },
            ).json()
            found.update({item["orderId"]: item["status"] for item in body["items"]})
            if len(body["items"]) < 100:
                return found
    raise AssertionError("more pages than expected")


def order_path(browser: TestClient, marketplace_id: str) -> str:
    """The detail page of the order the Orders list finds by its marketplace id."""
    [path] = re.findall(r'href="(/orders/\d+)"', browser.get(f"/orders?q={marketplace_id}").text)
    return path


def local_order_ids(database: Database) -> list[str]:
    with database.reading() as session:
        return list(session.scalars(select(Order.marketplace_order_id)))


def binding_count(database: Database) -> int:
    with database.reading() as session:
        query = select(func.count()).select_from(Binding).where(Binding.kind == "order")
        return int(session.scalar(query) or 0)


def run_until_success(shop: JobEnvironment, attempts: int = 10) -> None:
    """Run the stream as the scheduler would after each failure, until a run succeeds."""
    assert isinstance(shop.clock, ManualClock)
    messages = []
    for _ in range(attempts):
        report = shop.runner().run(1, "orders")
        if report.outcome == "succeeded":
            return
        messages.append(report.message)
        shop.clock.advance(61)  # the failure policy's longest wait before a retry
    raise AssertionError(f"the orders stream never succeeded: {messages[-1]}")


def stored(shop: JobEnvironment, marketplace_order_id: str) -> Order:
    with shop.database.reading() as session:
        query = select(Order).where(Order.marketplace_order_id == marketplace_order_id)
        order = session.scalars(query).one()
        _ = (order.lines, order.events)
        return order


def assert_exactly_once(shop: JobEnvironment, sandbox: Sandbox) -> None:
    imported = local_order_ids(shop.database)
    expected = marketplace_orders(sandbox)
    assert len(imported) == len(set(imported))
    assert set(imported) == set(expected)
    assert binding_count(shop.database) == len(expected)


def seller_client(shop: JobEnvironment) -> OctopiaClient:
    assert shop.clients is not None
    with shop.database.reading() as session:
        return shop.clients(session.get_one(Connection, 1))


def order_with_lines(sandbox: Sandbox, shop: JobEnvironment) -> tuple[str, list[str]]:
    """An order in preparation with at least two lines, imported: its id and its line ids."""
    order_id = next(
        order
        for order in sandbox.create_orders(40, status="InPreparation")
        if len(sandbox.order(order)["lines"]) > 1
    )
    run_until_success(shop)
    return order_id, [line["orderLineId"] for line in sandbox.order(order_id)["lines"]]


def ask(shop: JobEnvironment, order_id: str, kind: str, **payload: Any) -> int:
    with shop.database.session() as session:
        order = session.scalars(select(Order).where(Order.marketplace_order_id == order_id)).one()
        action = request_action(
            session, order, kind, payload, requested_by="seller@example.com", now=shop.clock.now()
        )
        return action.id
