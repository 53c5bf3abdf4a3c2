"""The client wired to an in-process sandbox, for the test_against_sandbox_* modules."""

from __future__ import annotations

from typing import Any

from cdlink.octopia import BudgetPolicy, ClientCredentials, OctopiaClient, RetryPolicy
from cdlink.sandbox import Sandbox

# The budget's own waits are not under test here (test_budget.py is); keep it out of the way.
GENEROUS = BudgetPolicy(max_rate=10_000.0, capacity=10_000.0)


def no_sleep(seconds: float) -> None:
    """Retries and budget waits return at once; the sleeps asked for are not under test here."""


def credentials_of(sandbox: Sandbox, **changes: Any) -> ClientCredentials:
    held = sandbox.credentials
    fields = {
        "seller_id": held.seller_id,
        "client_id": held.client_id,
        "client_secret": held.client_secret,
        **changes,
    }
    return ClientCredentials(**fields)


def connect(sandbox: Sandbox, credentials: Any = None, **options: Any) -> OctopiaClient:
    options.setdefault("retry", RetryPolicy(sleep=no_sleep))
    options.setdefault("budget_policy", GENEROUS)
    return OctopiaClient(
        credentials or credentials_of(sandbox),
        api_url=sandbox.api_url(),
        token_url=sandbox.token_url(),
        transport=sandbox.transport(),
        **options,
    )
