"""Indexed text search (``cdlink.store.search``) answers exactly what the plain scan answers.

Varied rows (accents, case, punctuation, LIKE's own wildcards, e-mail addresses, order numbers)
and varied texts (1 or 2 characters, substrings in another case, texts no row holds), on SQLite and
PostgreSQL: the ids the indexed condition selects equal those of ``lower(column) LIKE '%text%'``
over every row. Then: the indexes follow inserts, updates and deletions in the same
transaction, and rows stored before the migration are indexed by it.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, MetaData, Table, inspect, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from cdlink.core.clock import ManualClock
from cdlink.hub.customer_service import queries as discussions
from cdlink.hub.customers.queries import list_customers
from cdlink.hub.orders.queries import SORTS, OrderFilter, list_orders
from cdlink.store import migrate, search
from cdlink.store.base import Base
from cdlink.store.engine import Database
from cdlink.store.models import Discussion, Order, Product
from tests.support.connections import add_connection

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
STATUSES = ("Shipped", "Delivered", "Shipped", "Cancelled")
NAMES = [
    "Élodie Martin",
    "ELODIE MARTIN",
    "élodie martin",
    "Zoë O'Brien",
    "José García-Pérez",
    "Ça Va SARL",
    "Jean_Paul 100%",
    "back\\slash & co",
    "Ünal Straße",
    '"Quoted" Name',
    "李小龙",
    "  spaced   out  ",
]
EMAILS = [
    "jean.dupont+promo@gmail.com",
    "JEAN.DUPONT@GMAIL.COM",
    "a_b%c@exemple.fr",
    "élodie@exemple.fr",
    None,
]
ALPHABET = "abcXYZéÉàÀçÇöÖßø0123456789 .-_%'\"@+\\/()"
TEXTS = [
    "a",
    "É",
    "é",
    "el",
    "ÉL",
    "elo",
    "ÉLODIE",
    "élodie",
    "martin",
    "o'b",
    "garcía",
    "straße",
    "_",
    "%",
    "100%",
    "jean_p",
    "n_p",
    "\\",
    "k\\s",
    '"quoted"',
    "小龙",
    "@gmail.com",
    "dupont+promo",
    "@exemple.fr",
    "a_b%c",
    "axb",
    "B0000",
    "b00000000",
    "r0000000012",
    "2601",
    "  MARTIN  ",
    "zzz-nothing",
    # FTS5 query syntax, taken literally
    'a"""b',
    "***",
    "martin OR dupont",
    "NEAR(a b)",
    "^jean",
    "\U0001f600abc",
]


def random_text(generator: random.Random, shortest: int, longest: int) -> str:
    size = generator.randint(shortest, longest)
    return "".join(generator.choice(ALPHABET) for _ in range(size))


def order_values(generator: random.Random, index: int) -> dict[str, str | None]:
    name = NAMES[index % len(NAMES)] if index < 60 else random_text(generator, 0, 14)
    email = EMAILS[index % len(EMAILS)] if index < 60 else random_text(generator, 5, 20)
    return {
        "marketplace_order_id": f"2601{index:04d}B{index:05d}" if index % 2 else f"B{index:010d}",
        "reference": f"R{index:010d}" if index % 3 else None,
        "customer_name": name,
        "customer_email": email,
    }


def insert_as_stored(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` through the model's columns that the database has at its current revision.

    The migration test fills an older schema, so a column added since (with its default) is left
    out rather than named in an INSERT the table cannot take.
    """
    mapped: Table = model.__table__  # type: ignore[assignment]
    stored = {column["name"] for column in inspect(session.connection()).get_columns(mapped.name)}
    table = Table(
        mapped.name,
        MetaData(),
        *(column._copy() for column in mapped.columns if column.name in stored),
    )
    session.execute(table.insert(), [{k: v for k, v in row.items() if k in stored} for row in rows])


def add_orders(database: Database, count: int, seed: int = 22) -> None:
    generator = random.Random(seed)
    connection_id = add_connection(database, ManualClock(NOW))
    orders: list[dict[str, Any]] = []
    discussions: list[dict[str, Any]] = []
    products: list[dict[str, Any]] = []
    for index in range(count):
        # Purchases a few minutes apart, some at the same moment and some unknown, so the
        # lists' orders and their ties matter.
        purchased = None if index % 17 == 5 else NOW - timedelta(minutes=index * 7 % 50)
        orders.append(
            {
                "connection_id": connection_id,
                "status": STATUSES[index % len(STATUSES)],
                "marketplace_updated_at": NOW,
                "purchased_at": purchased,
                "currency": "EUR",
                "total_amount": Decimal("10.00"),
                "service_fees_amount": Decimal(0),
                "imported_at": NOW,
                "updated_at": NOW - timedelta(minutes=index % 11),
                **order_values(generator, index),
            }
        )
    for index in range(40):
        discussions.append(
            {
                "connection_id": connection_id,
                "marketplace_discussion_id": f"D-{index:06d}",
                "marketplace_order_id": f"B{index:010d}" if index % 3 else None,
                "subject": random_text(generator, 0, 20) if index % 2 else NAMES[index % 12],
                "customer_id": EMAILS[index % len(EMAILS)],
                "marketplace_updated_at": NOW,
                "imported_at": NOW,
                "updated_at": NOW,
            }
        )
        title = random_text(generator, 3, 30) if index % 2 else NAMES[index % len(NAMES)]
        products.append(
            {
                "sku": f"SKU-{index:03d}_{'É' if index % 4 == 0 else 'x'}",
                "title": title,
                "ean": f"{3_000_000_000_000 + index}" if index % 5 else None,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    with database.session() as session:
        insert_as_stored(session, Order, orders)
        insert_as_stored(session, Discussion, discussions)
        insert_as_stored(session, Product, products)


def texts_for(database: Database, generator: random.Random) -> list[str]:
    """The fixed texts, pieces of stored values (some in another case) and random texts."""
    with database.reading() as session:
        values = [
            value
            for row in session.execute(select(*search.ORDERS.columns))
            for value in row
            if value
        ]
    pieces = []
    for value in generator.sample(values, 60):
        start = generator.randint(0, max(len(value) - 1, 0))
        piece = value[start : start + generator.randint(1, 8)]
        pieces.append(piece.swapcase() if generator.random() < 0.3 else piece)
    return TEXTS + pieces + [random_text(generator, 1, 5) for _ in range(30)]


def ids(session: Session, index: search.SearchIndex, condition: ColumnElement[bool]) -> set[int]:
    return set(session.scalars(select(index.key).where(condition)))


def assert_same_as_scan(database: Database, index: search.SearchIndex, texts: list[str]) -> None:
    with database.reading() as session:
        for text in texts:
            scanned = ids(session, index, search.scan(index.columns, text))
            for limit in (search.CANDIDATES, 3):
                found = search.lookup(session, index, text, limit=limit)
                assert found is not None
                assert ids(session, index, found.condition) == scanned, (text, limit)
                counted = found.apply(select(index.key), counting=True)
                assert set(session.scalars(counted)) == scanned, (text, limit)
                listed = search.lookup(session, index, text, limit=limit, among=select(index.key))
                assert listed is not None
                assert listed.complete
                expected = sorted(scanned) if len(scanned) <= limit else None
                assert (None if listed.ids is None else sorted(listed.ids)) == expected, text


def test_given_varied_orders_when_searched_through_the_index_then_the_rows_are_the_scans(
    database: Database,
) -> None:
    add_orders(database, 240)

    texts = texts_for(database, random.Random(7))

    assert_same_as_scan(database, search.ORDERS, texts)
    assert_same_as_scan(database, search.CUSTOMERS, texts)
    assert_same_as_scan(database, search.PRODUCTS, [*texts, "3000000000001", "sku-00", "_é"])
    assert_same_as_scan(database, search.DISCUSSIONS, [*texts, "d-0000", "D-000012"])


def test_given_varied_orders_when_the_lists_search_then_they_find_what_the_scan_finds(
    database: Database,
) -> None:
    add_orders(database, 120)

    with database.reading() as session:
        for text in ("martin", "a_b%c", "B00000001", "ÉLODIE", "el", "zzz-nothing", "gmail"):
            listed = list_orders(session, OrderFilter(text=text), page_size=200)
            scanned = ids(session, search.ORDERS, search.scan(search.ORDERS.columns, text))
            assert {order.id for order in listed.orders} == scanned
            assert listed.total == len(scanned)
            inbox = discussions.InboxFilter(view="all", text=text)
            found = discussions.inbox(session, inbox, NOW, limit=200)
            assert {item.id for item in found} == ids(
                session, search.DISCUSSIONS, search.scan(search.DISCUSSIONS.columns, text)
            )
            assert discussions.total(session, inbox, NOW) == len(found)
            customers = list_customers(session, search=text, page_size=200)
            assert customers.total == len(
                ids(session, search.CUSTOMERS, search.scan(search.CUSTOMERS.columns, text))
            )


def test_given_filters_and_a_text_when_listed_among_them_then_the_ids_are_the_filtered_scans(
    database: Database,
) -> None:
    add_orders(database, 240)
    among = select(Order.id).where(Order.status == "Delivered")

    with database.reading() as session:
        for text in [text for text in texts_for(database, random.Random(11)) if text.strip()]:
            condition = search.scan(search.ORDERS.columns, text)
            scanned = set(session.scalars(among.where(condition)))
            # The filtered rows scanned (few of them), or the index read (more than 0).
            for limit, filtered_scan in itertools.product((search.CANDIDATES, 3), (10_000, 0)):
                found = search.lookup(
                    session,
                    search.ORDERS,
                    text,
                    limit=limit,
                    among=among,
                    filtered_scan=filtered_scan,
                )
                assert found is not None
                expected = scanned if len(scanned) <= limit else None
                assert (None if found.ids is None else set(found.ids)) == expected, (text, limit)
                assert ids(session, search.ORDERS, found.condition) >= scanned


def test_given_varied_orders_when_a_page_is_searched_then_it_is_the_scans_page_and_count(
    database: Database,
) -> None:
    add_orders(database, 120)
    texts = ("martin", "el", "B0000", "a_b%c", "2601", "e", "@", "zzz-nothing", "ÉLODIE")
    size = 4

    with database.reading() as session:
        for text, sort, count_limit, page in itertools.product(
            texts, ("-purchased_at", "updated_at", "id"), (None, 3, 10_000), (1, 2, 40)
        ):
            for order_filter in (
                OrderFilter(text=text),
                OrderFilter(text=text, statuses=("Shipped", "Cancelled")),
                OrderFilter(text=text, purchased_from=NOW - timedelta(minutes=20)),
            ):
                condition = search.scan(search.ORDERS.columns, text)
                query = order_filter.apply(select(Order.id)).where(condition)
                scanned = list(session.scalars(query.order_by(*SORTS[sort])))
                found = list_orders(
                    session,
                    order_filter,
                    page=page,
                    page_size=size,
                    count_limit=count_limit,
                    sort=sort,
                )
                case = (text, sort, count_limit, page, order_filter)
                assert [order.id for order in found.orders] == scanned[
                    (page - 1) * size : page * size
                ], case
                assert found.has_next == (len(scanned) > page * size), case
                last = not found.has_next and (found.orders or page == 1)
                capped = count_limit is not None and len(scanned) > count_limit and not last
                expected = (count_limit, False) if capped else (len(scanned), True)
                assert (found.total, found.exact) == expected, case


def test_given_a_search_repeated_past_the_prepare_threshold_when_listed_then_each_is_planned_anew(
    database: Database,
) -> None:
    add_orders(database, 60)

    for _ in range(12):  # psycopg prepares after 5 runs; PostgreSQL goes generic 5 runs later
        with database.reading() as session:
            listed = list_orders(session, OrderFilter(text="martin"), page_size=200)
            scanned = ids(session, search.ORDERS, search.scan(search.ORDERS.columns, "martin"))
            assert {order.id for order in listed.orders} == scanned
            if session.get_bind().dialect.name == "postgresql":
                # A generic plan ignores the LIMIT and scans the table (cdlink.store.search).
                mode = session.scalar(sql("SHOW plan_cache_mode"))
                assert mode == "force_custom_plan"


def test_given_like_wildcards_in_the_text_when_searched_then_they_match_only_themselves(
    database: Database,
) -> None:
    add_orders(database, 60)

    with database.reading() as session:
        found = list_orders(session, OrderFilter(text="a_b%c@"), page_size=200).orders
        underscore = list_orders(session, OrderFilter(text="n_p"), page_size=200).orders
        if session.get_bind().dialect.name == "sqlite":  # PostgreSQL refuses NUL (a 400)
            nul = list_orders(session, OrderFilter(text="\x00abc"), page_size=200).orders
            scanned = ids(session, search.ORDERS, search.scan(search.ORDERS.columns, "\x00abc"))
            assert {order.id for order in nul} == scanned

    assert {order.customer_email for order in found} == {"a_b%c@exemple.fr"}
    assert {order.customer_name for order in underscore} == {"Jean_Paul 100%"}


def test_given_orders_changed_and_deleted_when_searched_then_the_index_follows_them(
    database: Database,
) -> None:
    add_orders(database, 30)
    with database.session() as session:
        renamed = session.scalars(select(Order).order_by(Order.id)).first()
        assert renamed is not None
        renamed.customer_name = "Maëlys Quintessence"
        renamed.status = "Delivered"
        gone = session.scalars(select(Order).where(Order.customer_name == "Zoë O'Brien")).all()
        for order in gone:
            session.delete(order)

    with database.reading() as session:
        assert [order.id for order in find(session, "quintessence")] == [renamed.id]
        assert find(session, "zoë o'b") == []
        assert renamed.id not in {order.id for order in find(session, NAMES[0])}  # its former
        if session.get_bind().dialect.name == "sqlite":
            assert search.candidates(session, search.ORDERS, "quintessence") == [renamed.id]


def find(session: Session, text: str) -> list[Order]:
    return list_orders(session, OrderFilter(text=text), page_size=200).orders


def test_given_orders_stored_before_the_migration_when_upgraded_then_they_are_found(
    database: Database,
) -> None:
    migrate.downgrade(database, "0020_catalog_settings")
    add_orders(database, 20)

    migrate.upgrade(database)

    with database.reading() as session:
        found = find(session, "jean.dupont")
        assert len(found) == 8  # two e-mail spellings, each on every fifth of the first 20
        if session.get_bind().dialect.name == "sqlite":
            listed = search.candidates(session, search.ORDERS, "jean.dupont")
            assert sorted(listed or []) == sorted(order.id for order in found)
        assert_same_as_scan(database, search.ORDERS, TEXTS)
