"""``/api/v1/customers``: who bought, how often and how much, and one customer's orders and
discussions. A customer is one (account, key) pair, the key being the marketplace's customer
reference, else the e-mail address, else the name; ``revenue`` leaves refused and cancelled
orders out, ``orders`` counts them all.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from cdlink.hub.customers.queries import (
    CustomerFile,
    CustomerLine,
    customer_file,
    list_customers,
)
from cdlink.web.listing import Listing, PagedListOut, Window, example
from cdlink.web.params import Id, QueryId

router = APIRouter(prefix="/customers", tags=["customers"])
#: A customer's figures follow their orders: ``updated_since`` is their orders' last change.
LISTING = Listing(("-last_order_at",), pages=True)


class CustomerOut(BaseModel):
    model_config = example(
        {
            "id": 118,
            "connection_id": 1,
            "account": "Boutique Cdiscount",
            "key": "C057509219",
            "name": "Camille Martin",
            "email": "camille.martin@example.fr",
            "orders": 3,
            "revenue": "142.70",
            "currency": "EUR",
            "first_order_at": "2026-06-14T18:40:00Z",
            "last_order_at": "2026-12-05T08:12:00Z",
            "updated_at": "2026-12-05T08:15:40Z",
        }
    )

    id: int
    connection_id: int
    account: str = Field(description="The account's name.")
    key: str = Field(description="The customer reference, else the e-mail address, else the name.")
    name: str | None
    email: str | None
    orders: int
    revenue: Decimal = Field(description="Orders neither refused nor cancelled.")
    currency: str
    first_order_at: datetime | None
    last_order_at: datetime | None
    updated_at: datetime | None = Field(
        default=None,
        description="The last change of one of their orders in cdlink (in lists; null on one "
        "customer's page).",
    )


class CustomerList(PagedListOut):
    items: list[CustomerOut]
    customers: list[CustomerOut] = Field(description="Deprecated: the same as items.")
    pages: int = Field(description="Deprecated.")


class CustomerOrderOut(BaseModel):
    id: int
    marketplace_order_id: str
    status: str
    purchased_at: datetime | None
    total_amount: Decimal | None
    currency: str


class CustomerDiscussionOut(BaseModel):
    id: int
    marketplace_discussion_id: str
    marketplace_order_id: str | None
    subject: str | None
    is_open: bool
    graduation: str | None
    marketplace_updated_at: datetime


class CustomerDetail(CustomerOut):
    #: Not the list item's example (it would lack this model's fields).
    model_config = ConfigDict(json_schema_extra=None)

    order_list: list[CustomerOrderOut] = Field(description="Newest first, at most 100.")
    discussions: list[CustomerDiscussionOut]


def customer_out(line: CustomerLine) -> CustomerOut:
    return CustomerOut(**line.__dict__)


@router.get("")
def customers(
    request: Request,
    *,
    q: Annotated[
        str | None, Query(max_length=200, description="Part of the name, e-mail or key.")
    ] = None,
    connection_id: QueryId = None,
    window: Annotated[Window, Depends(LISTING)],
) -> CustomerList:
    """Customers, the most recent buyer first."""
    with request.app.state.database.reading() as session:
        found = list_customers(
            session,
            search=q,
            connection_id=connection_id,
            page=window.page,
            page_size=window.limit,
            updated_since=window.updated_since,
        )
    items = [customer_out(line) for line in found.customers]
    return CustomerList(
        items=items,
        customers=items,
        pages=found.pages,
        **window.answer_total(request, found.total, shown=len(items)),
    )


@router.get("/{customer_id}")
def customer(request: Request, customer_id: Id) -> CustomerDetail:
    """One customer, their orders and their discussions; 404 for an unknown id."""
    with request.app.state.database.reading() as session:
        return detail_of(customer_file(session, customer_id))


def detail_of(found: CustomerFile) -> CustomerDetail:
    """The API's (and ``cdlink customers show --json``'s) answer for one customer."""
    return CustomerDetail(
        **found.customer.__dict__,
        order_list=[
            CustomerOrderOut(
                id=order.id,
                marketplace_order_id=order.marketplace_order_id,
                status=order.status,
                purchased_at=order.purchased_at,
                total_amount=order.total_amount,
                currency=order.currency,
            )
            for order in found.orders
        ],
        discussions=[
            CustomerDiscussionOut(
                id=discussion.id,
                marketplace_discussion_id=discussion.marketplace_discussion_id,
                marketplace_order_id=discussion.marketplace_order_id,
                subject=discussion.subject,
                is_open=discussion.is_open,
                graduation=discussion.graduation,
                marketplace_updated_at=discussion.marketplace_updated_at,
            )
            for discussion in found.discussions
        ],
    )
