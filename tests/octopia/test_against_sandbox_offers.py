"""The offers and offer-packages services against the sandbox: read, submit, poll, results."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cdlink.octopia import InvalidRequest, OctopiaClient, OfferQuery
from cdlink.octopia.models import (
    IntegrationStatus,
    Offer,
    OfferDeliveryMode,
    OfferPrice,
    OfferProduct,
    OfferRequest,
    OfferState,
    OfferTax,
    PackageState,
    PackageType,
)
from cdlink.sandbox import Sandbox, SandboxConfig
from tests.support.octopia_sandbox import connect


def all_offers(client: OctopiaClient) -> list[Offer]:
    return list(client.offers.list(limit=7))


def test_given_a_seeded_shop_when_listing_offers_by_cursor_then_each_offer_comes_once(
    sandbox_client: OctopiaClient,
) -> None:
    offers = all_offers(sandbox_client)
    references = [offer.seller_external_reference for offer in offers]
    assert len(references) == len(set(references)) == 60
    assert all(offer.quantity is not None for offer in offers)


def test_given_reference_filters_when_listing_offers_then_only_those_come(
    sandbox_client: OctopiaClient,
) -> None:
    wanted = [offer.seller_external_reference or "" for offer in all_offers(sandbox_client)[:3]]
    found = list(sandbox_client.offers.list(OfferQuery(seller_external_references=wanted)))
    assert sorted(offer.seller_external_reference or "" for offer in found) == sorted(wanted)


def quantity_update(reference: str, quantity: int) -> OfferRequest:
    return OfferRequest(seller_external_reference=reference, quantity=quantity)


def test_given_an_update_package_when_integrated_then_every_quantity_changes(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    references = [offer.seller_external_reference or "" for offer in all_offers(sandbox_client)]
    requests = [quantity_update(reference, 7) for reference in references]
    package_id = sandbox_client.offer_packages.create(PackageType.UPDATE)
    assert sandbox_client.offer_packages.add_requests(package_id, requests) == 1
    sandbox_client.offer_packages.mark_ready(package_id)
    sandbox.advance(60)
    package = sandbox_client.offer_packages.get(package_id)
    assert package.is_finished
    assert package.state is PackageState.INTEGRATED
    results = list(sandbox_client.offer_packages.results(package_id, limit=25))
    assert len(results) == 60
    assert {result.integration_status for result in results} == {IntegrationStatus.INTEGRATED}
    assert {offer.quantity for offer in all_offers(sandbox_client)} == {7}


def test_given_a_package_in_chunks_with_duplicates_when_integrated_then_duplicates_are_flagged(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    references = [offer.seller_external_reference or "" for offer in all_offers(sandbox_client)]
    requests = [quantity_update(reference, 3) for reference in references * 2]
    requests += [quantity_update(reference, 3) for reference in references[:30]]
    package_id = sandbox_client.offer_packages.submit(PackageType.UPDATE, requests)
    uploads = [r for r in sandbox.requests() if r["endpoint"] == "packages.requests"]
    assert len(uploads) == 2
    sandbox.advance(60)
    results = list(sandbox_client.offer_packages.results(package_id))
    assert {result.integration_status for result in results} == {IntegrationStatus.DUPLICATED}


def test_given_an_upsert_with_a_bad_gtin_when_integrated_then_it_is_rejected_with_a_code(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    request = OfferRequest(
        seller_external_reference="NEW-SKU-1",
        product=OfferProduct(gtin="1234567890123"),
        condition="New",
        price=OfferPrice(price=Decimal("19.90"), taxes=[OfferTax(code="VAT", value=Decimal(20))]),
        quantity=5,
        preparation_time=1,
        delivery_modes=[OfferDeliveryMode(code="TRK", cost=Decimal("4.99"))],
    )
    package_id = sandbox_client.offer_packages.submit(PackageType.UPSERT, [request])
    sandbox.advance(60)
    (result,) = sandbox_client.offer_packages.results(package_id)
    assert result.integration_status is IntegrationStatus.REJECTED
    assert result.results[0].result_code == "InvalidGtin"


def test_given_a_package_not_integrated_yet_when_reading_results_then_invalid_request(
    sandbox_client: OctopiaClient,
) -> None:
    package_id = sandbox_client.offer_packages.create(PackageType.UPDATE)
    assert (
        sandbox_client.offer_packages.get(package_id).state is PackageState.WAITING_FOR_COMPLETION
    )
    with pytest.raises(InvalidRequest):
        list(sandbox_client.offer_packages.results(package_id))


def test_given_ready_sent_twice_when_marking_ready_then_the_second_is_harmless(
    sandbox_client: OctopiaClient,
) -> None:
    package_id = sandbox_client.offer_packages.create(PackageType.UPDATE)
    sandbox_client.offer_packages.add_requests(package_id, [quantity_update("x", 1)])
    sandbox_client.offer_packages.mark_ready(package_id)
    sandbox_client.offer_packages.mark_ready(package_id)
    assert (
        sandbox_client.offer_packages.get(package_id).state != PackageState.WAITING_FOR_COMPLETION
    )


def test_given_packages_when_listed_by_state_then_the_ready_one_is_found(
    sandbox_client: OctopiaClient,
) -> None:
    package_id = sandbox_client.offer_packages.submit(PackageType.UPDATE, [quantity_update("x", 1)])
    listed = [
        p
        for page in sandbox_client.offer_packages.list_pages(state=PackageState.READY)
        for p in page.items
    ]
    assert package_id in {package.package_id for package in listed}


def test_given_a_large_shop_when_reading_every_offer_then_none_is_rejected() -> None:
    sandbox = Sandbox(SandboxConfig(seed=7, offers=300, orders=0))
    with connect(sandbox) as client:
        pages = list(client.offers.list_pages(limit=100))
    assert [item.reason for page in pages for item in page.rejected] == []
    offers = [offer for page in pages for offer in page.items]
    assert len(offers) == 300
    assert all(isinstance(offer.offer_state, OfferState) for offer in offers)
