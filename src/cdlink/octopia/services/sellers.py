"""The seller account (``/sellers``…) and the carrier referential (``/carriers``), §6.1."""

from __future__ import annotations

from cdlink.octopia.errors import NotFound
from cdlink.octopia.models.seller import (
    Carrier,
    DeliveryMode,
    Seller,
    SellerAddress,
    SellerIndicators,
    Subscription,
)
from cdlink.octopia.services.base import Service, read_one


class SellersService(Service):
    """The shop behind the credentials; ``get()`` is also the cheapest connection test."""

    group = "sellers"

    def get(self) -> Seller:
        payload, response = self._json("GET", "/sellers")
        # Documented as one object; a one-item array is accepted as the same thing.
        if isinstance(payload, list) and len(payload) == 1:
            payload = payload[0]
        return read_one(Seller, payload, response)

    def delivery_modes(self) -> list[DeliveryMode]:
        return self._list(DeliveryMode, "/sellers/delivery-modes")

    def addresses(self) -> list[SellerAddress]:
        # The official page spells the path "adresses"; a client uses "addresses" (§9 #18).
        try:
            return self._list(SellerAddress, "/sellers/addresses")
        except NotFound:
            return self._list(SellerAddress, "/sellers/adresses")

    def indicators(self) -> SellerIndicators:
        return self._one(SellerIndicators, "/sellers/indicators")

    def subscriptions(self) -> list[Subscription]:
        return self._list(Subscription, "/sellers/subscriptions")


class CarriersService(Service):
    """Carriers a shipment may name (by label, as ``carrierName``)."""

    group = "sellers"

    def list(self) -> list[Carrier]:
        return self._list(Carrier, "/carriers")
