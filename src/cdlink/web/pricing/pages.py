"""The Prices and Promotions pages and their forms.

Prices: per connection, each SKU's base price, its price (edit in place: override and strike
price), a held price with its reason (confirm or discard), the last push, what Cdiscount holds
and shows, the best offer and whether the seller holds it, the 30-day reference price; the
connection's price list and guard (markup, rounding, largest change per push). Promotions: a
form to create a sale or flash sale (refused naming Cdiscount's rule), a calendar of running and
planned ones, the state per SKU on Cdiscount, and Stop. Nothing here calls the marketplace.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cdlink.core.errors import CdlinkError
from cdlink.core.settings import Settings
from cdlink.hub.connections.accounts import list_connections
from cdlink.hub.pricing.prices import DEFAULT_VAT, PriceBook
from cdlink.hub.pricing.promotions import Promotions, retryable, stop_locked
from cdlink.hub.pricing.queries import held_count, items_of, list_prices, list_promotions
from cdlink.hub.pricing.rules import InvalidPriceError
from cdlink.store.models import Connection, PriceList, Promotion
from cdlink.sync.pricing.promotions import is_marketplace, wake_promotions
from cdlink.sync.pricing.publish import publish_price_to_outbox
from cdlink.web.i18n import gettext, request_language
from cdlink.web.params import FormId, Id, Page, parse_id
from cdlink.web.pricing import labels
from cdlink.web.runtime import wake
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
CALENDAR_DAYS = 14


def _amount(text: str, what: str) -> Decimal | None:
    text = text.strip().replace(",", ".").replace("€", "").strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation as error:
        raise InvalidPriceError(f"{what}: {text!r} is not an amount") from error


def _explained(request: Request, error: CdlinkError) -> str:
    language = request_language(request, request.app.state.settings)
    return f"{error.message}. {gettext(language, error.hint)}"


def _connection(session: Any, wanted: int | None) -> tuple[list[Any], int | None]:
    connections = list_connections(session)
    ids = [connection.id for connection in connections]
    chosen = wanted if wanted in ids else (ids[0] if ids else None)
    return connections, chosen


# --- prices ------------------------------------------------------------------------------


@router.get("/prices")
def prices_page(
    request: Request, connection: str = "", q: str = "", held: str = "", page: Page = 1
) -> Response:
    return _prices(request, connection, q=q, held=held, page=page)


def _prices(
    request: Request,
    connection: str,
    *,
    q: str = "",
    held: str = "",
    page: int = 1,
    error: str = "",
    status: int = 200,
) -> Response:
    state = request.app.state
    with state.database.reading() as session:
        connections, chosen = _connection(session, parse_id(connection))
        values: dict[str, Any] = {
            "labels": labels,
            "zone": state.settings.zone,
            "now": state.clock.now(),
            "connections": connections,
            "chosen": {"connection": chosen, "q": q, "held": bool(held)},
            "error": error,
        }
        if chosen is not None:
            found = list_prices(
                session, chosen, state.clock.now(), q=q or None, held=bool(held), page=page,
                page_size=PAGE_SIZE,
            )  # fmt: skip
            book = PriceBook(session, state.clock, publish_price_to_outbox)
            values.update(
                found=found,
                price_list=book.price_list(chosen),
                held_total=held_count(session, chosen),
            )
        return render(request, "pricing/prices.html", values, status=status)


def _back_to_prices(connection_id: int, back: str = "") -> Response:
    """Back to the page the form was on (Products, Stock: a local path only), else Prices."""
    local = back.startswith("/") and not back.startswith("//") and "\\" not in back
    target = back if local else f"/prices?connection={connection_id}"
    return RedirectResponse(target, status_code=303)


def _price_write(
    request: Request, connection_id: int, change: Any, *, sku: str = "", back: str = ""
) -> Response:
    state = request.app.state
    try:
        with state.database.session() as session:
            change(PriceBook(session, state.clock, publish_price_to_outbox))
    except CdlinkError as error:
        return _prices(
            request, str(connection_id), q=sku, error=_explained(request, error), status=422
        )
    wake(request)
    return _back_to_prices(connection_id, back)


@router.post("/prices/{sku}")
def edit_price(  # noqa: PLR0917  (one argument per field of the form)
    request: Request,
    sku: str,
    connection_id: Annotated[FormId, Form()],
    price: Annotated[str, Form(max_length=20)] = "",
    strike_price: Annotated[str, Form(max_length=20)] = "",
    back: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    def change(book: PriceBook) -> None:
        book.set_price(
            connection_id,
            sku,
            _amount(price, "the price"),
            strike_price=_amount(strike_price, "the strike price"),
        )

    return _price_write(request, connection_id, change, sku=sku, back=back)


@router.post("/prices/{sku}/guards")
def edit_guards(  # noqa: PLR0917  (one argument per field of the form)
    request: Request,
    sku: str,
    connection_id: Annotated[FormId, Form()],
    floor: Annotated[str, Form(max_length=20)] = "",
    ceiling: Annotated[str, Form(max_length=20)] = "",
    back: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """A SKU's floor and ceiling (empty: none); its VAT and eco-tax stay as they are."""

    def change(book: PriceBook) -> None:
        pricing = book.pricing(book.product(sku))
        book.set_guards(
            sku,
            floor=_amount(floor, "the floor"),
            ceiling=_amount(ceiling, "the ceiling"),
            vat_percent=pricing.vat_percent if pricing is not None else DEFAULT_VAT,
            ecotax=pricing.ecotax if pricing is not None else None,
        )

    return _price_write(request, connection_id, change, sku=sku, back=back)


@router.post("/prices/{sku}/confirm")
def confirm_price(
    request: Request,
    sku: str,
    connection_id: Annotated[FormId, Form()],
    back: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    def change(book: PriceBook) -> None:
        book.confirm_held(connection_id, sku)

    return _price_write(request, connection_id, change, sku=sku, back=back)


@router.post("/prices/{sku}/discard")
def discard_price(
    request: Request,
    sku: str,
    connection_id: Annotated[FormId, Form()],
    back: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    def change(book: PriceBook) -> None:
        book.discard_held(connection_id, sku)

    return _price_write(request, connection_id, change, sku=sku, back=back)


@router.post("/prices/settings/{connection_id}")
def save_price_list(  # noqa: PLR0917  (one argument per field of the form)
    request: Request,
    connection_id: Id,
    sync_enabled: Annotated[str, Form()] = "",
    markup_kind: Annotated[str, Form(max_length=10)] = "percent",
    markup: Annotated[str, Form(max_length=20)] = "0",
    rounding: Annotated[str, Form(max_length=10)] = "none",
    max_change_percent: Annotated[str, Form(max_length=20)] = "",
    promotions_channel: Annotated[str, Form(max_length=10)] = "xml",
) -> Response:
    def change(book: PriceBook) -> None:
        book.set_price_list(
            connection_id,
            sync_enabled=bool(sync_enabled),
            markup_kind=markup_kind,
            markup=_amount(markup, "the markup") or Decimal(0),
            rounding=rounding,
            max_change_percent=_amount(max_change_percent, "the largest change"),
            promotions_channel=promotions_channel,
        )

    return _price_write(request, connection_id, change)


# --- promotions --------------------------------------------------------------------------


def _calendar(promotions: list[Promotion], start: datetime, zone: ZoneInfo) -> list[dict[str, Any]]:
    """Per promotion running or planned in the next two weeks: which days it covers."""
    days = [(start + timedelta(days=offset)).date() for offset in range(CALENDAR_DAYS)]
    rows = []
    for promotion in promotions:
        if promotion.state not in ("planned", "running"):
            continue
        first = promotion.starts_at.astimezone(zone).date()
        last = (promotion.ends_at - timedelta(seconds=1)).astimezone(zone).date()
        covered = [first <= day <= last for day in days]
        if any(covered):
            rows.append({"promotion": promotion, "covered": covered})
    return [{"days": days, "rows": rows}]


@router.get("/promotions")
def promotions_page(request: Request, connection: str = "") -> Response:
    return _promotions(request, connection)


def _promotions(
    request: Request,
    connection: str,
    *,
    error: str = "",
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    state = request.app.state
    zone = state.settings.zone
    now = state.clock.now()
    with state.database.reading() as session:
        connections, chosen = _connection(session, parse_id(connection))
        found = list_promotions(session, chosen) if chosen is not None else []
        items = items_of(session, [promotion.id for promotion in found])
        values: dict[str, Any] = {
            "labels": labels,
            "zone": zone,
            "now": now,
            "connections": connections,
            "chosen": chosen,
            "promotions": found,
            "promotion_items": items,
            "calendar": _calendar(found, now.astimezone(zone), zone)[0],
            "retryable": _retryable(found, items, now),
            "locked": _locked(found, items, now),
            "public_url_missing": _public_url_missing(session, state.settings, chosen),
            "error": error,
            "form": form or {},
        }
        return render(request, "pricing/promotions.html", values, status=status)


def _retryable(promotions: list[Promotion], items: dict[int, list[Any]], now: datetime) -> set[int]:
    """The promotions with SKUs whose package result never came, still worth sending again."""
    return {found.id for found in promotions if retryable(found, items.get(found.id, []), now)}


def _locked(promotions: list[Promotion], items: dict[int, list[Any]], now: datetime) -> set[int]:
    """The sales Cdiscount holds that can no longer be stopped (72 hours before their start)."""
    return {found.id for found in promotions if stop_locked(found, items.get(found.id, []), now)}


def _public_url_missing(session: Any, settings: Settings, chosen: int | None) -> bool:
    """Whether the chosen connection's promotions go as XML to the real marketplace, which
    cannot download them while ``CDLINK_PUBLIC_URL`` is unset."""
    if chosen is None or settings.public_url is not None:
        return False
    connection = session.get(Connection, chosen)
    price_list = session.get(PriceList, chosen)
    channel = price_list.promotions_channel if price_list is not None else "xml"
    api_url = (connection.api_url if connection else None) or settings.octopia_api_url
    return channel != "json" and is_marketplace(api_url)


def _moment(text: str, zone: ZoneInfo, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise InvalidPriceError(f"{what}: choose a date and a time") from error
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


@router.post("/promotions")
def create_promotion(  # noqa: PLR0917  (one argument per field of the form)
    request: Request,
    connection_id: Annotated[FormId, Form()],
    kind: Annotated[str, Form(max_length=12)] = "flash_sale",
    percent: Annotated[str, Form(max_length=10)] = "",
    starts_at: Annotated[str, Form(max_length=40)] = "",
    ends_at: Annotated[str, Form(max_length=40)] = "",
    skus: Annotated[str, Form(max_length=60_000)] = "",
    name: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    state = request.app.state
    zone = state.settings.zone
    form = {"kind": kind, "percent": percent, "starts_at": starts_at, "ends_at": ends_at}
    form |= {"skus": skus, "name": name}
    try:
        with state.database.session() as session:
            Promotions(session, state.clock, wake_promotions).create(
                connection_id,
                kind=kind,
                percent=_amount(percent, "the reduction") or Decimal(0),
                starts_at=_moment(starts_at, zone, "the start"),
                ends_at=_moment(ends_at, zone, "the end"),
                skus=skus.replace(",", "\n").splitlines(),
                name=name,
            )
    except CdlinkError as error:
        return _promotions(
            request,
            str(connection_id),
            error=_explained(request, error),
            status=422,
            form=form,
        )
    wake(request)
    return RedirectResponse(f"/promotions?connection={connection_id}", status_code=303)


@router.post("/promotions/{promotion_id}/stop")
def stop_promotion(
    request: Request, promotion_id: Id, connection_id: Annotated[FormId, Form()]
) -> Response:
    return _act_on_promotion(request, connection_id, lambda acts: acts.stop, promotion_id)


@router.post("/promotions/{promotion_id}/retry")
def retry_promotion(
    request: Request, promotion_id: Id, connection_id: Annotated[FormId, Form()]
) -> Response:
    return _act_on_promotion(request, connection_id, lambda acts: acts.retry, promotion_id)


def _act_on_promotion(
    request: Request,
    connection_id: int,
    action: Callable[[Promotions], Callable[[int, int], object]],
    promotion_id: int,
) -> Response:
    """Stop or retry a promotion; a refusal shows the Promotions page with its reason (409)."""
    state = request.app.state
    try:
        with state.database.session() as session:
            action(Promotions(session, state.clock, wake_promotions))(connection_id, promotion_id)
    except CdlinkError as error:
        return _promotions(
            request, str(connection_id), error=_explained(request, error), status=409
        )
    wake(request)
    return RedirectResponse(f"/promotions?connection={connection_id}", status_code=303)
