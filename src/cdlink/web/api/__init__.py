"""The REST API under ``/api/v1``: the same operations as the pages, for other programs.

Authentication is a personal API token sent as ``Authorization: Bearer <token>`` (the access
guard checks it; the ``HTTPBearer`` dependency only documents it in OpenAPI). A logged-in browser
may call it too, with the page's CSRF token for anything that changes data.
"""

from fastapi import APIRouter, Depends
from fastapi.security import HTTPBearer

from cdlink.web.api import (
    connections,
    order_acceptance,
    order_settings,
    orders,
    stock,
    tokens,
    warehouses,
)

bearer = HTTPBearer(auto_error=False, description="A personal API token (Settings → API tokens).")
router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer)])
router.include_router(tokens.router)
router.include_router(connections.router)
router.include_router(order_acceptance.router)
router.include_router(order_settings.router)
router.include_router(orders.router)
router.include_router(stock.csv_router)
router.include_router(stock.router)
router.include_router(warehouses.router)
router.include_router(warehouses.buffers_router)

__all__ = ["router"]
