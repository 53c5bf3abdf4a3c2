"""What the dashboard shows of raw codes: order statuses, activity kinds, and where each leads."""

from __future__ import annotations

from cdlink.core.translatable import translatable
from cdlink.hub.dashboard.overview import Activity
from cdlink.web.customer_service.labels import ORDER_STATUSES

PERIOD_LABELS = {
    "today": translatable("Today"),
    "7d": translatable("7 days"),
    "30d": translatable("30 days"),
    "90d": translatable("90 days"),
    "year": translatable("Year"),
    "custom": translatable("Custom range"),
}
# The activity feed's type indicator: the family of an entry's kind ("orders.reconciled").
KINDS = {
    "connection": translatable("Account"),
    "orders": translatable("Orders"),
    "sync": translatable("Sync"),
    "stock": translatable("Stock"),
    "catalog": translatable("Products"),
    "customer_service": translatable("Customer service"),
}


def status_label(status: str) -> str:
    return ORDER_STATUSES.get(status, translatable("Other status"))


def kind_of(entry: Activity) -> str:
    family = entry.kind.split(".", 1)[0]
    return family if family in KINDS else "sync"


def link_of(entry: Activity) -> str:
    """Where an activity entry leads: its account, the orders, or the sync log."""
    family = kind_of(entry)
    if family == "connection":
        return "/apps"
    if family == "orders":
        suffix = f"?connection={entry.connection_id}" if entry.connection_id is not None else ""
        return f"/orders{suffix}"
    if family == "stock":
        return "/stock"
    if family == "catalog":
        return "/products"
    if family == "customer_service":
        return "/inbox"
    return "/sync-log"
