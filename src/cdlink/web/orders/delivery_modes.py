"""Delivery modes in words, from the official table (addendum §6), and the relay point of an
order delivered to one.

Cdiscount names one mode several ways: the REST code (``THD``), the legacy code the REST API may
still return (``TRK``), the XML offer-package name (``Tracked``) and the long label
(``TrackedHomeDelivery``). Every spelling maps to one translated label; an unknown one reads
"Other delivery mode", never the raw code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdlink.core.translatable import translatable
from cdlink.store.models import Order

_TABLE: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("NTHD", "STD", "Standard", "NotTrackedHomeDelivery"),
        translatable("Home delivery, not tracked"),
    ),
    (("THD", "TRK", "Tracked", "TrackedHomeDelivery"), translatable("Tracked home delivery")),
    (
        ("SHD", "REG", "Registered", "SignedHomeDelivery"),
        translatable("Home delivery against signature (registered)"),
    ),
    (("EHD", "EXP", "Express", "ExpressHomeDelivery"), translatable("Express home delivery")),
    (
        ("FDHD", "LV1", "BigParcelEco", "FixedDateHomeDelivery"),
        translatable("Large parcel (over 30 kg), delivered on an agreed date"),
    ),
    (
        ("SRHD", "LV2", "BigParcelStandard", "SpecificRoomHomeDelivery"),
        translatable("Large parcel (over 30 kg), delivered to the room of the customer's choice"),
    ),
    (
        ("WSHD", "LV3", "BigParcelComfort", "WithSetupHomeDelivery"),
        translatable("Large parcel (over 30 kg), delivered and set up"),
    ),
    (("RIM", "Rim", "ImmediateVendorPickup"), translatable("Collected at the seller's shop")),
    (("MAG",), translatable("Relay point in a shop")),
    (("RCO",), translatable("Relais Colis relay point")),
    (("SO1",), translatable("Colissimo pickup point")),
    (("REL",), translatable("Mondial Relay relay point")),
    (("FST",), translatable("Fast delivery")),
    (("RelayDelivery", "RelayPointDelivery"), translatable("Relay-point delivery")),
)
LABELS: dict[str, str] = {
    spelling.casefold(): label for spellings, label in _TABLE for spelling in spellings
}
OTHER = translatable("Other delivery mode")
#: The modes that deliver to a relay point rather than the customer's door.
RELAY_MODES = frozenset(
    name.casefold() for name in ("MAG", "RCO", "SO1", "REL", "RelayDelivery", "RelayPointDelivery")
)


def label(mode: str | None) -> str | None:
    """The (untranslated) label of a mode in any of its spellings; None when there is none."""
    if not mode:
        return None
    return LABELS.get(mode.strip().casefold(), OTHER)


@dataclass(frozen=True)
class Delivery:
    """What the order page shows about how an order travels."""

    modes: tuple[str, ...]
    relay: dict[str, Any] | None


def describe(order: Order) -> Delivery:
    """The order's delivery modes (one per distinct mode of its lines) and its relay point."""
    modes = [line.delivery_mode for line in order.lines if line.delivery_mode]
    labels = tuple(dict.fromkeys(filter(None, (label(mode) for mode in modes))))
    address = order.shipping_address or {}
    by_relay = any(mode.strip().casefold() in RELAY_MODES for mode in modes)
    relay = address if (by_relay or address.get("pickup_id")) and address else None
    return Delivery(labels, relay)
