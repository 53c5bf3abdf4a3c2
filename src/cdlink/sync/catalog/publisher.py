"""The ``products`` stream: new and changed product sheets sent to Cdiscount, and their reports.

Each run, in short transactions:

1. **Recover.** A package recorded but never answered (the run died, or the marketplace failed
   while it was posted) is abandoned and its sheets queued again: nothing is marked live without
   a report, and sending a sheet twice is harmless (the second is a modification).
2. **Validate** every sheet that changed since it was last sent: a sheet with a problem is
   ``needs_fixing`` and never sent; a clean one is ``queued``.
3. **Send** queued sheets in one package of at most ``batch_size``, and no more than the hourly
   creation quota leaves (``creations_per_hour``, counted over every sheet sent in the last
   hour). The package and its sheets (``sent``) are recorded *before* the ``POST``, like the
   outbox. A 429 on the ``POST`` (the marketplace's quota is not published and may be smaller
   than ``creations_per_hour``) puts them back in the queue: a package of several sheets is
   kept as ``over_quota`` and, for a day, the next ones hold at most half of the latest one
   refused, sent at the next run the client's call budget allows (it honours the 429's
   ``Retry-After``); a single sheet waits ``retry_after``. So packages shrink until they fit.
4. **Read reports** of packages sent (paged, 25 per call): ``Integrated`` makes the sheet live,
   ``Refused`` records the reasons (a quota refusal is queued again for the next hour),
   ``Validated`` with a manual-check info shows since when. Every report read is kept.
5. **Offers**: a live sheet whose product has a price gets its offer (``cdlink.sync.catalog.
   offers``), so a product created in cdlink goes on sale end to end.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cdlink.hub.catalog import products as catalog_products
from cdlink.hub.catalog import publishing, taxonomy
from cdlink.hub.catalog.hints import hint, report_rule
from cdlink.hub.catalog.publishing import (
    INTEGRATED,
    MANUAL_CHECK,
    PENDING,
    QUEUED,
    REFUSED,
    SENT,
    VALIDATED,
)
from cdlink.hub.catalog.taxonomy import STREAM as TAXONOMY_STREAM
from cdlink.hub.webhooks.events import emit
from cdlink.octopia import RateLimited
from cdlink.octopia.models import IntegrationReport
from cdlink.store.models import CatalogPackage, Product, ProductPublication
from cdlink.sync.catalog.offers import create_offers
from cdlink.sync.catalog.sheets import RulesCache, validate
from cdlink.sync.catalog.taxonomy import read_properties
from cdlink.sync.engine.schedules import request_run
from cdlink.sync.engine.streams import Stream, StreamContext

RECORDED, PACKAGE_SENT, COMPLETE, ABANDONED = "recorded", "sent", "complete", "abandoned"
#: A package the marketplace answered 429: its size bounds the next packages for a day.
OVER_QUOTA = "over_quota"
QUOTA_MEMORY = timedelta(days=1)
HOUR = timedelta(hours=1)


class ProductPublisher(Stream):
    """Publishes the catalog's sheets on one connection; see the module docstring."""

    name = publishing.STREAM
    default_interval = 300
    #: Sheets per package (the API takes up to 10,000).
    batch_size: ClassVar[int] = 1000
    #: New products Cdiscount takes per rolling hour (≈ 25 observed; not published).
    creations_per_hour: ClassVar[int] = 25

    def run(self, context: StreamContext) -> None:
        with context.database.reading() as session:
            if not publishing.settings(session, context.connection_id).exports:
                return
        self.recover(context)
        with context.transaction() as session:
            if taxonomy.count_categories(session, context.connection_id) == 0:
                # Without the taxonomy the validator cannot check categories: read it first.
                request_run(
                    session,
                    context.connection_id,
                    TAXONOMY_STREAM,
                    now=context.clock.now(),
                    trigger="event",
                )
                context.count(waiting_for_taxonomy=1)
                return
        read_properties(context, only_missing=True)
        self.validate_changed(context)
        self.send(context)
        self.read_reports(context)
        self.make_offers(context)

    # 1. recover -------------------------------------------------------------------------------

    def recover(self, context: StreamContext) -> None:
        with context.transaction() as session:
            now = context.clock.now()
            lost = session.scalars(
                select(CatalogPackage).where(
                    CatalogPackage.connection_id == context.connection_id,
                    CatalogPackage.state == RECORDED,
                )
            ).all()
            for package in lost:
                package.state = ABANDONED
                package.finished_at = now
                self._requeue(session, package.id, now, retry_at=now)
            context.count(abandoned=len(lost))

    def _requeue(self, session: Session, package: int, now: datetime, *, retry_at: datetime) -> int:
        rows = session.scalars(
            select(ProductPublication).where(
                ProductPublication.package == package,
                ProductPublication.status.in_(PENDING),
            )
        ).all()
        for row in rows:
            row.status = QUEUED
            row.sent_hash = None
            row.retry_at = retry_at
            row.updated_at = now
        return len(rows)

    # 2. validate ------------------------------------------------------------------------------

    def validate_changed(self, context: StreamContext) -> None:
        with context.transaction() as session:
            now = context.clock.now()
            known = publishing.publications(session, context.connection_id)
            cache = RulesCache(session, context.connection_id)
            owners = publishing.settings(session, context.connection_id)
            for product_id, local in catalog_products.with_sheets(session):
                row = known.get(product_id)
                data = publishing.as_sent(local, row, owners)
                if row is not None and (
                    row.status in PENDING or row.sent_hash == data.sheet_hash()
                ):
                    continue
                _, problems = validate(data, cache)
                if row is None:
                    row = publishing.ensure(session, context.connection_id, product_id, QUEUED, now)
                elif row.status in (INTEGRATED, REFUSED) and not problems:
                    row.status = QUEUED  # changed since it was sent: send it again
                publishing.set_problems(row, [problem.as_dict() for problem in problems], now)
                context.count(checked=1, problems=1 if problems else 0)

    # 3. send ----------------------------------------------------------------------------------

    def quota_left(self, session: Session, connection_id: int, now: datetime) -> int:
        sent = session.scalar(
            select(func.count()).where(
                ProductPublication.connection_id == connection_id,
                ProductPublication.sent_at >= now - HOUR,
            )
        )
        room = self.creations_per_hour - int(sent or 0)
        refused = session.scalars(
            select(CatalogPackage.skus)
            .where(
                CatalogPackage.connection_id == connection_id,
                CatalogPackage.state == OVER_QUOTA,
                CatalogPackage.finished_at >= now - QUOTA_MEMORY,
            )
            .order_by(CatalogPackage.id.desc())
            .limit(1)
        ).first()
        if refused is not None:  # the marketplace's quota is smaller: half of what it refused
            room = min(room, max(1, len(refused) // 2))
        return max(0, room)

    def send(self, context: StreamContext) -> None:
        with context.transaction() as session:
            now = context.clock.now()
            room = min(self.batch_size, self.quota_left(session, context.connection_id, now))
            if room <= 0:
                return
            queued = session.scalars(
                select(ProductPublication)
                .where(
                    ProductPublication.connection_id == context.connection_id,
                    ProductPublication.status == QUEUED,
                    (ProductPublication.retry_at.is_(None)) | (ProductPublication.retry_at <= now),
                )
                .order_by(ProductPublication.id)
                .limit(room)
            ).all()
            cache = RulesCache(session, context.connection_id)
            owners = publishing.settings(session, context.connection_id)
            sheets = []
            rows = []
            for row in queued:
                data = publishing.as_sent(_data_of(session, row.product_id), row, owners)
                sheet, problems = validate(data, cache)
                if sheet is None:
                    publishing.set_problems(row, [p.as_dict() for p in problems], now)
                    continue
                sheets.append((sheet, data.sheet_hash()))
                rows.append(row)
                publishing.remember_sent(row, data)
            if not rows:
                return
            package = CatalogPackage(
                connection_id=context.connection_id,
                state=RECORDED,
                skus=[sheet.seller_product_reference for sheet, _ in sheets],
                created_at=now,
            )
            session.add(package)
            session.flush()
            for row, (_, sheet_hash) in zip(rows, sheets, strict=True):
                row.status = SENT
                row.package = package.id
                row.sent_hash = sheet_hash
                row.sent_at = now
                row.retry_at = None
                row.reasons = []
                row.updated_at = now
            local_id = package.id
        try:
            package_id = context.client().product_integration.submit([s for s, _ in sheets])
        except RateLimited as error:
            with context.transaction() as session:
                now = context.clock.now()
                wait = timedelta(seconds=error.retry_after or 3600)
                held = session.get_one(CatalogPackage, local_id)
                # The marketplace's quota (not cdlink's own call budget) and more than one
                # sheet: a smaller package may fit, at the next run.
                shrink = error.status == 429 and len(rows) > 1
                held.state, held.finished_at = (OVER_QUOTA if shrink else ABANDONED), now
                self._requeue(session, local_id, now, retry_at=now if shrink else now + wait)
                # The quota counts sends; these were not taken.
                for row in session.scalars(
                    select(ProductPublication).where(ProductPublication.package == local_id)
                ):
                    row.sent_at = None
            context.count(quota_waits=len(rows))
            return
        with context.transaction() as session:
            sent = session.get_one(CatalogPackage, local_id)
            sent.package_id = package_id
            sent.state = PACKAGE_SENT
            sent.sent_at = context.clock.now()
        context.made_progress()
        context.count(packages=1, sent=len(rows))

    # 4. reports -------------------------------------------------------------------------------

    def read_reports(self, context: StreamContext) -> None:
        """Read each sent package's reports page by page (25 a page).

        A page holding a sheet still on its way (``Validated``, not held for a manual check)
        ends the read: the rest of the package is judged at the same pace, so it is read again
        at the next run rather than page after page now. This keeps the calls near the minimum
        (one read of every page once the sheets are judged for good); a sheet further down
        shows ``Sent`` until then.
        """
        with context.database.reading() as session:
            waiting = [
                (package.id, package.package_id or "")
                for package in session.scalars(
                    select(CatalogPackage).where(
                        CatalogPackage.connection_id == context.connection_id,
                        CatalogPackage.state == PACKAGE_SENT,
                    )
                )
            ]
        service = context.client().product_integration
        for local_id, package_id in waiting:
            for page in service.reports_pages(package_id=package_id):
                with context.transaction() as session:
                    now = context.clock.now()
                    for report in page.items:
                        if report.seller_product_reference:
                            self.apply(
                                session,
                                context,
                                local_id,
                                package_id,
                                report.seller_product_reference,
                                report,
                                now,
                            )
                context.made_progress()
                if any(_status_of(report) == VALIDATED for report in page.items):
                    break
            with context.transaction() as session:
                if not self._unsettled(session, local_id):
                    package = session.get_one(CatalogPackage, local_id)
                    package.state, package.finished_at = COMPLETE, context.clock.now()

    def _unsettled(self, session: Session, local_id: int) -> bool:
        """Whether a sheet of the package still waits for its final report."""
        query = select(ProductPublication.id).where(
            ProductPublication.package == local_id,
            ProductPublication.status.in_((SENT, VALIDATED)),
        )
        return session.scalar(query.limit(1)) is not None

    def apply(  # noqa: PLR0917
        self,
        session: Session,
        context: StreamContext,
        local_id: int,
        package_id: str,
        sku: str,
        report: IntegrationReport,
        now: datetime,
    ) -> None:
        found = catalog_products.find(session, sku)
        if found is None:
            return
        row = publishing.publication(session, context.connection_id, found[0].id)
        if row is None or row.package != local_id:
            return  # a newer package holds this sheet now
        status = _status_of(report)
        if status == row.status:
            return
        messages = [
            {
                "code": message.code,
                "field": message.field,
                "message": message.message,
                "rule": report_rule(message.code, message.field),
                "hint": hint(report_rule(message.code, message.field)),
            }
            for message in (*report.errors, *report.warnings, *report.infos)
        ]
        publishing.record_report(
            session, context.connection_id, sku, package_id, str(report.status), messages, now
        )
        row.updated_at = now
        if report.is_quota_refusal:
            row.status, row.retry_at, row.sent_hash = QUEUED, now + HOUR, None
            context.count(quota_refusals=1)
            return
        row.status = status
        if status == INTEGRATED:
            row.live_at = now
            context.count(integrated=1)
            _emit(session, context.connection_id, "product.integrated", sku, [], now)
        elif status == REFUSED:
            row.reasons = [message for message in messages if message["code"]][:20]
            context.count(refused=1)
            _emit(session, context.connection_id, "product.refused", sku, row.reasons, now)
        elif status == MANUAL_CHECK:
            row.manual_check_since = row.manual_check_since or now

    # 5. offers --------------------------------------------------------------------------------

    def make_offers(self, context: StreamContext) -> None:
        create_offers(context)


def _status_of(report: IntegrationReport) -> str:
    if report.is_live:
        return INTEGRATED
    if report.is_refused:
        return REFUSED
    if report.awaits_manual_check:
        return MANUAL_CHECK
    return VALIDATED


def _data_of(session: Session, product_id: int) -> catalog_products.ProductData:
    product = session.get_one(Product, product_id)
    return catalog_products.get(session, product.sku)


def _emit(  # noqa: PLR0917  (one event's facts)
    session: Session,
    connection_id: int,
    event_type: str,
    sku: str,
    reasons: list[dict[str, Any]],
    now: datetime,
) -> None:
    data = {"sku": sku, "reasons": [str(reason.get("message", "")) for reason in reasons]}
    emit(session, event_type, data, connection_id=connection_id, now=now)
