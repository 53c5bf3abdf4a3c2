"""The catalog services against the sandbox: taxonomy, brands, product referential, sheet
packages and their reports, the pre-flight rules, both variants of each conflict, faults."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cdlink.octopia import (
    InvalidRequest,
    NotFound,
    OctopiaClient,
    ProductQuery,
    RateLimited,
    RuleViolation,
    ServerError,
)
from cdlink.octopia.models import (
    OfferDeliveryMode,
    OfferPrice,
    OfferProduct,
    OfferRequest,
    OfferTax,
    OperationType,
    PackageType,
    ProductIntegrationStatus,
    SheetPicture,
)
from cdlink.sandbox import Sandbox, SandboxConfig
from tests.support.catalog_sheets import KNOWN_BRAND, ean13, leaf, rules_of, valid_sheet
from tests.support.octopia_sandbox import connect

LAG = 60
INTEGRATION = 300
PLAIN = leaf(lambda c: not c["isVariant"] and not c["isBrandMandatory"])
BRANDED = leaf(lambda c: not c["isVariant"] and c["isBrandMandatory"])
VARIANT = leaf(lambda c: c["isVariant"])


def requests_to(sandbox: Sandbox, endpoint: str) -> int:
    return sum(1 for request in sandbox.requests() if request["endpoint"] == endpoint)


def publish(sandbox: Sandbox, client: OctopiaClient, *sheets_numbers: int) -> str:
    sheets = [valid_sheet(PLAIN, number) for number in sheets_numbers]
    return client.product_integration.submit(sheets, {PLAIN: rules_of(PLAIN)})


# --- taxonomy and brands -----------------------------------------------------------------------


def test_given_the_taxonomy_when_listing_then_about_8000_categories_come_with_their_fields(
    sandbox_client: OctopiaClient,
) -> None:
    categories = list(sandbox_client.categories.list())
    assert len(categories) == sandbox_client.categories.count()
    assert 7500 <= len(categories) <= 8500
    # References encode the tree: 2, 4 and 6 characters for levels 1, 2 and 3.
    assert all(len(c.category_reference) == 2 * (c.level or 0) for c in categories)
    assert all(category.label for category in categories)
    leaves = [c for c in categories if c.level == 3]
    assert any(c.is_variant for c in leaves)
    assert any(c.is_brand_mandatory for c in leaves)
    assert all(c.accepts_products for c in leaves)


def test_given_a_variant_category_when_read_then_its_colour_and_size_properties_come(
    sandbox_client: OctopiaClient,
) -> None:
    category = sandbox_client.categories.get(VARIANT)
    properties = sandbox_client.categories.properties(VARIANT)
    assert category.is_variant
    assert category.level == 3
    assert [p.is_size for p in properties if p.is_variation] == [False, True]
    assert all(p.choices for p in properties if p.is_variation)
    assert {p.necessity for p in properties} <= {"Mandatory", "Recommended", "Optional"}


def test_given_an_unknown_category_when_read_then_not_found(sandbox_client: OctopiaClient) -> None:
    with pytest.raises(NotFound):
        sandbox_client.categories.get("ZZZZZZ")


def test_given_the_brand_referential_when_listing_then_every_brand_comes_once(
    sandbox_client: OctopiaClient,
) -> None:
    brands = list(sandbox_client.brands.list(page_size=100))
    names = [brand.name for brand in brands]
    assert len(names) == len(set(names)) >= 100
    assert KNOWN_BRAND in names


# --- product referential -----------------------------------------------------------------------


def test_given_seeded_offers_when_reading_their_products_then_titles_brands_pictures_come(
    sandbox_client: OctopiaClient,
) -> None:
    offers = list(sandbox_client.offers.list())
    gtins = {
        offer.seller_external_reference: offer.product.gtin or ""
        for offer in offers
        if offer.product
    }
    products = sandbox_client.products.by_gtins(gtins.values())
    assert len(products) == len(offers) == 60
    for offer in offers:
        product = products[gtins[offer.seller_external_reference]]
        assert product.label
        assert product.brand
        assert product.brand.name
        assert product.pictures
        assert product.category
        assert len(product.category.reference) == 6
        assert product.seller_reference("700085") == offer.seller_external_reference


def test_given_the_referential_when_paging_by_cursor_and_counting_then_they_agree(
    sandbox_client: OctopiaClient,
) -> None:
    products = list(sandbox_client.products.list(limit=7))
    category = products[0].category.reference if products[0].category else ""
    in_category = list(sandbox_client.products.list(ProductQuery(category_reference=category)))
    assert len(products) == len({p.reference for p in products}) == 60
    assert sandbox_client.products.count() == 60
    assert sandbox_client.products.count(category) == len(in_category) >= 1


# --- publishing sheets -------------------------------------------------------------------------


def test_given_valid_sheets_when_published_then_reports_lag_then_validated_then_integrated(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    skus = {"SHEET-00001", "SHEET-00002"}
    package_id = publish(sandbox, sandbox_client, 1, 2)

    before = sandbox_client.product_integration.progress(package_id, skus)
    sandbox.advance(LAG)
    validated = sandbox_client.product_integration.progress(package_id, skus)
    sandbox.advance(INTEGRATION)
    integrated = sandbox_client.product_integration.progress(package_id, skus)

    assert before.missing == skus
    assert not before.complete
    assert {r.status for r in validated.reports.values()} == {ProductIntegrationStatus.VALIDATED}
    assert not validated.complete
    assert integrated.complete
    report = integrated.reports["SHEET-00001"]
    assert report.is_live
    assert report.operation_type is OperationType.CREATION
    assert report.package_id == package_id
    assert report.gtin == ean13(1)
    assert report.product_reference
    assert report.submission_date is not None
    product = sandbox_client.products.by_gtins([ean13(1)])[ean13(1)]
    assert product.label == valid_sheet(PLAIN, 1).title
    assert product.category
    assert product.category.reference == PLAIN


def test_given_an_integrated_product_when_an_offer_is_upserted_on_its_gtin_then_it_is_offered(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    publish(sandbox, sandbox_client, 3)
    sandbox.advance(LAG + INTEGRATION)
    offer = OfferRequest(
        seller_external_reference="SHEET-00003",
        product=OfferProduct(gtin=ean13(3)),
        price=OfferPrice(price=Decimal("19.90"), taxes=[OfferTax(code="VAT", value=Decimal(20))]),
        quantity=4,
        delivery_modes=[OfferDeliveryMode(code="TRK", cost=Decimal("4.90"))],
    )
    sandbox_client.offer_packages.submit(PackageType.UPSERT, [offer])
    sandbox.advance(60)

    assert sandbox.offer("SHEET-00003")["product"]["gtin"] == ean13(3)
    # Orders show the product's title: the offer took it from the referential.
    offered = sandbox.state.shops[sandbox.credentials.seller_id].offers["SHEET-00003"]
    assert offered.product_title == valid_sheet(PLAIN, 3).title


def test_given_a_sheet_breaking_a_rule_when_submitted_then_refused_before_anything_is_sent(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    broken = valid_sheet(PLAIN, 4, title="x" * 133)
    with pytest.raises(RuleViolation) as raised:
        sandbox_client.product_integration.submit(
            [valid_sheet(PLAIN, 5), broken], {PLAIN: rules_of(PLAIN)}
        )
    assert raised.value.rule == "title_length"
    assert not raised.value.sent
    assert "SHEET-00004" in str(raised.value)
    assert requests_to(sandbox, "products.integrate") == 0


def test_given_a_package_repeating_a_sku_when_submitted_then_refused_before_sending(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sheets = [
        valid_sheet(PLAIN, 40),
        valid_sheet(PLAIN, 41, seller_product_reference="SHEET-00040"),
    ]
    with pytest.raises(RuleViolation) as raised:
        sandbox_client.product_integration.submit(sheets)
    assert raised.value.rule == "duplicate_sheet"
    assert requests_to(sandbox, "products.integrate") == 0


def test_given_category_rules_unknown_to_the_client_when_broken_then_the_report_refuses(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    # Without the category, the client checks only what every sheet must follow.
    sheet = valid_sheet(BRANDED, 6, brand=None)
    package_id = sandbox_client.product_integration.submit([sheet])
    sandbox.advance(LAG)

    (report,) = sandbox_client.product_integration.reports(package_id=package_id)
    assert report.is_refused
    assert not report.is_quota_refusal
    assert [(e.code, e.field) for e in report.errors] == [("MissingBrand", "brand")]


def test_given_a_variant_category_when_colour_size_and_group_are_missing_then_both_sides_refuse(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sheet = valid_sheet(VARIANT, 7, attributes=[], variant_group_reference=None)
    problems = sandbox_client.product_integration.check([sheet], {VARIANT: rules_of(VARIANT)})
    package_id = sandbox_client.product_integration.submit([sheet])
    sandbox.advance(LAG)

    rules = {problem.rule for problem in problems["SHEET-00007"]}
    assert {"colour_missing", "size_missing", "variant_group_missing"} <= rules
    (report,) = sandbox_client.product_integration.reports(package_id=package_id)
    codes = {error.code for error in report.errors}
    assert {"MissingColor", "MissingSize", "MissingVariantGroup"} <= codes


@pytest.mark.parametrize("refusal", ["report", "status"])
def test_given_the_creation_quota_when_exceeded_then_the_client_meets_either_refusal(
    refusal: str,
) -> None:
    sandbox = Sandbox(SandboxConfig(seed=1, product_creations_per_hour=2))
    sandbox.set_variants(creation_quota_refusal=refusal)
    with connect(sandbox) as client:
        first = publish(sandbox, client, 10, 11)
        if refusal == "status":
            with pytest.raises(RateLimited) as raised:
                publish(sandbox, client, 12)
            assert raised.value.retry_after is not None
            return
        second = publish(sandbox, client, 12)
        sandbox.advance(LAG)
        reports = list(client.product_integration.reports(package_id=first))
        (refused,) = client.product_integration.reports(package_id=second)
    assert {report.status for report in reports} == {ProductIntegrationStatus.VALIDATED}
    assert refused.is_quota_refusal


def test_given_manual_check_when_the_brand_is_new_then_the_sheet_stays_validated(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sandbox.set_variants(manual_check="new_brands")
    sheet = valid_sheet(PLAIN, 13, brand="Marque Inconnue")
    package_id = sandbox_client.product_integration.submit([sheet])
    sandbox.advance(LAG + INTEGRATION)

    progress = sandbox_client.product_integration.progress(package_id, {"SHEET-00013"})
    assert progress.complete
    report = progress.reports["SHEET-00013"]
    assert report.awaits_manual_check
    assert not report.is_live
    assert sandbox_client.products.by_gtins([ean13(13)]) == {}


@pytest.mark.parametrize("largest", [25, 100])
def test_given_either_report_page_limit_when_reading_then_the_default_pages_work(
    sandbox: Sandbox, sandbox_client: OctopiaClient, largest: int
) -> None:
    sandbox.set_variants(report_page_size=largest)
    sheets = [valid_sheet(PLAIN, number) for number in range(100, 130)]
    with sandbox.state.lock:
        sandbox.state.config.product_creations_per_hour = None
    package_id = sandbox_client.product_integration.submit(sheets)
    sandbox.advance(LAG)

    reports = list(sandbox_client.product_integration.reports(package_id=package_id))
    assert len(reports) == 30
    if largest == 25:
        with pytest.raises(InvalidRequest):
            list(sandbox_client.product_integration.reports(package_id=package_id, page_size=30))


@pytest.mark.parametrize("scope", ["all", "latest"])
def test_given_either_reading_of_reports_without_package_when_filtered_then_each_package_reads(
    sandbox: Sandbox, sandbox_client: OctopiaClient, scope: str
) -> None:
    sandbox.set_variants(reports_without_package=scope)
    first, second = publish(sandbox, sandbox_client, 20), publish(sandbox, sandbox_client, 21)
    sandbox.advance(LAG)

    unfiltered = {r.package_id for r in sandbox_client.product_integration.reports()}
    by_package = [
        [
            r.seller_product_reference
            for r in sandbox_client.product_integration.reports(package_id=p)
        ]
        for p in (first, second)
    ]
    assert unfiltered == ({first, second} if scope == "all" else {second})
    assert by_package == [["SHEET-00020"], ["SHEET-00021"]]


@pytest.mark.parametrize(("variant", "status"), [("ean13", "Refused"), ("gtin", "Validated")])
def test_given_an_ean8_when_published_then_each_gtin_variant_answers_in_the_report(
    sandbox: Sandbox, sandbox_client: OctopiaClient, variant: str, status: str
) -> None:
    sandbox.set_variants(product_gtin=variant)
    package_id = sandbox_client.product_integration.submit(
        [valid_sheet(PLAIN, 22, gtin="96385074")]
    )
    sandbox.advance(LAG)
    (report,) = sandbox_client.product_integration.reports(package_id=package_id, gtin="96385074")
    assert report.status == status


def test_given_a_sheet_with_one_picture_when_validated_then_warnings_come_with_codes(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    pictures = [SheetPicture(index=1, url="https://images.example.com/1.jpg")]
    package_id = sandbox_client.product_integration.submit(
        [valid_sheet(PLAIN, 23, seller_picture_urls=pictures)]
    )
    sandbox.advance(LAG)
    (report,) = sandbox_client.product_integration.reports(package_id=package_id)
    assert report.status is ProductIntegrationStatus.VALIDATED
    assert "PictureCount" in {warning.code for warning in report.warnings}


# --- faults ------------------------------------------------------------------------------------


def test_given_throttling_a_5xx_and_a_revoked_token_when_reading_the_catalog_then_it_recovers(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    package_id = publish(sandbox, sandbox_client, 30)
    sandbox.advance(LAG)
    for endpoint in ("products.list", "products.count", "brands.list", "categories.properties"):
        sandbox.add_fault({"kind": "status", "endpoint": endpoint, "status": 429, "count": 1})
    sandbox.add_fault({"kind": "status", "endpoint": "products.reports", "status": 503, "count": 2})

    products = list(sandbox_client.products.list())
    sandbox.revoke_tokens()
    reports = list(sandbox_client.product_integration.reports(package_id=package_id))

    assert len(products) == sandbox_client.products.count() == 60
    assert list(sandbox_client.brands.list())
    assert sandbox_client.categories.properties(PLAIN)
    assert [r.seller_product_reference for r in reports] == ["SHEET-00030"]


def test_given_a_5xx_on_a_package_when_submitted_then_it_is_not_repeated(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sandbox.add_fault({"kind": "status", "endpoint": "products.integrate", "status": 503})
    with pytest.raises(ServerError):
        publish(sandbox, sandbox_client, 31)
    assert requests_to(sandbox, "products.integrate") == 1


def test_given_a_malformed_report_when_read_then_it_is_kept_aside(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    package_id = publish(sandbox, sandbox_client, 32)
    sandbox.advance(LAG)
    sandbox.add_fault(
        {"kind": "malformed", "endpoint": "products.reports", "malformation": "wrong_type"}
    )
    pages = list(sandbox_client.product_integration.reports_pages(package_id=package_id))
    assert sum(len(page.items) + len(page.rejected) for page in pages) == 1
