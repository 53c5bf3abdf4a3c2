"""cdlink's typed, resilient client for the Octopia (Cdiscount) Seller API v2.

Usable on its own by any Python program::

    from cdlink.octopia import ClientCredentials, OctopiaClient

    credentials = ClientCredentials(seller_id="98979", client_id="…", client_secret="…")
    with OctopiaClient(credentials) as client:
        for order in client.orders.list_changed(since):
            ...

See docs/octopia-client.md. The names below are the whole public surface; the models are in
``cdlink.octopia.models``. Every other module of this package is internal: an import-linter
contract keeps the rest of cdlink to these two names.
"""

from cdlink.octopia.auth import OctopiaAuth
from cdlink.octopia.budget import (
    BucketState,
    Budget,
    BudgetPolicy,
    BudgetStore,
    InMemoryBudgetStore,
)
from cdlink.octopia.client import OctopiaClient
from cdlink.octopia.credentials import ClientCredentials, Credentials, PasswordCredentials
from cdlink.octopia.errors import (
    ApiError,
    AuthError,
    Conflict,
    CredentialsRejected,
    Forbidden,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    OctopiaError,
    RateLimited,
    RuleViolation,
    ServerError,
    TransportError,
)
from cdlink.octopia.pagination import Page, RejectedItem, iterate_page_numbers
from cdlink.octopia.policy import FAILURE_POLICY, Action, FailureType, Resolution, resolve
from cdlink.octopia.problems import Problem
from cdlink.octopia.retry import CallInterrupted, RetryPolicy, StopAwareSleep
from cdlink.octopia.services import (
    CategoryRules,
    DiscussionCountQuery,
    DiscussionQuery,
    OfferQuery,
    OperationQuery,
    OrderQuery,
    PackageProgress,
    PayoutReconciliation,
    ProductQuery,
    ReturnQuery,
)
from cdlink.octopia.services.orders import MAXIMUM_PAGE_SIZE
from cdlink.octopia.services.pricing import ZipHost, result_violation
from cdlink.octopia.tokens import CachedToken, InMemoryTokenStore, TokenStore

__all__ = [
    "FAILURE_POLICY",
    "MAXIMUM_PAGE_SIZE",
    "Action",
    "ApiError",
    "AuthError",
    "BucketState",
    "Budget",
    "BudgetPolicy",
    "BudgetStore",
    "CachedToken",
    "CallInterrupted",
    "CategoryRules",
    "ClientCredentials",
    "Conflict",
    "Credentials",
    "CredentialsRejected",
    "DiscussionCountQuery",
    "DiscussionQuery",
    "FailureType",
    "Forbidden",
    "InMemoryBudgetStore",
    "InMemoryTokenStore",
    "InvalidRequest",
    "MalformedResponse",
    "NotFound",
    "OctopiaAuth",
    "OctopiaClient",
    "OctopiaError",
    "OfferQuery",
    "OperationQuery",
    "OrderQuery",
    "PackageProgress",
    "Page",
    "PasswordCredentials",
    "PayoutReconciliation",
    "Problem",
    "ProductQuery",
    "RateLimited",
    "RejectedItem",
    "Resolution",
    "RetryPolicy",
    "ReturnQuery",
    "RuleViolation",
    "ServerError",
    "StopAwareSleep",
    "TokenStore",
    "TransportError",
    "ZipHost",
    "iterate_page_numbers",
    "resolve",
    "result_violation",
]
