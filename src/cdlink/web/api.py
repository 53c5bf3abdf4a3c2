"""The REST API under ``/api/v1``: the same operations as the pages, for other programs.

Authentication is a personal API token sent as ``Authorization: Bearer <token>`` (the access
guard checks it; the ``HTTPBearer`` dependency only documents it in OpenAPI). A logged-in browser
may call it too, with the page's CSRF token for anything that changes data.
"""

from fastapi import APIRouter, Depends
from fastapi.security import HTTPBearer

from cdlink.web.access import tokens_api
from cdlink.web.catalog import api as catalog
from cdlink.web.connections import api as connections
from cdlink.web.customer_service import api as customer_service
from cdlink.web.customers import api as customers
from cdlink.web.dashboard import api as dashboard
from cdlink.web.finance import api as finance
from cdlink.web.orders import acceptance_api as order_acceptance
from cdlink.web.orders import api as orders
from cdlink.web.orders import csv_api as orders_csv
from cdlink.web.orders import email_settings
from cdlink.web.orders import fulfilment_api as fulfilment
from cdlink.web.orders import notifications_api as notifications
from cdlink.web.orders import settings_api as order_settings
from cdlink.web.performance import api as performance
from cdlink.web.pricing import api as pricing
from cdlink.web.queue import api as streams
from cdlink.web.stock import api as stock
from cdlink.web.stock import warehouses_api as warehouses
from cdlink.web.webhooks import api as webhooks

bearer = HTTPBearer(auto_error=False, description="A personal API token (Settings → API tokens).")
router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer)])
router.include_router(tokens_api.router)
router.include_router(connections.router)
router.include_router(order_acceptance.router)
router.include_router(order_settings.router)
router.include_router(orders_csv.router)
router.include_router(orders.router)
router.include_router(customer_service.router)
router.include_router(fulfilment.router)
router.include_router(notifications.router)
router.include_router(notifications.settings_router)
router.include_router(email_settings.router)
router.include_router(stock.csv_router)
router.include_router(stock.router)
router.include_router(warehouses.router)
router.include_router(warehouses.buffers_router)
router.include_router(catalog.router)
router.include_router(pricing.router)
router.include_router(performance.router)
router.include_router(finance.router)
router.include_router(dashboard.router)
router.include_router(customers.router)
router.include_router(streams.router)
router.include_router(webhooks.router)

__all__ = ["router"]
