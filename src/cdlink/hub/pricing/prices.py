"""Prices per (connection, SKU): computed from the price list, guarded, held or queued.

A SKU's price on a connection is its override if it has one, else its base price (the catalog
product's price) through the connection's price list. Each change is checked against the guards
(``rules.guard``): a price that crosses one is *held* (kept aside with its reason) and sent only
when a user confirms it; any other price becomes the wanted price and, when the connection syncs
prices, is handed to a ``PricePublisher`` in the same transaction. The hub does not know the
outbox: callers pass ``cdlink.sync.pricing.publish.publish_price_to_outbox``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.hub.connections.accounts import get_connection
from cdlink.hub.pricing.rules import (
    MARKUP_KINDS,
    ROUNDINGS,
    Guards,
    InvalidPriceError,
    check_guards,
    check_price,
    check_strike_price,
    guard,
    list_price,
)
from cdlink.hub.pricing.status import stamp
from cdlink.hub.stock.inventory_core import UnknownProductError
from cdlink.hub.webhooks.events import emit
from cdlink.store.models import PriceList, Product, ProductPricing, SkuPrice

#: Called with (session, connection id, SKU, payload, now) for each price to send.
PricePublisher = Callable[[Session, int, str, dict[str, str | None], datetime], None]
DEFAULT_VAT = Decimal(20)
PROMOTION_CHANNELS = ("xml", "json")
VAT_RATES = (Decimal(20), Decimal(10), Decimal("5.5"), Decimal("2.1"))


def price_payload(
    price: Decimal, pricing: ProductPricing | None, strike: Decimal | None
) -> dict[str, str | None]:
    """What the pusher sends for a price: the amount, its VAT and taxes, a strike price above it."""
    vat = pricing.vat_percent if pricing is not None else DEFAULT_VAT
    ecotax = pricing.ecotax if pricing is not None else None
    return {
        "price": str(price),
        "vat": str(vat.normalize()),
        "ecotax": None if ecotax is None else str(ecotax),
        "strike_price": str(strike) if strike is not None and strike > price else None,
    }


class PriceBook:
    """Price writes inside one session (the caller's transaction)."""

    def __init__(self, session: Session, clock: Clock, publish: PricePublisher) -> None:
        self.session = session
        self.clock = clock
        self.publish = publish

    # --- lookups ---------------------------------------------------------------------------

    def product(self, sku: str) -> Product:
        product = self.session.scalar(select(Product).where(Product.sku == sku))
        if product is None:
            raise UnknownProductError(f"unknown SKU {sku!r}")
        return product

    def price_list(self, connection_id: int) -> PriceList:
        """The connection's price list (its defaults until one is saved)."""
        found = self.session.get(PriceList, connection_id)
        if found is None:
            get_connection(self.session, connection_id)
            found = PriceList(
                connection_id=connection_id,
                sync_enabled=False,
                markup_kind="percent",
                markup=Decimal(0),
                rounding="none",
                max_change_percent=None,
                promotions_channel="xml",
                updated_at=self.clock.now(),
            )
        return found

    def pricing(self, product: Product) -> ProductPricing | None:
        return self.session.get(ProductPricing, product.id)

    def row(self, connection_id: int, sku: str) -> SkuPrice:
        found = self.session.get(SkuPrice, (connection_id, sku))
        if found is None:
            found = SkuPrice(connection_id=connection_id, sku=sku, updated_at=self.clock.now())
            self.session.add(found)
        return found

    def connections(self) -> list[int]:
        """The connections that price their SKUs (those with a saved price list)."""
        return list(self.session.scalars(select(PriceList.connection_id)))

    def wanted(
        self, connection_id: int, product: Product, row: SkuPrice | None = None
    ) -> Decimal | None:
        """The SKU's price on the connection: the override, else the list price."""
        row = row if row is not None else self.session.get(SkuPrice, (connection_id, product.sku))
        if row is not None and row.override is not None:
            return row.override
        if product.price is None or product.price <= 0:
            return None
        prices = self.price_list(connection_id)
        return list_price(
            product.price,
            markup_kind=prices.markup_kind,
            markup=prices.markup,
            rounding=prices.rounding,
        )

    # --- writes ----------------------------------------------------------------------------

    def set_price_list(
        self,
        connection_id: int,
        *,
        sync_enabled: bool,
        markup_kind: str = "percent",
        markup: Decimal = Decimal(0),
        rounding: str = "none",
        max_change_percent: Decimal | None = None,
        promotions_channel: str = "xml",
    ) -> PriceList:
        """Save the connection's price list and reprice every SKU it sells."""
        if markup_kind not in MARKUP_KINDS:
            raise InvalidPriceError(f"the markup is 'percent' or 'fixed' ({markup_kind})")
        if rounding not in ROUNDINGS:
            raise InvalidPriceError(f"rounding must be one of {', '.join(ROUNDINGS)} ({rounding})")
        if markup_kind == "percent" and not Decimal(-90) <= markup <= Decimal(1000):
            raise InvalidPriceError(f"a markup is -90 to 1000 % ({markup})")
        check_guards(Guards(max_change_percent=max_change_percent))
        if promotions_channel not in PROMOTION_CHANNELS:
            raise InvalidPriceError(f"promotions go as 'xml' or 'json' ({promotions_channel})")
        prices = self.price_list(connection_id)
        prices.sync_enabled = sync_enabled
        prices.markup_kind, prices.markup, prices.rounding = markup_kind, markup, rounding
        prices.max_change_percent = max_change_percent
        prices.promotions_channel = promotions_channel
        prices.updated_at = self.clock.now()
        self.session.add(prices)
        self.session.flush()
        for product in self.session.scalars(select(Product).order_by(Product.id)):
            self.reprice(connection_id, product)
        return prices

    def set_guards(
        self,
        sku: str,
        *,
        floor: Decimal | None,
        ceiling: Decimal | None,
        vat_percent: Decimal = DEFAULT_VAT,
        ecotax: Decimal | None = None,
    ) -> ProductPricing:
        """Save a SKU's VAT, eco-tax, floor and ceiling, then reprice it."""
        check_guards(Guards(floor=floor, ceiling=ceiling))
        if vat_percent not in VAT_RATES:
            raise InvalidPriceError(f"the VAT is 20, 10, 5.5 or 2.1 % ({vat_percent})")
        if ecotax is not None and ecotax < 0:
            raise InvalidPriceError(f"the eco-tax cannot be negative ({ecotax})")
        product = self.product(sku)
        pricing = self.pricing(product) or ProductPricing(product_id=product.id)
        pricing.floor, pricing.ceiling = floor, ceiling
        pricing.vat_percent, pricing.ecotax = vat_percent, ecotax
        pricing.updated_at = self.clock.now()
        self.session.add(pricing)
        self.session.flush()
        self._reprice_everywhere(product)
        return pricing

    def set_base_price(self, sku: str, price: Decimal) -> Product:
        """Change a SKU's base price and reprice it on every connection."""
        product = self.product(sku)
        product.price = check_price(price, "the base price")
        product.updated_at = self.clock.now()
        self._reprice_everywhere(product)
        return product

    def set_price(
        self,
        connection_id: int,
        sku: str,
        price: Decimal | None,
        *,
        strike_price: Decimal | None = None,
    ) -> SkuPrice:
        """Set (``None``: clear) a SKU's price override and strike price on a connection."""
        get_connection(self.session, connection_id)
        product = self.product(sku)
        price = None if price is None else check_price(price)
        strike_price = (
            None if strike_price is None else check_price(strike_price, "the strike price")
        )
        row = self.row(connection_id, sku)
        check_strike_price(
            strike_price, price if price is not None else self.wanted(connection_id, product, row)
        )
        row.override, row.strike_price = price, strike_price
        return self.reprice(connection_id, product, force=True)

    def confirm_held(self, connection_id: int, sku: str) -> SkuPrice:
        """A user accepts the held price: it becomes the wanted price and is sent."""
        row = self.session.get(SkuPrice, (connection_id, sku))
        if row is None or row.held_price is None:
            raise InvalidPriceError(f"no price of {sku} is held on this connection")
        held = row.held_price
        self._clear_hold(row)
        self._accept(connection_id, self.product(sku), row, held)
        stamp(row, self.clock.now())
        return row

    def discard_held(self, connection_id: int, sku: str) -> SkuPrice:
        """A user refuses the held price: the price on Cdiscount stays as it is."""
        row = self.session.get(SkuPrice, (connection_id, sku))
        if row is None or row.held_price is None:
            raise InvalidPriceError(f"no price of {sku} is held on this connection")
        self._clear_hold(row)
        stamp(row, self.clock.now())
        return row

    def reprice(self, connection_id: int, product: Product, *, force: bool = False) -> SkuPrice:
        """Compute the SKU's price on the connection; hold it or queue it."""
        row = self._reprice(connection_id, product, force=force)
        stamp(row, self.clock.now())
        return row

    def _reprice(self, connection_id: int, product: Product, *, force: bool) -> SkuPrice:
        row = self.row(connection_id, product.sku)
        wanted = self.wanted(connection_id, product, row)
        if wanted is None or (wanted == row.price and not force and row.held_price is None):
            return row
        self._clear_hold(row)
        pricing = self.pricing(product)
        guards = Guards(
            floor=pricing.floor if pricing else None,
            ceiling=pricing.ceiling if pricing else None,
            max_change_percent=self.price_list(connection_id).max_change_percent,
        )
        previous = row.confirmed_price if row.confirmed_price is not None else row.marketplace_price
        hold = guard(wanted, guards, previous)
        if hold is not None:
            row.held_price, row.held_reason, row.held_limit = wanted, hold.reason, hold.limit
            row.held_at = self.clock.now()
            data = {
                "sku": product.sku,
                "price": str(wanted),
                "limit": str(hold.limit) if hold.limit is not None else None,
                "reason": hold.reason,
            }
            emit(self.session, "price.held", data, connection_id=connection_id, now=row.held_at)
            return row
        self._accept(connection_id, product, row, wanted)
        return row

    def reprice_all(self, connection_id: int, products: Iterable[Product]) -> None:
        for product in products:
            self.reprice(connection_id, product)

    def _reprice_everywhere(self, product: Product) -> None:
        for connection_id in self.connections():
            self.reprice(connection_id, product)

    def _accept(self, connection_id: int, product: Product, row: SkuPrice, price: Decimal) -> None:
        row.price = price
        row.changed_at = self.clock.now()
        if self.price_list(connection_id).sync_enabled:
            payload = price_payload(price, self.pricing(product), row.strike_price)
            self.publish(self.session, connection_id, product.sku, payload, self.clock.now())

    @staticmethod
    def _clear_hold(row: SkuPrice) -> None:
        row.held_price = row.held_reason = row.held_limit = row.held_at = None
