"""Seller, carriers and category endpoints (reference §6.1, §6.4).

The seller resources answer in snake_case (unlike the rest of the API); carriers are a bare
array; delivery modes are ``{count, items}``; categories use the page-number envelope.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from cdlink.sandbox import taxonomy
from cdlink.sandbox.gateway import Call
from cdlink.sandbox.indicators import indicators as shop_indicators
from cdlink.sandbox.model import CHANNEL
from cdlink.sandbox.reference_data import carriers, delivery_modes
from cdlink.sandbox.responses import ApiError, json_response
from cdlink.sandbox.serialize import timestamp

CATEGORY_FIELDS = (
    "label",
    "level",
    "isActive",
    "isBrandMandatory",
    "parentReferences",
    "isVariant",
)


def seller(call: Call) -> Response:
    shop, seller_id = call.shop, call.shop.seller_id
    return json_response(
        {
            "seller_id": seller_id,
            "login": f"sandbox-login-{seller_id}",
            "api_login": f"sandbox-login-{seller_id}",
            "creation_date": timestamp(shop.created_at),
            "last_update_date": timestamp(shop.created_at),
            "shop_name": f"Boutique Sandbox {seller_id}",
            "shop_url": f"https://www.cdiscount.com/mpv-{seller_id}-boutique-sandbox.html",
            "siret_number": f"{seller_id:09d}00017"[-14:],
            "email": f"vendeur-{seller_id}@sandbox.cdlink.local",
            "auto_accept_order": shop.auto_accept_orders or call.state.config.auto_accept_orders,
            "seller_state": "Activated",
            "seller_sub_state": "ActiveSeller",
            "subscription_step": "Finished",
            "fulfillment_profile_id": None,
            "seller_legal_information": {
                "company_name": f"Boutique Sandbox {seller_id} SAS",
                "legal_form": "SAS",
                "vat_number": f"FR00{seller_id:09d}",
            },
            "links": {
                "delivery_modes": {"href": "/seller/v2/sellers/delivery-modes"},
                "subscription": {"href": "/seller/v2/sellers/subscriptions"},
            },
        }
    )


def addresses(call: Call) -> Response:
    items = [
        {
            "type": kind,
            "address": "12 rue des Entrepôts",
            "country": "FR",
            "city": "Bordeaux",
            "zip-code": "33000",
        }
        for kind in ("Headquarters", "Billing", "Return")
    ]
    return json_response({"items": items})


def indicators(call: Call) -> Response:
    return json_response(shop_indicators(call.shop, call.now))


def subscriptions(call: Call) -> Response:
    item = {
        "subscription-id": f"SUB-{call.shop.seller_id}-{CHANNEL}",
        "sales-channel-id": CHANNEL,
        "status": "Active",
        "action": "None",
        "offer-submission-currency": "EUR",
        "seller-payment-currency": "EUR",
    }
    return json_response({"items": [item]})


def seller_delivery_modes(call: Call) -> Response:
    return json_response(delivery_modes())


def carrier_list(call: Call) -> Response:
    return json_response(carriers())


def page_params(call: Call, default_size: int = 50, high: int = 100) -> tuple[int, int]:
    """``pageIndex`` (from 1) and ``pageSize`` (1 to ``high``), or a 400 naming the field."""
    values = []
    for name, default, top in (("pageIndex", 1, 10**9), ("pageSize", default_size, high)):
        raw = call.query(name)
        if raw is None:
            values.append(default)
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= top:
            raise ApiError(
                400, f"{name} must be between 1 and {top}", errors={name: ["out of range"]}
            )
        values.append(int(raw))
    return values[0], values[1]


def category_json(category: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    body = {"categoryReference": category["categoryReference"]}
    for name in fields:
        if name in CATEGORY_FIELDS:
            body[name] = category[name]
    return body


def category_list(call: Call) -> Response:
    index, size = page_params(call, default_size=100)
    fields = call.query_list("fields")
    page = taxonomy.categories()[(index - 1) * size : index * size]
    items = [category_json(category, fields) for category in page]
    return json_response({"itemsPerPage": len(items), "items": items})


def category_count(call: Call) -> Response:
    return json_response(len(taxonomy.categories()))


def find_category(call: Call) -> dict[str, Any]:
    reference = call.path_params["reference"]
    category = taxonomy.by_reference().get(reference)
    if category is None:
        raise ApiError(404, f"category {reference} does not exist")
    return category


def category(call: Call) -> Response:
    found = find_category(call)
    body = {
        name: found[name] for name in ("categoryReference", "label", "level", "parentReference")
    }
    body.update(isBrandMandatory=found["isBrandMandatory"], isVariant=found["isVariant"])
    return json_response(body)


def category_properties(call: Call) -> Response:
    found = find_category(call)
    if found["level"] != 3:
        raise ApiError(400, "only level-3 categories have product properties")
    return json_response({"items": taxonomy.properties(found["categoryReference"])})
