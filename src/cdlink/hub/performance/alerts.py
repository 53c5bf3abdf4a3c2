"""Alerts when a performance figure nears or crosses its threshold.

After each read the ``indicators`` stream checks the newest figure of every indicator, from
Cdiscount and from cdlink: one near its threshold (within the rule's margin) or beyond it raises
a notification (in the app, and by e-mail when set up), once per connection, source, indicator,
level and ISO week — so a figure that stays near its threshold reminds weekly, not daily.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from cdlink.hub.orders.notifications import notify
from cdlink.hub.performance.indicators import CDISCOUNT, MIN, latest, level, rule_for

KIND = "performance"
NAMES = {
    "order_acceptation": "acceptance rate",
    "product_shipping": "shipping rate",
    "deadline_compliance": "preparation-deadline compliance",
    "order_claims": "claim rate",
    "order_refunds": "refund rate",
}


def shown(value: Decimal) -> str:
    """``75.000`` → ``"75"``, ``97.50`` → ``"97.5"``: a percentage as a person writes it."""
    return f"{value.quantize(Decimal('0.01')).normalize():f}"


def check_alerts(session: Session, connection_id: int, now: datetime) -> int:
    """Raise the alerts due for the connection's newest figures; returns how many were new."""
    year, week, _ = now.isocalendar()
    raised = 0
    for (source, name), figure in sorted(latest(session, connection_id).items()):
        found = level(figure)
        if found not in {"near", "beyond"}:
            continue
        rule = rule_for(figure)
        values = [v for v in (figure.value_d30, figure.value_d60) if v is not None]
        worst = shown(min(values) if rule.kind == MIN else max(values))
        who = "Cdiscount's" if source == CDISCOUNT else "cdlink's"
        state = "crossed" if found == "beyond" else "is near"
        raised += notify(
            session,
            connection_id=connection_id,
            kind=KIND,
            key=f"performance:{connection_id}:{source}:{name}:{found}:{year}-W{week:02d}",
            title=f"{who} {NAMES[name]} ({worst} %) {state} its threshold "
            f"({'at least' if rule.kind == MIN else 'below'} {shown(rule.threshold)} %)",
            link=f"/performance?connection={connection_id}",
            details={
                "indicator": name,
                "source": source,
                "level": found,
                "value": worst,
                "threshold": shown(rule.threshold),
                "threshold_type": rule.kind,
            },
            now=now,
        )
    return raised
