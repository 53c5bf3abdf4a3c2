"""The SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from cdlink.store.models.access import ApiToken, LoginAttempt, UserSession
from cdlink.store.models.activity import ActivityEntry
from cdlink.store.models.catalog import (
    CatalogCategory,
    CatalogPackage,
    CatalogSettings,
    CategoryMapping,
    ProductPublication,
    ProductReport,
    ProductSheetRecord,
)
from cdlink.store.models.connections import Connection
from cdlink.store.models.customer_service import (
    CustomerServiceAction,
    Discussion,
    DiscussionMessage,
    OrderReturn,
)
from cdlink.store.models.figures import Customer, OrderDay, OrderHour, SyncRunHour
from cdlink.store.models.finance import (
    FinanceDifference,
    FinanceInvoice,
    FinanceOperation,
    FinancePayout,
    OrderInvoiceImport,
    OrderInvoiceState,
    OrderInvoiceUpload,
    ProductCost,
)
from cdlink.store.models.fulfilment import CarrierMapping, FulfilmentSettings, Notification
from cdlink.store.models.idempotency import IdempotencyKey
from cdlink.store.models.inventory import (
    EVERY_PRODUCT,
    MarketplaceQuantity,
    Product,
    Reservation,
    StockBuffer,
    StockLevel,
    StockMovement,
    StockPushStatus,
    Warehouse,
    WarehouseConnection,
)
from cdlink.store.models.order_sync import (
    CachedCancellationReason,
    CachedCarrier,
    InitialImport,
    OrderImportFilter,
    OrderSyncEvent,
    PaymentMethodLabel,
)
from cdlink.store.models.orders import (
    Order,
    OrderAction,
    OrderLine,
    OrderSettings,
    OrderStatusEvent,
)
from cdlink.store.models.performance import EmailSettings, NotificationEmail, PerformanceFigure
from cdlink.store.models.pricing import (
    OfferPackageFile,
    PriceHistory,
    PriceList,
    ProductPricing,
    Promotion,
    PromotionItem,
    SkuPrice,
)
from cdlink.store.models.runs import SyncRun
from cdlink.store.models.sync import (
    Binding,
    OutboxEntry,
    QuarantinedRecord,
    StreamCursor,
    StreamLease,
    StreamSchedule,
)
from cdlink.store.models.users import User
from cdlink.store.models.webhooks import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

__all__ = [
    "EVERY_PRODUCT",
    "ActivityEntry",
    "ApiToken",
    "Binding",
    "CachedCancellationReason",
    "CachedCarrier",
    "CarrierMapping",
    "CatalogCategory",
    "CatalogPackage",
    "CatalogSettings",
    "CategoryMapping",
    "Connection",
    "Customer",
    "CustomerServiceAction",
    "Discussion",
    "DiscussionMessage",
    "EmailSettings",
    "FinanceDifference",
    "FinanceInvoice",
    "FinanceOperation",
    "FinancePayout",
    "FulfilmentSettings",
    "IdempotencyKey",
    "InitialImport",
    "LoginAttempt",
    "MarketplaceQuantity",
    "Notification",
    "NotificationEmail",
    "OfferPackageFile",
    "Order",
    "OrderAction",
    "OrderDay",
    "OrderHour",
    "OrderImportFilter",
    "OrderInvoiceImport",
    "OrderInvoiceState",
    "OrderInvoiceUpload",
    "OrderLine",
    "OrderReturn",
    "OrderSettings",
    "OrderStatusEvent",
    "OrderSyncEvent",
    "OutboxEntry",
    "PaymentMethodLabel",
    "PerformanceFigure",
    "PriceHistory",
    "PriceList",
    "Product",
    "ProductCost",
    "ProductPricing",
    "ProductPublication",
    "ProductReport",
    "ProductSheetRecord",
    "Promotion",
    "PromotionItem",
    "QuarantinedRecord",
    "Reservation",
    "SkuPrice",
    "StockBuffer",
    "StockLevel",
    "StockMovement",
    "StockPushStatus",
    "StreamCursor",
    "StreamLease",
    "StreamSchedule",
    "SyncRun",
    "SyncRunHour",
    "User",
    "UserSession",
    "Warehouse",
    "WarehouseConnection",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
]
