"""The catalog streams against the in-process sandbox: taxonomy, referential import, publishing
within the quota, reports, refusals, offers, and faults (never live without an Integrated
report)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.hub.catalog import products, publishing, taxonomy
from cdlink.jobs.environment import JobEnvironment
from cdlink.octopia.services.offers import OfferPackagesService
from cdlink.sandbox import FaultRule, Sandbox
from cdlink.store.models import CatalogPackage, Product, ProductPublication
from tests.support.catalog import (
    CONNECTION,
    add_products,
    mandatory_attributes,
    map_category,
    plain_leaf,
)


def statuses(environment: JobEnvironment) -> dict[str, str]:
    with environment.database.reading() as session:
        return {
            sku: row.status for sku, row in publishing.statuses_by_sku(session, CONNECTION).items()
        }


def publish_until_settled(environment: JobEnvironment, runs: int = 12) -> list[str]:
    outcomes = []
    for _ in range(runs):
        report = environment.runner().run(CONNECTION, "products")
        outcomes.append(f"{report.outcome} {report.message} {dict(report.counts)}")
        environment.clock.advance(400)  # type: ignore[attr-defined]
    return outcomes


def unpackaged(session: Session) -> list[str]:
    """The SKUs whose sheet is said to be with Cdiscount (sent, pending, live or refused) but
    that the package their publication names does not list: the statuses checked against the
    packages cdlink recorded, two records written apart."""
    recorded = session.scalars(select(CatalogPackage))
    packages = {package.id: set(package.skus) for package in recorded}
    with_cdiscount = (*publishing.PENDING, publishing.INTEGRATED, publishing.REFUSED)
    rows = session.execute(
        select(ProductPublication.package, Product.sku)
        .join(Product, Product.id == ProductPublication.product_id)
        .where(ProductPublication.status.in_(with_cdiscount))
    )
    return sorted(sku for package, sku in rows if sku not in packages.get(package, set()))


def ready_category(environment: JobEnvironment) -> tuple[str, dict[str, list[str]]]:
    reference = plain_leaf(environment)
    map_category(environment, reference)
    environment.runner().run(CONNECTION, "products")  # reads the category's properties
    return reference, mandatory_attributes(environment, reference)


def test_given_the_taxonomy_stream_ran_when_searching_then_leaves_show_their_path(
    catalog_shop: JobEnvironment,
) -> None:
    with catalog_shop.database.reading() as session:
        count = taxonomy.count_categories(session, CONNECTION)
        found = taxonomy.search(session, CONNECTION, "souris")

    assert count > 7000
    assert found, "the curated SOURIS category is searchable"
    assert all(choice.level == 3 for choice in found)
    assert " > " in found[0].path


def test_given_offers_with_blank_titles_when_the_referential_is_imported_then_titles_are_filled(
    catalog_shop: JobEnvironment,
) -> None:
    offers = catalog_shop.runner().run(CONNECTION, "offers")
    assert offers.outcome == "succeeded", offers.message
    with catalog_shop.database.reading() as session:
        assert all(not product.title for product in session.scalars(select(Product)))

    report = catalog_shop.runner().run(CONNECTION, "catalog_import")

    assert report.outcome == "succeeded", report.message
    with catalog_shop.database.reading() as session:
        imported = products.all_products(session)
        assert imported
        assert all(product.title for product in imported)
        assert all(product.pictures and product.marketplace_category for product in imported)
    assert set(statuses(catalog_shop).values()) == {publishing.INTEGRATED}
    publishing_run = catalog_shop.runner().run(CONNECTION, "products")
    assert publishing_run.counts.get("offers", 0) == 0  # their offers exist: none sent again


def test_given_new_products_when_published_then_each_is_integrated_and_put_on_sale(
    catalog_shop: JobEnvironment, sandbox: Sandbox
) -> None:
    _, attributes = ready_category(catalog_shop)
    skus = add_products(catalog_shop, 3, attributes=attributes)

    outcomes = publish_until_settled(catalog_shop)

    assert statuses(catalog_shop) == dict.fromkeys(skus, publishing.INTEGRATED), outcomes
    offers = catalog_shop.runner().run(CONNECTION, "offers")  # cdlink reads its offers back
    assert offers.counts["created"] == 6 + 3, offers.message
    for sku in skus:
        offer = sandbox.offer(sku)
        assert (offer["integrationPrice"], offer["quantity"]) == (19.9, 0), outcomes  # no stock yet
    with catalog_shop.database.reading() as session:
        sums = publishing.reconciliation(session, CONNECTION)
    assert (sums.sent, sums.live, sums.refused, sums.pending) == (3, 3, 0, 0)


def test_given_a_product_with_problems_when_publishing_then_it_is_never_sent(
    catalog_shop: JobEnvironment, sandbox: Sandbox
) -> None:
    _, attributes = ready_category(catalog_shop)
    [sku] = add_products(catalog_shop, 1, attributes=attributes)
    with catalog_shop.database.session() as session:
        products.update(session, catalog_shop.clock, sku, {"title": "Mug 🎉 <b>promo</b>"})

    publish_until_settled(catalog_shop, runs=3)

    assert statuses(catalog_shop) == {sku: publishing.NEEDS_FIXING}
    with catalog_shop.database.reading() as session:
        row = publishing.statuses_by_sku(session, CONNECTION)[sku]
        rules = {problem["rule"] for problem in row.problems}
        assert {"title_html", "title_characters"} <= rules
        assert all(problem["hint"] for problem in row.problems)
        assert session.scalar(select(CatalogPackage)) is None


def test_given_a_sheet_the_marketplace_refuses_when_reports_arrive_then_reasons_are_hints(
    catalog_shop: JobEnvironment,
) -> None:
    _, attributes = ready_category(catalog_shop)
    [sku] = add_products(catalog_shop, 1, attributes=attributes)
    with catalog_shop.database.session() as session:  # 8 digits: valid GS1, but Cdiscount wants 13
        products.update(session, catalog_shop.clock, sku, {"ean": "96385074"})

    publish_until_settled(catalog_shop, runs=4)

    assert statuses(catalog_shop) == {sku: publishing.REFUSED}
    with catalog_shop.database.reading() as session:
        row = publishing.statuses_by_sku(session, CONNECTION)[sku]
        assert row.live_at is None
        assert row.reasons[0]["rule"] == "gtin_13"
        assert publishing.report_history(session, CONNECTION, sku)


def test_given_more_products_than_the_hourly_quota_when_publishing_then_all_end_integrated(
    catalog_shop: JobEnvironment,
) -> None:
    _, attributes = ready_category(catalog_shop)
    skus = add_products(catalog_shop, 40, attributes=attributes)

    first = catalog_shop.runner().run(CONNECTION, "products")
    outcomes = publish_until_settled(catalog_shop, runs=30)

    assert first.counts["sent"] == 25
    assert statuses(catalog_shop) == dict.fromkeys(skus, publishing.INTEGRATED), outcomes


def test_given_faults_when_publishing_then_no_sheet_is_live_without_an_integrated_report(
    catalog_shop: JobEnvironment, sandbox: Sandbox
) -> None:
    _, attributes = ready_category(catalog_shop)
    skus = add_products(catalog_shop, 12, attributes=attributes)
    for fault in (
        FaultRule(kind="drop_after", endpoint="products.integrate", count=1),
        FaultRule(kind="status", endpoint="products.integrate", status=503, count=1),
        FaultRule(kind="status", endpoint="products.reports", status=503, probability=0.4),
        FaultRule(kind="status", endpoint="products.integrate", status=429, count=1),
    ):
        sandbox.add_fault(fault)

    outcomes = []
    for _ in range(25):
        outcomes += publish_until_settled(catalog_shop, runs=1)
        with catalog_shop.database.reading() as session:
            for row in session.scalars(select(ProductPublication)):
                product = session.get_one(Product, row.product_id)
                if row.status == publishing.INTEGRATED:
                    history = publishing.report_history(session, CONNECTION, product.sku)
                    assert any(report.status == "Integrated" for report in history)
            assert unpackaged(session) == []

    assert statuses(catalog_shop) == dict.fromkeys(skus, publishing.INTEGRATED), outcomes


class Killed(BaseException):
    """The worker dies (not an error the run could catch and record)."""


def offer_packages_created(sandbox: Sandbox) -> int:
    return sum(
        1
        for request in sandbox.requests()
        if request["endpoint"] == "packages.create" and request["processed"]
    )


def offer_state(environment: JobEnvironment, sku: str) -> tuple[bool, bool]:
    with environment.database.reading() as session:
        row = publishing.statuses_by_sku(session, CONNECTION)[sku]
        return row.offer_sent_at is not None, row.offer_confirmed_at is not None


def test_given_a_worker_killed_between_recording_and_sending_an_offer_when_rerun_then_sent_once(
    catalog_shop: JobEnvironment, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, attributes = ready_category(catalog_shop)
    [sku] = add_products(catalog_shop, 1, attributes=attributes)
    before = offer_packages_created(sandbox)

    def killed(*_args: object, **_kwargs: object) -> str:
        raise Killed

    monkeypatch.setattr(OfferPackagesService, "submit", killed)
    with pytest.raises(Killed):
        publish_until_settled(catalog_shop, runs=8)
    assert statuses(catalog_shop) == {sku: publishing.INTEGRATED}
    assert offer_state(catalog_shop, sku) == (True, False)  # recorded, never sent
    assert offer_packages_created(sandbox) == before
    monkeypatch.undo()

    outcomes = publish_until_settled(catalog_shop, runs=3)

    assert offer_state(catalog_shop, sku) == (True, True), outcomes
    assert offer_packages_created(sandbox) == before + 1, outcomes  # exactly once
    assert sku in sandbox.offer_quantities()
    assert sandbox.offer(sku)["integrationPrice"] == 19.9


def test_given_an_offer_sent_whose_answer_is_lost_when_run_again_then_one_offer_exists(
    catalog_shop: JobEnvironment, sandbox: Sandbox
) -> None:
    _, attributes = ready_category(catalog_shop)
    [sku] = add_products(catalog_shop, 1, attributes=attributes)
    offers_before = sandbox.summary()["sellers"]
    sandbox.add_fault(FaultRule(kind="drop_after", endpoint="packages.update", count=6))

    outcomes = publish_until_settled(catalog_shop, runs=8)

    assert offer_state(catalog_shop, sku) == (True, True), outcomes
    assert any("offers_retried': 1" in outcome for outcome in outcomes), outcomes
    offers_after = sandbox.summary()["sellers"]
    [(seller, shop)] = offers_after.items()
    assert sku in sandbox.offer_quantities()
    assert shop["offers"] == offers_before[seller]["offers"] + 1


def test_given_a_smaller_quota_refused_in_reports_when_publishing_then_retried_until_integrated(
    catalog_shop: JobEnvironment, sandbox: Sandbox
) -> None:
    _, attributes = ready_category(catalog_shop)
    sandbox.set_catalog(product_creations_per_hour=10)
    skus = add_products(catalog_shop, 20, attributes=attributes)

    outcomes = []
    refused_for_quota = 0
    for _ in range(30):
        outcomes += publish_until_settled(catalog_shop, runs=1)
        with catalog_shop.database.reading() as session:
            assert unpackaged(session) == []
            refused_for_quota += sum(
                1
                for sku in skus
                for report in publishing.report_history(session, CONNECTION, sku)
                if report.status == "Refused"
            )

    assert refused_for_quota > 0, outcomes
    assert any("'quota_refusals'" in outcome for outcome in outcomes), outcomes
    assert statuses(catalog_shop) == dict.fromkeys(skus, publishing.INTEGRATED), outcomes


def test_given_a_sheet_held_for_a_manual_check_when_hours_pass_then_it_waits_and_is_never_live(
    catalog_shop: JobEnvironment, sandbox: Sandbox
) -> None:
    _, attributes = ready_category(catalog_shop)
    sandbox.set_variants(manual_check="new_brands")
    [held, plain] = add_products(catalog_shop, 2, attributes=attributes)
    with catalog_shop.database.session() as session:
        products.update(session, catalog_shop.clock, held, {"brand": "Marque Jamais Vue"})
        products.update(session, catalog_shop.clock, plain, {"brand": "Maison Durand"})

    outcomes = publish_until_settled(catalog_shop, runs=30)  # more than three hours

    assert statuses(catalog_shop) == {
        held: publishing.MANUAL_CHECK,
        plain: publishing.INTEGRATED,
    }, outcomes
    with catalog_shop.database.reading() as session:
        row = publishing.statuses_by_sku(session, CONNECTION)[held]
        assert row.live_at is None
        assert row.offer_sent_at is None
        assert row.manual_check_since is not None
        waited = catalog_shop.clock.now() - row.manual_check_since
        assert waited.total_seconds() >= 3 * 3600
        sums = publishing.reconciliation(session, CONNECTION)
        assert (sums.sent, sums.live, sums.refused, sums.pending) == (2, 1, 0, 1)
    assert held not in sandbox.offer_quantities()


def test_given_a_smaller_quota_answered_429_when_publishing_then_packages_shrink_until_integrated(
    catalog_shop: JobEnvironment, sandbox: Sandbox
) -> None:
    _, attributes = ready_category(catalog_shop)
    sandbox.set_variants(creation_quota_refusal="status")
    sandbox.set_catalog(product_creations_per_hour=10)
    skus = add_products(catalog_shop, 20, attributes=attributes)

    outcomes = []
    for _ in range(60):
        outcomes += publish_until_settled(catalog_shop, runs=1)
        with catalog_shop.database.reading() as session:
            assert unpackaged(session) == []

    assert any("'quota_waits'" in outcome for outcome in outcomes), outcomes
    packages = [
        request
        for request in sandbox.requests()
        if request["endpoint"] == "products.integrate" and request["processed"]
    ]
    answers = [request["status"] for request in packages]
    assert answers.count(429) >= 1, answers
    assert len(answers) <= 6, answers  # packages shrink: no probe every run
    assert statuses(catalog_shop) == dict.fromkeys(skus, publishing.INTEGRATED), outcomes
