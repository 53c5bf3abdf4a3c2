"""The whole simulated marketplace in memory: shops, realm, faults, timers and the clock.

One ``SandboxState`` backs one sandbox. Every request and every control call takes its lock,
then ``tick()``s: events due on the sandbox clock (order timers, package integration, new orders
from the generator) are applied in time order, each at its own due time, so a reader at time T
sees exactly what happened up to T whatever the size of the clock's jumps.
"""

from __future__ import annotations

import heapq
import random
import threading
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

from cdlink.core.clock import Clock, SystemClock
from cdlink.sandbox import (
    after_sales,
    catalog,
    discussions,
    lifecycle,
    packages,
    xml_packages,
)
from cdlink.sandbox.auth import Authority, Credentials
from cdlink.sandbox.config import SandboxConfig
from cdlink.sandbox.faults import FaultEngine
from cdlink.sandbox.generator import make_order
from cdlink.sandbox.model import Order
from cdlink.sandbox.serialize import OrderCache
from cdlink.sandbox.shop import SellerShop

Event = tuple[float, int, datetime, str, int, str]


class SandboxClock:
    """The sandbox's time: a base clock plus an offset the control API can move forward."""

    def __init__(self, base: Clock) -> None:
        self._base = base
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            offset = self._offset
        return self._base.now() + timedelta(seconds=offset)

    def monotonic(self) -> float:
        with self._lock:
            offset = self._offset
        return self._base.monotonic() + offset

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the sandbox clock never goes backwards")
        with self._lock:
            self._offset += seconds
        return self.now()


class SandboxState:
    """Shops, realm, faults and timers of one sandbox, behind one re-entrant lock."""

    def __init__(self, config: SandboxConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = SandboxClock(clock or SystemClock())
        self.lock = threading.RLock()
        # How XML offer packages' zips are fetched from URLs not on the sandbox (tests may
        # route them to an app in the same process).
        self.download: xml_packages.Download = xml_packages.download
        self.reset()

    def reset(self) -> None:
        seed = self.config.seed
        self.shops: dict[int, SellerShop] = {}
        self.referential = catalog.Referential()
        self._events: list[Event] = []
        self._sequence = 0
        self.authority = Authority(random.Random(f"{seed}:tokens"))
        self.faults = FaultEngine(random.Random(f"{seed}:faults"), list(self.config.faults))
        self.faults.rate_limit = self.config.rate_limit
        self.order_rng = random.Random(f"{seed}:orders")
        self.ids = random.Random(f"{seed}:ids")
        self.discussion_rng = random.Random(f"{seed}:discussions")
        self.traces = 0
        self.order_cache = OrderCache()
        self.token_lifetime = self.config.token_lifetime_seconds
        self.files: dict[str, bytes] = {}  # zips hosted for XML offer packages
        self.request_log: deque[dict[str, Any]] = deque(maxlen=2000)
        self.credentials = self.default_credentials(self.config.seller_id)
        self.authority.add_client(
            self.credentials.client_id,
            self.credentials.client_secret,
            {self.credentials.seller_id},
        )
        self.authority.add_login(
            self.credentials.login, self.credentials.password, self.credentials.seller_id
        )

    def default_credentials(self, seller_id: int) -> Credentials:
        secrets = random.Random(f"{self.config.seed}:credentials:{seller_id}")
        return Credentials(
            seller_id=seller_id,
            client_id=f"sandbox-client-{seller_id}",
            client_secret=f"{secrets.getrandbits(128):032x}",
            login=f"sandbox-login-{seller_id}",
            password=f"{secrets.getrandbits(96):024x}",
        )

    # --- timers --------------------------------------------------------------------------------
    def schedule(self, due: datetime, kind: str, seller_id: int, target: str) -> None:
        self._sequence += 1
        heapq.heappush(
            self._events, (due.timestamp(), self._sequence, due, kind, seller_id, target)
        )

    def random_for(self, *parts: object) -> random.Random:
        """A generator private to one decision (an order's delivery delay…), so that HTTP
        calls made in between never shift what the seed decides."""
        return random.Random(":".join(str(part) for part in (self.config.seed, *parts)))

    def tick(self) -> datetime:
        """Apply every event due by now, oldest first; return now."""
        now = self.clock.now()
        limit = now.timestamp()
        while self._events and self._events[0][0] <= limit:
            _, _, due, kind, seller_id, target = heapq.heappop(self._events)
            shop = self.shops.get(seller_id)
            if shop is not None:
                self.dispatch(shop, kind, target, due)
        return now

    def dispatch(self, shop: SellerShop, kind: str, target: str, due: datetime) -> None:
        if kind == "generate":
            self.create_order(shop, due)
            self.schedule_arrival(shop, due)
            return
        if kind.startswith(("discussion", "gesture.", "return.")):
            self.dispatch_customer_service(shop, kind, target, due)
            return
        if kind == "products.judge":
            catalog.judge(self, shop.catalog, self.referential, target, due)
            return
        if kind == "products.integrate":
            catalog.integrate(self, shop.catalog, self.referential, target, due)
            return
        if kind.startswith(("package.", "xmlpackage.")):
            self.dispatch_package(shop, kind, target, due)
            return
        order = shop.orders.get(target)
        if order is not None:
            self.dispatch_order(shop, kind, order, due)

    def dispatch_package(self, shop: SellerShop, kind: str, target: str, due: datetime) -> None:
        if kind == "xmlpackage.integrate":
            xml_package = shop.xml_packages.get(target)
            if xml_package is not None:
                xml_packages.integrate(
                    self,
                    shop,
                    xml_package,
                    due,
                    referential=self.referential,
                    files=self.files,
                    fetch=self.download,
                )
            return
        package = shop.packages.get(target)
        if package is None:
            return
        if kind == "package.pending":
            packages.to_pending(self, shop, package, due)
        elif kind == "package.integrate":
            packages.integrate(self, shop, package, due, self.referential)
        elif kind == "package.expire":
            packages.expire(package)

    def dispatch_order(self, shop: SellerShop, kind: str, order: Order, due: datetime) -> None:
        if kind == "order.visible":
            lifecycle.make_visible(self, shop, order, due)
        elif kind == "order.acceptance_timeout":
            lifecycle.acceptance_timeout(shop, order, due)
        elif kind == "order.prepare":
            lifecycle.prepare(shop, order, due)
        elif kind == "order.deliver":
            lifecycle.deliver(shop, order, due)
        elif kind == "order.customer_cancel":
            choice = self.random_for(order.order_id, "cancel-line").choice(order.lines)
            lifecycle.customer_cancel_request(shop, order, choice, due)

    def dispatch_customer_service(
        self, shop: SellerShop, kind: str, target: str, due: datetime
    ) -> None:
        if kind == "discussions.generate":
            order = discussions.random_order(self.discussion_rng, shop)
            if order is not None:
                discussions.customer_opens(self, shop, order, due)
            self.schedule_discussion(shop, due)
        elif kind == "gesture.process":
            after_sales.process_gesture(shop, target, due)
        elif kind == "return.step":
            after_sales.advance_return(self, shop, target, due)
        elif (discussion := shop.discussions.get(target)) is not None:
            if kind == "discussion.escalate":
                discussions.escalate(self, shop, discussion, due)
            elif kind == "discussion.customer_reply":
                discussions.customer_reply(self, shop, discussion, due)

    def schedule_discussion(self, shop: SellerShop, after: datetime) -> None:
        """The next customer discussion of the generator (a Poisson process, like orders)."""
        rate = self.config.discussions_per_hour
        if rate > 0:
            wait = self.discussion_rng.expovariate(rate / 3600.0)
            self.schedule(
                after + timedelta(seconds=wait), "discussions.generate", shop.seller_id, ""
            )

    def schedule_arrival(self, shop: SellerShop, after: datetime) -> None:
        rate = self.config.orders_per_hour
        if rate > 0:
            wait = self.order_rng.expovariate(rate / 3600.0)
            self.schedule(after + timedelta(seconds=wait), "generate", shop.seller_id, "")

    # --- orders --------------------------------------------------------------------------------
    def create_order(self, shop: SellerShop, at: datetime) -> Order | None:
        """A new customer order on offers in stock (``None`` when nothing is in stock)."""
        in_stock = shop.offers_in_stock()
        if not in_stock:
            return None
        order = make_order(self.order_rng, shop.seller_id, in_stock, at, self.config)
        while order.order_id in shop.orders:
            order.order_id = order.order_id[:10] + f"{self.order_rng.getrandbits(20):05X}"
        lifecycle.place(self, shop, order, at)
        return order

    def shop(self, seller_id: int) -> SellerShop | None:
        return self.shops.get(seller_id)

    def next_id(self) -> str:
        value = self.ids.getrandbits(128)
        text = f"{value:032x}"
        return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-a{text[17:20]}-{text[20:]}"

    def next_trace(self) -> str:
        self.traces += 1
        seed = self.config.seed & 0xFFFFFFFFFFFFFFFF
        return f"00-{seed:016x}{self.traces:016x}-{self.traces:016x}-01"

    def now_utc(self) -> datetime:
        return self.clock.now().astimezone(UTC)
