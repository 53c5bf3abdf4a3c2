"""Dates and amounts on pages: each language's way, in the shop's time zone, from one place.

The templates go through the ``moment``, ``day`` and ``money`` filters of
``cdlink.web.templating``; none formats a date with ``strftime`` (which knows neither the
reader's language nor, unless told, the shop's time zone).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cdlink.web.templating import TEMPLATE_DIR, environment

PARIS = ZoneInfo("Europe/Paris")
LATE_EVENING = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)  # already the 7th in Paris


@pytest.mark.parametrize(
    ("language", "moment", "day", "short", "amount"),
    [
        ("fr", "7 déc. 2026 00:30", "7 déc. 2026", "6 déc.", "613,87\xa0€"),
        ("en", "7 Dec 2026, 00:30", "7 Dec 2026", "6 Dec", "€613.87"),
    ],
)
def test_given_a_language_when_dates_and_amounts_are_shown_then_they_follow_it_and_the_zone(
    language: str, moment: str, day: str, short: str, amount: str
) -> None:
    filters = environment(language).filters

    assert filters["moment"](LATE_EVENING, PARIS) == moment
    assert filters["day"](LATE_EVENING, PARIS) == day
    assert filters["day"](date(2026, 12, 6), short=True) == short
    assert filters["money"](Decimal("613.87"), "EUR") == amount
    assert filters["moment"](None, PARIS) == filters["day"](None) == "—"


def test_given_every_template_when_read_then_none_formats_a_date_with_strftime() -> None:
    offenders = [
        str(path.relative_to(TEMPLATE_DIR))
        for path in TEMPLATE_DIR.rglob("*.html")
        if re.search(r"\.strftime\(", path.read_text(encoding="utf-8"))
    ]

    assert offenders == []
