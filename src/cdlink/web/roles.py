"""Who may do what: every write route and the role it needs, in one table, checked in one place.

Two roles (``docs/roles.md``): an **administrator** decides *how* cdlink works with Cdiscount
(applications and their credentials, the acceptance policy and automatic refusal, warehouses and
their mapping, buffers, order imports and their filter, payment labels, the quarantine, anything
that starts a sync); a **member** does the seller's daily work (accepts, refuses, ships and
cancels orders, counts and adjusts stock, one SKU or a CSV file at a time) and manages their own
password and API tokens. An API token acts with its user's role.

``WRITES`` maps each state-changing route, as ``(method, path template)``, to the role it needs;
``ADMIN_READS`` lists the few pages that only lead to an administrator's form. ``enforce`` is one
FastAPI dependency of the whole app (``DEPENDENCIES``, given to ``FastAPI``): after routing it
finds the route's template and answers 403 (problem+json for the API, the error page for
people) to anyone below the role. A write route missing from the table needs an administrator
(closed by default), and a test walks ``app.routes`` so that a new route cannot ship without its
line here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from fastapi import Depends, FastAPI, HTTPException, Request
from starlette.routing import BaseRoute, Mount

from cdlink.core.translatable import translatable
from cdlink.web.guard import is_public
from cdlink.web.identity import RANKS, Identity, Role

ADMIN, MEMBER, PUBLIC = Role.ADMIN, Role.MEMBER, Role.PUBLIC
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: What a user below the needed role is told (pages translate it).
FORBIDDEN = translatable(
    "Only an administrator may do this. Ask an administrator of this cdlink to do it, "
    "or to make you an administrator."
)

#: Every route that changes something, and the role it needs.
WRITES: dict[tuple[str, str], Role] = {
    # Before login: the guard lets these through; the routes check what they need.
    ("POST", "/login"): PUBLIC,
    ("POST", "/setup"): PUBLIC,
    ("POST", "/language"): PUBLIC,
    # One's own session, password and API tokens.
    ("POST", "/logout"): MEMBER,
    ("POST", "/settings/password"): MEMBER,
    ("POST", "/settings/tokens"): MEMBER,
    ("POST", "/settings/tokens/{token_id}/revoke"): MEMBER,
    ("POST", "/api/v1/tokens"): MEMBER,
    ("DELETE", "/api/v1/tokens/{token_id}"): MEMBER,
    # The daily work: orders.
    ("POST", "/orders/{order_id}/actions"): MEMBER,
    ("POST", "/api/v1/orders/{order_id}/actions"): MEMBER,
    # The daily work: customer service (replies, closings, refunds and gestures).
    ("POST", "/api/v1/discussions/{discussion_id}/replies"): MEMBER,
    ("POST", "/api/v1/discussions/{discussion_id}/close"): MEMBER,
    ("POST", "/api/v1/discussions/{discussion_id}/read"): MEMBER,
    ("PUT", "/api/v1/discussions/{discussion_id}/assignment"): MEMBER,
    ("POST", "/api/v1/refunds"): MEMBER,
    ("POST", "/api/v1/gestures"): MEMBER,
    ("POST", "/api/v1/customer-service/actions/{action_id}/retry"): MEMBER,
    ("POST", "/inbox/{discussion_id}/reply"): MEMBER,
    ("POST", "/inbox/{discussion_id}/close"): MEMBER,
    ("POST", "/inbox/{discussion_id}/read"): MEMBER,
    ("POST", "/inbox/{discussion_id}/assign"): MEMBER,
    ("POST", "/inbox/orders/{order_id}/gesture"): MEMBER,
    ("POST", "/inbox/orders/{order_id}/refund"): MEMBER,
    ("POST", "/inbox/actions/{action_id}/retry"): MEMBER,
    ("POST", "/api/v1/notifications/{notification_id}/read"): MEMBER,
    ("POST", "/api/v1/notifications/read-all"): MEMBER,
    ("POST", "/notifications/{notification_id}/read"): MEMBER,
    ("POST", "/notifications/read-all"): MEMBER,
    # The daily work: stock quantities (a CSV file is many counts at once).
    ("POST", "/stock/{product_id}/count"): MEMBER,
    ("POST", "/stock/{product_id}/adjust"): MEMBER,
    ("POST", "/stock/upload"): MEMBER,
    ("POST", "/api/v1/stock.csv"): MEMBER,
    ("POST", "/api/v1/stock/bulk"): MEMBER,
    ("PUT", "/api/v1/stock/{sku}/{warehouse}"): MEMBER,
    ("POST", "/api/v1/stock/{sku}/{warehouse}/adjustments"): MEMBER,
    # The catalog: editing products is daily work; publishing, imports and mappings change what
    # is sent to Cdiscount.
    ("POST", "/api/v1/products"): MEMBER,
    ("PATCH", "/api/v1/products/{sku}"): MEMBER,
    ("POST", "/api/v1/products/{sku}/validate"): MEMBER,
    ("POST", "/api/v1/products/{sku}/publish"): ADMIN,
    ("POST", "/api/v1/products.csv"): ADMIN,
    ("PUT", "/api/v1/category-mappings"): ADMIN,
    ("PUT", "/api/v1/catalog-settings"): ADMIN,
    ("POST", "/products/new"): MEMBER,
    ("POST", "/products/upload"): ADMIN,
    ("POST", "/products/{sku}/edit"): MEMBER,
    ("POST", "/products/{sku}/validate"): MEMBER,
    ("POST", "/products/{sku}/publish"): ADMIN,
    ("POST", "/catalog/mappings"): ADMIN,
    ("POST", "/catalog/mappings/delete"): ADMIN,
    ("POST", "/catalog/taxonomy/refresh"): ADMIN,
    ("POST", "/catalog/mappings/attributes"): ADMIN,
    ("POST", "/catalog/mappings/properties"): ADMIN,
    ("POST", "/catalog/settings"): ADMIN,
    ("POST", "/products/{sku}/offer/retry"): ADMIN,
    # Applications (connections): credentials, stock sync, tests, removal.
    ("POST", "/apps"): ADMIN,
    ("POST", "/apps/{connection_id}"): ADMIN,
    ("POST", "/apps/{connection_id}/test"): ADMIN,
    ("POST", "/apps/{connection_id}/delete"): ADMIN,
    ("POST", "/apps/failed-installs/delete"): ADMIN,
    ("POST", "/api/v1/connections"): ADMIN,
    ("PATCH", "/api/v1/connections/{connection_id}"): ADMIN,
    ("DELETE", "/api/v1/connections/{connection_id}"): ADMIN,
    ("POST", "/api/v1/connections/{connection_id}/test"): ADMIN,
    # Order settings: acceptance policy and automatic refusal, filter, labels, reasons, quarantine.
    ("POST", "/orders/settings/{connection_id}/acceptance"): ADMIN,
    ("PUT", "/api/v1/carrier-mappings"): ADMIN,
    ("PUT", "/api/v1/fulfilment-settings"): ADMIN,
    ("PUT", "/api/v1/notification-settings"): ADMIN,
    ("PUT", "/api/v1/email-settings"): ADMIN,
    # Webhooks: where events go and their secrets (administrators); a replay or a test event
    # only sends again to a receiver an administrator chose.
    ("POST", "/api/v1/webhooks"): ADMIN,
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): ADMIN,
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): ADMIN,
    ("POST", "/api/v1/webhooks/{webhook_id}/test"): MEMBER,
    ("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay"): MEMBER,
    ("POST", "/settings/webhooks"): ADMIN,
    ("POST", "/settings/webhooks/{webhook_id}"): ADMIN,
    ("POST", "/settings/webhooks/{webhook_id}/delete"): ADMIN,
    ("POST", "/settings/webhooks/{webhook_id}/test"): MEMBER,
    ("POST", "/settings/webhooks/{webhook_id}/deliveries/{delivery_id}/replay"): MEMBER,
    ("POST", "/notifications/email"): ADMIN,
    ("POST", "/notifications/settings/{connection_id}"): ADMIN,
    ("POST", "/orders/settings/{connection_id}/filter"): ADMIN,
    ("POST", "/orders/settings/{connection_id}/payments"): ADMIN,
    ("POST", "/orders/settings/{connection_id}/carriers"): ADMIN,
    ("POST", "/orders/settings/{connection_id}/reasons"): ADMIN,
    ("POST", "/orders/settings/{connection_id}/quarantine/{entry_id}/dismiss"): ADMIN,
    ("PUT", "/api/v1/connections/{connection_id}/order-settings"): ADMIN,
    ("PUT", "/api/v1/connections/{connection_id}/order-import-filter"): ADMIN,
    ("PUT", "/api/v1/connections/{connection_id}/payment-labels"): ADMIN,
    ("POST", "/api/v1/connections/{connection_id}/cancellation-reasons/refresh"): ADMIN,
    ("POST", "/api/v1/connections/{connection_id}/quarantine/{entry_id}/dismiss"): ADMIN,
    # Order imports (initial and history).
    ("POST", "/orders/imports"): ADMIN,
    ("POST", "/orders/imports/{import_id}/cancel"): ADMIN,
    ("POST", "/orders/imports/{import_id}/resume"): ADMIN,
    ("POST", "/api/v1/connections/{connection_id}/initial-imports"): ADMIN,
    ("POST", "/api/v1/connections/{connection_id}/initial-imports/{import_id}/cancel"): ADMIN,
    ("POST", "/api/v1/connections/{connection_id}/initial-imports/{import_id}/resume"): ADMIN,
    # Warehouses, their mapping to applications, and buffers.
    ("POST", "/settings/warehouses"): ADMIN,
    ("POST", "/settings/warehouses/{code}/rename"): ADMIN,
    ("POST", "/settings/warehouses/{code}/delete"): ADMIN,
    ("POST", "/settings/warehouses/{code}/map"): ADMIN,
    ("POST", "/settings/warehouses/{code}/unmap"): ADMIN,
    ("POST", "/settings/buffers"): ADMIN,
    ("POST", "/api/v1/warehouses"): ADMIN,
    ("PATCH", "/api/v1/warehouses/{code}"): ADMIN,
    ("DELETE", "/api/v1/warehouses/{code}"): ADMIN,
    ("PUT", "/api/v1/warehouses/{code}/connections/{connection_id}"): ADMIN,
    ("DELETE", "/api/v1/warehouses/{code}/connections/{connection_id}"): ADMIN,
    ("PUT", "/api/v1/buffers/{connection_id}"): ADMIN,
    ("DELETE", "/api/v1/buffers/{connection_id}"): ADMIN,
    ("PUT", "/api/v1/buffers/{connection_id}/{sku}"): ADMIN,
    ("DELETE", "/api/v1/buffers/{connection_id}/{sku}"): ADMIN,
    # Prices and promotions: prices and promotions are daily work; guards, price lists and
    # sending a price a guard held decide how far a price may go.
    ("PUT", "/api/v1/prices"): MEMBER,
    ("POST", "/api/v1/prices.csv"): MEMBER,
    ("PUT", "/api/v1/prices/{sku}"): MEMBER,
    ("PUT", "/api/v1/prices/{sku}/guards"): ADMIN,
    ("POST", "/api/v1/prices/{sku}/held/confirm"): ADMIN,
    ("DELETE", "/api/v1/prices/{sku}/held"): MEMBER,
    ("PUT", "/api/v1/price-lists/{connection_id}"): ADMIN,
    ("POST", "/api/v1/promotions"): MEMBER,
    ("PATCH", "/api/v1/promotions/{promotion_id}"): MEMBER,
    ("DELETE", "/api/v1/promotions/{promotion_id}"): MEMBER,
    ("POST", "/api/v1/promotions/{promotion_id}/stop"): MEMBER,
    ("POST", "/api/v1/promotions/{promotion_id}/retry"): MEMBER,
    # The daily work: finance (reviewing differences, cost prices) and customer invoices.
    ("POST", "/api/v1/finance/reconciliation/{difference_id}/review"): MEMBER,
    ("PUT", "/api/v1/finance/costs/{sku}"): MEMBER,
    ("POST", "/api/v1/invoices"): MEMBER,
    ("POST", "/api/v1/invoices/imports"): MEMBER,
    ("POST", "/api/v1/invoices/{upload_id}/retry"): MEMBER,
    ("POST", "/api/v1/orders/{order_id}/invoice"): MEMBER,
    ("POST", "/finance/differences/{difference_id}/review"): MEMBER,
    ("POST", "/finance/costs"): MEMBER,
    ("POST", "/invoices/import"): MEMBER,
    ("POST", "/invoices/{upload_id}/retry"): MEMBER,
    ("POST", "/orders/{order_id}/invoice"): MEMBER,
    # Finance: asking for a sync now.
    ("POST", "/finance/sync"): ADMIN,
    # The queue: running a stream, its interval, the quarantine (they start a sync).
    ("POST", "/queue/streams/{stream_id}/run"): ADMIN,
    ("POST", "/queue/streams/{stream_id}/interval"): ADMIN,
    ("POST", "/queue/quarantine/{entry_id}/retry"): ADMIN,
    ("POST", "/queue/quarantine/{entry_id}/dismiss"): ADMIN,
    ("POST", "/api/v1/streams/{stream_id}/run"): ADMIN,
    ("PUT", "/api/v1/streams/{stream_id}/interval"): ADMIN,
    ("POST", "/api/v1/quarantine/{entry_id}/retry"): ADMIN,
    ("POST", "/api/v1/quarantine/{entry_id}/dismiss"): ADMIN,
    ("POST", "/prices/{sku}"): MEMBER,
    ("POST", "/prices/{sku}/confirm"): ADMIN,
    ("POST", "/prices/{sku}/discard"): MEMBER,
    ("POST", "/prices/{sku}/guards"): ADMIN,
    ("POST", "/prices/settings/{connection_id}"): ADMIN,
    ("POST", "/promotions"): MEMBER,
    ("POST", "/promotions/{promotion_id}/stop"): MEMBER,
    ("POST", "/promotions/{promotion_id}/retry"): MEMBER,
}

#: Reads only an administrator needs: the forms that lead to an administrator's write. Every other
#: read needs a login only (no read shows a secret: client secrets are never shown, and API
#: token lists are the caller's own).
ADMIN_READS: frozenset[str] = frozenset(
    {
        "/apps/catalogue",
        "/api/v1/email-settings",
        "/apps/new",
        "/apps/{connection_id}/edit",
        "/apps/{connection_id}/delete",
    }
)


def needed_role(method: str, template: str) -> Role:
    """The role a request needs: the table's, an administrator for an unlisted write."""
    if method in SAFE_METHODS:
        if template in ADMIN_READS:
            return ADMIN
        return PUBLIC if is_public(template) else MEMBER
    return WRITES.get((method, template), ADMIN)


def route_templates(app: FastAPI) -> dict[tuple[int, str], list[str]]:
    """(route object id, method) → the full path templates, for every route of the app.

    After routing, ``request.scope["route"]`` is the route as its router declared it (without
    the prefixes it was included under); walking the app once gives back the whole template
    (several if a router was included twice: the strictest rule of them applies).

    The walk reads only each included router's prefix: FastAPI's own ``iter_route_contexts``
    gives the same templates but builds every route's effective context on the way (0.9 s per
    app, paid again by every test that makes one); ``tests/access/test_roles.py`` checks both
    agree.
    """
    templates: dict[tuple[int, str], list[str]] = {}
    for route, path in _routes_with_paths(app.routes, ""):
        for method in getattr(route, "methods", None) or ():
            templates.setdefault((id(route), method), []).append(path)
    return templates


def _routes_with_paths(routes: Sequence[BaseRoute], prefix: str) -> Iterator[tuple[BaseRoute, str]]:
    """Every route under ``routes`` with its full path, through included routers."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:  # a router included with its own prefix
            context_prefix = getattr(getattr(route, "include_context", None), "prefix", "")
            yield from _routes_with_paths(included.routes, prefix + context_prefix)
        elif not isinstance(route, Mount) and isinstance(path := getattr(route, "path", None), str):
            yield route, prefix + path


def write_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path template) of the app that is not a safe method."""
    return {
        (method, template)
        for (_, method), found in route_templates(app).items()
        for template in found
        if method not in SAFE_METHODS
    }


def enforce(request: Request) -> None:
    """Answer 403 unless the caller holds the role the route needs (see the module docstring)."""
    templates = route_templates_of(request) or [""]  # unknown: a write needs an administrator
    needed = max((needed_role(request.method, item) for item in templates), key=RANKS.__getitem__)
    if needed == PUBLIC:
        return
    identity: Identity | None = getattr(request.state, "identity", None)
    if identity is None:
        # The access guard turns the unauthenticated away before routing; this is a wiring bug.
        raise HTTPException(status_code=401, detail="authentication required")
    if not identity.holds(needed):
        raise HTTPException(status_code=403, detail=FORBIDDEN)


def route_templates_of(request: Request) -> list[str]:
    """The request's route templates; none for a route the index misses (an administrator's)."""
    templates: dict[tuple[int, str], list[str]] | None = getattr(
        request.app.state, "route_templates", None
    )
    if templates is None:
        templates = request.app.state.route_templates = route_templates(request.app)
    return templates.get((id(request.scope.get("route")), request.method), [])


#: The app-wide dependencies (``FastAPI(dependencies=...)``): the role check before every route.
DEPENDENCIES = [Depends(enforce)]


def install(app: FastAPI) -> None:
    """Index the app's route templates once every router is included."""
    app.state.route_templates = route_templates(app)


__all__ = [
    "ADMIN_READS",
    "DEPENDENCIES",
    "WRITES",
    "enforce",
    "install",
    "needed_role",
    "write_routes",
]
