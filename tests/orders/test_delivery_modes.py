"""Delivery modes in words from the official table, and the relay point on the order page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import Order, OrderLine
from cdlink.web.orders.delivery_modes import OTHER, label
from tests.support.orders import run_until_success


@pytest.mark.parametrize(
    "spellings",
    [
        ("NTHD", "STD", "Standard", "NotTrackedHomeDelivery"),
        ("THD", "TRK", "Tracked", "TrackedHomeDelivery", " trk "),
        ("SHD", "REG", "Registered", "SignedHomeDelivery"),
        ("EHD", "EXP", "Express", "ExpressHomeDelivery"),
        ("FDHD", "LV1", "BigParcelEco", "FixedDateHomeDelivery"),
        ("SRHD", "LV2", "BigParcelStandard", "SpecificRoomHomeDelivery"),
        ("WSHD", "LV3", "BigParcelComfort", "WithSetupHomeDelivery"),
        ("RIM", "Rim", "ImmediateVendorPickup"),
    ],
)
def test_given_every_spelling_of_a_mode_when_labelled_then_one_label_never_the_code(
    spellings: tuple[str, ...],
) -> None:
    labels = {label(spelling) for spelling in spellings}

    assert len(labels) == 1
    assert labels.pop() not in {OTHER, *spellings}


def test_given_an_unknown_or_missing_mode_when_labelled_then_other_or_nothing() -> None:
    assert (label("XYZ"), label(None), label("")) == (OTHER, None, None)


def relay_order(shop: JobEnvironment) -> Order:
    with shop.database.reading() as session:
        query = select(Order).join(OrderLine).where(OrderLine.delivery_mode == "RelayDelivery")
        found = session.scalars(query).first()
        assert found is not None
        found.lines  # noqa: B018  (loaded before the session closes)
        return found


def test_given_a_relay_delivery_when_its_page_opens_then_mode_and_relay_address_in_both_languages(
    browser: TestClient, shop: JobEnvironment
) -> None:
    run_until_success(shop)
    order = relay_order(shop)
    address = order.shipping_address or {}

    english = browser.get(f"/orders/{order.id}", headers={"Accept-Language": "en"})
    french = browser.get(f"/orders/{order.id}", headers={"Accept-Language": "fr"})

    assert 'data-testid="relay-point"' in english.text
    assert "Relay-point delivery" in english.text
    assert address["pickup_name"] in english.text
    assert address["postal_code"] in english.text
    assert "RelayDelivery" not in english.text
    assert "Livraison en point relais" in french.text
    assert "Point relais" in french.text


def test_given_a_home_delivery_when_its_page_opens_then_mode_in_words_and_no_relay(
    browser: TestClient, shop: JobEnvironment
) -> None:
    run_until_success(shop)
    with shop.database.reading() as session:
        query = select(Order.id).join(OrderLine)
        order_id = session.scalars(
            query.where(OrderLine.delivery_mode == "TrackedHomeDelivery")
        ).first()

    page = browser.get(f"/orders/{order_id}", headers={"Accept-Language": "en"})

    assert "Tracked home delivery" in page.text
    assert 'data-testid="relay-point"' not in page.text
