"""Prices and promotions against the sandbox: stock and price in one Update request, the VAT
variants, the rules refused before sending and by the sandbox, XML offer packages, promotions
on the sandbox clock in both promotion-channel variants, competition, and faults."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from cdlink.octopia import (
    OctopiaClient,
    OfferQuery,
    RuleViolation,
    ServerError,
    ZipHost,
    result_violation,
)
from cdlink.octopia.models import (
    DiscountComponent,
    IntegrationStatus,
    Offer,
    PackageType,
    PromotionType,
    SalesChannelFeedback,
    XmlOffer,
    XmlShipping,
    build_offer_zip,
    offer_update,
)
from cdlink.sandbox import Sandbox, SandboxConfig
from tests.support.catalog_sheets import ean13
from tests.support.octopia_sandbox import connect

INTEGRATION = 60


def sandbox_now(sandbox: Sandbox) -> datetime:
    return datetime.fromisoformat(sandbox.now().replace("Z", "+00:00"))


def host_on(sandbox: Sandbox) -> ZipHost:
    def host(content: bytes, name: str) -> str:
        return sandbox.put_file(name, content)

    return host


def read(client: OctopiaClient, sku: str, *, expand: bool = False) -> Offer:
    query = OfferQuery(
        seller_external_references=[sku], expand="salesChannelFeedback" if expand else None
    )
    (offer,) = list(client.offers.list(query))
    return offer


def first_sku(client: OctopiaClient) -> str:
    offer = next(iter(client.offers.list(limit=1)))
    return offer.seller_external_reference or ""


def flash(start: datetime, hours: float, percent: int = 20) -> DiscountComponent:
    return DiscountComponent(
        type=PromotionType.FLASH_SALE,
        discount_value=Decimal(percent),
        start_date=start,
        end_date=start + timedelta(hours=hours),
    )


def requests_to(sandbox: Sandbox, endpoint: str) -> int:
    return sum(1 for request in sandbox.requests() if request["endpoint"] == endpoint)


# --- JSON Update packages: stock and price together ---------------------------------------------


def test_given_a_stock_and_a_price_change_of_a_sku_when_submitted_then_one_request_sets_both(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sku = first_sku(sandbox_client)
    changes = [
        offer_update(sku, quantity=9),
        offer_update(
            sku, price=Decimal("17.50"), vat_percent=Decimal(20), origin_price=Decimal(21)
        ),
    ]
    package_id = sandbox_client.offer_packages.submit_updates(changes, now=sandbox_now(sandbox))
    sandbox.advance(INTEGRATION)

    (result,) = list(sandbox_client.offer_packages.results(package_id))
    offer = read(sandbox_client, sku)
    assert result.integration_status is IntegrationStatus.INTEGRATED
    assert (offer.quantity, offer.integration_price, offer.origin_price) == (
        9,
        Decimal("17.5"),
        Decimal(21),
    )
    assert offer.price_drift(Decimal("17.50")) is None
    assert offer.price_drift(Decimal("18")) == Decimal("-0.5")


@pytest.mark.parametrize("vat_format", ["percentage", "rate"])
def test_given_either_vat_variant_when_a_price_is_sent_in_that_format_then_it_integrates(
    sandbox: Sandbox, sandbox_client: OctopiaClient, vat_format: str
) -> None:
    sandbox.set_variants(vat_format=vat_format)
    sku = first_sku(sandbox_client)
    change = offer_update(
        sku,
        price=Decimal("12.00"),
        vat_percent=Decimal("5.5"),
        ecotax=Decimal("0.30"),
        vat_format=vat_format,  # type: ignore[arg-type]
    )
    package_id = sandbox_client.offer_packages.submit_updates([change], now=sandbox_now(sandbox))
    sandbox.advance(INTEGRATION)

    (result,) = list(sandbox_client.offer_packages.results(package_id))
    offer = read(sandbox_client, sku)
    assert result.integration_status is IntegrationStatus.INTEGRATED
    assert offer.vat_percent == Decimal("5.5")
    assert offer.integration_price == Decimal(12)


def test_given_a_price_breaking_a_rule_when_submitting_then_nothing_is_sent(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sku = first_sku(sandbox_client)
    bad = offer_update(sku, price=Decimal(20), vat_percent=Decimal(20), origin_price=Decimal(15))
    with pytest.raises(RuleViolation) as raised:
        sandbox_client.offer_packages.submit_updates([bad], now=sandbox_now(sandbox))
    assert (raised.value.rule, raised.value.sent) == ("origin_price_above_price", False)
    assert requests_to(sandbox, "packages.create") == 0


def test_given_a_price_the_sandbox_refuses_when_results_are_read_then_the_same_rule_comes_back(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sku = first_sku(sandbox_client)
    bad = offer_update(sku, price=Decimal(20), vat_percent=Decimal(20), origin_price=Decimal(15))
    package_id = sandbox_client.offer_packages.submit(PackageType.UPDATE, [bad])
    sandbox.advance(INTEGRATION)

    (result,) = list(sandbox_client.offer_packages.results(package_id))
    violation = result_violation(result)
    assert violation is not None
    assert (violation.rule, violation.sent) == ("origin_price_above_price", True)


# --- XML packages and promotions on the clock --------------------------------------------------


def test_given_a_flash_sale_in_an_xml_package_when_the_clock_runs_then_it_starts_and_ends(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sku, now = first_sku(sandbox_client), sandbox_now(sandbox)
    price = read(sandbox_client, sku).integration_price
    assert price is not None
    promotion = flash(now + timedelta(hours=2), 24, percent=25)
    service = sandbox_client.offer_integration_packages
    package_id = service.submit(
        [XmlOffer(sku=sku, promotions=(promotion,))], host=host_on(sandbox), now=now
    )
    assert not service.get(package_id).is_finished
    sandbox.advance(INTEGRATION)

    report = service.get(package_id)
    assert report.is_finished
    assert [(r.seller_product_id, r.integration_status) for r in service.results(package_id)] == [
        (sku, "Integrated")
    ]
    before = read(sandbox_client, sku)
    sandbox.advance(3 * 3600)
    during = read(sandbox_client, sku)
    sandbox.advance(24 * 3600)
    after = read(sandbox_client, sku)

    assert before.displayed_price == price
    assert during.integration_price == price
    assert during.displayed_price == (price * Decimal("0.75")).quantize(Decimal("0.01"))
    assert during.price_drift(price) is None
    assert after.displayed_price == price
    assert [p.type for p in after.promotions] == [PromotionType.FLASH_SALE]


def test_given_a_running_flash_sale_when_an_empty_list_is_sent_then_the_price_reverts(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sku, now = first_sku(sandbox_client), sandbox_now(sandbox)
    service, host = sandbox_client.offer_integration_packages, host_on(sandbox)
    service.submit(
        [XmlOffer(sku=sku, promotions=(flash(now + timedelta(minutes=5), 10),))], host=host, now=now
    )
    sandbox.advance(600)
    running = read(sandbox_client, sku)
    assert running.displayed_price != running.integration_price

    service.submit([XmlOffer(sku=sku, promotions=())], host=host, now=sandbox_now(sandbox))
    sandbox.advance(INTEGRATION)
    reverted = read(sandbox_client, sku)
    assert reverted.displayed_price == reverted.integration_price
    assert reverted.promotions == []


def test_given_an_ended_flash_sale_when_another_comes_within_48_hours_then_it_is_refused(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sku, now = first_sku(sandbox_client), sandbox_now(sandbox)
    service, host = sandbox_client.offer_integration_packages, host_on(sandbox)
    service.submit(
        [XmlOffer(sku=sku, promotions=(flash(now + timedelta(minutes=5), 2),))], host=host, now=now
    )
    sandbox.advance(3 * 3600)
    now = sandbox_now(sandbox)
    history = {sku: read(sandbox_client, sku).promotions}
    second = XmlOffer(sku=sku, promotions=(flash(now + timedelta(hours=1), 5),))
    before = requests_to(sandbox, "xml_packages.create")

    with pytest.raises(RuleViolation) as raised:
        service.submit([second], host=host, now=now, history=history)
    assert (raised.value.rule, raised.value.sent) == ("flash_sale_gap", False)
    assert requests_to(sandbox, "xml_packages.create") == before

    package_id = service.submit_url(
        sandbox.put_file("raw.zip", build_offer_zip([second], name="raw"))
    )
    sandbox.advance(INTEGRATION)
    (result,) = list(service.results(package_id))
    violation = result_violation(result)
    assert violation is not None
    assert (violation.rule, violation.sent) == ("flash_sale_gap", True)


def test_given_a_full_xml_package_when_integrated_then_it_creates_the_offer(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    offer = XmlOffer(
        sku="XML-NEW-1",
        ean=ean13(990),
        price=Decimal(30),
        vat_percent=Decimal(20),
        stock=2,
        striked_price=Decimal(35),
        condition="New",
        preparation_time=2,
        shipping=(XmlShipping("TRK", Decimal("4.90")),),
    )
    service = sandbox_client.offer_integration_packages
    package_id = service.submit(
        [offer], host=host_on(sandbox), now=sandbox_now(sandbox), package_type="Full"
    )
    sandbox.advance(INTEGRATION)
    report = service.get(package_id)
    assert report.package_type == "Full"
    assert [(r.integration_status, r.errors) for r in report.offers] == [("Integrated", [])]
    created = read(sandbox_client, "XML-NEW-1")
    assert (created.integration_price, created.origin_price, created.quantity) == (
        Decimal(30),
        Decimal(35),
        2,
    )


def test_given_a_zip_the_sandbox_cannot_download_when_integrated_then_the_package_is_rejected(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    service = sandbox_client.offer_integration_packages
    package_id = service.submit_url("https://files.example.com/offers.zip")
    sandbox.advance(INTEGRATION)
    report = service.get(package_id)
    assert report.integration_state == "Rejected"
    assert "could not be downloaded" in (report.error_message or "")


@pytest.mark.parametrize("channel", ["xml_only", "json_too"])
def test_given_either_promotion_channel_when_a_promotion_goes_in_json_then_the_client_knows(
    sandbox: Sandbox, sandbox_client: OctopiaClient, channel: str
) -> None:
    sandbox.set_variants(promotions_channel=channel)
    sku, now = first_sku(sandbox_client), sandbox_now(sandbox)
    change = offer_update(
        sku,
        price=Decimal(40),
        vat_percent=Decimal(20),
        promotions=[flash(now + timedelta(minutes=5), 5, percent=10)],
    )
    package_id = sandbox_client.offer_packages.submit_updates([change], now=now)
    sandbox.advance(600)

    (result,) = list(sandbox_client.offer_packages.results(package_id))
    offer = read(sandbox_client, sku)
    if channel == "xml_only":
        violation = result_violation(result)
        assert violation is not None
        assert (violation.rule, violation.sent) == ("promotions_xml_only", True)
        assert offer.integration_price != Decimal(40)
    else:
        assert result_violation(result) is None
        assert (offer.integration_price, offer.displayed_price) == (Decimal(40), Decimal(36))


# --- competition -----------------------------------------------------------------------------


def test_given_competitors_when_the_price_drops_below_theirs_then_the_offer_becomes_best(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    feedbacks = {
        offer.seller_external_reference or "": SalesChannelFeedback.model_validate(
            offer.sales_channel_feedback
        )
        for offer in sandbox_client.offers.list(OfferQuery(expand="salesChannelFeedback"))
    }
    sku, feedback = next(
        (sku, f)
        for sku, f in feedbacks.items()
        if f.best_offer_details and not f.best_offer_details.is_best_offer
    )
    lowest = feedback.lowest_competitor
    assert lowest is not None
    assert lowest.total is not None
    assert feedback.best_offer_details is not None
    assert feedback.best_offer_details.best_offer_seller_id == lowest.seller_id

    cheaper = (lowest.total - Decimal(10)).max(Decimal(1))
    change = offer_update(sku, price=cheaper, vat_percent=Decimal(20), delivery_modes=None)
    sandbox_client.offer_packages.submit_updates([change], now=sandbox_now(sandbox))
    sandbox.advance(INTEGRATION)
    after = SalesChannelFeedback.model_validate(
        read(sandbox_client, sku, expand=True).sales_channel_feedback
    )

    assert after.best_offer_details is not None
    assert after.best_offer_details.is_best_offer
    assert [c.seller_id for c in after.competing_offers] == [
        c.seller_id for c in feedback.competing_offers
    ]


def test_given_the_same_seed_when_reading_competition_twice_then_it_is_the_same() -> None:
    def competition(sandbox: Sandbox) -> list[object]:
        with connect(sandbox) as client:
            return [
                offer.sales_channel_feedback
                for offer in client.offers.list(OfferQuery(expand="salesChannelFeedback"))
            ]

    assert competition(Sandbox(SandboxConfig(seed=3))) == competition(
        Sandbox(SandboxConfig(seed=3))
    )


# --- faults --------------------------------------------------------------------------------------


def test_given_throttling_a_5xx_and_a_revoked_token_when_pricing_then_it_recovers(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sku, now = first_sku(sandbox_client), sandbox_now(sandbox)
    sandbox.add_fault(
        {"kind": "status", "endpoint": "xml_packages.create", "status": 429, "count": 1}
    )
    sandbox.add_fault({"kind": "status", "endpoint": "xml_packages.get", "status": 503, "count": 2})
    service = sandbox_client.offer_integration_packages
    package_id = service.submit([XmlOffer(sku=sku, stock=6)], host=host_on(sandbox), now=now)
    sandbox.revoke_tokens()
    sandbox.advance(INTEGRATION)

    assert service.get(package_id).is_finished
    assert read(sandbox_client, sku).quantity == 6


def test_given_a_5xx_on_an_xml_package_when_submitted_then_it_is_not_repeated(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sandbox.add_fault({"kind": "status", "endpoint": "xml_packages.create", "status": 503})
    with pytest.raises(ServerError):
        sandbox_client.offer_integration_packages.submit_url(sandbox.put_file("x.zip", b"zip"))
    assert requests_to(sandbox, "xml_packages.create") == 1


def test_given_a_sku_twice_in_an_xml_package_when_submitting_then_nothing_is_sent(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sku = first_sku(sandbox_client)
    offers = [XmlOffer(sku=sku, stock=1), XmlOffer(sku=sku, price=Decimal(0))]
    problems = sandbox_client.offer_integration_packages.check(offers, now=sandbox_now(sandbox))
    assert [(p.field, p.rule) for p in problems[sku]] == [
        ("Offer.price", "price_positive"),
        ("SellerProductId", "duplicate_offer"),
    ]
    with pytest.raises(RuleViolation) as raised:
        sandbox_client.offer_integration_packages.submit(
            offers, host=host_on(sandbox), now=sandbox_now(sandbox)
        )
    assert (raised.value.rule, raised.value.sent) == ("price_positive", False)
    assert requests_to(sandbox, "xml_packages.create") == 0
