"""The REST API fuzzed from its own OpenAPI description (schemathesis), in process, on a real
shop: a connection on the sandbox, its imported orders, warehouses and stock, a real API token.

Every operation gets about 25 generated requests (plus schemathesis' boundary cases), derandomized
so a run is reproducible. No answer may be a 5xx, and every answer must be one the description
declares, with the declared content type and body schema. Only revoking a token is left out:
the run would revoke its own.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode, checks
from schemathesis.schemas import APIOperation, BaseSchema

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store import access
from cdlink.store.engine import Database
from cdlink.web.app import create_app
from tests.support.stocked_shop import CONNECTION, inventory, run, sku, stocked_environment
from tests.support.web import ADMIN_EMAIL, ADMIN_PASSWORD, add_user

pytestmark = pytest.mark.slow

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def shop_app(settings: Settings, web_database: Database) -> tuple[FastAPI, str]:
    """The web app on a shop with orders and stock, and an administrator's API token."""
    clock = ManualClock(START)
    sandbox = Sandbox(SandboxConfig(seed=5, orders=25, processing_seconds=0), clock=clock)
    environment = stocked_environment(settings, web_database, sandbox, clock)
    run(environment, "orders")
    run(environment, "carriers")  # as a shop has them after its first day: read by their stream
    with inventory(environment) as stock:
        for index in range(4):
            stock.set_on_hand(sku(index), "PARIS", 10 + index, "count")
            stock.set_on_hand(sku(index), "LYON", index, "count")
        stock.set_buffer(CONNECTION, 1)
    with web_database.session() as session:
        user = add_user(session, clock, ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
        token = access.issue_api_token(session, user, "fuzzing", clock.now()).secret
    return create_app(settings, database=web_database, clock=clock), token


@pytest.fixture
def api_schema(shop_app: tuple[FastAPI, str]) -> BaseSchema:
    app, token = shop_app
    return schemathesis.openapi.from_asgi(
        "/api/openapi.json", app, headers={"Authorization": f"Bearer {token}"}
    )


#: Left out: revoking a token would revoke the run's own (found by path and method).
EXCLUDED = {("DELETE", "/api/v1/tokens/{token_id}")}
SETTINGS = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # a failure is reported as found, not shrunk
    suppress_health_check=list(HealthCheck),
)


def fuzz(operation: APIOperation, mode: GenerationMode, token: str) -> list[str]:
    """Run one operation's examples in one mode; the failures, described."""
    failures: list[str] = []

    @SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def examples(case: schemathesis.Case) -> None:
        try:
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
        except (AssertionError, BaseExceptionGroup) as error:  # every failure, in one report
            failures.append(f"{operation.label} ({mode.value}): {error}"[:2000])

    examples()
    return failures


#: The operations are shared out over this many tests, so that test workers fuzz them side by side.
SHARDS = 4


@pytest.mark.timeout(900)
@pytest.mark.parametrize("shard", range(SHARDS))
def test_given_a_shop_when_the_api_is_fuzzed_then_every_answer_is_declared_and_none_is_a_5xx(
    shop_app: tuple[FastAPI, str], api_schema: BaseSchema, shard: int
) -> None:
    _, token = shop_app
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40
    failures: list[str] = []
    for operation in operations[shard::SHARDS]:
        if (operation.method.upper(), operation.path) in EXCLUDED:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += fuzz(operation, mode, token)
    assert not failures, f"{len(failures)} failure(s):\n" + "\n\n".join(failures[:30])
