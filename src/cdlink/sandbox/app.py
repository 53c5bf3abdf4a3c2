"""The sandbox as one ASGI app: the token endpoint, the Seller API v2 and the control API.

Route names (used by fault rules) are listed in ``API_ROUTES``. Unknown paths get Kong's 404;
a known path with the wrong method gets a problem+json 405.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from cdlink.sandbox import (
    api_after_sales,
    api_catalog,
    api_discussions,
    api_finance,
    api_offers,
    api_orders,
    api_seller,
    api_xml_packages,
)
from cdlink.sandbox.api_control import ROUTES as CONTROL_ROUTES
from cdlink.sandbox.api_token import PATH as TOKEN_PATH
from cdlink.sandbox.api_token import token_endpoint
from cdlink.sandbox.control import Controller
from cdlink.sandbox.gateway import Endpoint, Handler, api_endpoint
from cdlink.sandbox.responses import ApiError, ConnectionDropped, kong_not_found, problem
from cdlink.sandbox.state import SandboxState

API = "/seller/v2"
D, A = api_discussions, api_after_sales
CUSTOMER_SERVICE_ROUTES: list[tuple[str, str, str, Handler]] = [
    ("GET", "/discussions", "discussions.list", D.list_discussions),
    ("POST", "/discussions", "discussions.create", D.create_discussion),
    ("GET", "/discussions/count", "discussions.count", D.count_discussions),
    ("GET", "/discussions/{discussion_id}", "discussions.get", D.get_discussion),
    ("PATCH", "/discussions/{discussion_id}", "discussions.update", D.update_discussion),
    ("POST", "/messages", "messages.create", D.create_message),
    ("PATCH", "/messages/{message_id}", "messages.update", D.update_message),
    ("GET", "/attachments", "attachments.list", D.list_attachments),
    ("GET", "/attachments/{attachment_id}", "attachments.get", D.download_attachment),
    ("GET", "/typologies", "typologies.list", D.typologies),
    (
        "GET",
        "/sales-channel-configurations/{sales_channel_id}",
        "sales_channels.configuration",
        D.sales_channel_configuration,
    ),
    (
        "GET",
        "/orders/{order_id}/commercial-gestures-available-amounts",
        "gestures.available",
        A.available_amounts,
    ),
    ("GET", "/order-commercial-gesture-requests", "gestures.list", A.list_gestures),
    ("POST", "/order-commercial-gesture-requests", "gestures.create", A.create_gesture),
    ("GET", "/returns", "returns.list", A.list_returns),
    ("POST", "/returns", "returns.create", A.create_return),
    ("GET", "/returns/count", "returns.count", A.count_returns),
    ("GET", "/returns/{return_id}", "returns.get", A.get_return),
    ("GET", "/returns/{return_id}/labels", "returns.labels", A.return_label),
]
F = api_finance
FINANCE_ROUTES: list[tuple[str, str, str, Handler]] = [
    ("GET", "/operations", "operations.list", F.list_operations),
    ("GET", "/operations/count", "operations.count", F.count_operations),
    ("GET", "/payments", "payments.list", F.list_payments),
    ("GET", "/payments/count", "payments.count", F.count_payments),
    ("GET", "/invoice-documents", "invoices.list", F.list_invoice_documents),
    ("GET", "/invoices/{invoice_id}/documents", "invoices.documents", F.invoice_document),
    ("GET", "/invoices/{invoice_id}/details", "invoices.details", F.invoice_details),
    (
        "GET",
        "/invoices/{invoice_id}/details/count",
        "invoices.details_count",
        F.count_invoice_details,
    ),
    ("GET", "/orders/{order_id}/invoice-documents", "order_invoices.list", F.list_order_invoices),
    (
        "POST",
        "/orders/{order_id}/invoice-documents",
        "order_invoices.upload",
        F.upload_order_invoice,
    ),
    ("GET", "/order-invoice-imports", "invoice_imports.list", F.list_invoice_imports),
    ("POST", "/order-invoice-imports", "invoice_imports.create", F.create_invoice_import),
    ("GET", "/order-invoice-imports/{import_id}", "invoice_imports.get", F.get_invoice_import),
]
API_ROUTES: list[tuple[str, str, str, Handler]] = [
    ("GET", "/sellers", "sellers.get", api_seller.seller),
    ("GET", "/sellers/addresses", "sellers.addresses", api_seller.addresses),
    ("GET", "/sellers/adresses", "sellers.addresses", api_seller.addresses),
    ("GET", "/sellers/indicators", "sellers.indicators", api_seller.indicators),
    ("GET", "/sellers/subscriptions", "sellers.subscriptions", api_seller.subscriptions),
    ("GET", "/sellers/delivery-modes", "sellers.delivery_modes", api_seller.seller_delivery_modes),
    ("GET", "/carriers", "carriers.list", api_seller.carrier_list),
    ("GET", "/orders", "orders.list", api_orders.list_orders),
    ("GET", "/orders/count", "orders.count", api_orders.count_orders),
    ("GET", "/orders/{order_id}", "orders.get", api_orders.get_order),
    ("POST", "/orders/{order_id}/approval-status", "orders.approval", api_orders.approval_status),
    ("POST", "/orders/{order_id}/shipments", "orders.shipments", api_orders.shipments),
    ("GET", "/cancellation-reasons", "cancellation_reasons.list", api_orders.reasons),
    ("GET", "/order-cancellation-requests", "cancellations.list", api_orders.list_cancellations),
    ("POST", "/order-cancellation-requests", "cancellations.create", api_orders.cancel_order),
    (
        "POST",
        "/order-partial-cancellation-requests",
        "cancellations.partial",
        api_orders.cancel_lines,
    ),
    ("GET", "/offers", "offers.list", api_offers.list_offers),
    ("POST", "/offer-packages", "packages.create", api_offers.create_package),
    ("GET", "/offer-packages", "packages.list", api_offers.list_packages),
    ("GET", "/offer-packages/{package_id}", "packages.get", api_offers.get_package),
    ("PATCH", "/offer-packages/{package_id}", "packages.update", api_offers.update_package),
    (
        "POST",
        "/offer-packages/{package_id}/offer-requests",
        "packages.requests",
        api_offers.add_requests,
    ),
    (
        "GET",
        "/offer-packages/{package_id}/offer-requests-results",
        "packages.results",
        api_offers.results,
    ),
    ("POST", "/offer-integration-packages", "xml_packages.create", api_xml_packages.create),
    ("GET", "/offer-integration-packages/{package_id}", "xml_packages.get", api_xml_packages.get),
    ("GET", "/categories", "categories.list", api_seller.category_list),
    ("GET", "/categories/count", "categories.count", api_seller.category_count),
    ("GET", "/categories/{reference}", "categories.get", api_seller.category),
    (
        "GET",
        "/categories/{reference}/properties",
        "categories.properties",
        api_seller.category_properties,
    ),
    ("GET", "/brands", "brands.list", api_catalog.list_brands),
    ("GET", "/products", "products.list", api_catalog.list_products),
    ("GET", "/products/count", "products.count", api_catalog.count_products),
    ("POST", "/products-integration", "products.integrate", api_catalog.integrate_products),
    ("GET", "/products-integration-reports", "products.reports", api_catalog.list_reports),
    *CUSTOMER_SERVICE_ROUTES,
    *FINANCE_ROUTES,
]


def build_routes(state: SandboxState) -> list[BaseRoute]:
    routes: list[BaseRoute] = [Route(TOKEN_PATH, token_endpoint(state), methods=["POST"])]
    by_path: dict[str, dict[str, tuple[str, Handler]]] = {}
    for method, path, name, handler in API_ROUTES:
        by_path.setdefault(path, {})[method] = (name, handler)
    for path, methods in by_path.items():
        for method, (name, handler) in methods.items():
            endpoint = api_endpoint(state, name, handler)
            if path.startswith("/sellers/a"):
                endpoint = spelling_guard(state, path.rsplit("/", 1)[1], endpoint)
            routes.append(Route(API + path, endpoint, methods=[method]))
    return [*routes, *CONTROL_ROUTES, *api_xml_packages.FILE_ROUTES]


def spelling_guard(state: SandboxState, spelling: str, endpoint: Endpoint) -> Endpoint:
    """§9 #18: only the configured spelling of the addresses path is routed by the gateway."""

    async def guarded(request: Request) -> Response:
        if state.config.variants.addresses_path not in ("both", spelling):
            return kong_not_found()
        return await endpoint(request)

    return guarded


async def method_not_allowed(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 500
    if status == 404:
        return kong_not_found()
    return problem(
        ApiError(status, f"{request.method} is not allowed here"), request.url.path, "00-0"
    )


async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
    await kong_not_found()(scope, receive, send)


class DropGuard:
    """Outermost layer: turns a fault-injected drop into what the server in use can show.

    In process, the exception reaches ``SandboxTransport``, which raises the matching httpx
    error. Under a real server, returning with the reply unfinished makes it close the socket.
    """

    def __init__(self, app: Starlette) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except ConnectionDropped:
            if scope.get("extensions", {}).get("cdlink.sandbox.in_process"):
                raise


def create_app(state: SandboxState) -> DropGuard:
    app = Starlette(
        routes=build_routes(state), exception_handlers={HTTPException: method_not_allowed}
    )
    app.router.default = not_found
    app.state.controller = Controller(state)
    return DropGuard(app)
