"""Promotions against the in-process sandbox: sent on schedule, live, ended, stopped early."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest

from cdlink.hub.pricing.promotion_rules import (
    FLASH_SALE,
    SALE,
    PromotionRuleError,
    SaleLockedError,
)
from cdlink.hub.pricing.promotions import Promotions
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import FaultRule, Sandbox
from cdlink.store.models import Promotion, PromotionItem
from cdlink.sync.pricing.promotions import wake_promotions
from tests.support.priced_shop import CONNECTION, price_book, sku


@contextmanager
def promotions(shop: JobEnvironment) -> Iterator[Promotions]:
    with shop.database.session() as session:
        yield Promotions(session, shop.clock, wake_promotions)


def shown(sandbox: Sandbox, reference: str) -> Decimal:
    return Decimal(str(sandbox.offer(reference)["facialPrice"]["price"]))


def item(shop: JobEnvironment, promotion_id: int, reference: str) -> PromotionItem:
    with shop.database.reading() as session:
        return session.get_one(PromotionItem, (promotion_id, reference))


def state(shop: JobEnvironment, promotion_id: int) -> str:
    with shop.database.reading() as session:
        return session.get_one(Promotion, promotion_id).state


def flash_sale(shop: JobEnvironment, *, start_in: timedelta, hours: int = 2) -> int:
    start = shop.clock.now() + start_in
    with promotions(shop) as book:
        created = book.create(
            CONNECTION,
            kind=FLASH_SALE,
            percent=Decimal(25),
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            skus=[sku(0), sku(1)],
            name="Flash",
        )
        return created.id


def test_given_a_flash_sale_when_its_start_comes_then_it_is_sent_runs_and_ends_on_cdiscount(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    promotion_id = flash_sale(shop, start_in=timedelta(minutes=10))

    early = shop.runner().run(CONNECTION, "promotions")
    assert early.counts.get("packages", 0) == 0
    assert item(shop, promotion_id, sku(0)).state == "waiting"

    shop.clock.advance(600)  # type: ignore[attr-defined]
    started = shop.runner().run(CONNECTION, "promotions")

    assert started.counts["packages"] == 1, started.message
    assert started.counts["sent"] == 2
    sent = item(shop, promotion_id, sku(0))
    assert sent.state == "sent"
    assert sent.package_id
    assert sent.ready_at is not None
    assert shown(sandbox, sku(0)) == Decimal("15.00")
    shop.runner().run(CONNECTION, "offers")
    live = item(shop, promotion_id, sku(0))
    assert (live.state, live.displayed_price) == ("live", Decimal("15.00"))
    shop.runner().run(CONNECTION, "promotions")
    assert state(shop, promotion_id) == "running"

    shop.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    shop.runner().run(CONNECTION, "promotions")

    assert state(shop, promotion_id) == "ended"
    assert item(shop, promotion_id, sku(0)).state == "ended"
    assert shown(sandbox, sku(0)) == Decimal(20)


def test_given_a_running_flash_sale_when_stopped_early_then_cdiscount_reverts_the_price(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    promotion_id = flash_sale(shop, start_in=timedelta(0))
    shop.runner().run(CONNECTION, "promotions")
    assert shown(sandbox, sku(1)) == Decimal("15.00")

    with promotions(shop) as book:
        book.stop(CONNECTION, promotion_id)
    stopped = shop.runner().run(CONNECTION, "promotions")

    assert stopped.counts["withdrawn"] == 2, stopped.message
    assert shown(sandbox, sku(1)) == Decimal(20)
    assert item(shop, promotion_id, sku(1)).state == "withdrawn"


def test_given_the_json_variant_when_a_flash_sale_starts_then_a_json_package_carries_it(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    sandbox.set_variants(promotions_channel="json_too")
    with price_book(shop) as prices:
        prices.set_price_list(CONNECTION, sync_enabled=True, promotions_channel="json")
    flash_sale(shop, start_in=timedelta(0))

    report = shop.runner().run(CONNECTION, "promotions")

    assert report.counts["sent"] == 2, report.message
    assert shown(sandbox, sku(0)) == Decimal("15.00")


def test_given_a_sale_four_days_ahead_when_created_then_it_is_sent_at_once_with_its_reference(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    start = shop.clock.now() + timedelta(days=4)
    with promotions(shop) as book:
        promotion_id = book.create(
            CONNECTION,
            kind=SALE,
            percent=Decimal(10),
            starts_at=start,
            ends_at=start + timedelta(days=7),
            skus=[sku(2)],
        ).id

    report = shop.runner().run(CONNECTION, "promotions")

    assert report.counts["sent"] == 1, report.message
    sent = item(shop, promotion_id, sku(2))
    assert (sent.state, sent.reference_price) == ("sent", Decimal(20))
    assert shown(sandbox, sku(2)) == Decimal(20)  # not started yet


@pytest.mark.parametrize(
    ("kind", "percent", "timing", "rule"),
    [
        (FLASH_SALE, Decimal(20), (timedelta(hours=1), 80), "flash_sale_duration"),
        (SALE, Decimal(20), (timedelta(days=1), 48), "sale_notice"),
        (SALE, Decimal(3), (timedelta(days=4), 48), "sale_reduction"),
    ],
)
def test_given_a_promotion_cdiscount_refuses_when_created_then_nothing_is_recorded(
    shop: JobEnvironment, kind: str, percent: Decimal, timing: tuple[timedelta, int], rule: str
) -> None:
    start, hours = timing
    starts_at = shop.clock.now() + start
    with pytest.raises(PromotionRuleError) as raised, promotions(shop) as book:
        book.create(
            CONNECTION,
            kind=kind,
            percent=percent,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
            skus=[sku(3)],
        )
    assert raised.value.rule == rule
    with shop.database.reading() as session:
        assert session.query(Promotion).count() == 0


def test_given_package_results_that_never_come_when_polling_gives_up_then_unknown_and_retry_sends(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    sandbox.add_fault(FaultRule(kind="status", endpoint="xml_packages.get", status=503))
    promotion_id = flash_sale(shop, start_in=timedelta(0))

    gave_up = shop.runner().run(CONNECTION, "promotions")

    assert gave_up.counts["unknown"] == 2, gave_up.message
    unknown = item(shop, promotion_id, sku(0))
    assert (unknown.state, bool(unknown.package_id)) == ("unknown", True)
    assert shop.runner().run(CONNECTION, "promotions").counts.get("packages", 0) == 0

    sandbox.clear_faults()
    with promotions(shop) as book:
        assert book.retry(CONNECTION, promotion_id) == 2
    retried = shop.runner().run(CONNECTION, "promotions")

    assert retried.counts["sent"] == 2, retried.message
    assert item(shop, promotion_id, sku(0)).state == "sent"
    assert shown(sandbox, sku(0)) == Decimal("15.00")


def sale(shop: JobEnvironment, *, start_in: timedelta) -> int:
    start = shop.clock.now() + start_in
    with promotions(shop) as book:
        return book.create(
            CONNECTION,
            kind=SALE,
            percent=Decimal(10),
            starts_at=start,
            ends_at=start + timedelta(days=7),
            skus=[sku(4)],
        ).id


def test_given_a_sale_sent_when_stopped_within_its_72_hour_notice_then_refused_naming_the_rule(
    shop: JobEnvironment,
) -> None:
    promotion_id = sale(shop, start_in=timedelta(days=4))
    shop.runner().run(CONNECTION, "promotions")
    shop.clock.advance(timedelta(days=2))  # type: ignore[attr-defined]

    with pytest.raises(SaleLockedError) as raised, promotions(shop) as book:
        book.stop(CONNECTION, promotion_id)

    assert raised.value.rule == "sale_locked"
    assert "72 hours" in raised.value.message
    assert state(shop, promotion_id) == "planned"
    assert item(shop, promotion_id, sku(4)).state == "sent"


def test_given_a_sale_stopped_just_before_its_notice_when_sent_too_late_then_stop_refused_shown(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    promotion_id = sale(shop, start_in=timedelta(days=4))
    shop.runner().run(CONNECTION, "promotions")
    shop.clock.advance(timedelta(hours=23))  # type: ignore[attr-defined]
    with promotions(shop) as book:
        book.stop(CONNECTION, promotion_id)  # 73 hours ahead: still allowed
    shop.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]

    report = shop.runner().run(CONNECTION, "promotions")

    assert report.counts["stop_refused"] == 1, report.message
    kept = item(shop, promotion_id, sku(4))
    assert kept.state == "stop_refused"
    assert "SaleLocked" in (kept.reason or "")
    assert shop.runner().run(CONNECTION, "promotions").counts.get("packages", 0) == 0
    shop.clock.advance(timedelta(days=10))  # type: ignore[attr-defined]
    shop.runner().run(CONNECTION, "promotions")
    assert item(shop, promotion_id, sku(4)).state == "ended"


def test_given_a_sale_inside_its_notice_when_a_flash_sale_is_added_to_its_sku_then_both_stay(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    sale_id = sale(shop, start_in=timedelta(days=4))
    shop.runner().run(CONNECTION, "promotions")
    shop.clock.advance(timedelta(days=2))  # type: ignore[attr-defined]
    start = shop.clock.now()
    with promotions(shop) as book:
        flash_id = book.create(
            CONNECTION,
            kind=FLASH_SALE,
            percent=Decimal(25),
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            skus=[sku(4)],
        ).id

    report = shop.runner().run(CONNECTION, "promotions")

    assert report.counts["sent"] == 1, report.message
    assert item(shop, flash_id, sku(4)).state == "sent"
    assert item(shop, sale_id, sku(4)).state == "sent"
    assert shown(sandbox, sku(4)) == Decimal("15.00")
    kinds = {found["type"] for found in sandbox.offer(sku(4))["discountComponents"]}
    assert kinds == {"Sales", "FlashSale"}
