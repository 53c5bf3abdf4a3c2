"""The sandbox's fixed referentials, read once from its package data.

Carriers and delivery modes are the third-party measurements saved with the API reference; the
category sample and the French name lists are curated for the simulator (see ``data/*.json``).
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

# Reason codes are not published (reference §6.2.7); these read like the seller back office's.
CANCELLATION_REASONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ProductOutOfStock", "Produit en rupture de stock", ("WaitingAcceptance", "Accepted")),
    ("ProductOutOfStock", "Produit en rupture de stock", ("InPreparation",)),
    ("PricingError", "Erreur de prix", ("WaitingAcceptance", "Accepted", "InPreparation")),
    ("ProductDamaged", "Produit endommagé", ("Accepted", "InPreparation")),
    ("CustomerRequest", "Demande du client", ("WaitingAcceptance", "Accepted", "InPreparation")),
    ("UndeliverableAddress", "Adresse non livrable", ("InPreparation",)),
    # After shipment a cancellation request refunds the customer (addendum §2).
    ("CustomerReturn", "Retour du produit par le client", ("Shipped", "Delivered")),
    ("ProductDamaged", "Produit endommagé", ("Shipped", "Delivered")),
    ("DeliveryIssue", "Problème de livraison", ("Shipped", "Delivered")),
    ("CustomerRequest", "Demande du client", ("Shipped", "Delivered")),
)


def _load(name: str) -> Any:
    text = resources.files("cdlink.sandbox").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def carriers() -> list[dict[str, str]]:
    """`GET /carriers` as measured: a bare array of ``{code, label}``, codes not unique."""
    loaded: list[dict[str, str]] = _load("carriers.json")
    return loaded


@functools.cache
def carrier_labels() -> frozenset[str]:
    return frozenset(carrier["label"].strip().casefold() for carrier in carriers())


@functools.cache
def delivery_modes() -> dict[str, Any]:
    """`GET /sellers/delivery-modes` as measured: ``{count, items}`` in snake_case."""
    loaded: dict[str, Any] = _load("delivery_modes.json")
    return loaded


@functools.cache
def curated_categories() -> list[dict[str, Any]]:
    """The curated head of the taxonomy (``taxonomy`` generates the rest)."""
    loaded: list[dict[str, Any]] = _load("categories.json")["categories"]
    return loaded


@functools.cache
def french() -> dict[str, Any]:
    loaded: dict[str, Any] = _load("french.json")
    return loaded


def cancellation_reasons(order_status: str | None) -> list[dict[str, str]]:
    """The reasons a seller may give, for one order status or for all of them."""
    seen: dict[str, dict[str, str]] = {}
    for code, label, statuses in CANCELLATION_REASONS:
        if order_status is None or order_status in statuses:
            seen.setdefault(code, {"code": code, "label": label})
    return list(seen.values())
