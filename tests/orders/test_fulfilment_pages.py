"""The Shipping section of the order settings page: carrier mappings and parcels per order."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cdlink.hub.orders.carrier_mappings import resolve
from cdlink.hub.orders.shipments import set_several_parcels, several_parcels
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import Order
from tests.support.orders import ask, order_with_lines, run_until_success, stored
from tests.support.web import csrf_token

PATH = "/orders/settings/1"


def test_given_the_settings_page_when_a_mapping_is_saved_then_shipments_use_it(
    browser: TestClient, shop: JobEnvironment
) -> None:
    assert shop.runner().run(1, "carriers").outcome == "succeeded"
    page = browser.get(PATH)
    form = {
        "csrf_token": csrf_token(browser, PATH),
        "name": ["TRANS42", ""],
        "label": ["GLS", ""],
        "template": ["https://track.example/{tracking}", ""],
        "several_parcels": "on",
    }

    saved = browser.post(f"{PATH}/carriers", data=form)
    after = browser.get(f"{PATH}?saved=carriers")

    assert 'data-testid="carrier-mappings"' in page.text
    assert "colissimo → Colissimo" in page.text  # the defaults, listed
    assert saved.status_code == 303
    assert 'data-testid="carriers-saved"' in after.text
    assert 'value="trans42"' in after.text
    with shop.database.reading() as session:
        assert resolve(session, 1, "trans42").tracking_url("X") == "https://track.example/X"
        assert several_parcels(session, 1)


def test_given_an_unknown_label_when_saved_from_the_page_then_422_and_nothing_changes(
    browser: TestClient, shop: JobEnvironment
) -> None:
    assert shop.runner().run(1, "carriers").outcome == "succeeded"
    form = {
        "csrf_token": csrf_token(browser, PATH),
        "name": ["pigeon"],
        "label": ["Pigeon Express"],
        "template": [""],
    }

    answer = browser.post(f"{PATH}/carriers", data=form)

    assert answer.status_code == 422
    assert 'data-testid="carriers-error"' in answer.text
    assert "Pigeon Express" in answer.text
    with shop.database.reading() as session:
        assert not several_parcels(session, 1)


def test_given_a_shipped_order_when_its_page_is_read_then_the_header_names_carrier_and_tracking(
    browser: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    assert shop.runner().run(1, "carriers").outcome == "succeeded"
    [shipped_here] = sandbox.create_orders(1, status="InPreparation")
    [shipped_elsewhere] = sandbox.create_orders(1, status="Shipped")
    run_until_success(shop)
    ask(shop, shipped_here, "ship", carrier="Colissimo", tracking_number="6A123")
    assert shop.runner().run(1, "order_actions").outcome == "succeeded"

    english = {"Accept-Language": "en"}
    page = browser.get(f"/orders/{stored(shop, shipped_here).id}", headers=english)
    other = browser.get(f"/orders/{stored(shop, shipped_elsewhere).id}", headers=english)

    assert stored(shop, shipped_here).status == "Shipped"
    header = page.text.split('data-testid="header-carrier"', 1)[1].split("</dl>", 1)[0]
    assert ">Colissimo</dd>" in header
    assert "6A123</a>" in header  # the carrier's tracking link
    assert 'data-testid="shipment-state"' in page.text
    assert "Shipped outside cdlink" in other.text  # no shipment of ours: said, not left blank


def test_given_an_order_of_several_lines_when_its_page_opens_then_the_parcel_rule_is_explained(
    browser: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    order_id, lines = order_with_lines(sandbox, shop)
    path = f"/orders/{stored(shop, order_id).id}"

    english = browser.get(path, headers={"Accept-Language": "en"}).text
    french = browser.get(path, headers={"Accept-Language": "fr"}).text
    with shop.database.session() as session:
        set_several_parcels(session, 1, True, shop.clock.now())
    allowed = browser.get(path, headers={"Accept-Language": "en"}).text

    assert 'data-testid="one-parcel-rule"' in english
    assert "one parcel per complete order" in english
    assert "un colis par commande complète" in french
    settings_link = f'href="/orders/settings/{stored(shop, order_id).connection_id}#shipping"'
    assert settings_link in english.split('data-testid="one-parcel-rule"', 1)[1]
    assert "Activez-les dans les réglages d'expédition" in french
    assert 'data-testid="parcel-lines"' not in english
    assert 'data-testid="one-parcel-rule"' not in allowed
    boxes = allowed.split('data-testid="parcel-lines"', 1)[1].split("</fieldset>", 1)[0]
    assert all(f'value="{line}"' in boxes for line in lines)


def test_given_an_estimated_shipping_deadline_when_the_order_page_opens_then_it_says_so(
    browser: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [marketplace_id] = sandbox.create_orders(1, status="InPreparation")
    run_until_success(shop)
    path = f"/orders/{stored(shop, marketplace_id).id}"
    sent = browser.get(path, headers={"Accept-Language": "en"})
    with shop.database.session() as session:
        session.get_one(Order, stored(shop, marketplace_id).id).shipping_deadline_estimated = True
    estimated = browser.get(path, headers={"Accept-Language": "en"})
    browser.cookies.set("cdlink_language", "fr")
    french = browser.get(path)

    def ship_before(text: str, label: str) -> str:
        return text.split(label, 1)[1].split("</dd>", 1)[0]

    assert "(estimate)" not in ship_before(sent.text, "Ship before")
    assert "(estimate)" in ship_before(estimated.text, "Ship before")
    assert "(estimation)" in ship_before(french.text, "À expédier avant le")
