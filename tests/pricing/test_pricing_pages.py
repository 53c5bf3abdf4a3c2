"""The Prices and Promotions pages: edit a price, a held price confirmed, the price list form,
a promotion created from the form (or refused naming the rule), stopped early; both languages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.pricing.prices import PriceBook
from cdlink.hub.pricing.promotions import Promotions
from cdlink.hub.stock.inventory import add_product
from cdlink.sandbox import Sandbox
from cdlink.store.engine import Database
from cdlink.store.models import Connection, Promotion, PromotionItem, SkuPrice
from cdlink.sync.pricing.publish import publish_price_to_outbox
from tests.support.sandbox_shop import sandbox_connection
from tests.support.web import csrf_token


@pytest.fixture
def priced(
    web_database: Database, settings: Settings, sandbox: Sandbox, clock: ManualClock
) -> Database:
    with web_database.session() as session:
        session.add(sandbox_connection(settings, sandbox, clock.now(), stock_sync_enabled=True))
        session.flush()
        for sku in ("SKU-A", "SKU-B"):
            add_product(session, clock, sku, title=f"Lampe {sku}", price=Decimal(10))
        book = PriceBook(session, clock, publish_price_to_outbox)
        book.set_price_list(1, sync_enabled=True)
        book.set_guards("SKU-B", floor=Decimal(5), ceiling=None)
    return web_database


def row(database: Database, sku: str) -> SkuPrice:
    with database.reading() as session:
        return session.get_one(SkuPrice, (1, sku))


@pytest.mark.parametrize(("language", "title"), [("en", "Prices"), ("fr", "Prix")])
def test_given_prices_when_the_page_is_shown_then_each_sku_has_its_price_in_the_language(
    browser: TestClient, priced: Database, language: str, title: str
) -> None:
    browser.cookies.set("cdlink_language", language)
    page = browser.get("/prices")
    assert page.status_code == 200
    assert f"<h1>{title}</h1>" in page.text
    assert 'data-sku="SKU-A"' in page.text


def test_given_a_price_under_the_floor_when_saved_from_the_page_then_held_and_confirmed(
    browser: TestClient, priced: Database
) -> None:
    browser.cookies.set("cdlink_language", "en")
    token = csrf_token(browser, "/prices")
    saved = browser.post(
        "/prices/SKU-B", data={"connection_id": "1", "price": "1,00", "csrf_token": token}
    )
    assert saved.status_code == 303
    page = browser.get("/prices?connection=1&held=1")
    assert 'data-testid="held"' in page.text
    assert "Below the floor" in page.text
    browser.post("/prices/SKU-B/confirm", data={"connection_id": "1", "csrf_token": token})
    assert row(priced, "SKU-B").price == Decimal("1.00")


def test_given_a_strike_price_below_the_price_when_saved_then_the_page_names_the_rule(
    browser: TestClient, priced: Database
) -> None:
    token = csrf_token(browser, "/prices")
    refused = browser.post(
        "/prices/SKU-A",
        data={"connection_id": "1", "price": "12", "strike_price": "11", "csrf_token": token},
    )
    assert refused.status_code == 422
    assert "must be above the price" in refused.text


def test_given_the_price_list_form_when_saved_then_skus_are_repriced(
    browser: TestClient, priced: Database
) -> None:
    browser.cookies.set("cdlink_language", "en")
    token = csrf_token(browser, "/prices")
    saved = browser.post(
        "/prices/settings/1",
        data={
            "sync_enabled": "1",
            "markup_kind": "percent",
            "markup": "20",
            "rounding": "0.99",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 303
    assert row(priced, "SKU-A").price == Decimal("12.99")


def test_given_a_form_without_csrf_when_posted_then_refused(
    browser: TestClient, priced: Database
) -> None:
    refused = browser.post("/prices/SKU-A", data={"connection_id": "1", "price": "12"})
    assert refused.status_code == 403


def test_given_the_promotion_form_when_a_flash_sale_is_created_then_listed_and_stoppable(
    browser: TestClient, priced: Database, clock: ManualClock, settings: Settings
) -> None:
    browser.cookies.set("cdlink_language", "en")
    start = (clock.now() + timedelta(hours=3)).astimezone(settings.zone).replace(tzinfo=None)
    token = csrf_token(browser, "/promotions")
    form = {
        "connection_id": "1",
        "kind": "flash_sale",
        "percent": "20",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=80)).strftime("%Y-%m-%dT%H:%M"),
        "skus": "SKU-A\nSKU-B",
        "csrf_token": token,
    }
    refused = browser.post("/promotions", data=form)
    assert refused.status_code == 422
    assert "72 hours" in refused.text

    form["ends_at"] = (start + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M")
    created = browser.post("/promotions", data=form)
    assert created.status_code == 303
    page = browser.get("/promotions")
    assert 'data-testid="calendar"' in page.text
    assert "Waiting to be sent" in page.text
    with priced.reading() as session:
        promotion = session.scalars(select(Promotion)).one()
    assert promotion.starts_at == clock.now().replace(second=0, microsecond=0) + timedelta(hours=3)

    browser.post(
        f"/promotions/{promotion.id}/stop", data={"connection_id": "1", "csrf_token": token}
    )
    assert "Stopped" in browser.get("/promotions").text


def test_given_skus_whose_result_never_came_when_the_page_is_shown_then_retry_sends_them_again(
    browser: TestClient, priced: Database, clock: ManualClock
) -> None:
    browser.cookies.set("cdlink_language", "en")
    with priced.session() as session:
        promotion = Promotions(session, clock).create(
            1,
            kind="flash_sale",
            percent=Decimal(20),
            starts_at=clock.now(),
            ends_at=clock.now() + timedelta(hours=3),
            skus=["SKU-A"],
        )
        session.get_one(PromotionItem, (promotion.id, "SKU-A")).state = "unknown"
        promotion_id = promotion.id
    page = browser.get("/promotions")
    assert "Result unknown" in page.text
    assert 'data-testid="retry"' in page.text

    token = csrf_token(browser, "/promotions")
    retried = browser.post(
        f"/promotions/{promotion_id}/retry", data={"connection_id": "1", "csrf_token": token}
    )

    assert retried.status_code == 303
    with priced.reading() as session:
        assert session.get_one(PromotionItem, (promotion_id, "SKU-A")).state == "waiting"
    assert 'data-testid="retry"' not in browser.get("/promotions").text


@pytest.mark.parametrize(("language", "words"), [("en", "is not set"), ("fr", "n'est pas")])
def test_given_the_real_marketplace_without_public_url_when_shown_then_it_says_what_to_set(
    browser: TestClient, priced: Database, language: str, words: str
) -> None:
    with priced.session() as session:
        session.execute(update(Connection).values(api_url="https://api.octopia-io.net/seller/v2"))
    browser.cookies.set("cdlink_language", language)

    page = browser.get("/promotions")

    assert 'data-testid="public-url-missing"' in page.text
    assert "CDLINK_PUBLIC_URL" in page.text
    assert words in page.text.replace("&#39;", "'")


def test_given_a_sent_sale_inside_its_notice_when_shown_then_fixed_instead_of_stop(
    browser: TestClient, priced: Database, clock: ManualClock
) -> None:
    browser.cookies.set("cdlink_language", "en")
    with priced.session() as session:
        promotion = Promotions(session, clock).create(
            1,
            kind="sale",
            percent=Decimal(10),
            starts_at=clock.now() + timedelta(days=4),
            ends_at=clock.now() + timedelta(days=11),
            skus=["SKU-A"],
        )
        session.get_one(PromotionItem, (promotion.id, "SKU-A")).state = "sent"
    assert "Stop now" in browser.get("/promotions").text
    clock.advance(timedelta(days=2))

    page = browser.get("/promotions")

    assert 'data-testid="sale-locked"' in page.text
    assert "Stop now" not in page.text
