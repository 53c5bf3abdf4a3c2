"""The streams cdlink ships, listed once.

A stream exists for the runtimes only if it is in ``STREAMS``: nothing registers itself by being
imported, so a stream cannot silently go missing (a test checks that every stream class under
``cdlink.sync`` is listed here). A plugin adds its own with ``default_registry.register`` when
``cdlink worker --plugin`` or ``cdlink scheduler --plugin`` imports it.
"""

from __future__ import annotations

from cdlink.sync.catalog.publisher import ProductPublisher
from cdlink.sync.catalog.referential import CatalogImport
from cdlink.sync.catalog.taxonomy import TaxonomyFetcher
from cdlink.sync.customer_service.actions import CustomerServiceExporter
from cdlink.sync.customer_service.stream import DiscussionsImporter, ReturnsImporter
from cdlink.sync.engine.streams import Stream, StreamRegistry
from cdlink.sync.finance.actions import InvoiceUploadsExporter
from cdlink.sync.finance.stream import FinanceImporter
from cdlink.sync.orders.actions import OrderActionsExporter
from cdlink.sync.orders.cancellation_reasons import CancellationReasonsFetcher
from cdlink.sync.orders.carriers import CarriersFetcher
from cdlink.sync.orders.deadline_alerts import DeadlineAlerts
from cdlink.sync.orders.history import OrdersHistoryImporter
from cdlink.sync.orders.notification_emails import NotificationEmailSender
from cdlink.sync.orders.reconciliation import OrdersReconciliation
from cdlink.sync.orders.stream import OrdersImporter
from cdlink.sync.performance.stream import IndicatorsReader
from cdlink.sync.pricing.promotions import PromotionsStream
from cdlink.sync.stock.drift import DriftCheck
from cdlink.sync.stock.offer_import import OfferImport
from cdlink.sync.stock.pusher import StockPusher
from cdlink.sync.webhooks.stream import WebhookDeliveries

#: Every stream cdlink ships, by feature.
STREAMS: tuple[type[Stream], ...] = (
    # orders
    OrdersImporter,
    OrdersHistoryImporter,
    OrdersReconciliation,
    OrderActionsExporter,
    CancellationReasonsFetcher,
    CarriersFetcher,
    DeadlineAlerts,
    NotificationEmailSender,
    # stock
    StockPusher,
    OfferImport,
    DriftCheck,
    # customer service
    DiscussionsImporter,
    CustomerServiceExporter,
    ReturnsImporter,
    # catalog
    TaxonomyFetcher,
    CatalogImport,
    ProductPublisher,
    # pricing
    PromotionsStream,
    # performance
    IndicatorsReader,
    # finance
    FinanceImporter,
    InvoiceUploadsExporter,
    # webhooks
    WebhookDeliveries,
)

#: The registry the runtimes run streams from: ``STREAMS``, plus any plugin's.
default_registry = StreamRegistry(STREAMS)
