"""Orders and stock against the sandbox: the stock-aware acceptance policy, reservations of open
orders, cancellations that release them, shipments that take units once."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.orders.actions import (
    IN_STOCK,
    OrderActionError,
    actions_of,
    set_acceptance_policy,
)
from cdlink.hub.orders.records import LineDraft, OrderDraft
from cdlink.hub.orders.shipments import ShipmentError
from cdlink.hub.stock.inventory import Inventory
from cdlink.jobs.environment import JobEnvironment
from cdlink.octopia.models import Parcel
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from cdlink.store.models import (
    OrderAction,
    OutboxEntry,
    Product,
    StockMovement,
    StockPushStatus,
)
from cdlink.sync.orders.mapping import order_draft
from cdlink.sync.orders.stock import save_with_stock
from cdlink.sync.stock.pusher import publish_to_outbox
from tests.support.stocked_shop import (
    CONNECTION,
    OFFERS,
    ask,
    inventory,
    marketplace_lines,
    offer_quantity,
    on_hand,
    reserved,
    run,
    seller_client,
    stocked_environment,
    stored,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def sandbox_clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sandbox(sandbox_clock: ManualClock) -> Sandbox:
    config = SandboxConfig(seed=7, offers=OFFERS, orders=0, processing_seconds=0)
    return Sandbox(config, clock=sandbox_clock)


@pytest.fixture
def env(
    settings: Settings, database: Database, sandbox: Sandbox, sandbox_clock: ManualClock
) -> JobEnvironment:
    return stocked_environment(settings, database, sandbox, sandbox_clock)


def policy(env: JobEnvironment, acceptance: str, *, auto_refuse: bool = False) -> None:
    with env.database.session() as session:
        set_acceptance_policy(
            session, CONNECTION, acceptance, env.clock.now(), auto_refuse=auto_refuse
        )


def stock_in_paris(env: JobEnvironment, units: dict[str, int]) -> None:
    with inventory(env) as stock:
        for item, quantity in units.items():
            stock.set_on_hand(item, "PARIS", quantity, "count")


def save(env: JobEnvironment, version: OrderDraft) -> None:
    """Save one version of an order as the import does, with its stock effects."""
    with env.database.session() as session:
        save_with_stock(
            session,
            CONNECTION,
            version,
            clock=env.clock,
            now=env.clock.now(),
            stream="test",
            run_id=None,
        )


def pushed(env: JobEnvironment) -> dict[str, int]:
    """The last quantity cdlink sent per SKU (the sandbox also restocks cancelled lines itself)."""
    with env.database.reading() as session:
        return {row.sku: row.quantity for row in session.scalars(select(StockPushStatus))}


def kinds(env: JobEnvironment, order_id: str) -> list[str]:
    with env.database.reading() as session:
        return [action.kind for action in actions_of(session, stored(env, order_id).id)]


@pytest.mark.slow
def test_given_stock_covering_the_order_when_imported_then_accepted_reserved_and_pushed(
    env: JobEnvironment, sandbox: Sandbox
) -> None:
    policy(env, IN_STOCK)
    [order_id] = sandbox.create_orders(1)
    wanted = marketplace_lines(sandbox, order_id)
    stock_in_paris(env, {item: units + 2 for item, units in wanted.items()})

    run(env, "orders")

    assert kinds(env, order_id) == ["accept"]
    assert reserved(env) == dict(wanted)
    assert stored(env, order_id).stock_issues == []
    run(env, "order_actions")
    run(env, "orders")  # the accepted order's new status comes with the orders stream
    run(env, "stock")
    assert sandbox.order(order_id)["status"] == "Accepted"
    assert stored(env, order_id).status == "Accepted"
    assert reserved(env) == dict(wanted)  # an accepted order still holds its units
    for item in wanted:
        assert offer_quantity(sandbox, item) == 2  # on-hand less the reservation


@pytest.mark.parametrize("auto_refuse", [False, True])
@pytest.mark.slow
def test_given_too_little_stock_when_imported_then_not_accepted_and_the_reason_is_kept(
    env: JobEnvironment, sandbox: Sandbox, auto_refuse: bool
) -> None:
    policy(env, IN_STOCK, auto_refuse=auto_refuse)
    [order_id] = sandbox.create_orders(1)
    wanted = marketplace_lines(sandbox, order_id)
    short = min(wanted)
    stock_in_paris(env, {item: units - (item == short) for item, units in wanted.items()})

    run(env, "orders")

    issues = stored(env, order_id).stock_issues
    expected_issue = {"kind": "short", "sku": short, "wanted": wanted[short]}
    assert {**expected_issue, "available": wanted[short] - 1} in issues
    assert reserved(env) == dict(wanted)  # waiting for acceptance holds the units meanwhile
    assert kinds(env, order_id) == (["refuse"] if auto_refuse else [])
    run(env, "order_actions")
    run(env, "orders")
    expected = "Refused" if auto_refuse else "WaitingAcceptance"
    assert sandbox.order(order_id)["status"] == expected
    assert stored(env, order_id).status == expected
    assert reserved(env) == ({} if auto_refuse else dict(wanted))


def test_given_a_sku_unknown_to_the_catalog_when_imported_then_left_to_the_seller(
    env: JobEnvironment, sandbox: Sandbox
) -> None:
    policy(env, IN_STOCK)
    [order_id] = sandbox.create_orders(1)
    wanted = marketplace_lines(sandbox, order_id)
    stock_in_paris(env, dict.fromkeys(wanted, 50))
    with env.database.session() as session:
        product = session.scalars(select(Product).where(Product.sku == min(wanted))).one()
        session.delete(product)

    run(env, "orders")

    assert kinds(env, order_id) == []
    assert {"kind": "unknown_sku", "sku": min(wanted)} in stored(env, order_id).stock_issues


@pytest.mark.slow
def test_given_an_open_order_when_the_marketplace_cancels_then_its_stock_comes_back(
    env: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [order_id] = sandbox.create_orders(1)  # the seller decides (manual): nobody accepts it
    wanted = marketplace_lines(sandbox, order_id)
    stock_in_paris(env, {item: units + 3 for item, units in wanted.items()})
    run(env, "orders")
    run(env, "stock")
    assert all(offer_quantity(sandbox, item) == 3 for item in wanted)

    first = sandbox.order(order_id)["lines"][0]
    asked, units = first["offer"]["sellerProductId"], int(first["quantity"])
    assert sandbox.customer_cancel_request(order_id, first["orderLineId"])
    sandbox_clock.advance(1)
    run(env, "orders")
    run(env, "stock")
    assert reserved(env).get(asked, 0) == wanted[asked] - units  # the line's part is released
    assert offer_quantity(sandbox, asked) == 3 + units

    sandbox_clock.advance(2 * 86400 + 1)  # nobody accepted it in time: Cdiscount cancels it
    run(env, "orders")
    run(env, "stock")
    assert stored(env, order_id).status == "Cancelled"
    assert reserved(env) == {}
    assert pushed(env) == {item: units + 3 for item, units in wanted.items()}


@pytest.mark.slow
def test_given_a_seller_cancellation_when_confirmed_then_the_reservation_is_released(
    env: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1, status="Accepted")
    wanted = marketplace_lines(sandbox, order_id)
    stock_in_paris(env, dict(wanted))
    run(env, "orders")
    run(env, "cancellation_reasons")
    assert reserved(env) == dict(wanted)

    ask(env, order_id, "cancel", {"reason": "CustomerRequest"})
    assert reserved(env) == dict(wanted)  # held until the marketplace confirms
    run(env, "order_actions")
    run(env, "stock")

    assert stored(env, order_id).status == "Cancelled"
    assert reserved(env) == {}
    assert all(offer_quantity(sandbox, item) == units for item, units in wanted.items())


@pytest.mark.slow
def test_given_an_order_in_preparation_when_shipped_then_on_hand_drops_once(
    env: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [order_id] = sandbox.create_orders(1, status="Accepted")
    wanted = marketplace_lines(sandbox, order_id)
    stock_in_paris(env, {item: units + 1 for item, units in wanted.items()})
    with inventory(env) as stock:
        for item in wanted:
            stock.set_on_hand(item, "LYON", 5, "count")
    run(env, "orders")
    sandbox_clock.advance(301)  # the marketplace moves it to InPreparation
    run(env, "orders")
    assert stored(env, order_id).status == "InPreparation"

    tracking = {"carrier": "Colissimo", "tracking_number": "6A0000000042"}
    ask(env, order_id, "ship", {**tracking, "tracking_url": "https://t.example/6A0000000042"})
    run(env, "order_actions")
    run(env, "stock")

    assert sandbox.order(order_id)["status"] == "Shipped"
    parcels = [parcel for line in sandbox.order(order_id)["lines"] for parcel in line["parcels"]]
    assert parcels
    assert all(parcel["parcelNumber"] == "6A0000000042" for parcel in parcels)
    assert stored(env, order_id).status == "Shipped"
    assert reserved(env) == {}
    for item in wanted:
        assert (on_hand(env, "PARIS", item), on_hand(env, "LYON", item)) == (1, 5)
        assert offer_quantity(sandbox, item) == 6

    for _ in range(2):  # imported again, then delivered: nothing more leaves the shelf
        sandbox_clock.advance(4 * 86400)
        run(env, "orders")
    assert stored(env, order_id).status == "Delivered"
    with env.database.reading() as session:
        reasons = session.scalars(select(StockMovement.reason).where(StockMovement.delta < 0))
        assert sorted(reasons) == sorted(f"shipment {order_id}" for _ in wanted)
    assert all(on_hand(env, "PARIS", item) == 1 for item in wanted)


def test_given_a_ship_action_without_tracking_then_it_is_refused_before_recording(
    env: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1, status="InPreparation")
    run(env, "orders")

    with pytest.raises(ShipmentError, match="tracking number"):
        ask(env, order_id, "ship", {"carrier": "Colissimo", "tracking_number": " "})
    with pytest.raises((OrderActionError, ShipmentError), match="http"):
        ask(env, order_id, "ship", {**SHIPMENT, "tracking_url": "javascript:alert(1)"})
    assert kinds(env, order_id) == []


def test_given_the_ship_refused_by_the_marketplace_then_the_action_fails_and_stock_stays(
    env: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1, status="InPreparation")
    wanted = marketplace_lines(sandbox, order_id)
    stock_in_paris(env, dict(wanted))
    run(env, "orders")

    action_id = ask(env, order_id, "ship", {**SHIPMENT, "carrier": "Pigeon voyageur"})
    run(env, "order_actions")

    with env.database.reading() as session:
        failed = session.get_one(OrderAction, action_id)
        assert failed.state == "failed"
        assert "refused by the marketplace" in (failed.outcome or "")
    assert reserved(env) == dict(wanted)
    assert all(on_hand(env, "PARIS", item) == units for item, units in wanted.items())


def test_given_versions_twice_and_out_of_order_then_stock_moves_exactly_once(
    env: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [order_id] = sandbox.create_orders(1)
    wanted = marketplace_lines(sandbox, order_id)
    stock_in_paris(env, dict.fromkeys(wanted, 10))
    with seller_client(env) as client:
        waiting = order_draft(client.orders.get(order_id))
        sandbox_clock.advance(1)
        client.orders.accept(order_id)
        accepted = order_draft(client.orders.get(order_id))
        sandbox_clock.advance(301)
        client.orders.ship(order_id, [Parcel(parcel_number="P1", carrier_name="Colissimo")])
        shipped = order_draft(client.orders.get(order_id))

    for version in (waiting, waiting, shipped, accepted, waiting, shipped):
        save(env, version)

    assert reserved(env) == {}
    assert all(on_hand(env, "PARIS", item) == 10 - units for item, units in wanted.items())


def test_given_an_order_first_seen_shipped_then_its_units_are_not_taken_again(
    env: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1, status="Shipped")  # history: left before counting
    wanted = marketplace_lines(sandbox, order_id)
    stock_in_paris(env, dict.fromkeys(wanted, 4))

    run(env, "orders")

    assert reserved(env) == {}
    assert all(on_hand(env, "PARIS", item) == 4 for item in wanted)


SHIPMENT = {"carrier": "Colissimo", "tracking_number": "6A0000000001"}


def test_given_warehouses_by_priority_when_units_are_taken_then_first_whole_then_split(
    env: JobEnvironment,
) -> None:
    item = "SKU-00001"
    with inventory(env) as stock:
        stock.set_on_hand(item, "PARIS", 2, "count")
        stock.set_on_hand(item, "LYON", 3, "count")
        first = stock.take(CONNECTION, item, 3, "shipment A")  # PARIS lacks one: LYON has 3
        second = stock.take(CONNECTION, item, 1, "shipment B")  # PARIS first again
        third = stock.take(CONNECTION, item, 4, "shipment C")  # 1 left in PARIS: 3 missing

    assert (first, second, third) == (0, 0, 3)
    assert (on_hand(env, "PARIS", item), on_hand(env, "LYON", item)) == (0, 0)
    with env.database.reading() as session:
        moves = session.execute(
            select(StockMovement.reason, StockMovement.delta)
            .where(StockMovement.delta < 0)
            .order_by(StockMovement.id)
        ).all()
    assert [tuple(move) for move in moves] == [
        ("shipment A", -3),
        ("shipment B", -1),
        ("shipment C", -1),
    ]


# --- Random sequences of order versions -------------------------------------------------------

LIFE = ("WaitingAcceptance", "Accepted", "InPreparation", "Shipped", "Delivered")
ON_HAND = 1000
SEQUENCE_SKUS = [f"SKU-{index:05d}" for index in range(1, 5)]


def _line_draft(line_id: str, item: str, quantity: int, status: str | None) -> LineDraft:
    price = Decimal("10.00")
    return LineDraft(
        line_id=line_id,
        status=status,
        quantity=quantity,
        unit_price=price,
        shipping_cost=Decimal("0.00"),
        total_amount=price * quantity,
        seller_sku=item,
    )


def _versions(rng: random.Random, order_id: str) -> list[OrderDraft]:
    """One order's life as the marketplace would show it, version after version."""
    lines = [
        (str(number), rng.choice(SEQUENCE_SKUS), rng.randint(1, 3))
        for number in range(1, rng.randint(1, 3) + 1)
    ]
    end = rng.choice(["Shipped", "Delivered", "Delivered", "Cancelled", "Refused", "Accepted"])
    statuses = list(LIFE[: LIFE.index(end) + 1]) if end in LIFE else []
    if end == "Refused":
        statuses = ["WaitingAcceptance", "Refused"]
    elif end == "Cancelled":
        statuses = [*LIFE[: rng.randint(1, 3)], "Cancelled"]
    line_status: dict[str, str | None] = {line_id: None for line_id, _, _ in lines}
    versions = []
    for step, status in enumerate(statuses):
        for line_id, current in list(line_status.items()):
            if status in {"WaitingAcceptance", "Accepted", "InPreparation"}:
                if current not in {"CancelRequest", "Cancelled"}:
                    line_status[line_id] = rng.choice(
                        [None, status, status, "CancelRequest", "Cancelled"]
                    )
            elif current != "Cancelled":
                line_status[line_id] = rng.choice([None, status])
        versions.append(
            OrderDraft(
                marketplace_order_id=order_id,
                status=status,
                updated_at=START + timedelta(minutes=step),
                currency="EUR",
                lines=[
                    _line_draft(line_id, item, quantity, line_status[line_id])
                    for line_id, item, quantity in lines
                ],
            )
        )
    return versions


def _expected(delivered: list[OrderDraft]) -> tuple[Counter[str], Counter[str]]:
    """(units reserved, units shipped) per SKU, from the versions in the order they arrived.

    A version older than one already applied is ignored; a line's status a version leaves out
    keeps its last known value; a line takes its units at shipment only if it was seen open.
    """
    latest: datetime | None = None
    known: dict[str, str | None] = {}
    held: set[str] = set()
    shipped: set[str] = set()
    state: dict[str, str] = {}
    lines: dict[str, tuple[str, int]] = {}
    for version in delivered:
        if latest is not None and version.updated_at < latest:
            continue
        latest = version.updated_at
        for line in version.lines:
            lines[line.line_id] = (line.seller_sku or "", line.quantity)
            known[line.line_id] = line.status or known.get(line.line_id)
            status = known[line.line_id] or version.status
            if version.status in {"Cancelled", "Refused"}:
                status = "Cancelled"
            if status in {"WaitingAcceptance", "Accepted", "InPreparation"}:
                state[line.line_id] = "open"
                held.add(line.line_id)
            elif status in {"Shipped", "Delivered"}:
                state[line.line_id] = "shipped"
                if line.line_id in held:
                    shipped.add(line.line_id)
            else:
                state[line.line_id] = "closed"
    reserved_units: Counter[str] = Counter()
    shipped_units: Counter[str] = Counter()
    for line_id, (item, quantity) in lines.items():
        if state[line_id] == "open":
            reserved_units[item] += quantity
        if line_id in shipped:
            shipped_units[item] += quantity
    return reserved_units, shipped_units


def test_given_random_order_lives_delivered_in_any_order_then_stock_matches_the_stored_orders(
    env: JobEnvironment, database: Database
) -> None:
    rng = random.Random(20261124)
    orders = 12 if database.url.startswith("postgresql") else 30
    stock_in_paris(env, dict.fromkeys(SEQUENCE_SKUS, ON_HAND))
    want_reserved: Counter[str] = Counter()
    want_shipped: Counter[str] = Counter()
    for number in range(orders):
        versions = _versions(rng, f"R{number:04d}")
        # Every version, some twice (a look-back re-reads them), some late (swapped pairs).
        delivered = versions + [rng.choice(versions) for _ in range(rng.randint(0, 3))]
        delivered.sort(key=lambda version: version.updated_at)
        for _ in range(rng.randint(0, 3)):
            at = rng.randrange(len(delivered))
            other = min(len(delivered) - 1, at + rng.randint(1, 2))
            delivered[at], delivered[other] = delivered[other], delivered[at]
        for version in delivered:
            save(env, version)
        reserved_units, shipped_units = _expected(delivered)
        want_reserved.update(reserved_units)
        want_shipped.update(shipped_units)

    assert reserved(env) == {item: units for item, units in want_reserved.items() if units}
    for item in SEQUENCE_SKUS:
        assert on_hand(env, "PARIS", item) == ON_HAND - want_shipped[item]
    assert sum(want_shipped.values()) > 0  # the sequences did ship something
    with env.database.reading() as session:  # the last quantity queued is the true one
        stock = Inventory(session, env.clock, publish_to_outbox)
        for item in SEQUENCE_SKUS:
            queued = session.scalars(
                select(OutboxEntry.payload)
                .where(OutboxEntry.stream == "stock", OutboxEntry.key == item)
                .order_by(OutboxEntry.id.desc())
            ).first()
            assert queued == {"quantity": stock.available(CONNECTION, stock.product(item))}


def test_given_a_shipment_with_too_little_on_hand_then_never_negative_and_the_lack_is_shown(
    env: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [order_id] = sandbox.create_orders(1, status="Accepted")
    wanted = marketplace_lines(sandbox, order_id)
    counted = min(wanted)  # counted at zero; the order's other SKUs are not managed in cdlink
    stock_in_paris(env, {counted: 0})
    run(env, "orders")
    sandbox_clock.advance(301)
    with seller_client(env) as client:  # shipped from the marketplace's back office
        client.orders.ship(order_id, [Parcel(parcel_number="P9", carrier_name="Colissimo")])
    run(env, "orders")

    order = stored(env, order_id)
    assert order.status == "Shipped"
    missing = [issue for issue in order.stock_issues if issue["kind"] == "missing_at_shipment"]
    assert [(issue["sku"], issue["missing"]) for issue in missing] == [(counted, wanted[counted])]
    assert on_hand(env, "PARIS", counted) == 0
    assert reserved(env) == {}


def test_given_a_seller_partial_cancellation_when_confirmed_then_that_line_is_released(
    env: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1, status="Accepted")
    wanted = marketplace_lines(sandbox, order_id)
    stock_in_paris(env, dict(wanted))
    run(env, "orders")
    run(env, "cancellation_reasons")
    first = sandbox.order(order_id)["lines"][0]
    item, units = first["offer"]["sellerProductId"], int(first["quantity"])

    ask(
        env,
        order_id,
        "cancel_lines",
        {"reason": "CustomerRequest", "lines": [first["orderLineId"]]},
    )
    assert reserved(env) == dict(wanted)  # held until the marketplace confirms
    run(env, "order_actions")

    left = dict(wanted)
    left[item] -= units
    assert reserved(env) == {sku: n for sku, n in left.items() if n}
    assert all(on_hand(env, "PARIS", sku) == n for sku, n in wanted.items())  # nothing shipped
