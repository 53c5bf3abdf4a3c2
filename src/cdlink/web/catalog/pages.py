"""The Products page: the catalog (SKU, EAN, title, price) and each product's offer on Cdiscount,
searched and paged in SQL."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cdlink.hub.catalog.queries import count_products, list_products
from cdlink.hub.connections.accounts import list_connections
from cdlink.web.params import Page
from cdlink.web.placeholders import coming_page
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/products")
def products_page(request: Request, q: str = "", page: Page = 1) -> Response:
    with request.app.state.database.reading() as session:
        if count_products(session) == 0:
            return coming_page(request, "products")
        found = list_products(session, q or None, page=page, page_size=PAGE_SIZE)
        connections = {item.id: item.name for item in list_connections(session)}
    values = {
        "found": found,
        "q": q,
        "query": urlencode({"q": q} if q else {}),
        "connections": connections,
    }
    return render(request, "catalog/list.html", values)
