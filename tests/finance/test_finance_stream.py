"""The finance stream against the in-process sandbox: every operation once under faults, payouts
linked to their operations, and the reconciliation finding exactly the planted discrepancies."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import MarketplaceClients
from cdlink.sandbox import Sandbox
from cdlink.store.models import FinanceInvoice, FinancePayout
from tests.support.finance import (
    import_finance,
    marketplace_operations,
    planted,
    run_until_success,
    stored_differences,
    stored_operations,
)

DAY = 86400.0


def _assert_exactly_once(shop: JobEnvironment, sandbox: Sandbox) -> None:
    stored = stored_operations(shop)
    assert set(stored) == marketplace_operations(sandbox)
    assert all(count == 1 for count in stored.values())


def test_given_a_shop_when_the_stream_runs_then_each_operation_is_kept_once_and_reconciled(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    import_finance(shop)
    sandbox_clock.advance(5 * DAY)
    sandbox.now()
    run_until_success(shop, "orders")
    run_until_success(shop, "finance")

    _assert_exactly_once(shop, sandbox)
    assert stored_differences(shop) == planted(sandbox) != set()
    with shop.database.reading() as session:
        payouts = session.scalars(select(FinancePayout)).all()
        assert payouts
        paid = [row for row in payouts if row.state == "Paid"]
        assert paid
        assert all(row.operations_found == row.reported_operations for row in paid)
        assert session.scalars(select(FinanceInvoice)).all()


def test_given_paid_payouts_read_once_when_the_stream_runs_again_then_they_cost_no_call(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    import_finance(shop)
    sandbox_clock.advance(60)
    run_until_success(shop, "finance")
    before = len(sandbox.requests())
    sandbox_clock.advance(60)
    run_until_success(shop, "finance")

    calls = [call["endpoint"] for call in sandbox.requests()[before:]]
    paid_reads = [call for call in calls if call == "operations.list"]
    with shop.database.reading() as session:
        open_payouts = [
            row for row in session.scalars(select(FinancePayout)) if row.state != "Paid"
        ]
    # one read of the operations' window, and one per payout not paid yet
    assert len(paid_reads) <= 1 + len(open_payouts), calls


@pytest.mark.parametrize(
    "faults",
    [
        [{"kind": "status", "status": 429, "endpoint": "operations.list", "count": 4}],
        [{"kind": "status", "status": 503, "endpoint": "operations.list", "after": 2, "count": 6}],
        [
            {"kind": "status", "status": 502, "endpoint": "payments.list", "probability": 0.4},
            {"kind": "drop_before", "endpoint": "operations.list", "probability": 0.2},
        ],
    ],
    ids=["429-burst", "5xx-burst", "random-5xx-and-drops"],
)
def test_given_faults_when_the_stream_retries_then_no_operation_is_lost_or_doubled(
    shop: JobEnvironment, sandbox: Sandbox, faults: list[dict[str, object]]
) -> None:
    run_until_success(shop, "orders")
    for fault in faults:
        sandbox.add_fault(fault)
    run_until_success(shop, "finance", attempts=30)
    sandbox.clear_faults()
    shop.clock.advance(3 * DAY)  # type: ignore[attr-defined]
    sandbox.now()
    run_until_success(shop, "orders")
    run_until_success(shop, "finance")

    _assert_exactly_once(shop, sandbox)
    assert stored_differences(shop) == planted(sandbox)


class RevokingTransport(httpx.BaseTransport):
    """The sandbox, whose tokens are revoked right after the first page of operations."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.inner = sandbox.transport()
        self.reads = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path.endswith("/operations") and response.status_code == 200:
            self.reads += 1
            if self.reads == 1:
                self.sandbox.revoke_tokens()
        return response

    def close(self) -> None:
        self.inner.close()


def test_given_the_token_revoked_mid_import_then_no_operation_is_lost_or_doubled(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    run_until_success(shop, "orders")
    transports: list[RevokingTransport] = []

    def revoking() -> RevokingTransport:
        transports.append(RevokingTransport(sandbox))
        return transports[-1]

    assert isinstance(shop.clients, MarketplaceClients)
    shop.clients.transports = revoking
    run_until_success(shop, "finance")

    assert transports[0].reads >= 2
    _assert_exactly_once(shop, sandbox)


def test_given_a_run_killed_before_its_commit_when_run_again_then_each_operation_is_kept_once(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    run_until_success(shop, "orders")
    sandbox.add_fault({"kind": "status", "status": 503, "endpoint": "payments.list", "count": 50})
    report = shop.runner().run(1, "finance")
    assert report.outcome != "succeeded"
    sandbox.clear_faults()
    sandbox_clock.advance(61)
    run_until_success(shop, "finance")

    _assert_exactly_once(shop, sandbox)
    assert stored_differences(shop) == planted(sandbox)
