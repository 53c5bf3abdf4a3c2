"""``/api/v1/email-settings`` and the form of the notification centre: where notification e-mails
go, through which SMTP server. Administrators only; the password is never returned."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from cdlink.hub.orders import emails as hub
from cdlink.web.connections.checks import secret_box
from cdlink.web.i18n import gettext, request_language

router = APIRouter(prefix="/email-settings", tags=["notifications"])
pages = APIRouter(include_in_schema=False)


class EmailSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(description="Send every new notification by e-mail.")
    host: str = Field(default="", max_length=255, examples=["smtp.example.com"])
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = Field(default=None, max_length=255)
    password: str | None = Field(
        default=None,
        max_length=500,
        description="Omitted: the stored one is kept; empty: removed. Stored encrypted.",
    )
    from_address: str = Field(default="", max_length=254, examples=["cdlink@example.com"])
    recipients: list[str] = Field(default_factory=list, max_length=hub.MAX_RECIPIENTS)


class EmailSettingsOut(BaseModel):
    enabled: bool
    host: str
    port: int
    security: str
    username: str | None
    has_password: bool = Field(description="Whether a password is kept (it is never returned).")
    from_address: str
    recipients: list[str]


def _out(config: hub.EmailConfig) -> EmailSettingsOut:
    return EmailSettingsOut(
        enabled=config.enabled,
        host=config.host,
        port=config.port,
        security=config.security,
        username=config.username,
        has_password=config.has_password,
        from_address=config.from_address,
        recipients=list(config.recipients),
    )


@router.get("")
def get_email_settings(request: Request) -> EmailSettingsOut:
    with request.app.state.database.reading() as session:
        return _out(hub.email_config(session))


@router.put("")
def put_email_settings(request: Request, body: EmailSettingsIn) -> EmailSettingsOut:
    """Replace the SMTP settings; 422 naming the bad field (nothing changes then)."""
    config = hub.EmailConfig(
        enabled=body.enabled,
        host=body.host.strip(),
        port=body.port,
        security=body.security,
        username=(body.username or "").strip() or None,
        from_address=body.from_address.strip(),
        recipients=tuple(item.strip() for item in body.recipients if item.strip()),
    )
    with request.app.state.database.session() as session:
        saved = hub.save_email_config(
            session, secret_box(request), config, body.password, request.app.state.clock.now()
        )
    return _out(saved)


@pages.post("/notifications/email")
def save_from_page(
    request: Request,
    *,
    enabled: str = Form(""),
    host: str = Form("", max_length=255),
    port: int = Form(587, ge=1, le=65535),
    security: str = Form("starttls", max_length=10),
    username: str = Form("", max_length=255),
    password: str = Form("", max_length=500),
    clear_password: str = Form(""),
    from_address: str = Form("", max_length=254),
    recipients: str = Form("", max_length=6000),
) -> Response:
    """The centre's form: an empty password keeps the stored one unless "remove" is ticked."""
    from cdlink.web.orders.notifications_pages import render_page  # noqa: PLC0415  (a cycle)

    config = hub.EmailConfig(
        enabled=enabled == "on",
        host=host.strip(),
        port=port,
        security=security,
        username=username.strip() or None,
        from_address=from_address.strip(),
        recipients=hub.split_addresses(recipients),
    )
    secret = "" if clear_password == "on" else (password or None)  # noqa: S105  (a checkbox)
    try:
        with request.app.state.database.session() as session:
            hub.save_email_config(
                session, secret_box(request), config, secret, request.app.state.clock.now()
            )
    except hub.EmailSettingsError as error:
        language = request_language(request, request.app.state.settings)
        message = f"{error.message}. {gettext(language, error.hint)}"
        return render_page(request, unread=False, error=message, status=422)
    return RedirectResponse("/notifications?saved=email#email", status_code=303)
