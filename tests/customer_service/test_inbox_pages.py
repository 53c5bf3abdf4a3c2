"""The inbox pages in both languages: views and counts, a thread beside its order, reply,
close, gesture with its confirmation; refusals shown with the rule; roles and CSRF."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import CustomerServiceAction, Discussion
from tests.support.customer_service import run_until_success, shipped_order
from tests.support.web import csrf_token

REPLY = "Bonjour, votre colis est parti ce matin avec Colissimo."


def _open(shop: JobEnvironment) -> Discussion:
    with shop.database.reading() as session:
        query = select(Discussion).where(Discussion.is_open.is_(True)).order_by(Discussion.id)
        found = session.scalars(query).first()
        assert found is not None
        return found


@pytest.mark.parametrize(("language", "title"), [("en", "Inbox"), ("fr", "Messagerie")])
def test_given_discussions_when_the_inbox_opens_then_views_counts_and_rows_show(
    browser: TestClient, language: str, title: str
) -> None:
    browser.cookies.set("cdlink_language", language)
    page = browser.get("/inbox?view=all")

    assert page.status_code == 200
    assert f"<h1>{title}</h1>" in page.text
    assert 'data-testid="count-claims"' in page.text
    assert page.text.count('data-testid="discussion-row"') > 0
    assert 'href="/inbox"' in page.text  # in the navigation


def test_given_claims_when_the_old_address_is_used_then_it_leads_to_the_inbox(
    browser: TestClient,
) -> None:
    answer = browser.get("/claims")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/inbox?view=claims"


def test_given_a_thread_then_it_shows_beside_its_order_and_a_template_fills_the_reply(
    browser: TestClient, shop: JobEnvironment
) -> None:
    discussion = _open(shop)
    page = browser.get(f"/inbox/{discussion.id}?template=delay&template_language=fr")

    assert page.status_code == 200
    assert 'data-testid="order-panel"' in page.text
    assert 'data-testid="message"' in page.text
    body = re.search(r'<textarea id="reply-body"[^>]*>([^<]*)</textarea>', page.text)
    assert body is not None
    assert discussion.marketplace_order_id in body.group(1)
    assert "[order_reference]" not in body.group(1)


def test_given_a_reply_then_close_from_the_thread_then_both_are_sent_and_shown(
    browser: TestClient, shop: JobEnvironment
) -> None:
    browser.cookies.set("cdlink_language", "en")
    discussion = _open(shop)
    path = f"/inbox/{discussion.id}"
    # As the page sends the form: multipart with the empty file field, the token as a header.
    sent = browser.post(
        f"{path}/reply",
        data={"body": REPLY},
        files={"attachment": ("", b"", "application/octet-stream")},
        headers={"X-CSRF-Token": csrf_token(browser, path)},
    )
    closed = browser.post(f"{path}/close", data={"csrf_token": csrf_token(browser, path)})
    assert (sent.status_code, closed.status_code) == (303, 303)
    run_until_success(shop, "customer_service_actions")

    page = browser.get(path).text
    assert REPLY in page
    assert 'data-kind="reply"' in page
    assert 'data-kind="close"' in page
    assert 'data-state="pending"' not in page
    assert 'data-state="failed"' not in page
    assert 'data-testid="discussion-state">Closed<' in page


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "a reply needs at least 13 characters"), ("fr", "au moins 13 caractères")],
)
def test_given_a_reply_too_short_then_the_rule_is_shown_and_nothing_is_recorded(
    browser: TestClient, shop: JobEnvironment, language: str, message: str
) -> None:
    browser.cookies.set("cdlink_language", language)
    discussion = _open(shop)
    path = f"/inbox/{discussion.id}"
    answer = browser.post(
        f"{path}/reply", data={"body": "Trop court", "csrf_token": csrf_token(browser, path)}
    )

    assert answer.status_code == 422
    assert message in answer.text
    with shop.database.reading() as session:
        assert session.scalar(select(func.count(CustomerServiceAction.id))) == 0


def test_given_a_gesture_then_a_confirmation_states_what_the_customer_gets_back_first(
    browser: TestClient, shop: JobEnvironment
) -> None:
    browser.cookies.set("cdlink_language", "en")
    order = shipped_order(shop)
    path = f"/orders/{order.id}"
    form = {"amount": "3.50", "reason": "LateDelivery", "csrf_token": csrf_token(browser, path)}
    confirmation = browser.post(f"/inbox/orders/{order.id}/gesture", data=form)
    assert confirmation.status_code == 200
    assert "3.50" in confirmation.text
    assert 'data-testid="confirmation-text"' in confirmation.text
    with shop.database.reading() as session:
        assert session.scalar(select(func.count(CustomerServiceAction.id))) == 0

    done = browser.post(f"/inbox/orders/{order.id}/gesture", data={**form, "confirm": "yes"})
    assert done.status_code == 303
    run_until_success(shop, "customer_service_actions")

    page = browser.get(path).text
    assert 'data-testid="gestured">€3.50<' in page
    timeline = page[page.index('data-testid="order-sync-events"') :]
    assert "action sent: gesture" in timeline  # on the order's timeline too
    assert 'data-state="done"' in page


def test_given_no_csrf_token_then_a_reply_is_refused(
    browser: TestClient, shop: JobEnvironment
) -> None:
    discussion = _open(shop)
    answer = browser.post(f"/inbox/{discussion.id}/reply", data={"body": REPLY})

    assert answer.status_code == 403
