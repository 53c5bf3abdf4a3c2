"""Text search in the lists: a text found anywhere in a few columns, served by an index.

What matches is fixed by one plain condition, the scan: ``lower(column) LIKE '%text%'`` on any
searched column, the text lowered and taken literally (``%``, ``_`` and ``\\`` match themselves).
The indexes only choose which rows are looked at; the scan's condition is always applied to
them, so a search answers the same rows with or without its index.

- PostgreSQL: GIN trigram indexes (``pg_trgm``) on ``lower(column)``, the very expression of the
  scan. A text of 3 characters or more is first looked up without the list's order (the
  planner reads the indexes for a rare text, the table for a common one) and the list reads
  only the rows found; a text more rows hold than the lookup's limit is found a page at a time
  in the list's own order. Shorter texts have no trigram and are scanned. Every statement of a
  search is planned for its own values (``plan_each_statement``), never with a generic plan.
- SQLite: an FTS5 ``trigram`` table per list (migration ``0022_search``). Its case folding is
  wider than SQLite's ``lower()`` (Unicode against ASCII), so the rows it finds hold every row
  the scan matches; the scan then drops the extra ones. A text of 3 characters or more is first
  looked up there, the same way; shorter texts have no trigram and are scanned.

A list that shows a count (the orders list) looks the text up among the rows its other filters
select, up to its count limit (``lookup``'s ``among``, ``listed``): the rows found are then its
rows, and their number its count, in one statement; a text more rows hold is frequent enough
for the list's order to find a page at once, and the count is the limit itself.

The index tables and indexes are created by the migrations, not by the models:
``is_search_object`` tells Alembic's comparison to leave them alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    column,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import InstrumentedAttribute, Session

from cdlink.store.models import Customer, Discussion, Order, Product

if TYPE_CHECKING:
    from alembic.runtime.environment import NameFilterParentNames, NameFilterType

# A trigram index finds nothing shorter than a trigram.
MINIMUM_LENGTH = 3
# Above this many rows holding the text, the SQLite search scans instead of listing them.
CANDIDATES = 5_000
# SQLite: when a list's other filters leave at most this many rows, they are scanned for the
# text rather than the index read (its planner cannot weigh an FTS5 match against them).
FILTERED_SCAN = 20_000
ESCAPE = "\\"


@dataclass(frozen=True)
class SearchIndex:
    """The searched columns of one table, and the id its index is keyed by."""

    table: str
    key: InstrumentedAttribute[int]
    columns: tuple[InstrumentedAttribute[Any], ...]

    @property
    def fts_table(self) -> str:
        return f"{self.table}_search"


ORDERS = SearchIndex(
    "orders",
    Order.id,
    (Order.marketplace_order_id, Order.reference, Order.customer_name, Order.customer_email),
)
CUSTOMERS = SearchIndex("customers", Customer.id, (Customer.name, Customer.email, Customer.key))
PRODUCTS = SearchIndex("products", Product.id, (Product.sku, Product.title, Product.ean))
DISCUSSIONS = SearchIndex(
    "discussions",
    Discussion.id,
    (
        Discussion.marketplace_discussion_id,
        Discussion.marketplace_order_id,
        Discussion.subject,
        Discussion.customer_id,
    ),
)
INDEXES = (ORDERS, CUSTOMERS, PRODUCTS, DISCUSSIONS)


def needle(text: str | None) -> str:
    """What is looked for: the text trimmed and lowered ("" matches every row)."""
    return (text or "").strip().lower()


def like_pattern(text: str) -> str:
    """``%text%`` with the text's own ``%``, ``_`` and ``\\`` taken literally."""
    escaped = text.replace(ESCAPE, ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def scan(columns: Sequence[InstrumentedAttribute[Any]], text: str) -> ColumnElement[bool]:
    """The plain condition: ``lower(column) LIKE '%text%'`` on any of ``columns``."""
    pattern = like_pattern(needle(text))
    # Written into the statement, so PostgreSQL plans each text for itself: the generic plan of
    # a prepared statement (psycopg prepares one after a few runs) would read the trigram
    # indexes even for a text without a trigram, all of them. A NUL stays a parameter: the
    # database refuses it, as before.
    value = bindparam(None, pattern, String(), literal_execute="\x00" not in pattern)
    return or_(*(func.lower(column).like(value, escape=ESCAPE) for column in columns))


@dataclass(frozen=True)
class Lookup:
    """One text looked for in one index: how to narrow a query of the index's table to it."""

    index: SearchIndex
    text: str
    # The rows holding the text when there are few (None: many, or a text shorter than a
    # trigram, which no index serves).
    ids: list[int] | None
    # SQLite and a text of a trigram or more: the index can drive a count.
    indexed: bool
    # The ids are exactly the rows of the list (``lookup``'s ``among``) holding the text,
    # checked by the scan: their number is the list's count.
    complete: bool = False

    @property
    def condition(self) -> ColumnElement[bool]:
        """The rows holding the text: the scan, narrowed to the listed ids when there are."""
        scanned = scan(self.index.columns, self.text)
        if self.ids is None:
            return scanned
        if not self.ids:
            return false()
        return and_(self.index.key.in_(self.ids), scanned)

    def apply(self, query: Select[Any], *, counting: bool = False) -> Select[Any]:
        """``query`` narrowed to the rows holding the text. ``counting``: the query counts
        (with a limit) rather than reads a page, so when the SQLite index holds many rows it
        drives the query (its rows one by one, each checked), instead of the list's order."""
        if counting and self.indexed and self.ids is None:
            fts = table(self.index.fts_table, column("rowid"))
            query = query.join(fts, fts.c.rowid == self.index.key).where(
                literal_column(self.index.fts_table).op("MATCH")(phrase(self.text))
            )
        return query.where(self.condition)


def lookup(
    session: Session,
    index: SearchIndex,
    text: str | None,
    *,
    limit: int = CANDIDATES,
    among: Select[tuple[int]] | None = None,
    filtered_scan: int = FILTERED_SCAN,
) -> Lookup | None:
    """How to find ``text`` in ``index``; None for no text. ``limit``: the most rows listed
    before the search reads the list's own order instead.

    ``among``: the keys of the rows the list shows (its other filters). The rows listed are
    then exactly those of ``among`` holding the text (``Lookup.complete``), so a list of up to
    ``limit`` rows knows its count without counting, and one of more knows it holds more.
    ``filtered_scan``: see ``listed``.
    """
    wanted = needle(text)
    if not wanted:
        return None
    sqlite = session.get_bind().dialect.name == "sqlite"
    if not sqlite:
        plan_each_statement(session)
    # FTS5 reads its query up to a NUL character (and then finds it unterminated).
    indexed = sqlite and len(wanted) >= MINIMUM_LENGTH and "\x00" not in wanted
    if among is not None:
        found = Lookup(index, wanted, None, indexed=indexed)
        keys = listed(session, found, among, limit, filtered_scan)
        return Lookup(index, wanted, keys, indexed, complete=True)
    if len(wanted) < MINIMUM_LENGTH or "\x00" in wanted:
        return Lookup(index, wanted, None, indexed=False)
    if sqlite:
        return Lookup(index, wanted, candidates(session, index, wanted, limit), indexed=True)
    return Lookup(index, wanted, holding(session, index, wanted, limit), indexed=False)


def listed(
    session: Session,
    found: Lookup,
    among: Select[tuple[int]],
    limit: int,
    filtered_scan: int = FILTERED_SCAN,
) -> list[int] | None:
    """The keys of ``among``'s rows holding ``found.text``, None when more than ``limit`` do.

    One statement, without the list's order, that stops at ``limit + 1`` rows: on SQLite the
    FTS5 table drives it (its rows one by one, each checked by the scan); on PostgreSQL the
    planner reads the trigram indexes for a rare text and the table for a common one. A text
    shorter than a trigram is scanned.

    On SQLite, when ``among`` filters its rows and leaves at most ``filtered_scan`` of them
    (counted through their own index, up to that bound), those are scanned instead: a text
    most rows hold, searched among a few (the orders waiting for acceptance), would otherwise
    walk the whole index to find them.
    """
    query = found.apply(among, counting=True)
    if found.indexed and among.whereclause is not None and _within(session, among, filtered_scan):
        query = among.where(found.condition)
    keys = [int(row) for row in session.scalars(query.limit(limit + 1))]
    return None if len(keys) > limit else keys


def _within(session: Session, query: Select[tuple[int]], bound: int) -> bool:
    """Whether ``query`` selects at most ``bound`` rows (reading no more than ``bound + 1``)."""
    counted = select(func.count()).select_from(query.limit(bound + 1).subquery())
    return int(session.scalar(counted) or 0) <= bound


def plan_each_statement(session: Session) -> None:
    """PostgreSQL: plan every later statement of this transaction for its own values.

    psycopg prepares a statement run five times, and PostgreSQL then switches to a generic plan
    that ignores the values: with the ``LIMIT`` unknown, it expects to stop early and scans the
    table in place of the trigram indexes (a text no order holds: 1.4 s instead of 1 ms at
    1,000,000 orders), and a search's page and count need their own limits and ids as much.
    """
    session.execute(sql("SET LOCAL plan_cache_mode = force_custom_plan"))


def matching(
    session: Session, index: SearchIndex, text: str | None, *, limit: int = CANDIDATES
) -> ColumnElement[bool] | None:
    """The condition selecting the rows of ``index`` that hold ``text``; None for no text."""
    found = lookup(session, index, text, limit=limit)
    return None if found is None else found.condition


def phrase(text: str) -> str:
    """``text`` as one FTS5 string: every character literal, the trigrams in a row."""
    return '"' + text.replace('"', '""') + '"'


def candidates(
    session: Session, index: SearchIndex, text: str, limit: int = CANDIDATES
) -> list[int] | None:
    """SQLite: the ids of the rows whose searched columns hold ``text`` (case folded), from the
    FTS5 trigram table; None when more than ``limit`` do."""
    query: Select[Any] = (
        select(literal_column("rowid"))
        .select_from(table(index.fts_table))
        .where(literal_column(index.fts_table).op("MATCH")(phrase(text)))
        .limit(limit + 1)
    )
    found = [int(row) for row in session.scalars(query)]
    return None if len(found) > limit else found


def holding(session: Session, index: SearchIndex, text: str, limit: int) -> list[int] | None:
    """PostgreSQL: the ids of the rows the scan matches, None when more than ``limit`` do.

    Asked without the list's order, the planner reads the trigram indexes for a rare text and
    the table for a common one (stopping at ``limit``). Asked with it, it may walk the list's
    order expecting a page at once when its estimate of the matching rows is too high (a text
    a few hundred orders hold, estimated at thousands), and read most of the table.
    """
    query = select(index.key).where(scan(index.columns, text)).limit(limit + 1)
    found = [int(row) for row in session.scalars(query)]
    return None if len(found) > limit else found


def is_search_object(name: str | None, type_: str) -> bool:
    """Whether ``name`` is one of the search tables or indexes the migrations keep."""
    if name is None:
        return False
    if type_ == "table":
        return any(name.startswith(index.fts_table) for index in INDEXES)
    if type_ == "index":
        return any(name.startswith(f"ix_{index.table}_search_") for index in INDEXES)
    return False


def include_name(name: str | None, type_: NameFilterType, parents: NameFilterParentNames) -> bool:
    """Alembic's ``include_name`` hook: everything but the search tables and indexes."""
    return not is_search_object(name, type_)
