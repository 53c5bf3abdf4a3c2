"""The ``notification_emails`` stream: sends the queued notification e-mails through SMTP.

Every minute it sends the connection's pending e-mails (queued by ``notifications.LISTENERS`` in
the transaction that raised each notification, ``cdlink.hub.orders.emails``), one SMTP session
per run, each e-mail's outcome committed as soon as it is known; a failure is retried at the next
runs, up to ``MAX_ATTEMPTS``. It never runs inside a web request.

Each e-mail is worded in the shop's language (``CDLINK_DEFAULT_LANGUAGE``) and time zone
(``CDLINK_TIMEZONE``), its link on ``CDLINK_PUBLIC_URL`` (else the address cdlink serves on).
The SMTP password is decrypted with the runtime's secret box (the one its marketplace clients
use for the Client Secrets).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import TypeVar

from cdlink.core.errors import ConfigurationError
from cdlink.core.i18n import gettext, moment_text
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.core.translatable import translatable
from cdlink.hub.orders import emails
from cdlink.hub.orders.notification_text import notification_text
from cdlink.store.models import Notification, NotificationEmail
from cdlink.sync.engine.streams import Stream, StreamContext

STREAM = "notification_emails"
_Part = TypeVar("_Part")
TIMEOUT_SECONDS = 20
OPEN = translatable("Open it in cdlink: %(link)s")
RAISED = translatable("Raised on %(when)s (the shop's time).")


def message(
    notification: Notification, config: emails.EmailConfig, settings: Settings
) -> EmailMessage:
    """The e-mail of one notification (plain text), in the shop's language and time zone."""
    language = settings.default_language
    text = notification_text(notification, language, settings.zone)
    mail = EmailMessage()
    mail["Subject"] = f"[cdlink] {text}"
    mail["From"] = config.from_address
    mail["To"] = ", ".join(config.recipients)
    lines = [text, ""]
    if notification.link:
        link = f"{settings.base_url.rstrip('/')}{notification.link}"
        lines.append(gettext(language, OPEN) % {"link": link})
    moment = moment_text(notification.created_at, settings.zone, language, seconds=False)
    lines.append(gettext(language, RAISED) % {"when": moment})
    mail.set_content("\n".join(lines))
    return mail


def connect(config: emails.EmailConfig, password: str | None) -> smtplib.SMTP:
    """An SMTP session as the settings say (TLS from the start, STARTTLS, or plain)."""
    context = ssl.create_default_context()
    if config.security == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            config.host, config.port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        server = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_SECONDS)
    try:
        if config.security == "starttls":
            server.starttls(context=context)
        if config.username:
            server.login(config.username, password or "")
    except BaseException:
        server.close()  # refused (TLS or login): the connection is not used, nor left open
        raise
    return server


class NotificationEmailSender(Stream):
    """Sends the pending notification e-mails; see the module docstring."""

    name = STREAM
    default_interval = 60

    def run(self, context: StreamContext) -> None:
        with context.database.reading() as session:
            config = emails.email_config(session)
            queued = [item.id for item in emails.pending(session, context.connection_id)]
            secret = emails.password(session, _box(context)) if queued and config.username else None
        if not queued or not config.enabled:
            return
        settings = _settings(context)
        sent = failed = 0
        try:
            server = connect(config, secret)
        except (OSError, smtplib.SMTPException) as problem:
            self._fail_all(context, queued, f"cannot reach the SMTP server: {problem}")
            context.count(email_failures=len(queued))
            return
        with server:
            for email_id in queued:
                context.check_stop()
                error = self._send(context, server, email_id, config, settings)
                sent, failed = sent + (error is None), failed + (error is not None)
        context.made_progress()
        context.count(emails_sent=sent, email_failures=failed)

    def _send(
        self,
        context: StreamContext,
        server: smtplib.SMTP,
        email_id: int,
        config: emails.EmailConfig,
        settings: Settings,
    ) -> str | None:
        with context.database.reading() as session:
            email = session.get_one(NotificationEmail, email_id)
            notification = session.get_one(Notification, email.notification_id)
            mail = message(notification, config, settings)
        try:
            server.send_message(mail)
            error = None
        except smtplib.SMTPException as problem:
            error = f"the SMTP server refused the e-mail: {problem}"
        with context.transaction() as session:
            emails.record_outcome(session, email_id, error, context.clock.now())
        return error

    def _fail_all(self, context: StreamContext, queued: list[int], error: str) -> None:
        with context.transaction() as session:
            for email_id in queued:
                emails.record_outcome(session, email_id, error, context.clock.now())


def _runtime_part(context: StreamContext, name: str, kind: type[_Part], purpose: str) -> _Part:
    """What the runtime's client factory carries besides clients (``settings``, ``box``)."""
    part = getattr(context.clients, name, None)
    if not isinstance(part, kind):
        raise ConfigurationError(
            f"this runtime has no {purpose}",
            hint="Run streams with `cdlink serve`, `cdlink worker` or `cdlink sync run`.",
        )
    return part


def _settings(context: StreamContext) -> Settings:
    """The runtime's settings: the shop's language, time zone and address word the e-mails."""
    return _runtime_part(
        context, "settings", Settings, "settings to word the notification e-mails with"
    )


def _box(context: StreamContext) -> SecretBox:
    return _runtime_part(context, "box", SecretBox, "secret box to read the SMTP password with")
