"""How a sandbox behaves: seed, timers, order generation, fault rules and the §9 variants.

Every knob of the simulator lives in ``SandboxConfig`` so that a test, the demo and a benchmark
can each describe the marketplace they want in one object. The variants reproduce the points on
which the sources about the real API disagree (reference §9); the defaults are the variant the
reference rates most likely.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

FaultKind = Literal["status", "slow", "drop_before", "drop_after", "malformed"]
Malformation = Literal["missing_field", "wrong_type", "unknown_enum", "invalid_json"]


class Variants(BaseModel):
    """The conflicting behaviours of reference §9, each switchable."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    commission_field: Literal["amountWithVat", "amountWithTax"] = Field(
        "amountWithVat", description="§9 #3: name of the commission amount including VAT."
    )
    orders_sort: Literal["field", "prefixed", "either"] = Field(
        "field",
        description="§9 #6: `sort=createdAt&desc=true` (field), `sort=asc:updatedAt` (prefixed).",
    )
    cancellation_key: Literal["orderSellerId", "orderId", "either"] = Field(
        "orderSellerId", description="§9 #5: body key naming the order in cancellation requests."
    )
    token_errors: Literal["keycloak", "problem"] = Field(
        "keycloak", description="§9 #16: Keycloak `{error, error_description}` or problem+json."
    )
    addresses_path: Literal["addresses", "adresses", "both"] = Field(
        "both", description="§9 #18: spelling of `/sellers/addresses` that answers."
    )
    vat_format: Literal["percentage", "rate"] = Field(
        "percentage", description="§9 #4: VAT as `20` (percentage) or `0.2` with type Rate."
    )
    missing_seller_id_status: Literal[400, 403] = Field(
        400, description="§9 #12: status answered when the SellerId header is missing."
    )
    message_receiver: Literal["receivers", "receiver", "either"] = Field(
        "receivers",
        description="§9 #17: `receivers: [{userId, userType}]` or GFC's `receiver` (a string).",
    )
    json_patch: Literal["op", "opt", "either"] = Field(
        "either",
        description='Addendum §1: JSON-Patch `op` + boolean, or one SDK\'s `opt` + "true"/"false".',
    )
    cancellation_scope: Literal["all", "before_shipment", "octopia_only"] = Field(
        "all",
        description=(
            "Addendum §2: V2 cancellation requests work on Cdiscount orders, refunds after "
            "shipment included (all); only before shipment, as the reference reads "
            "(before_shipment); or only on Octopia orders (an older official page)."
        ),
    )
    gesture_id_field: Literal["requestId", "cancellationRequestId"] = Field(
        "requestId", description="Addendum §2: key of the created commercial gesture's id."
    )
    report_page_size: Literal[25, 100] = Field(
        25,
        description=(
            "§9 #2: largest pageSize of /products-integration-reports (25 as measured, a larger "
            "one answers 400; or 100 as two clients use)."
        ),
    )
    reports_without_package: Literal["all", "latest"] = Field(
        "all",
        description="§6.4: reports without packageId cover every package, or only the latest.",
    )
    product_gtin: Literal["ean13", "gtin"] = Field(
        "ean13",
        description=(
            "Addendum §4: a sheet's GTIN must be an EAN-13 (Cdiscount), or any GTIN of 8, 12, "
            "13 or 14 digits (Octopia, PlentyONE's 8 to 13)."
        ),
    )
    product_category_levels: Literal["level3", "any"] = Field(
        "level3",
        description=(
            "Reference §6.4 vs addendum §4: sheets only on level-3 (6-character) categories, or "
            "on 2-, 4- and 6-character codes as one integrator reads the product feature page."
        ),
    )
    creation_quota_refusal: Literal["report", "status"] = Field(
        "report",
        description=(
            "Addendum §4 / §9 #8: a creation over the hourly quota is Refused in its report "
            "(CreationQuotaExceeded), or the whole POST /products-integration answers 429."
        ),
    )
    promotions_channel: Literal["xml_only", "json_too"] = Field(
        "xml_only",
        description=(
            "Addendum §5: promotions (flash sales, sales) on Cdiscount go only through XML offer "
            "packages (xml_only; a JSON request carrying price.discountComponents is Rejected), "
            "or JSON offer packages carry them too (json_too)."
        ),
    )
    manual_check: Literal["none", "new_brands"] = Field(
        "none",
        description=(
            "A sheet whose brand is not in the brand referential stays Validated with a "
            "ManualCheck info and is never integrated (new_brands), or no manual check (none)."
        ),
    )
    finance_amounts: Literal["signed", "unsigned"] = Field(
        "signed",
        description=(
            "Addendum §3 (sign convention unknown): finance amounts signed from the seller's "
            "side (a commission is negative), or all positive with eventType giving the way."
        ),
    )
    payout_schedule: Literal["calendar", "on_demand"] = Field(
        "calendar",
        description=(
            "Reference §6.6 vs addendum §3: payouts on the 1st, 11th and 21st (calendar), or "
            "the day after funds are cleared as older pages say (on_demand)."
        ),
    )
    invoice_imports_paging: Literal["cursor", "page"] = Field(
        "cursor",
        description=(
            "Reference §6.2.9 (pageSize + cursor, next page in Link) vs §5.3 (finance lists by "
            "page number) for GET /order-invoice-imports."
        ),
    )


class FaultRule(BaseModel):
    """One injected fault: which requests it hits, how often, and what it does to them.

    ``endpoint`` is a route name (``orders.list``, ``token``…; see docs/sandbox.md) or ``*``.
    A rule fires with ``probability`` on each matching request, after skipping the first
    ``after`` matches, and at most ``count`` times (``None`` = forever): a burst of 429s is
    ``count=5, probability=1``. ``start_at``/``end_at`` limit it to a window of sandbox time
    (an outage: every request between them gets a 503).
    """

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    endpoint: str = "*"
    method: str | None = None
    probability: float = Field(1.0, ge=0.0, le=1.0)
    count: int | None = Field(None, ge=1)
    after: int = Field(0, ge=0)
    status: int = Field(503, ge=400, le=599)
    retry_after: int | None = Field(None, ge=0)
    delay_seconds: float = Field(2.0, ge=0.0, le=300.0)
    malformation: Malformation = "missing_field"
    start_at: AwareDatetime | None = Field(None, description="active from (sandbox clock)")
    end_at: AwareDatetime | None = Field(None, description="active until, excluded")

    @model_validator(mode="after")
    def _status_only_for_status_faults(self) -> FaultRule:
        if self.kind == "status" and self.status not in (429, 500, 502, 503, 504):
            raise ValueError("a status fault answers 429, 500, 502, 503 or 504")
        return self


class RateLimit(BaseModel):
    """At most ``requests`` API calls per seller in any ``per_seconds`` window, else 429."""

    model_config = ConfigDict(extra="forbid")

    requests: int = Field(ge=1)
    per_seconds: float = Field(gt=0)
    retry_after: bool = True


class FinanceSettings(BaseModel):
    """Finance generation (docs/sandbox.md "Finance"): fees and the planted discrepancies."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    wrong_commission_orders: int = Field(
        1, ge=0, description="orders whose first line is charged a commission at a wrong rate"
    )
    wrong_commission_extra_percent: Decimal = Field(
        Decimal(2), gt=0, le=50, description="points added to the true commission rate"
    )
    unpaid_sales: int = Field(
        1, ge=0, description="delivered sale operations Blocked forever, never in a payout"
    )
    subscription_without_vat: Decimal = Field(Decimal("39.99"), ge=0)
    logistic_fee_per_unit: Decimal = Field(Decimal("2.50"), ge=0)
    invoice_max_bytes: int = Field(
        10 * 1024 * 1024, ge=1, description="largest invoice file accepted (an assumption)"
    )
    invoice_import_seconds: float = Field(
        60.0, ge=0.0, description="a bulk invoice import stays Running this long"
    )


class SandboxConfig(BaseModel):
    """Everything that shapes a sandbox; the defaults give a quiet, realistic shop."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    seed: int = 0
    seller_id: int = Field(700085, ge=1)
    offers: int = Field(60, ge=0, le=100_000, description="offers in the seeded shop")
    orders: int = Field(20, ge=0, le=1_000_000, description="orders in the seeded shop")
    token_lifetime_seconds: int = Field(7200, ge=1)
    token_quota_per_hour: int | None = Field(None, ge=1)
    orders_per_hour: float = Field(0.0, ge=0.0, le=100_000.0)
    auto_accept_orders: bool = False
    processing_seconds: float = Field(0.0, ge=0.0)
    acceptance_timeout_seconds: float = Field(2 * 86400.0, gt=0.0)
    preparation_seconds: float = Field(300.0, ge=0.0)
    delivery_seconds_min: float = Field(86400.0, ge=0.0)
    delivery_seconds_max: float = Field(4 * 86400.0, ge=0.0)
    customer_cancel_probability: float = Field(0.03, ge=0.0, le=1.0)
    single_parcel_per_order: bool = True
    package_pending_seconds: float = Field(5.0, ge=0.0)
    package_integration_seconds: float = Field(30.0, ge=0.0)
    package_results_retention_seconds: float = Field(3 * 86400.0, gt=0.0)
    offer_requests_per_call: int = Field(100, ge=1)
    offer_requests_per_package: int = Field(50_000, ge=1)
    discussions: int = Field(4, ge=0, le=100_000, description="discussions on seeded orders")
    discussions_per_hour: float = Field(0.0, ge=0.0, le=10_000.0)
    discussion_claim_after_seconds: float = Field(
        2 * 86400.0, gt=0.0, description="an unanswered Discussion becomes a Claim after this"
    )
    claim_level1_after_seconds: float = Field(
        2 * 86400.0, gt=0.0, description="an unanswered Claim goes to Level_1 after this"
    )
    customer_reply_probability: float = Field(0.6, ge=0.0, le=1.0)
    customer_reply_seconds_min: float = Field(3600.0, ge=0.0)
    customer_reply_seconds_max: float = Field(86400.0, ge=0.0)
    gesture_processing_seconds: float = Field(3600.0, ge=0.0)
    return_step_seconds: float = Field(86400.0, ge=0.0)
    product_report_lag_seconds: float = Field(
        60.0, ge=0.0, description="a package's reports appear this long after submission"
    )
    product_integration_seconds: float = Field(
        300.0, ge=0.0, description="a Validated sheet becomes Integrated (live) after this"
    )
    product_creations_per_hour: int | None = Field(
        25, ge=1, description="new product sheets accepted per seller and rolling hour"
    )
    offers_require_product: bool = Field(
        False,
        description=(
            "an Upsert on a GTIN the product referential does not know is Rejected "
            "(ProductNotFound) instead of creating a placeholder product"
        ),
    )
    rate_limit: RateLimit | None = None
    faults: list[FaultRule] = Field(default_factory=list)
    variants: Variants = Field(default_factory=Variants)
    finance: FinanceSettings = Field(default_factory=FinanceSettings)

    @model_validator(mode="after")
    def _delivery_window_is_ordered(self) -> SandboxConfig:
        if self.delivery_seconds_max < self.delivery_seconds_min:
            raise ValueError("delivery_seconds_max must be at least delivery_seconds_min")
        if self.customer_reply_seconds_max < self.customer_reply_seconds_min:
            raise ValueError(
                "customer_reply_seconds_max must be at least customer_reply_seconds_min"
            )
        return self
