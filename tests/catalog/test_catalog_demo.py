"""The demo shop's catalog (issue 17): beside the sandbox's offers, products made in cdlink, a few
with problems the validator explains, and one sheet the marketplace refuses."""

from __future__ import annotations

from collections import Counter

from cdlink.cli.demo_catalog import VALID, seed_demo_catalog
from cdlink.hub.catalog import publishing
from cdlink.hub.stock.inventory import add_warehouse
from cdlink.jobs.environment import JobEnvironment
from tests.support.catalog import CONNECTION


def test_given_the_demo_catalog_when_published_then_most_go_live_three_need_fixing_one_is_refused(
    catalog_shop: JobEnvironment,
) -> None:
    with catalog_shop.database.session() as session:
        add_warehouse(session, catalog_shop.clock, "PARIS", "Paris")  # the demo's stock
    seed_demo_catalog(catalog_shop.database, catalog_shop.clock, CONNECTION)
    seed_demo_catalog(catalog_shop.database, catalog_shop.clock, CONNECTION)  # adds nothing twice

    for _ in range(8):
        report = catalog_shop.runner().run(CONNECTION, "products")
        assert report.outcome == "succeeded", report.message
        catalog_shop.clock.advance(400)  # type: ignore[attr-defined]

    with catalog_shop.database.reading() as session:
        rows = publishing.statuses_by_sku(session, CONNECTION)
    counts = Counter(row.status for row in rows.values())
    assert counts == {"integrated": VALID, "needs_fixing": 3, "refused": 1}, counts
    flagged = [row for row in rows.values() if row.status == "needs_fixing"]
    assert all(problem["hint"] for row in flagged for problem in row.problems)
    [refused] = [row for row in rows.values() if row.status == "refused"]
    assert refused.reasons
