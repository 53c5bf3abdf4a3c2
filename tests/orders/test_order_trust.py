"""Pages a seller trusts (issue 21): statuses, payment methods and amounts in the seller's
language, a confirmation stating the consequence before refuse and cancel, and an order page
that asks itself again while an action is being sent."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from tests.support.orders import order_path, run_until_success
from tests.support.web import csrf_token

FRENCH = {"Accept-Language": "fr"}


@pytest.mark.slow
def test_given_a_waiting_order_when_read_in_french_then_codes_and_amounts_are_french(
    browser: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [marketplace_id] = sandbox.create_orders(1)
    run_until_success(shop)
    path = order_path(browser, marketplace_id)

    listed = browser.get("/orders", headers=FRENCH).text
    detail = browser.get(path, headers=FRENCH).text

    for page in (listed, detail):
        assert "En attente d\u2019acceptation" in page
        assert re.search(r"\d+,\d\d\xa0€", page), "amounts are written the French way"
        assert not re.search(r"\d+\.\d\d EUR", page)
        assert not re.search(r">\s*(WaitingAcceptance|Card|Installments)\s*<", page)
    assert 'data-confirm="Refuser la commande' in detail
    assert 'hx-trigger="every 2s"' not in detail  # nothing is being sent: no polling


@pytest.mark.slow
def test_given_an_accept_when_being_sent_then_the_page_polls_until_the_new_status_shows(
    browser: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [marketplace_id] = sandbox.create_orders(1)
    run_until_success(shop)
    path = order_path(browser, marketplace_id)
    english = {"Accept-Language": "en"}

    browser.post(
        f"{path}/actions", data={"kind": "accept", "csrf_token": csrf_token(browser, path)}
    )
    sending = browser.get(path, headers=english).text
    assert shop.runner().run(1, "order_actions").outcome == "succeeded"
    confirmed = browser.get(path, headers=english).text
    french = browser.get(path, headers=FRENCH).text
    shop.clock.advance(1)  # type: ignore[attr-defined]
    run_until_success(shop)  # the orders stream brings the new status
    sent = browser.get(path, headers=english).text

    assert 'hx-trigger="every 2s"' in sending
    assert "Sending to Cdiscount" in sending
    # Accepted on the marketplace's answer: the page says so, and asks again for the status.
    assert 'hx-trigger="every 2s"' in confirmed
    assert "Sending to Cdiscount" not in confirmed
    assert 'data-testid="action-awaiting-status">Acceptance confirmed by Cdiscount' in confirmed
    assert 'data-status="WaitingAcceptance"' in confirmed
    assert "Cdiscount confirmed it; the order&#39;s new status comes with the next sync." in (
        confirmed
    )
    assert 'value="accept"' not in confirmed  # no second Accept while the status is to come
    assert "Acceptation confirmée par Cdiscount, nouveau statut à venir" in french
    assert 'id="order-status-live"' in sent
    assert 'hx-trigger="every 2s"' not in sent
    assert "action-awaiting-status" not in sent
    assert 'data-status="Accepted" data-testid="order-status">Accepted<' in sent
