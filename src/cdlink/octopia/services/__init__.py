"""One service per marketplace resource, each a thin typed face over the ``Requester``."""

from cdlink.octopia.services.categories import CategoriesService
from cdlink.octopia.services.offers import OfferPackagesService, OfferQuery, OffersService
from cdlink.octopia.services.orders import OrderQuery, OrdersService
from cdlink.octopia.services.sellers import CarriersService, SellersService

__all__ = [
    "CarriersService",
    "CategoriesService",
    "OfferPackagesService",
    "OfferQuery",
    "OffersService",
    "OrderQuery",
    "OrdersService",
    "SellersService",
]
