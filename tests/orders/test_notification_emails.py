"""Notification e-mails through a real local SMTP server: settings with an encrypted password,
queued with each notification as the clock moves, sent by the stream (never by a web request),
once each, retried after a failure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.core.secret_box import SecretBox, generate_key
from cdlink.core.settings import Settings
from cdlink.hub.orders.emails import EmailConfig, password, save_email_config
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.engine import Database
from cdlink.store.models import EmailSettings, NotificationEmail
from cdlink.store.secrets import reencrypt_secrets
from tests.support.orders import run_until_success, stored
from tests.support.smtp import PASSWORD, USER, Mailbox, free_port, smtp_server
from tests.support.web import csrf_token

#: Per shop language: the subject's words, the link's line and the time's line.
WORDING = {
    "fr": (
        "moins de 2 h pour l\u2019accepter ou la refuser",
        "L'ouvrir dans cdlink",
        "heure de la",
    ),
    "en": ("less than 2 h left to accept or refuse", "Open it in cdlink:", "the shop's time"),
}


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The suite's settings, in the shop language a test asks for (French by default)."""
    language = getattr(request, "param", "fr")
    return settings.model_copy(update={"default_language": language})


def subject(mail: Message) -> str:
    return " ".join(str(make_header(decode_header(str(mail["Subject"])))).split())


def body(mail: Message) -> str:
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(mail.get_content_charset() or "utf-8")


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as server:
        yield server


def settings_body(port: int, **changes: Any) -> dict[str, Any]:
    return {
        "enabled": True,
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "username": USER,
        "password": PASSWORD,
        "from_address": "cdlink@boutique.example",
        "recipients": ["vendeur@boutique.example", "stock@boutique.example"],
        **changes,
    }


def near_deadline(shop: JobEnvironment, sandbox: Sandbox, clock: ManualClock) -> None:
    """A waiting order, the clock moved 1 h before its deadline, the alerts raised."""
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    deadline = stored(shop, order_id).acceptance_deadline
    assert deadline is not None
    clock.advance(deadline - timedelta(hours=1) - clock.now())
    assert shop.runner().run(1, "deadline_alerts").outcome == "succeeded"


def send(shop: JobEnvironment) -> dict[str, int]:
    report = shop.runner().run(1, "notification_emails")
    assert report.outcome == "succeeded", report.message
    return dict(report.counts)


def states(shop: JobEnvironment) -> list[tuple[str, int]]:
    with shop.database.reading() as session:
        rows = session.scalars(select(NotificationEmail).order_by(NotificationEmail.id))
        return [(row.state, row.attempts) for row in rows]


@pytest.mark.parametrize("settings", ["fr", "en"], indirect=True)
def test_given_smtp_settings_when_a_deadline_nears_then_one_e_mail_reaches_the_server_once(
    api: TestClient,
    shop: JobEnvironment,
    sandbox: Sandbox,
    sandbox_clock: ManualClock,
    mailbox: Mailbox,
) -> None:
    saved = api.put("/api/v1/email-settings", json=settings_body(mailbox.port))
    read = api.get("/api/v1/email-settings").json()
    with shop.database.reading() as session:
        stored_secret = session.get_one(EmailSettings, 1).password_ciphertext or ""
    near_deadline(shop, sandbox, sandbox_clock)
    queued_before_sending = len(mailbox.messages)

    first, second = send(shop), send(shop)

    assert saved.status_code == 200, saved.text
    assert read["has_password"] is True
    assert "password" not in read
    assert PASSWORD not in stored_secret
    assert PASSWORD not in api.get("/api/v1/email-settings").text
    assert queued_before_sending == 0
    assert (first["emails_sent"], second.get("emails_sent", 0)) == (1, 0)
    [mail] = mailbox.messages
    language = shop.settings.default_language
    words, link_line, time_line = WORDING[language]
    text = body(mail)
    assert subject(mail).startswith("[cdlink] ")
    assert words in subject(mail)
    assert " ".join(subject(mail).split()[1:]) == " ".join(text.splitlines()[0].split())
    assert f"{link_line}" in text
    assert f"{shop.settings.base_url}/orders/" in text
    assert time_line in text
    other = "en" if language == "fr" else "fr"
    assert WORDING[other][0] not in subject(mail)
    assert mail["From"] == "cdlink@boutique.example"
    assert mailbox.recipients == [["vendeur@boutique.example", "stock@boutique.example"]]
    assert states(shop) == [("sent", 1)]


def test_given_the_server_down_when_sending_then_kept_pending_and_sent_once_it_is_back(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    port = free_port()
    api.put("/api/v1/email-settings", json=settings_body(port))
    near_deadline(shop, sandbox, sandbox_clock)

    down = send(shop)
    after_failure = states(shop)
    with smtp_server(port) as mailbox:
        back = send(shop)

    assert down["email_failures"] == 1
    assert after_failure == [("pending", 1)]
    assert back["emails_sent"] == 1
    assert len(mailbox.messages) == 1
    assert states(shop) == [("sent", 2)]


def test_given_a_wrong_password_when_sending_then_the_failure_is_recorded_not_sent(
    api: TestClient,
    shop: JobEnvironment,
    sandbox: Sandbox,
    sandbox_clock: ManualClock,
    mailbox: Mailbox,
) -> None:
    api.put("/api/v1/email-settings", json=settings_body(mailbox.port, password="wrong"))
    near_deadline(shop, sandbox, sandbox_clock)

    counts = send(shop)
    with shop.database.reading() as session:
        outcome = session.scalars(select(NotificationEmail.outcome)).one()

    assert counts["email_failures"] == 1
    assert mailbox.messages == []
    assert outcome is not None
    assert "SMTP server" in outcome
    assert "wrong" not in outcome


def test_given_e_mail_off_when_a_notification_comes_then_nothing_is_queued(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    near_deadline(shop, sandbox, sandbox_clock)

    assert states(shop) == []


def test_given_bad_settings_when_saved_then_422_naming_the_field_and_nothing_changes(
    browser: TestClient,
) -> None:
    token = {"X-CSRF-Token": csrf_token(browser, "/notifications")}
    bad = [
        browser.put("/api/v1/email-settings", json=body, headers=token)
        for body in (
            settings_body(25, recipients=["not-an-address"]),
            settings_body(25, host=""),
            settings_body(0),
        )
    ]
    page = browser.post(
        "/notifications/email",
        data={
            "enabled": "on",
            "host": "smtp.example.com",
            "port": "587",
            "security": "starttls",
            "from_address": "nobody",
            "recipients": "a@b.fr",
            "csrf_token": csrf_token(browser, "/notifications"),
        },
    )
    good = browser.post(
        "/notifications/email",
        data={
            "host": "smtp.example.com",
            "port": "465",
            "security": "tls",
            "username": "me",
            "password": "pw-kept",
            "from_address": "cdlink@example.com",
            "recipients": "a@b.fr, c@d.fr",
            "csrf_token": csrf_token(browser, "/notifications"),
        },
    )

    assert [answer.status_code for answer in bad] == [422, 422, 422]
    assert "not-an-address" in bad[0].json()["title"]
    assert page.status_code == 422
    assert "nobody&#39; is not an e-mail address" in page.text
    assert good.status_code == 303
    read = browser.get("/api/v1/email-settings").json()
    assert (read["host"], read["port"], read["security"]) == ("smtp.example.com", 465, "tls")
    assert read["recipients"] == ["a@b.fr", "c@d.fr"]
    assert read["has_password"] is True
    assert "pw-kept" not in browser.get("/notifications").text


def test_given_a_stored_smtp_password_when_keys_rotate_then_it_is_re_encrypted_and_still_reads(
    database: Database, clock: ManualClock
) -> None:
    old_key = generate_key()
    old = SecretBox([old_key])
    config = EmailConfig(
        enabled=True,
        host="smtp.example.com",
        from_address="cdlink@example.com",
        recipients=("a@b.fr",),
        username="me",
    )
    with database.session() as session:
        save_email_config(session, old, config, "pw-42", clock.now())
    rotated = SecretBox([generate_key(), old_key])

    with database.session() as session:
        changed = reencrypt_secrets(session, rotated)
    with database.reading() as session:
        ciphertext = session.get_one(EmailSettings, 1).password_ciphertext or ""
        current = password(session, rotated)

    assert changed == 1
    assert rotated.is_current(ciphertext)
    assert current == "pw-42"
