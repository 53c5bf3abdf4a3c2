"""The five performance indicators, their thresholds, and their history per connection.

Cdiscount sanctions a seller whose indicators cross their thresholds over the last 30 or 60
days (addendum §6): acceptance ≥ 97.5 %, shipping ≥ 97.5 %, preparation deadlines ≥ 96 %,
claims < 1 % (refunds: ≤ 5 % in the recorded answer). Each day the ``indicators`` stream
records what ``/sellers/indicators`` said (source ``cdiscount``) and what cdlink computed from
its own orders (source ``cdlink``, ``cdlink.hub.performance.own``) as one row per indicator and
day (``performance_figures``); reading twice a day replaces that day's row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.store.models import PerformanceFigure

CDISCOUNT, CDLINK = "cdiscount", "cdlink"
SOURCES = (CDISCOUNT, CDLINK)
MIN, MAX = "ThresholdMin", "ThresholdMax"


@dataclass(frozen=True)
class Rule:
    """An indicator's threshold: stay above it (``MIN``) or below it (``MAX``)."""

    threshold: Decimal
    kind: str
    #: How close to the threshold (in points) a figure is "near" it and raises an alert.
    margin: Decimal


#: The indicators by REST name, in Cdiscount's order, with today's business thresholds.
RULES: dict[str, Rule] = {
    "order_acceptation": Rule(Decimal("97.5"), MIN, Decimal("1")),
    "product_shipping": Rule(Decimal("97.5"), MIN, Decimal("1")),
    "deadline_compliance": Rule(Decimal("96"), MIN, Decimal("1")),
    "order_claims": Rule(Decimal("1"), MAX, Decimal("0.25")),
    "order_refunds": Rule(Decimal("5"), MAX, Decimal("1")),
}


@dataclass(frozen=True)
class Figure:
    """One indicator's values in percent over the last 30 and 60 days."""

    name: str
    value_d30: Decimal | None
    value_d60: Decimal | None
    threshold: Decimal | None = None
    threshold_type: str | None = None
    computed_at: datetime | None = None


def rule_for(figure: PerformanceFigure | Figure) -> Rule:
    """The stricter of cdlink's rule and the threshold the marketplace sent with the figure."""
    rule = RULES[figure.name]
    sent = figure.threshold
    if sent is None or figure.threshold_type not in {None, rule.kind}:
        return rule
    stricter = max(sent, rule.threshold) if rule.kind == MIN else min(sent, rule.threshold)
    return Rule(stricter, rule.kind, rule.margin)


def record(
    session: Session, connection_id: int, source: str, figures: list[Figure], now: datetime
) -> int:
    """Keep ``figures`` as today's row of each indicator (replacing an earlier read of today)."""
    kept = 0
    for figure in figures:
        if figure.name not in RULES:
            continue  # an indicator cdlink does not know yet: not worth a failed run
        row = session.scalars(
            select(PerformanceFigure).where(
                PerformanceFigure.connection_id == connection_id,
                PerformanceFigure.source == source,
                PerformanceFigure.name == figure.name,
                PerformanceFigure.day == now.date(),
            )
        ).first()
        if row is None:
            row = PerformanceFigure(
                connection_id=connection_id, source=source, name=figure.name, day=now.date()
            )
            session.add(row)
        row.value_d30, row.value_d60 = figure.value_d30, figure.value_d60
        row.threshold, row.threshold_type = figure.threshold, figure.threshold_type
        row.computed_at, row.recorded_at = figure.computed_at or now, now
        kept += 1
    session.flush()
    return kept


def latest(session: Session, connection_id: int) -> dict[tuple[str, str], PerformanceFigure]:
    """The newest row of each (source, indicator)."""
    rows = session.scalars(
        select(PerformanceFigure)
        .where(PerformanceFigure.connection_id == connection_id)
        .order_by(PerformanceFigure.day.desc())
        .limit(len(RULES) * len(SOURCES) * 8)
    )
    found: dict[tuple[str, str], PerformanceFigure] = {}
    for row in rows:
        found.setdefault((row.source, row.name), row)
    return found


def history(
    session: Session, connection_id: int, *, days: int, today: date
) -> list[PerformanceFigure]:
    """Every row of the last ``days`` days, oldest first."""
    return list(
        session.scalars(
            select(PerformanceFigure)
            .where(
                PerformanceFigure.connection_id == connection_id,
                PerformanceFigure.day > today - timedelta(days=days),
            )
            .order_by(PerformanceFigure.day, PerformanceFigure.source, PerformanceFigure.name)
        )
    )


def level(figure: PerformanceFigure | Figure) -> str:
    """``ok``, ``near`` (within the margin of the threshold) or ``beyond`` (crossed it), judged on
    the worse of the 30- and 60-day values; ``unknown`` without a value."""
    rule = rule_for(figure)
    values = [value for value in (figure.value_d30, figure.value_d60) if value is not None]
    if not values:
        return "unknown"
    if rule.kind == MIN:
        worst = min(values)
        return (
            "beyond"
            if worst < rule.threshold
            else "near"
            if worst < rule.threshold + rule.margin
            else "ok"
        )
    worst = max(values)
    return (
        "beyond"
        if worst >= rule.threshold
        else "near"
        if worst >= rule.threshold - rule.margin
        else "ok"
    )
