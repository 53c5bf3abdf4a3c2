"""Languages of the interface: French and English, from Babel message catalogues.

The language of a request is, in order: the one picked with the language picker (a cookie), the
browser's preference (``Accept-Language``), then ``CDLINK_DEFAULT_LANGUAGE``. Source strings are
English; the French catalogue is ``locale/fr/LC_MESSAGES/messages.po``, compiled to ``.mo`` and
committed so that a fresh clone runs without a build step (``make messages`` refreshes both).
"""

from __future__ import annotations

from starlette.requests import Request

from cdlink.core.i18n import LANGUAGES, LOCALE_DIR, gettext, translations
from cdlink.core.settings import Settings
from cdlink.web.security import LANGUAGE_COOKIE

__all__ = [
    "LANGUAGES",
    "LOCALE_DIR",
    "gettext",
    "preferred_languages",
    "request_language",
    "translations",
]


def preferred_languages(header: str) -> list[str]:
    """Language codes from an ``Accept-Language`` header, most wanted first."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(weighted)]


def request_language(request: Request, settings: Settings) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    for language in preferred_languages(request.headers.get("accept-language", "")):
        if language in LANGUAGES:
            return language
    return settings.default_language
