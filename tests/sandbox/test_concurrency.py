"""Several threads on one sandbox: the state stays consistent (one lock guards it)."""

from __future__ import annotations

import threading

import httpx

from cdlink.sandbox import Sandbox
from tests.support.sandbox_api import fetch_token


def test_given_parallel_clients_when_accepting_orders_then_each_order_is_accepted_once(
    sandbox: Sandbox,
) -> None:
    sandbox.seed(offers=40, orders=0, quantity=10_000)
    order_ids = sandbox.create_orders(80)
    credentials = sandbox.credentials
    outcomes: list[int] = []
    guard = threading.Lock()

    def worker() -> None:
        with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox") as http:
            token = fetch_token(http, credentials.client_id, credentials.client_secret)
            headers = {"Authorization": f"Bearer {token}", "SellerId": str(credentials.seller_id)}
            for order_id in order_ids:
                response = http.post(
                    f"/seller/v2/orders/{order_id}/approval-status",
                    json={"approval_status": "Accepted"},
                    headers=headers,
                )
                with guard:
                    outcomes.append(response.status_code)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count(204) == len(order_ids)
    assert outcomes.count(409) == 3 * len(order_ids)
    seller = sandbox.summary()["sellers"][str(credentials.seller_id)]
    assert seller["ordersByStatus"] == {"Accepted": len(order_ids)}
