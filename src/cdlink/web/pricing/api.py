"""``/api/v1/prices``, ``/api/v1/price-lists`` and ``/api/v1/promotions``.

Prices are per connection (``connection_id``): a SKU's override and strike price, its guards
(floor, ceiling, VAT), held prices to confirm or discard, CSV export and import (all or nothing).
Each write is one transaction that queues the price push (or holds the price); the sync runtime
is woken after it. Promotions are checked against Cdiscount's rules before anything is recorded:
a bad one is a 422 naming the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, Field

from cdlink.core.spreadsheets import Format, dialect
from cdlink.hub.pricing import csv_files as price_csv
from cdlink.hub.pricing.prices import PriceBook
from cdlink.hub.pricing.promotions import Promotions
from cdlink.hub.pricing.queries import (
    PriceRow,
    get_price,
    items_of,
    list_prices,
    list_promotions,
)
from cdlink.hub.stock.inventory_core import UnknownProductError
from cdlink.store.models import PriceList, Promotion, PromotionItem
from cdlink.sync.pricing.promotions import wake_promotions
from cdlink.sync.pricing.publish import publish_price_to_outbox
from cdlink.web.listing import Listing, ListOut, PagedListOut, Window, example
from cdlink.web.params import Id, id_query
from cdlink.web.runtime import wake

router = APIRouter(tags=["prices"])
Amount = Annotated[
    Decimal,
    Field(
        gt=0, lt=1_000_000, decimal_places=2, examples=["19.99"], description="Euros, VAT included."
    ),
]
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)]
ConnectionQuery = Annotated[int, id_query("The connection (application).")]
#: A price row's change: its product's, its guards' or its price's on the connection.
PRICES = Listing(("sku",), pages=True)
PROMOTION_SORTS: dict[str, Callable[[Promotion], Any]] = {
    "starts_at": lambda promotion: (promotion.starts_at, promotion.id),
    "created_at": lambda promotion: (promotion.created_at, promotion.id),
    "updated_at": lambda promotion: (promotion.updated_at, promotion.id),
}
#: A connection has few promotions: the list is read whole, then filtered and paged.
PROMOTIONS = Listing(("-starts_at", "starts_at", "created_at", "-created_at", "updated_at"))


@contextmanager
def price_writes(request: Request) -> Iterator[PriceBook]:
    state = request.app.state
    with state.database.session() as session:
        yield PriceBook(session, state.clock, publish_price_to_outbox)
    wake(request)


@contextmanager
def promotion_writes(request: Request) -> Iterator[Promotions]:
    state = request.app.state
    with state.database.session() as session:
        yield Promotions(session, state.clock, wake_promotions)
    wake(request)


# --- prices ------------------------------------------------------------------------------


class HeldOut(BaseModel):
    price: Decimal
    reason: str = Field(description="below_floor, above_ceiling or max_change")
    limit: Decimal | None


class PushOut(BaseModel):
    price: Decimal | None
    at: datetime | None
    outcome: str | None = Field(description="confirmed or refused")
    reason: str | None


class CdiscountOut(BaseModel):
    price: Decimal | None = Field(description="integrationPrice: the price Cdiscount holds.")
    displayed: Decimal | None = Field(description="facialPrice: lower while a promotion runs.")
    read_at: datetime | None
    differs: bool = Field(description="Cdiscount holds another price than the wanted one.")


class CompetitionOut(BaseModel):
    best_price: Decimal | None
    holds_best_offer: bool | None
    competitors: int | None


class PriceOut(BaseModel):
    model_config = example(
        {
            "sku": "TSHIRT-BLEU-M",
            "title": "T-shirt coton bio bleu, taille M",
            "base_price": "17.90",
            "price": "19.90",
            "override": "19.90",
            "strike_price": "24.90",
            "vat_percent": "20",
            "floor": "15.00",
            "ceiling": "29.90",
            "reference_price": "19.90",
            "held": None,
            "last_push": {
                "price": "19.90",
                "at": "2026-12-05T08:00:00Z",
                "outcome": "confirmed",
                "reason": None,
            },
            "confirmed_price": "19.90",
            "cdiscount": {
                "price": "19.90",
                "displayed": "19.90",
                "read_at": "2026-12-05T08:14:00Z",
                "differs": False,
            },
            "competition": {"best_price": "18.99", "holds_best_offer": False, "competitors": 3},
            "updated_at": "2026-12-05T08:00:00Z",
        }
    )

    sku: str
    title: str
    base_price: Decimal | None
    price: Decimal | None = Field(description="The price wanted on Cdiscount.")
    override: Decimal | None
    strike_price: Decimal | None
    vat_percent: Decimal
    floor: Decimal | None
    ceiling: Decimal | None
    reference_price: Decimal | None = Field(description="Lowest price of the last 30 days.")
    held: HeldOut | None
    last_push: PushOut | None
    confirmed_price: Decimal | None
    cdiscount: CdiscountOut
    competition: CompetitionOut
    updated_at: datetime = Field(
        description="The last change in cdlink of the product, its guards or its price here "
        "(a read back that finds nothing new does not count)."
    )

    @classmethod
    def of(cls, row: PriceRow) -> PriceOut:
        return cls(
            sku=row.sku,
            title=row.title,
            base_price=row.base_price,
            price=row.price,
            override=row.override,
            strike_price=row.strike_price,
            vat_percent=row.vat_percent,
            floor=row.floor,
            ceiling=row.ceiling,
            reference_price=row.reference_price,
            held=None
            if row.held_price is None
            else HeldOut(price=row.held_price, reason=row.held_reason or "", limit=row.held_limit),
            last_push=None
            if row.sent_at is None
            else PushOut(
                price=row.sent_price, at=row.sent_at, outcome=row.outcome, reason=row.reason
            ),
            confirmed_price=row.confirmed_price,
            cdiscount=CdiscountOut(
                price=row.marketplace_price,
                displayed=row.displayed_price,
                read_at=row.read_at,
                differs=row.drifted,
            ),
            competition=CompetitionOut(
                best_price=row.best_price,
                holds_best_offer=row.holds_best_offer,
                competitors=row.competitors,
            ),
            updated_at=row.updated_at,
        )


class PriceListOut(PagedListOut):
    items: list[PriceOut]


class PriceIn(BaseModel):
    price: Amount | None = Field(description="The override; null: the price list's price.")
    strike_price: Amount | None = None


class BulkPrice(PriceIn):
    sku: Annotated[str, Field(min_length=1, max_length=50)]


class BulkPricesIn(BaseModel):
    items: list[BulkPrice] = Field(min_length=1, max_length=price_csv.MAXIMUM_LINES)


class GuardsIn(BaseModel):
    floor: Amount | None = None
    ceiling: Amount | None = None
    vat_percent: Literal["20", "10", "5.5", "2.1"] = "20"
    ecotax: Annotated[Decimal, Field(ge=0, lt=1000, decimal_places=2)] | None = None


class Applied(BaseModel):
    applied: int


def _one(request: Request, connection_id: int, sku: str) -> PriceOut:
    with request.app.state.database.reading() as session:
        row = get_price(session, connection_id, sku, request.app.state.clock.now())
    if row is None:
        raise UnknownProductError(f"unknown SKU {sku!r}")
    return PriceOut.of(row)


@router.get("/prices")
def prices(
    request: Request,
    connection_id: ConnectionQuery,
    *,
    q: Annotated[str | None, Query(max_length=100, description="Text in the SKU or title.")] = None,
    held: bool = Query(default=False, description="Only SKUs with a held price."),
    window: Annotated[Window, Depends(PRICES)],
) -> PriceListOut:
    """The connection's prices per SKU: wanted, held, sent, confirmed, on Cdiscount, best offer."""
    with request.app.state.database.reading() as session:
        found = list_prices(
            session,
            connection_id,
            request.app.state.clock.now(),
            q=q,
            held=held,
            page=window.page,
            page_size=window.limit,
            updated_since=window.updated_since,
        )
    return PriceListOut(
        items=[PriceOut.of(row) for row in found.rows],
        **window.answer_total(request, found.total, shown=len(found.rows)),
    )


@router.put("/prices")
def set_prices(request: Request, connection_id: ConnectionQuery, body: BulkPricesIn) -> Applied:
    """Set many prices at once, all or nothing (a price outside a guard is held, not refused)."""
    with price_writes(request) as book:
        for item in body.items:
            book.set_price(connection_id, item.sku, item.price, strike_price=item.strike_price)
    return Applied(applied=len(body.items))


@router.get(
    "/prices.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "sku,price,strike_price"}},
)
def download(
    request: Request,
    connection_id: ConnectionQuery,
    format: Format = "standard",
) -> Response:
    """The connection's overrides and strike prices; the file uploads back as it is
    (``format=excel-fr``: semicolons, decimal commas, Windows-1252)."""
    state = request.app.state
    chosen = dialect(format)
    with state.database.reading() as session:
        text = price_csv.export(
            PriceBook(session, state.clock, publish_price_to_outbox), connection_id, format
        )
    return Response(
        text.encode(chosen.encoding, errors="replace"),
        media_type=chosen.media_type,
        headers={"Content-Disposition": 'attachment; filename="prices.csv"'},
    )


@router.post("/prices.csv")
def upload(
    request: Request,
    connection_id: ConnectionQuery,
    file: Annotated[UploadFile, File(description="sku,price,strike_price")],
) -> Applied:
    """Apply a file of prices, all or nothing: 422 names every bad line."""
    text = price_csv.decode(file.file.read(price_csv.MAXIMUM_FILE_BYTES + 1))
    with price_writes(request) as book:
        return Applied(applied=price_csv.upload(text, book, connection_id))


@router.get("/prices/{sku}")
def one_price(request: Request, sku: str, connection_id: ConnectionQuery) -> PriceOut:
    return _one(request, connection_id, sku)


@router.put("/prices/{sku}")
def set_price(
    request: Request, sku: str, connection_id: ConnectionQuery, body: PriceIn
) -> PriceOut:
    """Set (or clear, with a null price) the SKU's price on the connection."""
    with price_writes(request) as book:
        book.set_price(connection_id, sku, body.price, strike_price=body.strike_price)
    return _one(request, connection_id, sku)


@router.put("/prices/{sku}/guards")
def set_guards(
    request: Request, sku: str, connection_id: ConnectionQuery, body: GuardsIn
) -> PriceOut:
    """The SKU's floor, ceiling, VAT and eco-tax (for every connection)."""
    with price_writes(request) as book:
        book.set_guards(
            sku,
            floor=body.floor,
            ceiling=body.ceiling,
            vat_percent=Decimal(body.vat_percent),
            ecotax=body.ecotax,
        )
    return _one(request, connection_id, sku)


@router.post("/prices/{sku}/held/confirm")
def confirm_held(request: Request, sku: str, connection_id: ConnectionQuery) -> PriceOut:
    """Send the held price after all."""
    with price_writes(request) as book:
        book.confirm_held(connection_id, sku)
    return _one(request, connection_id, sku)


@router.delete("/prices/{sku}/held")
def discard_held(request: Request, sku: str, connection_id: ConnectionQuery) -> PriceOut:
    """Drop the held price: the price on Cdiscount stays as it is."""
    with price_writes(request) as book:
        book.discard_held(connection_id, sku)
    return _one(request, connection_id, sku)


# --- price lists (per connection) ---------------------------------------------------------


class PriceListSettings(BaseModel):
    sync_enabled: bool = Field(description="Send prices to Cdiscount.")
    markup_kind: Literal["percent", "fixed"] = "percent"
    markup: Annotated[Decimal, Field(ge=-90, le=1000, decimal_places=2)] = Decimal(0)
    rounding: Literal["none", "0.99", "0.95", "0.90", "0.49", "1"] = "none"
    max_change_percent: Annotated[Decimal, Field(gt=0, le=1000, decimal_places=2)] | None = Field(
        default=None, description="A bigger change in one push is held for confirmation."
    )
    promotions_channel: Literal["xml", "json"] = "xml"

    @classmethod
    def of(cls, prices: PriceList) -> PriceListSettings:
        return cls(
            sync_enabled=prices.sync_enabled,
            markup_kind="fixed" if prices.markup_kind == "fixed" else "percent",
            markup=prices.markup,
            rounding=prices.rounding,
            max_change_percent=prices.max_change_percent,
            promotions_channel="json" if prices.promotions_channel == "json" else "xml",
        )


@router.get("/price-lists/{connection_id}")
def price_list(request: Request, connection_id: Id) -> PriceListSettings:
    state = request.app.state
    with state.database.reading() as session:
        book = PriceBook(session, state.clock, publish_price_to_outbox)
        return PriceListSettings.of(book.price_list(connection_id))


@router.put("/price-lists/{connection_id}")
def set_price_list(
    request: Request, connection_id: Id, body: PriceListSettings
) -> PriceListSettings:
    """Save the connection's price list and guard; every SKU is repriced."""
    with price_writes(request) as book:
        saved = book.set_price_list(connection_id, **body.model_dump())
        return PriceListSettings.of(saved)


# --- promotions ---------------------------------------------------------------------------


class PromotionItemOut(BaseModel):
    sku: str
    state: str = Field(
        description="waiting, sent, live, ended, withdrawn, refused, unknown (the package's"
        " result never came: retry) or stop_refused (Cdiscount kept it when stopped)"
    )
    reference_price: Decimal | None
    package_id: str | None
    sent_at: datetime | None
    reason: str | None
    displayed_price: Decimal | None


class PromotionOut(BaseModel):
    model_config = example(
        {
            "id": 3,
            "connection_id": 1,
            "name": "Vente flash hiver",
            "kind": "flash_sale",
            "discount_percent": "20.00",
            "starts_at": "2026-12-12T08:00:00Z",
            "ends_at": "2026-12-12T20:00:00Z",
            "state": "planned",
            "items": [
                {
                    "sku": "TSHIRT-BLEU-M",
                    "state": "waiting",
                    "reference_price": "19.90",
                    "package_id": None,
                    "sent_at": None,
                    "reason": None,
                    "displayed_price": None,
                }
            ],
            "updated_at": "2026-12-05T09:30:00Z",
        }
    )

    id: int
    connection_id: int
    name: str
    kind: str = Field(description="flash_sale or sale")
    discount_percent: Decimal
    starts_at: datetime
    ends_at: datetime
    state: str = Field(description="planned, running, ended, stopped or refused")
    items: list[PromotionItemOut]
    updated_at: datetime = Field(
        description="Its last change in cdlink, or one of its SKUs' (sent, live, refused...)."
    )

    @classmethod
    def of(cls, promotion: Promotion, items: list[PromotionItem]) -> PromotionOut:
        return cls(
            id=promotion.id,
            connection_id=promotion.connection_id,
            name=promotion.name,
            kind=promotion.kind,
            discount_percent=promotion.discount_percent,
            starts_at=promotion.starts_at,
            ends_at=promotion.ends_at,
            state=promotion.state,
            items=[
                PromotionItemOut(
                    sku=item.sku,
                    state=item.state,
                    reference_price=item.reference_price,
                    package_id=item.package_id,
                    sent_at=item.sent_at,
                    reason=item.reason,
                    displayed_price=item.displayed_price,
                )
                for item in items
            ],
            updated_at=promotion.updated_at,
        )


class PromotionsOut(ListOut):
    items: list[PromotionOut]


class PromotionIn(BaseModel):
    connection_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    kind: Literal["flash_sale", "sale"]
    discount_percent: Percent
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    skus: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(
        min_length=1, max_length=1000
    )
    name: Annotated[str, Field(max_length=120)] = ""


class PromotionChange(BaseModel):
    discount_percent: Percent | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    name: Annotated[str, Field(max_length=120)] | None = None


def _promotion(request: Request, connection_id: int | None, promotion_id: int) -> PromotionOut:
    state = request.app.state
    with state.database.reading() as session:
        found = session.get(Promotion, promotion_id)
        book = Promotions(session, state.clock)
        promotion = book.get(found.connection_id if found else connection_id or 0, promotion_id)
        return PromotionOut.of(promotion, book.items(promotion))


@router.get("/promotions")
def promotions(
    request: Request,
    window: Annotated[Window, Depends(PROMOTIONS)],
    connection_id: ConnectionQuery,
    state: Annotated[
        Literal["planned", "running", "ended", "stopped", "refused"] | None, Query()
    ] = None,
) -> PromotionsOut:
    """The connection's promotions, the latest start first, with their state per SKU."""
    with request.app.state.database.reading() as session:
        every = list_promotions(session, connection_id, state=state)
        found, more = window.slice(
            every, PROMOTION_SORTS, updated=lambda promotion: promotion.updated_at
        )
        items = items_of(session, [promotion.id for promotion in found])
        return PromotionsOut(
            items=[PromotionOut.of(p, items[p.id]) for p in found],
            **window.answer(request, more=more),
        )


@router.post("/promotions", status_code=201)
def create_promotion(request: Request, body: PromotionIn) -> PromotionOut:
    """Create a sale or flash sale; refused (422, the rule named) if Cdiscount would refuse it."""
    with promotion_writes(request) as book:
        created = book.create(
            body.connection_id,
            kind=body.kind,
            percent=body.discount_percent,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            skus=body.skus,
            name=body.name,
        )
        promotion_id = created.id
    return _promotion(request, body.connection_id, promotion_id)


@router.get("/promotions/{promotion_id}")
def one_promotion(request: Request, promotion_id: Id) -> PromotionOut:
    return _promotion(request, None, promotion_id)


@router.patch("/promotions/{promotion_id}")
def change_promotion(request: Request, promotion_id: Id, body: PromotionChange) -> PromotionOut:
    """Change a promotion not sent yet (checked again against the rules)."""
    current = _promotion(request, None, promotion_id)
    with promotion_writes(request) as book:
        book.change(
            current.connection_id,
            promotion_id,
            percent=body.discount_percent,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            name=body.name,
        )
    return _promotion(request, current.connection_id, promotion_id)


@router.delete("/promotions/{promotion_id}", status_code=204)
def delete_promotion(request: Request, promotion_id: Id) -> Response:
    """Delete a promotion not sent yet; one already sent is stopped (withdrawn from Cdiscount)."""
    current = _promotion(request, None, promotion_id)
    with promotion_writes(request) as book:
        book.delete(current.connection_id, promotion_id)
    return Response(status_code=204)


@router.post("/promotions/{promotion_id}/stop")
def stop_promotion(request: Request, promotion_id: Id) -> PromotionOut:
    """Stop a promotion now: Cdiscount's price reverts. A sale Cdiscount holds cannot be
    stopped from 72 hours before its start (422, rule ``sale_locked``)."""
    current = _promotion(request, None, promotion_id)
    with promotion_writes(request) as book:
        book.stop(current.connection_id, promotion_id)
    return _promotion(request, current.connection_id, promotion_id)


@router.post("/promotions/{promotion_id}/retry")
def retry_promotion(request: Request, promotion_id: Id) -> PromotionOut:
    """Send again the SKUs whose package result never came (state ``unknown``)."""
    current = _promotion(request, None, promotion_id)
    with promotion_writes(request) as book:
        book.retry(current.connection_id, promotion_id)
    return _promotion(request, current.connection_id, promotion_id)
