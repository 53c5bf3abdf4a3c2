"""The promotions stream: sales and flash sales sent on schedule, withdrawn when stopped.

Every run (every 15 seconds, and at once when a promotion is created, changed or stopped):

1. what is due: a sale not sent yet (Cdiscount wants it 72 hours ahead, so at once); a flash
   sale whose start has come (the scheduler starts it); a promotion stopped early (its SKUs'
   remaining promotions are sent, which withdraws it: the price reverts at once);
2. for each SKU concerned, the full list of its promotions still to run (a list sent for a SKU
   replaces its promotions not yet ended, on Cdiscount as in the sandbox) is checked against the
   marketplace's rules, then sent in one package: an XML offer package by default (Cdiscount's
   only documented way for promotions), or a JSON ``Update`` package for a connection set so;
3. the package is polled until integrated, and each SKU's result recorded (sent, or refused with
   the rule; a withdrawal Cdiscount refuses leaves the item ``stop_refused``, shown with the
   reason); when polling gives up, the SKUs are ``unknown``, shown with Retry (never "sent"
   forever); a promotion that ended on its own is marked ended (Cdiscount ends it by its dates).

The price shown on Cdiscount while a promotion runs is read back by the offers stream
(``read_back.read_promotions``), which marks a SKU's promotion live.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import ClassVar
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.errors import ConfigurationError
from cdlink.hub.pricing import package_files
from cdlink.hub.pricing import promotions as hub
from cdlink.hub.pricing.prices import DEFAULT_VAT
from cdlink.hub.pricing.promotion_rules import SALE
from cdlink.hub.webhooks.events import emit
from cdlink.octopia import OctopiaClient, RateLimited, ServerError, TransportError, ZipHost
from cdlink.octopia.models import (
    DiscountComponent,
    OfferRequestResult,
    PromotionType,
    XmlOffer,
    XmlOfferResult,
    offer_update,
)
from cdlink.store.models import (
    PriceList,
    Product,
    ProductPricing,
    Promotion,
    PromotionItem,
    SkuPrice,
)
from cdlink.sync.engine.schedules import request_run
from cdlink.sync.engine.streams import LIVE, Stream, StreamContext

STREAM = "promotions"
SENDING = (hub.SENT, hub.LIVE)
#: Items whose promotion Cdiscount holds (or may hold), carried in every list sent for the SKU.
CARRIED = hub.ON_CDISCOUNT
#: The refusal text standing for "the package's result never came" in a run's results.
RESULT_UNKNOWN = "result_unknown"


def wake_promotions(session: Session, connection_id: int, now: datetime) -> None:
    """The hub's ``PromotionWaker``: ask for a run of the promotions stream."""
    request_run(session, connection_id, STREAM, now=now, trigger="event")


@dataclasses.dataclass
class Plan:
    """One run's work: the items to send, to withdraw, and each SKU's list of promotions."""

    sending: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    withdrawing: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    lists: dict[str, list[DiscountComponent]] = dataclasses.field(default_factory=dict)
    #: Per SKU, the promotions Cdiscount holds already (sent again unchanged, not re-checked).
    held: dict[str, list[DiscountComponent]] = dataclasses.field(default_factory=dict)


def component(promotion: Promotion, item: PromotionItem) -> DiscountComponent:
    sale = promotion.kind == SALE
    return DiscountComponent(
        type=PromotionType.SALE if sale else PromotionType.FLASH_SALE,
        discount_value=promotion.discount_percent,
        start_date=promotion.starts_at,
        end_date=promotion.ends_at,
        sales_reference_price=item.reference_price if sale else None,
    )


#: What to set when XML offer packages cannot be hosted (shown on the Promotions page too).
PUBLIC_URL_HINT = (
    "Set CDLINK_PUBLIC_URL to the https address at which Cdiscount can reach cdlink (and "
    "restart it), or set the connection's promotions to go as JSON (Prices page)."
)


def is_marketplace(api_url: str) -> bool:
    """Whether an API address is Cdiscount's (Octopia's) own, not a sandbox."""
    host = urlsplit(api_url).hostname or ""
    return host == "octopia-io.net" or host.endswith(".octopia-io.net")


def public_url_of(context: StreamContext) -> str | None:
    """``CDLINK_PUBLIC_URL`` of the runtime that built this run's marketplace clients."""
    settings = getattr(context.clients, "settings", None)
    found = getattr(settings, "public_url", None)
    return found if isinstance(found, str) and found else None


def check_zip_host(context: StreamContext, api_url: str) -> None:
    """Refuse, before anything is sent, an XML package the marketplace could not download."""
    if public_url_of(context) is None and is_marketplace(api_url):
        raise ConfigurationError(
            "XML offer packages (sales, flash sales) need the address at which Cdiscount "
            "downloads their zip, and CDLINK_PUBLIC_URL is not set",
            hint=PUBLIC_URL_HINT,
        )


def zip_host(context: StreamContext, client: OctopiaClient) -> ZipHost:
    """Where a package's zip goes: cdlink itself at ``CDLINK_PUBLIC_URL`` (the marketplace
    downloads it from there), else, with the sandbox only, the sandbox's ``/_sandbox/files/``."""
    check_zip_host(context, client.api_url)
    public = public_url_of(context)
    if public is not None:

        def serve(content: bytes, name: str) -> str:
            with context.transaction() as session:
                path = package_files.store(
                    session, context.connection_id, content, name, context.clock.now()
                )
            return public + path

        return serve
    return sandbox_zip_host(client)


def sandbox_zip_host(client: OctopiaClient) -> ZipHost:
    """Host zips on the file host of the API's server (the sandbox's ``/_sandbox/files/``)."""
    parts = urlsplit(client.api_url)
    origin = f"{parts.scheme}://{parts.netloc}"

    def host(content: bytes, name: str) -> str:
        url = f"{origin}/_sandbox/files/{name}"
        client.put_file(url, content)
        return url

    return host


class PromotionsStream(Stream):
    """Sends the promotions of one connection when they are due, and withdraws stopped ones."""

    name = STREAM
    kind = "promotion"
    default_interval = 15
    lane = LIVE
    poll_seconds: ClassVar[float] = 2.0
    poll_limit_seconds: ClassVar[float] = 300.0

    def wait(self, context: StreamContext, seconds: float) -> None:
        context.pause(seconds)

    def run(self, context: StreamContext) -> None:
        with context.transaction() as session:
            self.advance(session, context)
            plan = self.plan(session, context)
            prices = self.prices(session, context.connection_id, list(plan.lists))
            channel = _channel(session, context.connection_id)
        if not plan.lists:
            return
        context.check_stop()
        if channel != "json":
            check_zip_host(context, context.client().api_url)
        results = self.send(context, plan, prices, channel)
        with context.transaction() as session:
            self.record(session, context, plan, results)

    # --- what is due -------------------------------------------------------------------

    def advance(self, session: Session, context: StreamContext) -> None:
        """Promotions that started run; those over end (Cdiscount ends them by their dates)."""
        now = context.clock.now()
        query = select(Promotion).where(
            Promotion.connection_id == context.connection_id,
            Promotion.state.in_((hub.PLANNED, hub.RUNNING, hub.STOPPED)),
        )
        for promotion in session.scalars(query):
            items = _items(session, promotion.id)
            before = _shown(promotion, items)
            self._advance(session, context, promotion, items, now)
            if _shown(promotion, items) != before:
                promotion.updated_at = now

    @staticmethod
    def _advance(
        session: Session,
        context: StreamContext,
        promotion: Promotion,
        items: Sequence[PromotionItem],
        now: datetime,
    ) -> None:
        """One promotion's state by the clock: started, over, or refused whole."""
        if promotion.state == hub.STOPPED:
            _end_kept(items, promotion, now)
        elif promotion.ends_at <= now:
            if promotion.state == hub.RUNNING:
                _emit(session, promotion, "promotion.ended", now)
            promotion.state = hub.ENDED
            for item in items:
                if item.state in SENDING:
                    item.state = hub.ITEM_ENDED
                elif item.state == hub.WAITING:
                    item.state, item.reason = hub.ITEM_REFUSED, "promotion_ended"
            context.count(ended=1)
        elif items and all(item.state == hub.ITEM_REFUSED for item in items):
            promotion.state = hub.REFUSED
        elif promotion.starts_at <= now and any(item.state in SENDING for item in items):
            if promotion.state != hub.RUNNING:
                _emit(session, promotion, "promotion.started", now)
            promotion.state = hub.RUNNING

    def plan(self, session: Session, context: StreamContext) -> Plan:
        now = context.clock.now()
        rows = session.execute(
            select(Promotion, PromotionItem)
            .join(PromotionItem, PromotionItem.promotion_id == Promotion.id)
            .where(
                Promotion.connection_id == context.connection_id,
                PromotionItem.state.in_((hub.WAITING, *CARRIED)),
            )
            .order_by(Promotion.starts_at, Promotion.id)
        ).all()
        plan = Plan()
        carried: dict[str, list[DiscountComponent]] = {}
        for promotion, item in rows:
            key = (promotion.id, item.sku)
            if (
                item.state == hub.WAITING
                and promotion.state in (hub.PLANNED, hub.RUNNING)
                and _due(promotion, now)
            ):
                plan.sending.append(key)
                carried.setdefault(item.sku, []).append(component(promotion, item))
            elif item.state in SENDING and promotion.state == hub.STOPPED:
                plan.withdrawing.append(key)
                carried.setdefault(item.sku, [])
            elif promotion.ends_at > now and _carried(promotion, item):
                held = component(promotion, item)
                carried.setdefault(item.sku, []).append(held)
                plan.held.setdefault(item.sku, []).append(held)
        touched = {sku for _, sku in plan.sending + plan.withdrawing}
        plan.lists = {sku: carried[sku] for sku in sorted(touched)}
        return plan

    def prices(
        self, session: Session, connection_id: int, skus: list[str]
    ) -> dict[str, tuple[Decimal, Decimal]]:
        """Each SKU's price and VAT (a JSON package resends the price with its promotions)."""
        found: dict[str, tuple[Decimal, Decimal]] = {}
        for sku in skus:
            product = session.scalar(select(Product).where(Product.sku == sku))
            row = session.get(SkuPrice, (connection_id, sku))
            price = row.price if row is not None and row.price is not None else None
            if price is None and product is not None:
                price = product.price
            pricing = session.get(ProductPricing, product.id) if product is not None else None
            if price is not None:
                found[sku] = (price, pricing.vat_percent if pricing else DEFAULT_VAT)
        return found

    # --- sending -----------------------------------------------------------------------

    def send(
        self,
        context: StreamContext,
        plan: Plan,
        prices: Mapping[str, tuple[Decimal, Decimal]],
        channel: str,
    ) -> dict[str, tuple[str | None, str | None, str | None]]:
        """Send the plan's lists; by SKU: (package id, refusal reason, moment integrated)."""
        client = context.client()
        now = context.clock.now()
        if channel == "json":
            requests = [
                offer_update(
                    sku, price=prices[sku][0], vat_percent=prices[sku][1], promotions=found
                )
                for sku, found in plan.lists.items()
                if sku in prices
            ]
            problems = client.offer_packages.check_updates(requests, now=now, history=plan.held)
            requests = [r for r in requests if r.seller_external_reference not in problems]
            package_id = client.offer_packages.submit("Update", requests) if requests else None
        else:
            offers = [
                XmlOffer(sku=sku, promotions=tuple(found)) for sku, found in plan.lists.items()
            ]
            problems = client.offer_integration_packages.check(offers, now=now, history=plan.held)
            offers = [offer for offer in offers if offer.sku not in problems]
            package_id = None
            if offers:
                host = zip_host(context, client)
                package_id = client.offer_integration_packages.submit(
                    offers,
                    host=host,
                    now=now,
                    name=f"cdlink-promotions-{context.connection_id}",
                    history=plan.held,
                )
        results: dict[str, tuple[str | None, str | None, str | None]] = {
            sku: (None, f"{found[0].rule}: {found[0].description}", None)
            for sku, found in problems.items()
        }
        if package_id is None:
            return results
        context.count(packages=1)
        with context.transaction() as session:  # recorded as soon as the marketplace has it
            _mark_sent(session, plan, package_id, context.clock.now())
        return {**results, **self._outcomes(context, package_id, channel, plan)}

    def _outcomes(
        self, context: StreamContext, package_id: str, channel: str, plan: Plan
    ) -> dict[str, tuple[str | None, str | None, str | None]]:
        if not self._integrated(context, package_id, channel):
            return dict.fromkeys(plan.lists, (package_id, RESULT_UNKNOWN, None))
        ready = context.clock.now().isoformat()
        client = context.client()
        outcomes: dict[str, tuple[str | None, str | None, str | None]] = {}
        read: Sequence[OfferRequestResult | XmlOfferResult]
        if channel == "json":
            read = list(client.offer_packages.results(package_id))
        else:
            read = list(client.offer_integration_packages.results(package_id))
        for result in read:
            sku, status, codes = _result(result)
            if sku in plan.lists:
                refused = None if status == "Integrated" else f"{status}: {codes}"
                outcomes[sku] = (package_id, refused, ready)
        return outcomes

    def _integrated(self, context: StreamContext, package_id: str, channel: str) -> bool:
        client = context.client()
        waited = 0.0
        while waited < self.poll_limit_seconds:
            context.check_stop()
            try:
                if channel == "json":
                    finished = client.offer_packages.get(package_id).is_finished
                else:
                    finished = client.offer_integration_packages.get(
                        package_id, limit=1
                    ).is_finished
                if finished:
                    return True
            except (ServerError, TransportError, RateLimited):
                pass
            self.wait(context, self.poll_seconds)
            waited += self.poll_seconds
        return False

    # --- recording ---------------------------------------------------------------------

    def record(
        self,
        session: Session,
        context: StreamContext,
        plan: Plan,
        results: Mapping[str, tuple[str | None, str | None, str | None]],
    ) -> None:
        """Each SKU's outcome: its sent items sent or refused, its withdrawn items withdrawn."""
        now = context.clock.now()
        for promotion_id, sku in plan.sending + plan.withdrawing:
            item = session.get(PromotionItem, (promotion_id, sku))
            outcome = results.get(sku)
            if item is None or outcome is None:
                continue  # still integrating: the next run reads it again
            _touch(session, promotion_id, now)
            package_id, refused, ready = outcome
            withdrawing = (promotion_id, sku) in plan.withdrawing
            if refused == RESULT_UNKNOWN:
                item.state, item.package_id = hub.UNKNOWN, package_id or item.package_id
                item.reason = None
                context.count(unknown=1)
                continue
            if refused is not None:
                item.state = hub.STOP_REFUSED if withdrawing else hub.ITEM_REFUSED
                item.reason = refused
                context.count(stop_refused=1) if withdrawing else context.count(refused=1)
                continue
            item.package_id = package_id or item.package_id
            item.ready_at = datetime.fromisoformat(ready) if ready else item.ready_at
            item.state = hub.WITHDRAWN if withdrawing else item.state
            item.reason = None
            context.count(withdrawn=1) if withdrawing else context.count(sent=1)
        context.made_progress()


def _shown(promotion: Promotion, items: Sequence[PromotionItem]) -> tuple[object, ...]:
    """What the API shows of a promotion that the stream's clock moves (its and its SKUs'
    states)."""
    return (promotion.state, *((item.sku, item.state, item.reason) for item in items))


def _touch(session: Session, promotion_id: int, now: datetime) -> None:
    """A promotion changed through one of its SKUs: the API's ``updated_since`` sees it."""
    promotion = session.get(Promotion, promotion_id)
    if promotion is not None:
        promotion.updated_at = now


def _end_kept(items: Sequence[PromotionItem], promotion: Promotion, now: datetime) -> None:
    """A stopped promotion Cdiscount kept ends on its date all the same."""
    if promotion.ends_at <= now:
        for item in items:
            if item.state == hub.STOP_REFUSED:
                item.state = hub.ITEM_ENDED


def _carried(promotion: Promotion, item: PromotionItem) -> bool:
    """Whether Cdiscount holds (or may hold) the item, so that a list for its SKU keeps it; a
    stopped promotion only when Cdiscount refused to withdraw it."""
    if promotion.state == hub.STOPPED:
        return item.state == hub.STOP_REFUSED
    return item.state in CARRIED


def _due(promotion: Promotion, now: datetime) -> bool:
    """A sale goes at once; a flash sale when it starts."""
    return promotion.kind == SALE or promotion.starts_at <= now


def _items(session: Session, promotion_id: int) -> list[PromotionItem]:
    return list(
        session.scalars(select(PromotionItem).where(PromotionItem.promotion_id == promotion_id))
    )


def _channel(session: Session, connection_id: int) -> str:
    prices = session.get(PriceList, connection_id)
    return prices.promotions_channel if prices is not None else "xml"


def _mark_sent(session: Session, plan: Plan, package_id: str, now: datetime) -> None:
    for promotion_id, sku in plan.sending:
        item = session.get(PromotionItem, (promotion_id, sku))
        if item is not None and item.state == hub.WAITING:
            item.state, item.package_id, item.sent_at = hub.SENT, package_id, now
            _touch(session, promotion_id, now)


def _result(result: OfferRequestResult | XmlOfferResult) -> tuple[str, str, str]:
    if isinstance(result, OfferRequestResult):
        codes = ", ".join(str(r.result_code or r.message or "") for r in result.results)
        return result.seller_external_reference, str(result.integration_status), codes
    codes = ", ".join(str(e.error_code or e.message or "") for e in result.errors)
    return result.seller_product_id, result.integration_status, codes


def _emit(session: Session, promotion: Promotion, event_type: str, now: datetime) -> None:
    data = {
        "promotion_id": promotion.id,
        "name": promotion.name,
        "kind": promotion.kind,
        "starts_at": promotion.starts_at.isoformat(),
        "ends_at": promotion.ends_at.isoformat(),
    }
    emit(session, event_type, data, connection_id=promotion.connection_id, now=now)
