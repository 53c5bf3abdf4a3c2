"""The customers list (search, account, pages) and a customer's page (orders, discussions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from cdlink.core.i18n import moment_text
from cdlink.hub.customers.queries import customer_file, list_customers
from cdlink.store.models import Connection
from cdlink.web.customer_service.labels import GRADUATIONS, ORDER_STATUSES
from cdlink.web.i18n import request_language
from cdlink.web.params import Id, Page, parse_id
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def _when(request: Request) -> Callable[[datetime | None], str]:
    settings = request.app.state.settings
    language = request_language(request, settings)

    def when(moment: datetime | None) -> str:
        return moment_text(moment, settings.zone, language, seconds=False)

    return when


@router.get("/customers")
def customers_page(request: Request, q: str = "", connection: str = "", page: Page = 1) -> Response:
    connection_id = parse_id(connection) if connection else None
    search = q.strip()[:200]
    with request.app.state.database.reading() as session:
        found = list_customers(
            session, search=search, connection_id=connection_id, page=page, page_size=PAGE_SIZE
        )
        accounts = {
            account.id: account.name
            for account in session.scalars(select(Connection).order_by(Connection.name))
        }
    query = urlencode({"q": search, "connection": connection_id or ""})
    context = {
        "found": found,
        "accounts": accounts,
        "chosen": {"q": search, "connection": connection_id},
        "query": query,
        "when": _when(request),
    }
    return render(request, "customers/list.html", context)


@router.get("/customers/{customer_id}")
def customer_page(request: Request, customer_id: Id) -> Response:
    with request.app.state.database.reading() as session:
        found = customer_file(session, customer_id)
    context = {
        "file": found,
        "customer": found.customer,
        "when": _when(request),
        "statuses": ORDER_STATUSES,
        "graduations": GRADUATIONS,
    }
    return render(request, "customers/detail.html", context)
