"""The customers list and a customer's page: read from ``customers``, which triggers on
``orders`` keep (``cdlink.store.models.figures``), so the list pages through customers instead of
grouping every order.

A customer is one (account, key) pair; the key is the marketplace's customer reference, else the
e-mail address, else the name, as the orders carry them. ``orders`` counts every order,
``revenue`` only those neither refused nor cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, tuple_, union
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.store import search as text_search
from cdlink.store.models import Connection, Customer, Discussion, Order

SEARCH_LIMIT = 200
ORDERS_SHOWN = 100


class UnknownCustomerError(CdlinkError):
    """No customer has this id."""

    default_hint = "Check the customer id; the customers list shows every customer."


@dataclass(frozen=True)
class CustomerLine:
    id: int
    connection_id: int
    account: str
    key: str
    name: str | None
    email: str | None
    orders: int
    revenue: Decimal
    currency: str
    first_order_at: datetime | None
    last_order_at: datetime | None
    #: The latest change of one of their orders (what the figures follow); None: not asked.
    updated_at: datetime | None = None


@dataclass(frozen=True)
class CustomerPage:
    customers: tuple[CustomerLine, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class CustomerFile:
    """A customer with their orders (newest first) and their discussions."""

    customer: CustomerLine
    orders: tuple[Order, ...]
    discussions: tuple[Discussion, ...]


def _lines() -> Select[Customer, str]:
    return select(Customer, Connection.name).join(
        Connection, Connection.id == Customer.connection_id
    )


def _line(customer: Customer, account: str) -> CustomerLine:
    return CustomerLine(
        id=customer.id,
        connection_id=customer.connection_id,
        account=account,
        key=customer.key,
        name=customer.name,
        email=customer.email,
        orders=customer.orders,
        revenue=(Decimal(customer.revenue_cents) / 100).quantize(Decimal("0.01")),
        currency=customer.currency,
        first_order_at=customer.first_order_at,
        last_order_at=customer.last_order_at,
    )


def list_customers(
    session: Session,
    *,
    search: str | None = None,
    connection_id: int | None = None,
    page: int = 1,
    page_size: int = 50,
    updated_since: datetime | None = None,
) -> CustomerPage:
    """Customers, the most recent buyer first; ``search`` matches the name, e-mail or key
    (case-insensitive, anywhere in them). A customer's figures follow their orders, so
    ``updated_since`` keeps those with an order changed at or after it (read on
    ``ix_orders_updated``), and each line carries the latest change of its orders."""
    conditions = []
    if connection_id is not None:
        conditions.append(Customer.connection_id == connection_id)
    if updated_since is not None:
        changed = select(Order.connection_id, _key()).where(Order.updated_at >= updated_since)
        conditions.append(tuple_(Customer.connection_id, Customer.key).in_(changed))
    found = text_search.matching(session, text_search.CUSTOMERS, search)
    if found is not None:
        conditions.append(found)
    total = int(session.scalar(select(func.count()).select_from(Customer).where(*conditions)) or 0)
    rows = session.execute(
        _lines()
        .where(*conditions)
        .order_by(Customer.last_order_at.desc().nulls_last(), Customer.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    changes = _changes(session, [customer for customer, _ in rows])
    lines = (
        replace(_line(customer, account), updated_at=changes.get(customer.id))
        for customer, account in rows
    )
    return CustomerPage(tuple(lines), total, page, page_size)


def _key() -> ColumnElement[str]:
    """An order's customer key, as the triggers that keep ``customers`` compute it."""
    return func.coalesce(Order.customer_reference, Order.customer_email, Order.customer_name)


def _changes(session: Session, customers: list[Customer]) -> dict[int, datetime]:
    """Per customer id, the latest ``updated_at`` of their orders."""
    if not customers:
        return {}
    by_key = {(customer.connection_id, customer.key): customer.id for customer in customers}
    query = (
        select(Order.connection_id, _key(), func.max(Order.updated_at))
        .where(
            Order.connection_id.in_({customer.connection_id for customer in customers}),
            or_(
                Order.customer_reference.in_([customer.key for customer in customers]),
                and_(
                    Order.customer_reference.is_(None),
                    func.coalesce(Order.customer_email, Order.customer_name).in_(
                        [customer.key for customer in customers]
                    ),
                ),
            ),
        )
        .group_by(Order.connection_id, _key())
    )
    found: dict[int, datetime] = {}
    for connection_id, key, moment in session.execute(query):
        customer_id = by_key.get((connection_id, key))
        if customer_id is not None and moment is not None:
            found[customer_id] = moment
    return found


def get_customer(session: Session, customer_id: int) -> CustomerLine:
    row = session.execute(_lines().where(Customer.id == customer_id)).one_or_none()
    if row is None:
        raise UnknownCustomerError(f"no customer with id {customer_id}")
    return _line(row[0], row[1])


def customer_file(session: Session, customer_id: int) -> CustomerFile:
    """The customer, their newest orders (at most ``ORDERS_SHOWN``) and their discussions: those
    about one of their orders, or naming them as the customer."""
    customer = get_customer(session, customer_id)
    # Two lookups on ``ix_orders_customer`` rather than one coalesce() no index can serve:
    # by reference, then among the orders without one, by e-mail address or name.
    mine = union(
        select(Order.id).where(
            Order.connection_id == customer.connection_id,
            Order.customer_reference == customer.key,
        ),
        select(Order.id).where(
            Order.connection_id == customer.connection_id,
            Order.customer_reference.is_(None),
            func.coalesce(Order.customer_email, Order.customer_name) == customer.key,
        ),
    ).subquery()
    orders = tuple(
        session.scalars(
            select(Order)
            .where(Order.id.in_(select(mine.c.id)))
            .order_by(Order.purchased_at.desc(), Order.id.desc())
            .limit(ORDERS_SHOWN)
        )
    )
    numbers = [order.marketplace_order_id for order in orders]
    discussions = tuple(
        session.scalars(
            select(Discussion)
            .where(
                Discussion.connection_id == customer.connection_id,
                or_(
                    Discussion.marketplace_order_id.in_(numbers),
                    Discussion.customer_id == customer.key,
                ),
            )
            .order_by(Discussion.marketplace_updated_at.desc())
        )
    )
    return CustomerFile(customer, orders, discussions)
