"""Rendering pages: one Jinja2 environment per language, with what every page needs."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import HTMLResponse

from cdlink import __version__
from cdlink.core.errors import CdlinkError
from cdlink.core.i18n import moment_text
from cdlink.core.settings import Settings
from cdlink.hub.customer_service.queries import waiting_count
from cdlink.web.i18n import LANGUAGES, request_language, translations
from cdlink.web.orders import labels as order_labels

TEMPLATE_DIR = Path(__file__).parent / "templates"


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(version=__version__, languages=LANGUAGES, order_labels=order_labels)
    env.filters["money"] = lambda amount, currency: format_currency(
        amount, currency, locale=language
    )
    env.filters["number"] = lambda value: format_decimal(value, locale=language)
    env.filters["moment"] = lambda value, zone, seconds=False: moment_text(
        value, zone, language, seconds
    )
    env.filters["day"] = lambda value, zone=None, short=False: _day(value, zone, language, short)
    return env


#: A day, whole ("6 déc. 2026", "6 Dec 2026") or short for narrow columns ("6 déc."): one
#: pattern, which Babel writes in each language's own words and order.
DAY_PATTERN, SHORT_DAY_PATTERN = "d MMM y", "d MMM"


def _day(value: date | None, zone: tzinfo | None, language: str, short: bool) -> str:
    """The day of ``value`` (a date, or a moment seen in ``zone``) the language's way."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(zone).date() if zone is not None else value.date()
    return format_date(value, SHORT_DAY_PATTERN if short else DAY_PATTERN, locale=language)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` in the request's language with the user, CSRF token and path."""
    settings: Settings = request.app.state.settings
    language = request_language(request, settings)
    values = {
        "request": request,
        "identity": getattr(request.state, "identity", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "language": language,
        # A colon after a label: French puts a narrow no-break space before it.
        "colon": "\u202f:" if language == "fr" else ":",
        "path": request.url.path,
        "translate": translations(language).gettext,
        "inbox_waiting": _inbox_waiting(request),
        **(context or {}),
    }
    html = environment(language).get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers=headers)


def _inbox_waiting(request: Request) -> int:
    """The navigation's count: open discussions waiting for the seller's answer (0 when the
    page has no user or the database cannot say: an error page must still render)."""
    if getattr(request.state, "identity", None) is None:
        return 0
    database = getattr(request.app.state, "database", None)
    if database is None:
        return 0
    try:
        with database.reading() as session:
            now = request.app.state.clock.now()
            return waiting_count(session, now)
    except (CdlinkError, SQLAlchemyError):
        return 0
