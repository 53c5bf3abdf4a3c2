"""``OctopiaClient``: one seller's typed, resilient connection to the Octopia Seller API v2.

It wires the pieces together: an ``httpx.Client`` on a replaceable transport, the OAuth flow
with its token store, the rate budget with its store, the retry policy, and one service per
resource (``.sellers``, ``.carriers``, ``.orders``, ``.offers``, ``.offer_packages``,
``.categories``, ``.discussions``, ``.commercial_gestures``, ``.returns``, ``.finance``,
``.order_invoices``). It is synchronous on
purpose: jobs run in worker threads and Dramatiq actors.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import TracebackType
from typing import Self

import httpx

from cdlink import __version__
from cdlink.core.clock import Clock, SystemClock
from cdlink.core.settings import DEFAULT_OCTOPIA_API_URL, DEFAULT_OCTOPIA_TOKEN_URL, Settings
from cdlink.octopia.auth import DEFAULT_MARGIN, OctopiaAuth
from cdlink.octopia.budget import Budget, BudgetPolicy, BudgetStore
from cdlink.octopia.credentials import Credentials
from cdlink.octopia.requester import Requester
from cdlink.octopia.retry import RetryPolicy
from cdlink.octopia.services import (
    BrandsService,
    CarriersService,
    CategoriesService,
    CommercialGesturesService,
    DiscussionsService,
    FinanceService,
    OfferIntegrationPackagesService,
    OfferPackagesService,
    OffersService,
    OrderInvoicesService,
    OrdersService,
    ProductIntegrationService,
    ProductsService,
    ReturnsService,
    SellersService,
)
from cdlink.octopia.services.base import CDISCOUNT_FRANCE
from cdlink.octopia.tokens import InMemoryTokenStore, TokenStore

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class OctopiaClient:
    """A client for one seller account; use it as a context manager, or call ``close()``."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        api_url: str = DEFAULT_OCTOPIA_API_URL,
        token_url: str = DEFAULT_OCTOPIA_TOKEN_URL,
        transport: httpx.BaseTransport | None = None,
        token_store: TokenStore | None = None,
        budget_store: BudgetStore | None = None,
        retry: RetryPolicy | None = None,
        budget_policy: BudgetPolicy | None = None,
        budget_policies: Mapping[str, BudgetPolicy] | None = None,
        clock: Clock | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        token_margin: timedelta = DEFAULT_MARGIN,
        sales_channel_id: str = CDISCOUNT_FRANCE,
        language: str = "fr-FR",
    ) -> None:
        self.credentials = credentials
        self.clock: Clock = clock or SystemClock()
        self.retry = retry or RetryPolicy()
        self.budget = Budget(
            budget_store,
            default=budget_policy,
            policies=budget_policies,
            clock=self.clock,
            sleep=self.retry.sleep,
        )
        self._http = _http_client(api_url, credentials.seller_id, transport, timeout)
        self._requester = Requester(
            self._http,
            seller_id=credentials.seller_id,
            budget=self.budget,
            retry=self.retry,
            clock=self.clock,
        )
        self.auth = OctopiaAuth(
            credentials,
            token_url=token_url,
            token_store=token_store if token_store is not None else InMemoryTokenStore(),
            send_token_request=self._requester.send_token_request,
            clock=self.clock,
            margin=token_margin,
        )
        self._requester.auth = self.auth
        self._build_services(sales_channel_id, language)

    def _build_services(self, sales_channel_id: str, language: str) -> None:
        options = {"sales_channel_id": sales_channel_id, "language": language}
        self.sellers = SellersService(self._requester, **options)
        self.carriers = CarriersService(self._requester, **options)
        self.orders = OrdersService(self._requester, **options)
        self.offers = OffersService(self._requester, **options)
        self.offer_packages = OfferPackagesService(self._requester, **options)
        self.offer_integration_packages = OfferIntegrationPackagesService(
            self._requester, **options
        )
        self.categories = CategoriesService(self._requester, **options)
        self.brands = BrandsService(self._requester, **options)
        self.products = ProductsService(self._requester, **options)
        self.product_integration = ProductIntegrationService(self._requester, **options)
        self.discussions = DiscussionsService(self._requester, **options)
        self.commercial_gestures = CommercialGesturesService(self._requester, **options)
        self.returns = ReturnsService(self._requester, **options)
        self.finance = FinanceService(self._requester, **options)
        self.order_invoices = OrderInvoicesService(self._requester, **options)

    @classmethod
    def from_settings(cls, settings: Settings, credentials: Credentials, **options: object) -> Self:
        """A client on the token and API URLs of ``settings`` (``CDLINK_OCTOPIA_*``)."""
        return cls(
            credentials,
            api_url=settings.octopia_api_url,
            token_url=settings.octopia_token_url,
            **options,  # type: ignore[arg-type]
        )

    @property
    def api_url(self) -> str:
        return str(self._http.base_url).rstrip("/")

    def put_file(self, url: str, content: bytes) -> None:
        """PUT ``content`` at ``url`` through this client's transport (no marketplace auth):
        how an XML offer package's zip reaches a file host the transport serves, such as the
        sandbox's ``/_sandbox/files/``. Raises ``httpx.HTTPStatusError`` on a refusal."""
        response = self._http.put(url, content=content, headers={"Content-Type": "application/zip"})
        response.raise_for_status()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"OctopiaClient(seller_id={self.credentials.seller_id!r}, api_url={self.api_url!r})"


def _http_client(
    api_url: str,
    seller_id: str,
    transport: httpx.BaseTransport | None,
    timeout: httpx.Timeout | float,
) -> httpx.Client:
    return httpx.Client(
        base_url=api_url.rstrip("/"),
        transport=transport,
        timeout=timeout,
        headers={
            "SellerId": seller_id,
            "Accept": "application/json",
            "User-Agent": f"cdlink/{__version__}",
        },
    )
