"""Sales and flash sales: created, changed, stopped, and followed per SKU on Cdiscount.

A promotion is checked against Cdiscount's rules (``promotion_rules``) for each of its SKUs,
given that SKU's other promotions, before anything is recorded: a bad one is refused naming the
rule. Each SKU gets the reference price the reduction is announced from: the lowest price of
the SKU on Cdiscount in the 30 days before the start (Omnibus), from cdlink's price history.

The promotions stream (``cdlink.sync.pricing.promotions``) sends a sale as soon as it is created
(Cdiscount wants it 72 hours ahead) and a flash sale when it starts; when a promotion ends or is
stopped early it sends the SKU's remaining promotions, so that the price reverts. Item states:
``waiting`` (not sent) → ``sent`` → ``live`` (Cdiscount shows the reduced price) → ``ended``;
``withdrawn`` (stopped) or ``refused`` (with the marketplace's reason); ``unknown`` when the
package's result never came (Retry sends it again: a SKU's list replaces its promotions, so
sending twice does no harm); ``stop_refused`` when Cdiscount kept it although it was stopped.
A sale Cdiscount holds cannot be stopped from 72 hours before its start (``SaleLockedError``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.hub.connections.accounts import get_connection
from cdlink.hub.pricing import promotion_rules
from cdlink.hub.pricing.promotion_rules import PromotionRuleError, SaleLockedError, Window
from cdlink.hub.pricing.status import reference_price_of
from cdlink.hub.stock.inventory_core import UnknownProductError
from cdlink.store.models import Product, Promotion, PromotionItem

#: Called with (session, connection id, now) when promotions need the stream's attention.
PromotionWaker = Callable[[Session, int, datetime], None]
PLANNED, RUNNING, ENDED, STOPPED, REFUSED = "planned", "running", "ended", "stopped", "refused"
WAITING, SENT, LIVE, ITEM_ENDED, WITHDRAWN, ITEM_REFUSED = (
    "waiting",
    "sent",
    "live",
    "ended",
    "withdrawn",
    "refused",
)
UNKNOWN, STOP_REFUSED = "unknown", "stop_refused"
#: Item states in which Cdiscount holds the promotion (or may: ``unknown``).
ON_CDISCOUNT = (SENT, LIVE, UNKNOWN, STOP_REFUSED)
#: Item states that still count against a SKU's other promotions.
HOLDING = (WAITING, SENT, LIVE, ITEM_ENDED, UNKNOWN, STOP_REFUSED)
MAXIMUM_SKUS = 1000


class UnknownPromotionError(CdlinkError):
    """No promotion has that id on that connection."""

    default_hint = translatable("Check the promotion's number on the Promotions page.")


class PromotionStateError(CdlinkError):
    """The promotion cannot be changed any more (it started, ended or was stopped)."""

    default_hint = translatable(
        "A promotion can be changed until it is sent; after that, stop it and create another."
    )


def is_over(promotion: Promotion, now: datetime) -> bool:
    """Whether the promotion has ended, been refused, or passed its end."""
    return promotion.state in (ENDED, REFUSED) or promotion.ends_at <= now


def retryable(promotion: Promotion, items: Sequence[PromotionItem], now: datetime) -> bool:
    """Whether some of its SKUs never got their package result and it is still worth sending."""
    return not is_over(promotion, now) and any(item.state == UNKNOWN for item in items)


def stop_locked(promotion: Promotion, items: Sequence[PromotionItem], now: datetime) -> bool:
    """Whether Cdiscount holds the promotion and stopping it now breaks the sale's notice
    (nothing sent: dropping it asks nothing of Cdiscount)."""
    if not any(item.state in ON_CDISCOUNT for item in items):
        return False
    window = Window(
        promotion.kind, promotion.discount_percent, promotion.starts_at, promotion.ends_at
    )
    return promotion_rules.stop_problem(window, now=now) is not None


def no_waker(session: Session, connection_id: int, now: datetime) -> None:
    """A ``PromotionWaker`` that does nothing (the stream's interval picks the change up)."""


class Promotions:
    """Promotion writes and reads inside one session (the caller's transaction)."""

    def __init__(self, session: Session, clock: Clock, wake: PromotionWaker = no_waker) -> None:
        self.session = session
        self.clock = clock
        self.wake = wake

    def get(self, connection_id: int, promotion_id: int) -> Promotion:
        found = self.session.get(Promotion, promotion_id)
        if found is None or found.connection_id != connection_id:
            raise UnknownPromotionError(f"no promotion {promotion_id} on this connection")
        return found

    def items(self, promotion: Promotion) -> list[PromotionItem]:
        query = select(PromotionItem).where(PromotionItem.promotion_id == promotion.id)
        return list(self.session.scalars(query.order_by(PromotionItem.sku)))

    def create(
        self,
        connection_id: int,
        *,
        kind: str,
        percent: Decimal,
        starts_at: datetime,
        ends_at: datetime,
        skus: Sequence[str],
        name: str = "",
    ) -> Promotion:
        """Check the promotion for each SKU, then record it and wake the stream."""
        get_connection(self.session, connection_id)
        wanted = self._skus(skus)
        window = Window(kind, percent, starts_at, ends_at)
        self._check(connection_id, window, wanted, ignore=None)
        now = self.clock.now()
        promotion = Promotion(
            connection_id=connection_id,
            name=name.strip()[:120],
            kind=kind,
            discount_percent=percent,
            starts_at=starts_at,
            ends_at=ends_at,
            state=PLANNED,
            created_at=now,
            updated_at=now,
        )
        self.session.add(promotion)
        self.session.flush()
        for sku in wanted:
            self.session.add(
                PromotionItem(
                    promotion_id=promotion.id,
                    sku=sku,
                    state=WAITING,
                    reference_price=reference_price_of(self.session, connection_id, sku, starts_at),
                )
            )
        self.session.flush()
        self.wake(self.session, connection_id, now)
        return promotion

    def change(
        self,
        connection_id: int,
        promotion_id: int,
        *,
        percent: Decimal | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        name: str | None = None,
    ) -> Promotion:
        """Change a promotion nothing of which was sent yet (checked again, as on creation)."""
        promotion = self.get(connection_id, promotion_id)
        items = self.items(promotion)
        if promotion.state != PLANNED or any(item.state != WAITING for item in items):
            raise PromotionStateError(f"promotion {promotion_id} was sent already")
        window = Window(
            promotion.kind,
            percent if percent is not None else promotion.discount_percent,
            starts_at or promotion.starts_at,
            ends_at or promotion.ends_at,
        )
        skus = [item.sku for item in items]
        self._check(connection_id, window, skus, ignore=promotion.id)
        promotion.discount_percent, promotion.starts_at = window.percent, window.starts_at
        promotion.ends_at = window.ends_at
        if name is not None:
            promotion.name = name.strip()[:120]
        for item in items:
            item.reference_price = reference_price_of(
                self.session, connection_id, item.sku, window.starts_at
            )
        promotion.updated_at = self.clock.now()
        self.wake(self.session, connection_id, promotion.updated_at)
        return promotion

    def stop(self, connection_id: int, promotion_id: int) -> Promotion:
        """Stop a promotion now: not sent yet, it is dropped; sent, it is withdrawn from
        Cdiscount by the stream (the price reverts)."""
        promotion = self.get(connection_id, promotion_id)
        if promotion.state in (ENDED, STOPPED, REFUSED):
            raise PromotionStateError(f"promotion {promotion_id} is over already")
        now = self.clock.now()
        items = self.items(promotion)
        self._check_stop(promotion, items, now)
        promotion.state, promotion.stopped_at = STOPPED, now
        promotion.updated_at = now
        for item in items:
            if item.state == WAITING:
                item.state = WITHDRAWN
        self.wake(self.session, connection_id, now)
        return promotion

    def retry(self, connection_id: int, promotion_id: int) -> int:
        """Send again the SKUs whose package result never came (``unknown``); how many."""
        promotion = self.get(connection_id, promotion_id)
        now = self.clock.now()
        items = [item for item in self.items(promotion) if item.state == UNKNOWN]
        if not items:
            raise PromotionStateError(f"promotion {promotion_id} has no SKU to send again")
        if is_over(promotion, now):
            raise PromotionStateError(f"promotion {promotion_id} is over already")
        for item in items:
            # Stopped: withdrawn again; else sent again (a SKU's list replaces its promotions).
            item.state = SENT if promotion.state == STOPPED else WAITING
            item.reason = None
        promotion.updated_at = now
        self.wake(self.session, connection_id, now)
        return len(items)

    def delete(self, connection_id: int, promotion_id: int) -> bool:
        """Delete a promotion nothing of which was sent (True), else stop it (False)."""
        promotion = self.get(connection_id, promotion_id)
        if all(item.state in (WAITING, ITEM_REFUSED) for item in self.items(promotion)):
            self.session.delete(promotion)
            return True
        if promotion.state in (PLANNED, RUNNING):
            self.stop(connection_id, promotion_id)
        return False

    # --- checks -------------------------------------------------------------------------

    def _check_stop(
        self, promotion: Promotion, items: Sequence[PromotionItem], now: datetime
    ) -> None:
        if stop_locked(promotion, items, now):
            raise SaleLockedError(
                f"{promotion_rules.MESSAGES['sale_locked']}: promotion {promotion.id} runs "
                f"until {promotion.ends_at:%Y-%m-%d %H:%M} UTC",
                rule="sale_locked",
            )

    def _skus(self, skus: Sequence[str]) -> list[str]:
        wanted = list(dict.fromkeys(sku.strip() for sku in skus if sku.strip()))
        if not wanted:
            raise PromotionRuleError("a promotion holds at least one SKU", rule="promotion_skus")
        if len(wanted) > MAXIMUM_SKUS:
            raise PromotionRuleError(
                f"a promotion holds at most {MAXIMUM_SKUS} SKUs", rule="promotion_skus"
            )
        known = set(self.session.scalars(select(Product.sku).where(Product.sku.in_(wanted))))
        missing = [sku for sku in wanted if sku not in known]
        if missing:
            raise UnknownProductError(f"unknown SKU {missing[0]!r}")
        return wanted

    def _check(
        self, connection_id: int, window: Window, skus: Sequence[str], *, ignore: int | None
    ) -> None:
        others = self._others(connection_id, skus, ignore)
        now = self.clock.now()
        for sku in skus:
            promotion_rules.check(window, now=now, others=others.get(sku, []), sku=sku)

    def _others(
        self, connection_id: int, skus: Sequence[str], ignore: int | None
    ) -> dict[str, list[Window]]:
        """The SKUs' other promotions that count (not stopped before sending, not refused)."""
        query = (
            select(PromotionItem.sku, Promotion)
            .join(Promotion, Promotion.id == PromotionItem.promotion_id)
            .where(
                Promotion.connection_id == connection_id,
                PromotionItem.sku.in_(list(skus)),
                PromotionItem.state.in_(HOLDING),
            )
        )
        found: dict[str, list[Window]] = {}
        for sku, other in self.session.execute(query):
            if other.id == ignore:
                continue
            end = other.stopped_at if other.stopped_at is not None else other.ends_at
            window = Window(other.kind, other.discount_percent, other.starts_at, end)
            found.setdefault(sku, []).append(window)
        return found
