"""One service per marketplace resource, each a thin typed face over the ``Requester``."""

from cdlink.octopia.services.after_sales import (
    CommercialGesturesService,
    ReturnQuery,
    ReturnsService,
)
from cdlink.octopia.services.categories import CategoriesService
from cdlink.octopia.services.discussions import (
    DiscussionCountQuery,
    DiscussionQuery,
    DiscussionsService,
)
from cdlink.octopia.services.finance import (
    FinanceService,
    OperationQuery,
    OrderInvoicesService,
    PayoutReconciliation,
)
from cdlink.octopia.services.offers import OfferPackagesService, OfferQuery, OffersService
from cdlink.octopia.services.orders import OrderQuery, OrdersService
from cdlink.octopia.services.pricing import OfferIntegrationPackagesService
from cdlink.octopia.services.products import (
    BrandsService,
    CategoryRules,
    PackageProgress,
    ProductIntegrationService,
    ProductQuery,
    ProductsService,
)
from cdlink.octopia.services.sellers import CarriersService, SellersService

__all__ = [
    "BrandsService",
    "CarriersService",
    "CategoriesService",
    "CategoryRules",
    "CommercialGesturesService",
    "DiscussionCountQuery",
    "DiscussionQuery",
    "DiscussionsService",
    "FinanceService",
    "OfferIntegrationPackagesService",
    "OfferPackagesService",
    "OfferQuery",
    "OffersService",
    "OperationQuery",
    "OrderInvoicesService",
    "OrderQuery",
    "OrdersService",
    "PackageProgress",
    "PayoutReconciliation",
    "ProductIntegrationService",
    "ProductQuery",
    "ProductsService",
    "ReturnQuery",
    "ReturnsService",
    "SellersService",
]
