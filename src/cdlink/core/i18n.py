"""Words and moments in the seller's language, for every layer that writes to a seller.

The interface's catalogues (source strings in English, ``fr`` in
``cdlink/web/locale/fr/LC_MESSAGES/messages.po``, compiled and committed) and Babel's way of
writing a date and time in each language. The pages choose the language per request
(``cdlink.web.i18n``); what leaves cdlink outside a request, such as a notification e-mail, is
written in the shop's ``CDLINK_DEFAULT_LANGUAGE`` and time zone.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path

from babel.dates import format_datetime
from babel.support import NullTranslations, Translations

LANGUAGES = {"fr": "Français", "en": "English"}
LOCALE_DIR = Path(__file__).resolve().parents[1] / "web" / "locale"
DOMAIN = "messages"
#: A date and time as each language writes it ("6 déc. 2026 07:12", "6 Dec 2026, 07:12").
MOMENT_PATTERNS = {"fr": "d MMM y HH:mm", "en": "d MMM y, HH:mm"}


@cache
def translations(language: str) -> NullTranslations:
    """The catalogue of ``language``; English is the source language and needs none."""
    if language == "en":
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [language], domain=DOMAIN)


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)


def moment_text(value: datetime | None, zone: tzinfo, language: str, seconds: bool) -> str:
    """``value`` in the shop's time zone, written the language's way ("—" when unknown)."""
    if value is None:
        return "—"
    pattern = MOMENT_PATTERNS.get(language, MOMENT_PATTERNS["en"]) + (":ss" if seconds else "")
    return format_datetime(value.astimezone(zone), pattern, locale=language)
