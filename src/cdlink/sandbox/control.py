"""What a test or an operator may do to a sandbox: seed, make orders, move time, inject faults.

``Controller`` is the single implementation behind both the Python methods of ``Sandbox`` and
the HTTP control API under ``/_sandbox``; every method takes the state lock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from cdlink.core.errors import CdlinkError
from cdlink.sandbox import discussions, finance, lifecycle, seeding
from cdlink.sandbox.auth import Credentials
from cdlink.sandbox.config import FaultRule, RateLimit, SandboxConfig, Variants
from cdlink.sandbox.discussion_payloads import discussion_json
from cdlink.sandbox.model import ORDER_STATUSES, Discussion
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
        self,
        count: int = 1,
        *,
        status: str = "WaitingAcceptance",
        seller_id: int | None = None,
        supply_mode: str = "Seller",
    ) -> list[str]:
        """``count`` new orders now, driven to ``status``; fewer when stock runs out.

        ``supply_mode="Fulfillment"`` makes Octopia fulfilment orders (the only ones ``/returns``
        accepts)."""
        if status not in ORDER_STATUSES[1:]:
            raise SandboxError(f"unknown order status {status!r}")
        if supply_mode not in ("Seller", "Fulfillment"):
            raise SandboxError(f"unknown supply mode {supply_mode!r}")
        with self._state.lock:
            now = self._state.tick()
            shop = self._shop(seller_id)
            created = []
            for _ in range(count):
                order = self._state.create_order(shop, now)
                if order is None:
                    break
                order.supply_mode = supply_mode
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

    def set_catalog(self, **changes: Any) -> dict[str, Any]:
        """Change the catalog's timers and quota (``product_report_lag_seconds``,
        ``product_integration_seconds``, ``product_creations_per_hour``,
        ``offers_require_product``); return the four values now in force."""
        names = (
            "product_report_lag_seconds",
            "product_integration_seconds",
            "product_creations_per_hour",
            "offers_require_product",
        )
        unknown = set(changes) - set(names)
        if unknown:
            raise SandboxError(f"unknown catalog settings: {', '.join(sorted(unknown))}")
        with self._state.lock:
            merged = {**self._state.config.model_dump(), **changes}
            try:
                checked = SandboxConfig.model_validate(merged)
            except ValidationError as error:
                raise SandboxError(str(error)) from None
            for name in changes:
                setattr(self._state.config, name, getattr(checked, name))
            return {name: getattr(self._state.config, name) for name in names}

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

    def set_offer_price(self, reference: str, price: Decimal, seller_id: int | None = None) -> None:
        """Change an offer's price behind the seller's back (another tool, the seller portal)."""
        with self._state.lock:
            offer = self._shop(seller_id).offers.get(reference)
            if offer is None:
                raise SandboxError(f"no offer {reference}")
            offer.price, offer.updated_at = price, self._state.tick()

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
            now = self._state.clock.now()
            return offer_json(offer, shop.seller_id, self._state.config.variants, now)

    def put_file(self, name: str, content: bytes, base_url: str = "http://sandbox") -> str:
        """Host a file (an XML offer package's zip) at ``/_sandbox/files/{name}``; its URL."""
        with self._state.lock:
            self._state.files[name] = content
        return f"{base_url.rstrip('/')}/_sandbox/files/{name}"

    def set_download(self, download: Callable[[str], bytes | None]) -> None:
        """How the zips of XML offer packages are fetched from URLs off the sandbox (a test
        routes them to an app it runs in process); by default an HTTP GET."""
        with self._state.lock:
            self._state.download = download

    def file(self, name: str) -> bytes | None:
        with self._state.lock:
            return self._state.files.get(name)

    def set_single_parcel(self, single: bool) -> bool:
        """Whether shipments must be one parcel per complete order (reference §6.2.6)."""
        with self._state.lock:
            self._state.config.single_parcel_per_order = single
            return single

    def order_line_counts(self, seller_id: int | None = None) -> dict[str, int]:
        """Every order of the shop and how many lines it has, by order id."""
        with self._state.lock:
            return {
                order_id: len(order.lines)
                for order_id, order in self._shop(seller_id).orders.items()
            }

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
                    "discussionsByGraduation": dict(
                        sorted(Counter(d.graduation for d in shop.discussions.values()).items())
                    ),
                    "commercialGestures": len(shop.gestures),
                    "returns": len(shop.returns),
                    "productPackages": len(shop.catalog.packages),
                }
            return {
                "now": timestamp(now),
                "seed": self._state.config.seed,
                "sellers": shops,
                "clients": sorted(self._state.authority.clients),
                "tokenLifetime": self._state.token_lifetime,
                "variants": self._state.config.variants.model_dump(),
                "faults": self._state.faults.describe(),
                "products": len(self._state.referential),
            }

    def requests(self) -> list[dict[str, Any]]:
        """The last 2,000 API requests: endpoint, status and whether they were processed."""
        with self._state.lock:
            return list(self._state.request_log)

    # --- customer service --------------------------------------------------------------------
    def open_discussion(
        self,
        order_id: str,
        *,
        sub_typology: str | None = None,
        body: str | None = None,
        seller_id: int | None = None,
    ) -> str:
        """The order's customer opens a discussion now (a sub-typology fitting its status)."""
        with self._state.lock:
            now = self._state.tick()
            shop = self._shop(seller_id)
            order = shop.orders.get(order_id)
            if order is None or order.status == "Processing":
                raise SandboxError(f"no order {order_id}")
            allowed = discussions.sub_typologies_for(order.status)
            if sub_typology is not None and sub_typology not in allowed:
                raise SandboxError(
                    f"{sub_typology!r} is not open to a {order.status} order; "
                    f"allowed: {', '.join(allowed) or 'none'}"
                )
            found = discussions.customer_opens(
                self._state, shop, order, now, sub_typology=sub_typology, body=body
            )
            if found is None:
                raise SandboxError(f"no sub-typology fits a {order.status} order")
            return found.discussion_id

    def customer_message(
        self, discussion_id: str, body: str | None = None, seller_id: int | None = None
    ) -> str:
        """The customer writes in the discussion now (a canned French reply if no ``body``)."""
        with self._state.lock:
            now = self._state.tick()
            shop = self._shop(seller_id)
            discussion = self._discussion(shop, discussion_id)
            if not discussion.is_open:
                raise SandboxError(f"discussion {discussion_id} is closed")
            rng = self._state.random_for(discussion_id, len(discussion.messages), "text")
            text = body or rng.choice(discussions.texts()["customer_replies"])
            message = discussions.add_message(
                self._state,
                shop,
                discussion,
                body=text,
                sender=(discussion.customer_id, "Customer"),
                receivers=[("", "Seller")],
                now=now,
            )
            return message.message_id

    def escalate_discussion(self, discussion_id: str, seller_id: int | None = None) -> str:
        """Escalate one level now, as if the delay had run out unanswered; the new graduation."""
        with self._state.lock:
            now = self._state.tick()
            shop = self._shop(seller_id)
            discussion = self._discussion(shop, discussion_id)
            if not discussions.escalate_now(self._state, shop, discussion, now):
                raise SandboxError(
                    f"discussion {discussion_id} is {discussion.graduation}"
                    f"{'' if discussion.is_open else ' and closed'}: it cannot escalate"
                )
            return discussion.graduation

    def discussion(self, discussion_id: str, seller_id: int | None = None) -> dict[str, Any]:
        """The discussion as stored: graduation, status, every message."""
        with self._state.lock:
            self._state.tick()
            shop = self._shop(seller_id)
            found = self._discussion(shop, discussion_id)
            return discussion_json(found, shop.seller_id, None, full=True)

    def _discussion(self, shop: SellerShop, discussion_id: str) -> Discussion:
        found = shop.discussions.get(discussion_id)
        if found is None:
            raise SandboxError(f"no discussion {discussion_id}")
        return found

    def finance_discrepancies(self, seller_id: int | None = None) -> dict[str, Any]:
        """The discrepancies planted in the finance data now (``FinanceSettings``): commissions
        charged at a wrong rate and sales never paid, with their operation ids."""
        with self._state.lock:
            now = self._state.tick()
            config = self._state.config
            ledger = finance.build(
                self._shop(seller_id), config.finance, config.variants.payout_schedule, now
            )
            return finance.planted_json(ledger)
