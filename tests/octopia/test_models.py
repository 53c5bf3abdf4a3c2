"""The recorded and reference payloads parse into the models; the unknown never breaks them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from cdlink.octopia.auth import TokenResponse
from cdlink.octopia.models import (
    Carrier,
    Category,
    CategoryProperty,
    DeliveryMode,
    IntegrationStatus,
    LineStatus,
    Necessity,
    Offer,
    OfferDeliveryMode,
    OfferPackage,
    OfferPrice,
    OfferProduct,
    OfferRequest,
    OfferRequestResult,
    OfferTax,
    Order,
    OrderStatus,
    PackageState,
    Seller,
    SellerState,
    SupplyMode,
)
from cdlink.octopia.models.base import Envelope
from cdlink.octopia.responses import json_body
from tests.support.octopia_fakes import order_payload, recorded


def test_given_the_recorded_token_answer_when_parsed_then_every_field_is_read() -> None:
    body = recorded("token.client_credentials.200.json")["response"]["body"]
    token = TokenResponse.model_validate(body)
    assert token.expires_in == 7200
    assert token.refresh_expires_in == 0
    assert token.not_before_policy == 0
    assert token.token_type == "Bearer"
    assert token.scope == ""


def test_given_the_recorded_empty_report_page_when_parsed_then_the_envelope_fits() -> None:
    body = recorded("products-integration-reports.by-gtin.empty.1.200.json")["response"]["body"]
    envelope = Envelope.model_validate(body)
    assert envelope.items_per_page == 0
    assert envelope.items == []


def test_given_the_measured_delivery_modes_when_parsed_then_snake_case_fields_are_read() -> None:
    body = recorded("delivery-modes.measured-sample.json")
    modes = [DeliveryMode.model_validate(item) for item in body["items"]]
    assert [mode.code for mode in modes] == ["TRK", "REG"]
    assert modes[1].name == "Recommandé"
    assert modes[0].is_express_delivery is False
    assert modes[0].more_than30_kg_product is False
    assert modes[0].delivery_delay == 0


def test_given_the_reconstructed_carriers_when_parsed_then_all_66_fit_with_duplicate_codes() -> (
    None
):
    carriers = [
        Carrier.model_validate(item)
        for item in recorded("carriers.get-carriers.reconstructed.json")
    ]
    assert len(carriers) == 66
    assert sum(1 for carrier in carriers if carrier.code == "pcc") > 1
    assert "Colissimo" in {carrier.label.strip() for carrier in carriers}


def test_given_the_reference_sample_order_when_parsed_then_money_is_exact_and_times_utc() -> None:
    order = Order.model_validate(order_payload())
    line = order.lines[0]
    assert order.status is OrderStatus.IN_PREPARATION
    assert order.updated_at == datetime(2026, 1, 1, 12, 30, tzinfo=UTC)
    assert line.quantity == 2
    assert line.status is LineStatus.IN_PREPARATION
    assert line.offer_price.unit_sales_price == Decimal("19.99")
    assert line.offer_price.commission is not None
    assert line.offer_price.commission.amount_with_vat == Decimal("4.80")
    assert line.selling_price.taxes[1].code == "Ecotax"
    total = line.selling_price.unit_sales_price * line.quantity + line.selling_price.shipping_cost  # type: ignore[operator]
    assert total == order.total_price.selling_price  # type: ignore[union-attr]
    assert order.service_fees[0].amount == Decimal("0.99")
    assert line.offer is not None
    assert line.offer.supply_mode is SupplyMode.SELLER
    assert line.shipping_address is not None
    assert line.shipping_address.city == "Lyon"
    assert order.line("1") is line
    assert order.line("2") is None


def test_given_the_java_dto_commission_names_when_parsed_then_they_are_read_too() -> None:
    payload = order_payload()
    payload["lines"][0]["offerPrice"]["commission"] = {
        "amountWithTax": 4.8,
        "amountWithoutTax": 4,
        "rate": 0.1,
    }
    commission = Order.model_validate(payload).lines[0].offer_price.commission
    assert commission is not None
    assert commission.amount_with_vat == Decimal("4.8")
    assert commission.amount_without_vat == Decimal(4)


def test_given_unknown_enum_values_and_fields_when_parsed_then_raw_values_are_kept() -> None:
    payload = order_payload(status="PartiallyShipped", brandNewField={"x": 1})
    payload["lines"][0]["status"] = "ReturnRequested"
    payload["lines"][0]["offer"]["supplyMode"] = "Dropship"
    order = Order.model_validate(payload)
    assert order.status == "PartiallyShipped"
    assert not isinstance(order.status, OrderStatus)
    assert order.lines[0].status == "ReturnRequested"
    assert order.model_extra == {"brandNewField": {"x": 1}}
    assert order.lines[0].offer.supply_mode == "Dropship"  # type: ignore[union-attr]


def test_given_a_naive_time_when_parsed_then_it_is_taken_as_utc() -> None:
    order = Order.model_validate(order_payload(updatedAt="2026-01-01T12:30:00"))
    assert order.updated_at.tzinfo is UTC


def test_given_a_time_with_another_offset_when_parsed_from_bytes_then_it_is_converted_to_utc() -> (
    None
):
    content = json.dumps(order_payload(updatedAt="2026-01-01T14:30:00+02:00")).encode()
    order = Order.model_validate_json(content)
    assert order.updated_at == datetime(2026, 1, 1, 12, 30, tzinfo=UTC)
    assert order.updated_at.utcoffset() == timedelta(0)
    assert order.updated_at.hour == 12


def test_given_an_invalid_time_when_parsed_then_it_is_refused_once() -> None:
    content = json.dumps(order_payload(updatedAt="yesterday")).encode()
    with pytest.raises(ValidationError) as refused:
        Order.model_validate_json(content)
    assert [error["loc"] for error in refused.value.errors()] == [("updatedAt",)]


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("orderId", ""),
        ("status", None),
        ("updatedAt", "yesterday"),
        ("lines", None),
    ],
)
def test_given_a_bad_required_order_field_when_parsed_then_refused(where: str, value: Any) -> None:
    with pytest.raises(ValidationError):
        Order.model_validate(order_payload(**{where: value}))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quantity", 1.5),
        ("quantity", "2"),
        ("quantity", -1),
        ("orderLineId", None),
        ("offerPrice", None),
    ],
)
def test_given_a_bad_line_field_when_parsed_then_refused(field: str, value: Any) -> None:
    payload = order_payload()
    payload["lines"][0][field] = value
    with pytest.raises(ValidationError):
        Order.model_validate(payload)


def test_given_a_price_that_is_not_a_number_when_parsed_then_refused() -> None:
    payload = order_payload()
    payload["lines"][0]["sellingPrice"]["unitSalesPrice"] = "cheap"
    with pytest.raises(ValidationError):
        Order.model_validate(payload)


def test_given_an_order_as_json_text_when_read_then_money_keeps_every_digit() -> None:
    text = (
        b'{"orderId":"A","status":"Shipped","updatedAt":"2026-01-01T00:00:00Z","lines":'
        b'[{"orderLineId":"1","quantity":1,"offerPrice":{"unitSalesPrice":0.1},'
        b'"sellingPrice":{"unitSalesPrice":12345678.123456789}}]}'
    )
    response = httpx.Response(200, content=text, request=httpx.Request("GET", "https://x/"))
    order = Order.model_validate(json_body(response))
    assert order.lines[0].selling_price.unit_sales_price == Decimal("12345678.123456789")


def test_given_seller_answers_when_parsed_then_states_and_unknowns_are_kept() -> None:
    seller = Seller.model_validate(
        {
            "seller_id": 700085,
            "shop_name": "Boutique",
            "seller_state": "Activated",
            "seller_sub_state": "OnMoon",
            "new": 1,
        }
    )
    assert seller.seller_state is SellerState.ACTIVATED
    assert seller.seller_sub_state == "OnMoon"
    assert seller.model_extra == {"new": 1}


def test_given_offer_shapes_when_parsed_then_package_and_results_fit() -> None:
    offer = Offer.model_validate(
        {
            "offerId": "1_P_New_CDISFR",
            "offerState": "Paused",
            "facialPrice": {"price": 9.9},
            "quantity": 0,
        }
    )
    assert offer.offer_state == "Paused"
    assert offer.facial_price.price == Decimal("9.9")
    package = OfferPackage.model_validate({"packageId": "p1", "packageState": "IntegrationPending"})
    assert package.state is PackageState.INTEGRATION_PENDING
    assert not package.is_finished
    assert OfferPackage.model_validate({"id": "p1", "state": "Integrated"}).is_finished
    result = OfferRequestResult.model_validate(
        {
            "sellerExternalReference": "SKU1",
            "integrationStatus": "Duplicated",
            "results": [{"resultCode": "D1", "message": "twice"}],
        }
    )
    assert result.integration_status is IntegrationStatus.DUPLICATED
    assert result.results[0].result_code == "D1"


def test_given_an_offer_request_when_serialised_then_camel_case_numbers_and_no_nulls() -> None:
    request = OfferRequest(
        seller_external_reference="SKU1",
        product=OfferProduct(gtin="3760000000017"),
        condition="New",
        price=OfferPrice(price=Decimal("19.90"), taxes=[OfferTax(code="VAT", value=Decimal(20))]),
        quantity=4,
        preparation_time=1,
        delivery_modes=[OfferDeliveryMode(code="TRK", cost=Decimal("4.99"))],
    )
    assert request.to_payload() == {
        "sellerExternalReference": "SKU1",
        "product": {"gtin": "3760000000017"},
        "condition": "New",
        "price": {"price": 19.9, "taxes": [{"code": "VAT", "value": 20}]},
        "quantity": 4,
        "preparationTime": 1,
        "deliveryModes": [{"code": "TRK", "cost": 4.99}],
    }


def test_given_a_seller_reference_over_50_characters_when_building_a_request_then_refused() -> None:
    with pytest.raises(ValidationError):
        OfferRequest(seller_external_reference="x" * 51)


def test_given_catalog_shapes_when_parsed_then_both_reference_names_fit() -> None:
    assert (
        Category.model_validate({"reference": "0R0404", "level": 3}).category_reference == "0R0404"
    )
    prop = CategoryProperty.model_validate(
        {"propertyReference": "Couleur", "necessity": "Mandatory"}
    )
    assert prop.necessity is Necessity.MANDATORY
    assert (
        CategoryProperty.model_validate(
            {"propertyReference": "x", "necessity": "Sometimes"}
        ).necessity
        == "Sometimes"
    )
