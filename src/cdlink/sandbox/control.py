"""What a test or an operator may do to a sandbox: seed, make orders, move time, inject faults.

``Controller`` is the single implementation behind both the Python methods of ``Sandbox`` and
the HTTP control API under ``/_sandbox``; every method takes the state lock.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from cdlink.core.errors import CdlinkError
from cdlink.sandbox import lifecycle, seeding
from cdlink.sandbox.auth import Credentials
from cdlink.sandbox.config import FaultRule, RateLimit, Variants
from cdlink.sandbox.model import ORDER_STATUSES
from cdlink.sandbox.serialize import offer_json, order_json, timestamp
from cdlink.sandbox.shop import SellerShop
from cdlink.sandbox.state import SandboxState


class SandboxError(CdlinkError):
    """A control call the sandbox cannot honour (unknown seller, order, status…)."""

    default_hint = "Check the arguments against docs/sandbox.md (control API reference)."


class Controller:
    """The control operations of one sandbox."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state

    @property
    def credentials(self) -> Credentials:
        return self._state.credentials

    def _shop(self, seller_id: int | None) -> SellerShop:
        shop = self._state.shops.get(seller_id or self._state.credentials.seller_id)
        if shop is None:
            raise SandboxError(f"no shop for seller {seller_id}")
        return shop

    def seed(
        self,
        seed: int | None = None,
        *,
        offers: int | None = None,
        orders: int | None = None,
        quantity: int | None = None,
    ) -> Credentials:
        """Start over: a fresh shop from ``seed``; added clients stay, their tokens do not."""
        with self._state.lock:
            config = self._state.config
            extra = [
                (client.client_id, client.client_secret, sorted(client.seller_ids))
                for client in self._state.authority.clients.values()
                if client.client_id != self._state.credentials.client_id
            ]
            if seed is not None:
                config.seed = seed
            self._state.reset()
            seeding.seed_shop(
                self._state,
                config.seller_id,
                offers=config.offers if offers is None else offers,
                orders=config.orders if orders is None else orders,
                quantity=quantity,
            )
            for client_id, client_secret, seller_ids in extra:
                self.add_client(client_id, client_secret, seller_ids)
            return self._state.credentials

    def add_client(self, client_id: str, client_secret: str, seller_ids: list[int]) -> None:
        """Register a client linked to ``seller_ids``; an unknown seller gets a seeded shop."""
        with self._state.lock:
            for seller_id in seller_ids:
                if seller_id not in self._state.shops:
                    config = self._state.config
                    seeding.seed_shop(self._state, seller_id, offers=config.offers, orders=0)
            self._state.authority.add_client(client_id, client_secret, set(seller_ids))

    def create_orders(
        self, count: int = 1, *, status: str = "WaitingAcceptance", seller_id: int | None = None
    ) -> list[str]:
        """``count`` new orders now, driven to ``status``; fewer when stock runs out."""
        if status not in ORDER_STATUSES[1:]:
            raise SandboxError(f"unknown order status {status!r}")
        with self._state.lock:
            now = self._state.tick()
            shop = self._shop(seller_id)
            created = []
            for _ in range(count):
                order = self._state.create_order(shop, now)
                if order is None:
                    break
                seeding.drive(self._state, shop, order, status, created=now, now=now)
                created.append(order.order_id)
            return created

    def advance(self, seconds: float) -> str:
        """Move the sandbox clock forward and run every timer that falls due."""
        with self._state.lock:
            self._state.clock.advance(seconds)
            return str(timestamp(self._state.tick()))

    def now(self) -> str:
        with self._state.lock:
            return str(timestamp(self._state.tick()))

    def add_fault(self, rule: FaultRule | dict[str, Any]) -> None:
        with self._state.lock:
            self._state.faults.add(FaultRule.model_validate(rule))

    def clear_faults(self) -> None:
        with self._state.lock:
            self._state.faults.clear()

    def faults(self) -> list[dict[str, Any]]:
        with self._state.lock:
            return self._state.faults.describe()

    def set_rate_limit(self, limit: RateLimit | dict[str, Any] | None) -> None:
        with self._state.lock:
            self._state.faults.rate_limit = (
                None if limit is None else RateLimit.model_validate(limit)
            )

    def set_variants(self, **changes: Any) -> Variants:
        with self._state.lock:
            merged = {**self._state.config.variants.model_dump(), **changes}
            self._state.config.variants = Variants.model_validate(merged)
            return self._state.config.variants

    def set_token_lifetime(self, seconds: int) -> None:
        """Tokens issued from now on live ``seconds`` (the short-expiry fault)."""
        if seconds < 1:
            raise SandboxError("a token lives at least one second")
        with self._state.lock:
            self._state.token_lifetime = seconds

    def revoke_tokens(self, client_id: str | None = None) -> int:
        with self._state.lock:
            return self._state.authority.revoke(client_id)

    def set_auto_accept(self, enabled: bool, seller_id: int | None = None) -> None:
        with self._state.lock:
            self._shop(seller_id).auto_accept_orders = enabled

    def customer_cancel_request(
        self, order_id: str, line_id: str = "1", seller_id: int | None = None
    ) -> bool:
        with self._state.lock:
            now = self._state.tick()
            shop = self._shop(seller_id)
            order = shop.orders.get(order_id)
            line = order.line(line_id) if order is not None else None
            if order is None or line is None:
                raise SandboxError(f"no order line {order_id}/{line_id}")
            return lifecycle.customer_cancel_request(shop, order, line, now)

    def set_offer_quantity(
        self, reference: str, quantity: int, seller_id: int | None = None
    ) -> None:
        with self._state.lock:
            offer = self._shop(seller_id).offers.get(reference)
            if offer is None:
                raise SandboxError(f"no offer {reference}")
            offer.quantity, offer.updated_at = quantity, self._state.tick()

    def order(self, order_id: str, seller_id: int | None = None) -> dict[str, Any]:
        """The order as stored, shipping address included whatever its status."""
        with self._state.lock:
            self._state.tick()
            order = self._shop(seller_id).orders.get(order_id)
            if order is None:
                raise SandboxError(f"no order {order_id}")
            body = order_json(order, self._state.config.variants)
            body["_shippingAddressKnown"] = True
            return body

    def offer(self, reference: str, seller_id: int | None = None) -> dict[str, Any]:
        with self._state.lock:
            shop = self._shop(seller_id)
            offer = shop.offers.get(reference)
            if offer is None:
                raise SandboxError(f"no offer {reference}")
            return offer_json(offer, shop.seller_id, self._state.config.variants)

    def order_statuses(self, seller_id: int | None = None) -> dict[str, str]:
        """Every order of the shop and its status, by order id (to compare a client's copy)."""
        with self._state.lock:
            self._state.tick()
            return {
                order_id: order.status for order_id, order in self._shop(seller_id).orders.items()
            }

    def offer_quantities(self, seller_id: int | None = None) -> dict[str, int]:
        """Every offer's quantity, by seller reference (SKU)."""
        with self._state.lock:
            self._state.tick()
            return {
                reference: offer.quantity
                for reference, offer in self._shop(seller_id).offers.items()
            }

    def summary(self) -> dict[str, Any]:
        with self._state.lock:
            now = self._state.tick()
            shops = {}
            for seller_id, shop in self._state.shops.items():
                statuses = Counter(order.status for order in shop.orders.values())
                shops[str(seller_id)] = {
                    "offers": len(shop.offers),
                    "orders": len(shop.orders),
                    "ordersByStatus": dict(sorted(statuses.items())),
                    "packages": len(shop.packages),
                    "cancellationRequests": len(shop.cancellations),
                }
            return {
                "now": timestamp(now),
                "seed": self._state.config.seed,
                "sellers": shops,
                "clients": sorted(self._state.authority.clients),
                "tokenLifetime": self._state.token_lifetime,
                "variants": self._state.config.variants.model_dump(),
                "faults": self._state.faults.describe(),
            }

    def requests(self) -> list[dict[str, Any]]:
        """The last 2,000 API requests: endpoint, status and whether they were processed."""
        with self._state.lock:
            return list(self._state.request_log)
