"""The Webhooks settings page, in French and English: a webhook created from the form shows its
secret once, its page logs deliveries with a replay and a test button; CSRF and roles hold."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from cdlink.jobs.environment import JobEnvironment
from cdlink.store.users import create_user
from tests.support.web import csrf_token, log_in
from tests.support.webhook_receiver import Receiver, verify
from tests.support.webhooks import deliver

ENGLISH = {"Accept-Language": "en"}
FRENCH = {"Accept-Language": "fr"}


def create_from_page(browser: TestClient, url: str) -> str:
    answer = browser.post(
        "/settings/webhooks",
        data={
            "url": url,
            "description": "ERP",
            "event_types": ["order.created", "order.shipped"],
            "csrf_token": csrf_token(browser, "/settings/webhooks"),
        },
        headers=ENGLISH,
    )
    assert answer.status_code == 200, answer.text
    found = re.search(r'data-testid="new-secret">(whsec_[^<]+)<', answer.text)
    assert found
    return found.group(1)


def test_given_the_form_when_a_webhook_is_created_then_its_secret_shows_once_in_both_languages(
    browser: TestClient, receiver: Receiver
) -> None:
    secret = create_from_page(browser, receiver.url)

    english = browser.get("/settings/webhooks", headers=ENGLISH)
    french = browser.get("/settings/webhooks", headers=FRENCH)
    detail = browser.get("/settings/webhooks/1", headers=FRENCH)

    assert "Subscriptions" in english.text
    assert "Abonnements" in french.text
    assert "Une nouvelle commande a été importée de Cdiscount." in detail.text
    assert receiver.url in english.text
    for page in (english, french, detail):
        assert secret not in page.text


def test_given_a_webhook_when_the_test_button_is_pressed_then_the_log_shows_the_delivery(
    browser: TestClient, shop: JobEnvironment, receiver: Receiver
) -> None:
    secret = create_from_page(browser, receiver.url)

    pressed = browser.post(
        "/settings/webhooks/1/test",
        data={"csrf_token": csrf_token(browser, "/settings/webhooks/1")},
    )
    deliver(shop)
    page = browser.get("/settings/webhooks/1", headers=ENGLISH)
    replayed = browser.post(
        "/settings/webhooks/1/deliveries/1/replay",
        data={"csrf_token": csrf_token(browser, "/settings/webhooks/1")},
    )
    deliver(shop)

    assert pressed.status_code == 303
    assert "webhook.test" in page.text
    assert "delivered" in page.text
    assert replayed.status_code == 303
    assert len(receiver.received) == 2
    assert all(verify(secret, item) for item in receiver.received)


def test_given_a_bad_url_when_created_from_the_form_then_the_page_says_why(
    browser: TestClient,
) -> None:
    answer = browser.post(
        "/settings/webhooks",
        data={
            "url": "ftp://example.com/",
            "event_types": ["order.created"],
            "csrf_token": csrf_token(browser, "/settings/webhooks"),
        },
        headers=FRENCH,
    )

    assert answer.status_code == 422
    assert 'data-testid="webhook-error"' in answer.text
    assert "URL http:// ou https:// publique" in answer.text


def test_given_no_csrf_token_or_a_member_when_creating_then_refused(
    browser: TestClient, shop: JobEnvironment, receiver: Receiver
) -> None:
    no_token = browser.post(
        "/settings/webhooks", data={"url": receiver.url, "event_types": ["order.created"]}
    )
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/settings")})
    with shop.database.session() as session:
        create_user(session, shop.clock, "member@boutique.fr", "a long member password")
    assert log_in(browser, "member@boutique.fr", "a long member password").status_code == 303
    page = browser.get("/settings/webhooks", headers=ENGLISH)
    refused = browser.post(
        "/settings/webhooks",
        data={
            "url": receiver.url,
            "event_types": ["order.created"],
            "csrf_token": csrf_token(browser, "/settings/webhooks"),
        },
    )

    assert no_token.status_code == 403
    assert 'data-testid="admin-only"' in page.text
    assert refused.status_code == 403
    assert browser.get("/api/v1/webhooks").json()["items"] == []
