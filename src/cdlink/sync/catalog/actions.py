"""What pages, the API and the command line ask of the catalog streams, without calling the
marketplace: validate a product now (against the cached taxonomy), queue it for publishing, ask
for a taxonomy refresh."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from cdlink.hub.catalog import products, publishing
from cdlink.hub.catalog.taxonomy import STREAM as TAXONOMY_STREAM
from cdlink.sync.catalog.sheets import Problem, RulesCache, validate
from cdlink.sync.engine.schedules import request_run


def validate_product(
    session: Session, connection_id: int, sku: str, now: datetime
) -> list[Problem]:
    """Run the validator on ``sku`` and record its verdict (``needs_fixing`` or not)."""
    found = products.find(session, sku)
    if found is None:
        raise products.ProductNotFoundError("No product has this SKU")
    product, local = found
    row = publishing.ensure(session, connection_id, product.id, publishing.QUEUED, now)
    data = publishing.as_sent(local, row, publishing.settings(session, connection_id))
    _, problems = validate(data, RulesCache(session, connection_id))
    publishing.set_problems(row, [problem.as_dict() for problem in problems], now)
    return problems


def request_publish(session: Session, connection_id: int, sku: str, now: datetime) -> str:
    """Queue ``sku`` to be sent at the next products run (now), unless it has problems; returns
    its status."""
    problems = validate_product(session, connection_id, sku, now)
    found = products.find(session, sku)
    assert found is not None
    row = publishing.ensure(session, connection_id, found[0].id, publishing.QUEUED, now)
    if not problems and row.status not in publishing.PENDING:
        row.status = publishing.QUEUED
        row.sent_hash = None
        row.retry_at = None
        row.updated_at = now
    request_run(session, connection_id, publishing.STREAM, now=now, trigger="manual")
    return row.status


def request_taxonomy(session: Session, connection_id: int, now: datetime) -> None:
    request_run(session, connection_id, TAXONOMY_STREAM, now=now, trigger="manual")


def request_publishing(session: Session, connection_id: int, now: datetime) -> None:
    request_run(session, connection_id, publishing.STREAM, now=now, trigger="manual")
