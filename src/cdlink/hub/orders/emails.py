"""Notification e-mails: the SMTP settings, and the e-mail queued for each new notification.

``queue_email`` is one of ``notifications.LISTENERS``: in the transaction that raises a
notification it queues its e-mail (``notification_emails``, pending) when e-mail is switched on.
The ``notification_emails`` stream sends the queue through SMTP (never a web request), up to
``MAX_ATTEMPTS`` times each, and records the outcome.

The SMTP password is encrypted by the secret box before it is stored and never returned: the
settings read back say only whether one is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.core.secret_box import SecretBox
from cdlink.core.translatable import translatable
from cdlink.store.models import EmailSettings, Notification, NotificationEmail

SECURITIES = ("starttls", "tls", "none")
MAX_ATTEMPTS = 5
MAX_RECIPIENTS = 20
_ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


class EmailSettingsError(CdlinkError):
    """The SMTP settings given cannot be used (answered 422, nothing changes)."""

    default_hint = translatable(
        "Give the SMTP server's host and port, a sender address and at least one recipient."
    )


@dataclass(frozen=True)
class EmailConfig:
    """The SMTP settings as shown and edited (never the password itself)."""

    enabled: bool = False
    host: str = ""
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    from_address: str = ""
    recipients: tuple[str, ...] = ()
    has_password: bool = False


def email_config(session: Session) -> EmailConfig:
    row = session.get(EmailSettings, 1)
    if row is None:
        return EmailConfig()
    return EmailConfig(
        enabled=row.enabled,
        host=row.host,
        port=row.port,
        security=row.security,
        username=row.username,
        from_address=row.from_address,
        recipients=split_addresses(row.recipients),
        has_password=bool(row.password_ciphertext),
    )


def split_addresses(text: str) -> tuple[str, ...]:
    parts = (part.strip() for part in re.split(r"[,;\s]+", text or ""))
    return tuple(dict.fromkeys(part for part in parts if part))


def check(config: EmailConfig) -> None:
    """Refuse settings that cannot send, naming the field."""
    if config.security not in SECURITIES:
        raise EmailSettingsError(f"security must be one of {', '.join(SECURITIES)}")
    if not 1 <= config.port <= 65535:
        raise EmailSettingsError("the port must be between 1 and 65535")
    if len(config.host) > 255 or (
        config.host and not re.fullmatch(r"[A-Za-z0-9.\-:\[\]]+", config.host)
    ):
        raise EmailSettingsError("the host is not a host name or address")
    for address in (config.from_address, *config.recipients):
        if address and (len(address) > 254 or not _ADDRESS.match(address)):
            raise EmailSettingsError(f"{address!r} is not an e-mail address")
    if len(config.recipients) > MAX_RECIPIENTS:
        raise EmailSettingsError(f"at most {MAX_RECIPIENTS} recipients")
    if config.enabled and not (config.host and config.from_address and config.recipients):
        raise EmailSettingsError("e-mail is on but the host, sender or recipients are missing")


def save_email_config(
    session: Session, box: SecretBox, config: EmailConfig, password: str | None, now: datetime
) -> EmailConfig:
    """Keep ``config``; ``password``: None keeps the stored one, "" removes it, else replaces it."""
    check(config)
    row = session.get(EmailSettings, 1)
    if row is None:
        row = EmailSettings(id=1)
        session.add(row)
    row.enabled, row.host, row.port = config.enabled, config.host, config.port
    row.security, row.username = config.security, config.username or None
    row.from_address, row.recipients = config.from_address, ", ".join(config.recipients)
    if password is not None:
        row.password_ciphertext = box.encrypt(password) if password else None
    row.updated_at = now
    session.flush()
    return email_config(session)


def password(session: Session, box: SecretBox) -> str | None:
    """The SMTP password, decrypted for the sender only."""
    row = session.get(EmailSettings, 1)
    if row is None or not row.password_ciphertext:
        return None
    return box.decrypt(row.password_ciphertext)


def queue_email(session: Session, notification: Notification) -> None:
    """The ``LISTENERS`` hook: queue the notification's e-mail when e-mail is on."""
    row = session.get(EmailSettings, 1)
    if row is None or not row.enabled:
        return
    session.add(
        NotificationEmail(
            notification_id=notification.id,
            connection_id=notification.connection_id,
            state="pending",
            attempts=0,
            created_at=notification.created_at,
        )
    )


def pending(session: Session, connection_id: int, limit: int = 50) -> list[NotificationEmail]:
    query = (
        select(NotificationEmail)
        .where(
            NotificationEmail.connection_id == connection_id,
            NotificationEmail.state == "pending",
        )
        .order_by(NotificationEmail.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def record_outcome(
    session: Session, email_id: int, error: str | None, now: datetime
) -> NotificationEmail:
    """Sent (``error`` None), or one more failed attempt (failed for good after the last)."""
    email = session.get_one(NotificationEmail, email_id)
    email.attempts += 1
    if error is None:
        email.state, email.sent_at, email.outcome = "sent", now, None
    else:
        email.outcome = error[:500]
        if email.attempts >= MAX_ATTEMPTS:
            email.state = "failed"
    return email
