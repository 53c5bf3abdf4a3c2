"""Shipments with parcels and carrier mappings, against the sandbox: checked, recorded, sent."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cdlink.hub.orders.actions import CONFIRMED
from cdlink.hub.orders.carrier_mappings import (
    CarrierMappingError,
    Mapping,
    mappings,
    replace_mappings,
    resolve,
)
from cdlink.hub.orders.shipments import ShipmentError, set_several_parcels, shipments_of
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import FaultRule, Sandbox
from cdlink.store.models import OrderAction, OutboxEntry
from tests.support.orders import ask, stored
from tests.support.orders import order_with_lines as several_lines


def read_carriers(shop: JobEnvironment) -> None:
    report = shop.runner().run(1, "carriers")
    assert report.outcome == "succeeded", report.message


def send(shop: JobEnvironment) -> None:
    report = shop.runner().run(1, "order_actions")
    assert report.outcome == "succeeded", report.message


def order_with_lines(sandbox: Sandbox, shop: JobEnvironment) -> tuple[str, list[str]]:
    """An order in preparation with at least two lines, imported, in a shop with stock."""
    sandbox.seed(offers=40, orders=0, quantity=10_000)
    return several_lines(sandbox, shop)


def nothing_recorded(shop: JobEnvironment) -> bool:
    with shop.database.reading() as session:
        actions = session.scalars(select(OrderAction.id)).all()
        entries = session.scalars(select(OutboxEntry.id)).all()
    return not actions and not entries


def test_given_the_carriers_read_when_mappings_are_listed_then_common_french_ones_are_prefilled(
    shop: JobEnvironment,
) -> None:
    read_carriers(shop)

    with shop.database.reading() as session:
        found = {mapping.name: mapping for mapping in mappings(session, 1)}
        resolved = resolve(session, 1, "  COLISSIMO ")

    assert found["chronopost"].carrier_label == "Chronopost"
    assert found["laposte"].default
    assert resolved.carrier_label == "Colissimo"
    assert resolved.tracking_url("6A1") == (
        "https://www.laposte.fr/outils/suivre-vos-envois?code=6A1"
    )


def test_given_a_seller_mapping_when_a_name_is_resolved_then_it_wins_over_the_defaults(
    shop: JobEnvironment,
) -> None:
    read_carriers(shop)
    mine = [
        Mapping("COLISSIMO", "chronopost", "https://track.example/{tracking}"),
        Mapping("TRANS-42", "DPD"),
    ]
    with shop.database.session() as session:
        replace_mappings(session, 1, mine, shop.clock.now())

    with shop.database.reading() as session:
        colissimo, dpd = resolve(session, 1, "colissimo"), resolve(session, 1, "trans-42")
        with pytest.raises(CarrierMappingError, match="not mapped") as unknown:
            resolve(session, 1, "Pigeon Express")

    assert (colissimo.carrier_label, colissimo.tracking_url("X1")) == (
        "Chronopost",
        "https://track.example/X1",
    )
    assert dpd.carrier_label == "DPD"
    assert "cdlink carriers map" in unknown.value.hint


@pytest.mark.parametrize(
    ("wanted", "reason"),
    [
        ([Mapping("x", "Pigeon Express")], "not one of Cdiscount's carriers"),
        ([Mapping("x", "DPD"), Mapping("X", "GLS")], "mapped twice"),
        ([Mapping("x", "DPD", "ftp://track/{tracking}")], "http"),
        ([Mapping("", "DPD")], "1 to 100"),
    ],
)
def test_given_a_bad_mapping_when_saved_then_it_is_refused_and_nothing_changes(
    shop: JobEnvironment, wanted: list[Mapping], reason: str
) -> None:
    read_carriers(shop)
    with shop.database.session() as session:
        replace_mappings(session, 1, [Mapping("kept", "GLS")], shop.clock.now())

    with shop.database.session() as session, pytest.raises(CarrierMappingError, match=reason):
        replace_mappings(session, 1, wanted, shop.clock.now())

    with shop.database.reading() as session:
        assert resolve(session, 1, "kept").carrier_label == "GLS"


def parcel(carrier: str = "colissimo", tracking: str = "6A1", **more: Any) -> dict[str, Any]:
    return {"carrier": carrier, "tracking_number": tracking, **more}


@pytest.mark.parametrize(
    ("parcels", "reason"),
    [
        ([parcel(carrier="Pigeon Express")], "not mapped"),
        ([parcel(tracking="")], "needs a tracking number"),
        ([parcel(tracking="   ")], "needs a tracking number"),
        ([parcel(tracking="X" * 51)], "too long"),
        ([parcel(lines=["L0"]), parcel(lines=["L0"])], "shipped twice"),
        ([parcel(lines=[{"line_id": "L0", "quantity": 999}])], "were ordered"),
        ([parcel(lines=["nope"])], "not in the order"),
        ([parcel(), parcel()], "does not say which lines"),
    ],
)
def test_given_bad_parcels_when_shipping_then_refused_with_the_reason_and_nothing_in_the_outbox(
    shop: JobEnvironment, sandbox: Sandbox, parcels: list[dict[str, Any]], reason: str
) -> None:
    read_carriers(shop)
    order_id, lines = order_with_lines(sandbox, shop)
    with shop.database.session() as session:
        set_several_parcels(session, 1, True, shop.clock.now())
    for item in parcels:
        item["lines"] = [
            {**line, "line_id": lines[0]} if isinstance(line, dict) else line
            for line in [lines[0] if line == "L0" else line for line in item.get("lines", [])]
        ] or item.get("lines")
        if item["lines"] is None:
            del item["lines"]

    with pytest.raises(ShipmentError, match=reason) as refused:
        ask(shop, order_id, "ship", parcels=parcels)

    assert refused.value.hint
    assert nothing_recorded(shop)


def test_given_one_parcel_per_order_when_only_some_lines_ship_then_the_rule_is_explained(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    read_carriers(shop)
    order_id, lines = order_with_lines(sandbox, shop)

    with pytest.raises(ShipmentError, match="whole order") as refused:
        ask(shop, order_id, "ship", parcels=[parcel(lines=lines[:1])])

    assert "one parcel per complete order" in (refused.value.hint or "")
    assert nothing_recorded(shop)


def test_given_several_parcels_allowed_when_two_lines_ship_in_two_parcels_then_both_are_sent(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    sandbox.config.single_parcel_per_order = False
    read_carriers(shop)
    order_id, lines = order_with_lines(sandbox, shop)
    with shop.database.session() as session:
        set_several_parcels(session, 1, True, shop.clock.now())
    parcels = [
        parcel("dpd", "DPD1", lines=lines[:1]),
        parcel("Colissimo", "6A2", lines=lines[1:]),
    ]

    ask(shop, order_id, "ship", parcels=parcels)
    send(shop)

    marketplace = sandbox.order(order_id)
    assert marketplace["status"] == "Shipped"
    assert marketplace["lines"][0]["parcels"][0]["carrierName"] == "DPD"
    assert marketplace["lines"][-1]["parcels"][0]["parcelNumber"] == "6A2"
    with shop.database.reading() as session:
        [shipment] = shipments_of(session, stored(shop, order_id).id)
    assert shipment.state == "done"
    assert [(p.carrier, p.tracking_number) for p in shipment.parcels] == [
        ("DPD", "DPD1"),
        ("Colissimo", "6A2"),
    ]
    assert shipment.parcels[0].tracking_url == "https://trace.dpd.fr/fr/trace/DPD1"


def test_given_a_partial_shipment_when_a_shipped_line_ships_again_then_it_is_refused(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    sandbox.config.single_parcel_per_order = False
    read_carriers(shop)
    order_id, lines = order_with_lines(sandbox, shop)
    with shop.database.session() as session:
        set_several_parcels(session, 1, True, shop.clock.now())
    ask(shop, order_id, "ship", parcels=[parcel("gls", "G1", lines=lines[:1])])
    send(shop)

    with pytest.raises(ShipmentError, match="shipped twice"):
        ask(shop, order_id, "ship", parcels=[parcel("gls", "G2", lines=lines[:1])])
    ask(shop, order_id, "ship", parcels=[parcel("gls", "G3", lines=lines[1:])])
    send(shop)

    assert sandbox.order(order_id)["status"] == "Shipped"
    with shop.database.reading() as session:
        history = shipments_of(session, stored(shop, order_id).id)
    assert [(s.state, s.parcels[0].tracking_number) for s in history] == [
        ("done", "G1"),
        ("done", "G3"),
    ]


def test_given_the_old_payload_when_shipping_then_it_is_one_parcel_for_the_whole_order(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    read_carriers(shop)
    order_id, lines = order_with_lines(sandbox, shop)

    ask(shop, order_id, "ship", carrier="Colissimo", tracking_number="6A9")
    send(shop)

    assert sandbox.order(order_id)["status"] == "Shipped"
    with shop.database.reading() as session:
        [shipment] = shipments_of(session, stored(shop, order_id).id)
    assert shipment.parcels[0].line_ids == lines


def test_given_a_shipment_answered_when_its_read_back_fails_then_it_is_done_and_never_sent_again(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    read_carriers(shop)
    order_id, _ = order_with_lines(sandbox, shop)
    action_id = ask(shop, order_id, "ship", carrier="Colissimo", tracking_number="6A7")
    # The shipment is taken (201), then every read of the order meets a server error.
    sandbox.add_fault(FaultRule(kind="status", endpoint="orders.get", status=500, count=50))

    first = shop.runner().run(1, "order_actions")
    shop.clock.advance(600)  # type: ignore[attr-defined]
    again = shop.runner().run(1, "order_actions")

    # The shipment was answered: done, and the run goes on (nothing is left to send again).
    assert first.outcome == "succeeded", first.message
    assert again.outcome == "succeeded"
    sent = [call for call in sandbox.requests() if call["endpoint"] == "orders.shipments"]
    assert len(sent) == 1  # answered once: never sent a second time for a lost read
    assert sandbox.order(order_id)["status"] == "Shipped"
    with shop.database.reading() as session:
        action = session.get_one(OrderAction, action_id)
        assert (action.state, action.outcome) == ("done", CONFIRMED)
        assert session.scalars(select(OutboxEntry.state)).all() == ["done"]
