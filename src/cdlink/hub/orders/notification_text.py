"""A notification in the reader's words: from its kind and details, in French or English.

The notification centre words each notification in the reader's language; its e-mail is worded
in the shop's language and time zone (``cdlink.sync.orders.notification_emails``). The stored
``title`` is the English wording, kept for a notification whose details cannot be read.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from cdlink.core.i18n import gettext, moment_text
from cdlink.core.translatable import translatable
from cdlink.hub.orders import notifications as hub
from cdlink.hub.performance import labels as performance_labels
from cdlink.store.models import Notification

ACCEPT = translatable(
    "Order %(order)s: less than %(hours)s h left to accept or refuse it (by %(when)s)"
)
SHIP = translatable("Order %(order)s: less than %(hours)s h left to ship it (by %(when)s)")
CROSSED = translatable(
    "%(source)s: %(indicator)s at %(value)s %% has crossed its threshold (%(threshold)s)"
)
NEAR = translatable(
    "%(source)s: %(indicator)s at %(value)s %% is near its threshold (%(threshold)s)"
)


def notification_text(item: Notification, language: str, zone: tzinfo) -> str:
    """The notification in ``language``: from its kind and details, else its English title."""
    details = item.details or {}

    def say(message: str) -> str:
        return gettext(language, message)

    if item.kind in {hub.ACCEPTANCE, hub.SHIPPING} and {"order", "hours", "deadline"} <= set(
        details
    ):
        deadline = datetime.fromisoformat(details["deadline"])
        message = say(ACCEPT) if item.kind == hub.ACCEPTANCE else say(SHIP)
        return message % {
            "order": details["order"],
            "hours": details["hours"],
            "when": moment_text(deadline, zone, language, seconds=False),
        }
    if item.kind == "performance" and details.get("indicator") in performance_labels.INDICATORS:
        message = say(CROSSED) if details.get("level") == "beyond" else say(NEAR)
        kind = performance_labels.THRESHOLD_KINDS.get(
            details.get("threshold_type", ""), "%(value)s"
        )
        return message % {
            "source": say(performance_labels.SOURCES.get(details.get("source", ""), "cdlink")),
            "indicator": say(performance_labels.INDICATORS[details["indicator"]]),
            "value": details.get("value", ""),
            "threshold": say(kind) % {"value": details.get("threshold", "")},
        }
    return item.title
