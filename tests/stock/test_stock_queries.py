"""Reading stock for the Stock page and the API (both databases): pages and filters in SQL, a
fixed number of queries per page, what Cdiscount holds and each SKU's state; warehouses, unmapping
and buffer removal; idempotency keys."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from cdlink.core.clock import ManualClock
from cdlink.hub.stock import warehouses
from cdlink.hub.stock.inventory import add_product
from cdlink.hub.stock.queries import (
    FAILED,
    IN_STEP,
    SENDING,
    STALE,
    UNKNOWN,
    UNMANAGED,
    StockFilter,
    get_stock,
    list_buffers,
    list_stock,
)
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store import idempotency
from cdlink.store.models import (
    Connection,
    IdempotencyKey,
    MarketplaceQuantity,
    OutboxEntry,
    StockPushStatus,
    User,
)
from cdlink.sync.stock.offer_import import OfferImport
from tests.support.stock import CONNECTION, SKUS, inventory, sku


@contextmanager
def counted_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: object) -> None:
        if str(args[2]).lstrip().upper().startswith("SELECT"):
            statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_given_a_catalog_when_listed_then_pages_come_in_sku_order_with_a_fixed_query_count(
    shop: JobEnvironment,
) -> None:
    now = shop.clock.now()
    with shop.database.reading() as session:
        with counted_statements(shop.database.engine) as small:
            first = list_stock(session, StockFilter(), now, page=1, page_size=5)
        with counted_statements(shop.database.engine) as large:
            whole = list_stock(session, StockFilter(), now, page=1, page_size=SKUS)
        last = list_stock(session, StockFilter(), now, page=4, page_size=12)

    assert [row.sku for row in first.rows] == [sku(index) for index in range(5)]
    assert (first.total, first.pages) == (SKUS, 8)
    assert len(whole.rows) == SKUS
    assert len(large) == len(small)  # no query per SKU
    assert [row.sku for row in last.rows] == [sku(index) for index in range(36, SKUS)]


def test_given_filters_when_listed_then_only_matching_skus_come(shop: JobEnvironment) -> None:
    with inventory(shop) as stock:
        stock.set_on_hand(sku(3), "LYON", 4, "count")
    now = shop.clock.now()

    with shop.database.reading() as session:
        by_text = list_stock(session, StockFilter(text="product 12"), now)
        in_lyon = list_stock(session, StockFilter(warehouse="LYON"), now)
        exact = list_stock(session, StockFilter(sku=sku(7)), now)
        pushed = list_stock(session, StockFilter(connection_id=CONNECTION), now)
        elsewhere = list_stock(session, StockFilter(connection_id=CONNECTION + 1), now)
        failed = list_stock(session, StockFilter(failed_only=True), now)

    assert [row.sku for row in by_text.rows] == [sku(12)]
    assert [row.sku for row in in_lyon.rows] == [sku(3)]
    assert in_lyon.rows[0].on_hand == {"LYON": 4, "PARIS": 0}
    assert [row.sku for row in exact.rows] == [sku(7)]
    assert pushed.total == SKUS  # every SKU was pushed once at the start
    assert (elsewhere.total, failed.total) == (0, 0)


def test_given_pushes_and_offer_reads_when_a_sku_is_read_then_its_state_says_how_it_stands(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    clock = shop.clock
    assert isinstance(clock, ManualClock)
    with inventory(shop) as stock:
        stock.set_on_hand(sku(0), "PARIS", 8, "count")  # pushed below: in step
        stock.set_on_hand(sku(1), "PARIS", 3, "count")  # waiting, just now: sending
    shop.runner().run(CONNECTION, "stock")
    with inventory(shop) as stock:
        stock.set_on_hand(sku(1), "PARIS", 4, "count")
        stock.set_on_hand(sku(2), "PARIS", 5, "count")  # waiting too long: stale
    with shop.database.session() as session:
        entry = session.scalars(
            select(OutboxEntry).where(OutboxEntry.key == sku(2)).order_by(OutboxEntry.id.desc())
        ).first()
        assert entry is not None
        entry.created_at -= timedelta(minutes=10)

    with shop.database.reading() as session:
        states = {
            index: get_stock(session, sku(index), clock.now()).connections[0] for index in range(3)
        }

    assert states[0].state == IN_STEP
    assert (states[0].cdiscount_quantity, states[0].available) == (8, 8)
    assert states[0].push_outcome == "confirmed"
    assert states[1].state == SENDING
    assert states[2].state == STALE
    assert states[2].waiting_since is not None


def test_given_an_offer_import_newer_than_the_push_when_read_then_cdiscount_shows_its_quantity(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    shop.registry.register(OfferImport)
    with shop.database.session() as session:
        session.get_one(Connection, CONNECTION).stock_sync_enabled = False  # no correction
    sandbox.set_offer_quantity(sku(4), 9)
    shop.clock.advance(60)  # type: ignore[attr-defined]

    report = shop.runner().run(CONNECTION, "offers")

    assert report.outcome == "succeeded", report.message
    with shop.database.reading() as session:
        read = session.get_one(MarketplaceQuantity, (CONNECTION, sku(4)))
        cell = get_stock(session, sku(4), shop.clock.now()).connections[0]
        unknown = get_stock(session, sku(5), shop.clock.now()).connections[0]
    assert read.quantity == 9
    assert (cell.cdiscount_quantity, cell.state) == (9, "off")
    assert unknown.cdiscount_quantity == 0  # read as 0 from the offers, pushed as 0 before


def test_given_a_refused_push_when_read_then_the_sku_is_failed_with_the_reason(
    shop: JobEnvironment,
) -> None:
    with shop.database.session() as session:  # as the pusher records Cdiscount's refusal
        row = session.get_one(StockPushStatus, (CONNECTION, sku(6)))
        row.outcome, row.reason = "refused", "Rejected: OfferNotFound"

    with shop.database.reading() as session:
        cell = get_stock(session, sku(6), shop.clock.now()).connections[0]
        failed = list_stock(session, StockFilter(failed_only=True), shop.clock.now())

    assert (cell.state, cell.push_reason) == (FAILED, "Rejected: OfferNotFound")
    assert [row.sku for row in failed.rows] == [sku(6)]


def test_given_a_product_without_stock_when_read_then_it_is_unmanaged_until_counted(
    shop: JobEnvironment,
) -> None:
    with shop.database.session() as session:
        add_product(session, shop.clock, "NEW-SKU", title="New")
    with shop.database.reading() as session:
        untouched = get_stock(session, "NEW-SKU", shop.clock.now()).connections[0]
    with shop.database.session() as session:  # counted while stock sync was off: nothing sent
        session.get_one(Connection, CONNECTION).stock_sync_enabled = False
    with inventory(shop) as stock:
        stock.set_on_hand("NEW-SKU", "PARIS", 2, "count")
    with shop.database.session() as session:
        session.get_one(Connection, CONNECTION).stock_sync_enabled = True

    with shop.database.reading() as session:
        counted = get_stock(session, "NEW-SKU", shop.clock.now()).connections[0]

    assert untouched.state == UNMANAGED
    assert (counted.state, counted.cdiscount_quantity, counted.available) == (UNKNOWN, None, 2)


def test_given_warehouses_when_managed_then_one_with_stock_is_never_deleted(
    shop: JobEnvironment,
) -> None:
    with shop.database.session() as session:
        warehouses.create_warehouse(session, shop.clock, "LILLE", " Lille ")
        with pytest.raises(warehouses.WarehouseExistsError):
            warehouses.create_warehouse(session, shop.clock, "LILLE", "Again")
        with pytest.raises(warehouses.InvalidWarehouseError):
            warehouses.create_warehouse(session, shop.clock, "A B", "Spaces")
        warehouses.rename_warehouse(session, "LILLE", "Entrepôt Lille", now=shop.clock.now())
    with inventory(shop) as stock:
        stock.set_on_hand(sku(0), "LILLE", 3, "count")
    with (
        shop.database.session() as session,
        pytest.raises(warehouses.WarehouseInUseError) as refused,
    ):
        warehouses.delete_warehouse(session, "LILLE")
    assert (refused.value.units, refused.value.skus) == (3, 1)
    with inventory(shop) as stock:
        stock.set_on_hand(sku(0), "LILLE", 0, "count")
    with shop.database.session() as session:
        warehouses.delete_warehouse(session, "LILLE")

    with shop.database.reading() as session:
        listed = warehouses.list_warehouses(session)
    assert [(item.code, item.connection_ids) for item in listed] == [
        ("LYON", [CONNECTION]),
        ("PARIS", [CONNECTION]),
    ]


def test_given_a_mapped_warehouse_when_unmapped_then_its_stock_is_no_longer_sold(
    shop: JobEnvironment,
) -> None:
    with inventory(shop) as stock:
        stock.set_on_hand(sku(0), "LYON", 4, "count")
        stock.set_on_hand(sku(0), "PARIS", 6, "count")
    with inventory(shop) as stock:
        stock.unmap_warehouse("LYON", CONNECTION)
        stock.unmap_warehouse("LYON", CONNECTION)  # twice: nothing more

    with shop.database.reading() as session:
        latest = session.scalars(
            select(OutboxEntry.payload).where(OutboxEntry.key == sku(0)).order_by(OutboxEntry.id)
        ).all()
        cell = get_stock(session, sku(0), shop.clock.now()).connections[0]
    assert latest[-1] == {"quantity": 6}
    assert cell.available == 6


def test_given_buffers_when_removed_then_the_product_falls_back_to_the_connections(
    shop: JobEnvironment,
) -> None:
    with inventory(shop) as stock:
        stock.set_on_hand(sku(0), "PARIS", 10, "count")
        stock.set_buffer(CONNECTION, 2)
        stock.set_buffer(CONNECTION, 5, sku(0))
    with shop.database.reading() as session:
        listed = [(item.sku, item.quantity) for item in list_buffers(session)]
    with inventory(shop) as stock:
        stock.clear_buffer(CONNECTION, sku(0))
        assert stock.available(CONNECTION, stock.product(sku(0))) == 8
        stock.clear_buffer(CONNECTION)
        assert stock.available(CONNECTION, stock.product(sku(0))) == 10

    assert listed == [(None, 2), (sku(0), 5)]


def test_given_an_idempotency_key_when_recalled_then_the_first_answer_comes_back_once(
    shop: JobEnvironment,
) -> None:
    now = shop.clock.now()
    with shop.database.session() as session:
        user = User(email="erp@boutique.fr", password_hash="x", is_admin=False, created_at=now)
        session.add(user)
        session.flush()
        user_id = user.id
        answer = idempotency.Remembered(200, {"on_hand": 3})
        assert idempotency.recall(session, user_id, "k-1", "hash-a", now) is None
        idempotency.remember(session, user_id, "k-1", "hash-a", answer=answer, now=now)

    with shop.database.session() as session:
        assert idempotency.recall(session, user_id, "k-1", "hash-a", now) == answer
        with pytest.raises(idempotency.IdempotencyKeyReusedError):
            idempotency.recall(session, user_id, "k-1", "hash-b", now)
    # A racing request with the same key: its insert collides, its transaction rolls back.
    with pytest.raises(idempotency.IdempotencyInProgressError), shop.database.session() as session:
        idempotency.remember(session, user_id, "k-1", "hash-a", answer=answer, now=now)
    later = now + idempotency.KEEP_FOR + timedelta(seconds=1)
    with shop.database.session() as session:
        assert idempotency.recall(session, user_id, "k-1", "hash-b", later) is None
        idempotency.remember(session, user_id, "k-1", "hash-b", answer=answer, now=later)
        count = session.scalar(select(func.count()).select_from(IdempotencyKey))
    assert count == 1
