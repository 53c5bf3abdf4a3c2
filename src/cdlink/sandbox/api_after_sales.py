"""Commercial gestures (reference §6.2.8) and returns (§6.7, addendum §2) over HTTP.

Format errors are 400 with ``errors`` naming the field; marketplace rules (a gesture on an order
not shipped yet or above ``allowableAmount``, a return on an order Octopia did not fulfil) are
422, so that a client can tell "fix the input" from "not allowed for this order".
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.responses import Response

from cdlink.sandbox import after_sales
from cdlink.sandbox.api_discussions import json_object
from cdlink.sandbox.api_offers import decode_cursor, next_link, parse_limit
from cdlink.sandbox.api_orders import find_order
from cdlink.sandbox.api_seller import page_params
from cdlink.sandbox.gateway import Call
from cdlink.sandbox.model import CHANNEL, GestureRequest, Return
from cdlink.sandbox.order_queries import enum_filter, parse_time
from cdlink.sandbox.responses import GATEWAY_HEADERS, ApiError, json_response
from cdlink.sandbox.serialize import money, timestamp


# --- commercial gestures -----------------------------------------------------------------------
def available_amounts(call: Call) -> Response:
    order = find_order(call, call.path_params["order_id"])
    return json_response(
        {
            "orderId": order.order_id,
            "allowableAmount": money(after_sales.allowable(call.shop, order)),
            "currencyCode": "EUR",
        }
    )


def gesture_json(call: Call, gesture: GestureRequest) -> dict[str, Any]:
    return {
        call.state.config.variants.gesture_id_field: gesture.request_id,
        "orderId": gesture.order_id,
        "salesChannel": CHANNEL,
        "reason": gesture.reason,
        "reasonDetails": gesture.reason_details,
        "amount": money(gesture.amount),
        "currencyCode": "EUR",
        "status": gesture.status,
        "createdAt": timestamp(gesture.created_at),
        "updatedAt": timestamp(gesture.updated_at),
    }


def gesture_amount(value: object) -> Decimal:
    try:
        amount = Decimal(str(value)) if isinstance(value, int | float | Decimal) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount != round(amount, 2):
        errors = {"amount": ["a positive amount in euros, at most two decimals"]}
        raise ApiError(400, "amount is missing or invalid", errors=errors)
    return amount


def check_reason(body: dict[str, Any]) -> tuple[str, str | None]:
    reason, details = body.get("reason"), body.get("reasonDetails")
    if reason not in after_sales.GESTURE_REASONS:
        errors = {"reason": list(after_sales.GESTURE_REASONS)}
        raise ApiError(400, f"unknown gesture reason {reason!r}", errors=errors)
    if details is not None and not isinstance(details, str):
        raise ApiError(400, "reasonDetails must be text", errors={"reasonDetails": ["text"]})
    if reason == "Other" and not (details or "").strip():
        errors = {"reasonDetails": ["required when reason is Other"]}
        raise ApiError(400, "reasonDetails is required when reason is Other", errors=errors)
    return str(reason), details


def create_gesture(call: Call) -> Response:
    body = json_object(call)
    order_id = body.get("orderId")
    if not isinstance(order_id, str) or not order_id:
        raise ApiError(400, "orderId is required", errors={"orderId": ["required"]})
    order = find_order(call, order_id)
    reason, details = check_reason(body)
    amount = gesture_amount(body.get("amount"))
    if order.status not in after_sales.GESTURE_STATUSES:
        errors = {"orderId": ["a commercial gesture needs a Shipped or Delivered order"]}
        raise ApiError(422, f"order {order_id} is {order.status}, not shipped", errors=errors)
    ceiling = after_sales.allowable(call.shop, order)
    if amount > ceiling:
        errors = {"amount": [f"at most the allowableAmount, {ceiling} EUR"]}
        raise ApiError(422, f"{amount} EUR is above the allowable {ceiling} EUR", errors=errors)
    gesture = after_sales.request_gesture(
        call.state,
        call.shop,
        order,
        request_id=call.shop.serial("gesture", 60_000_000),
        reason=reason,
        reason_details=details,
        amount=amount,
        now=call.now,
    )
    return json_response(gesture_json(call, gesture), 201)


def list_gestures(call: Call) -> Response:
    """Cursor style (§5.3): ``limit`` ≤ 1000, the next page in ``Link``; in creation order."""
    limit = parse_limit(call, 100, 1000)
    start = int(decode_cursor(call) or 0)
    low, high = parse_time(call, "updatedAtMin"), parse_time(call, "updatedAtMax")
    order_id, status = call.query("orderId"), call.query("status")
    chosen: list[dict[str, Any]] = []
    position = start
    gestures = call.shop.gestures
    while position < len(gestures) and len(chosen) < limit:
        gesture = gestures[position]
        position += 1
        if (
            order_id in (None, gesture.order_id)
            and status in (None, gesture.status)
            and (low is None or gesture.updated_at >= low)
            and (high is None or gesture.updated_at <= high)
        ):
            chosen.append(gesture_json(call, gesture))
    headers = next_link(call, str(position)) if position < len(gestures) else {}
    return json_response({"items": chosen}, headers=headers)


# --- returns ---------------------------------------------------------------------------------
def return_json(item: Return) -> dict[str, Any]:
    return {
        "returnId": item.return_id,
        "type": item.kind,
        "status": item.status,
        "reason": item.reason,
        "recommendedReturnReason": item.reason if item.status == "Completed" else None,
        "comment": item.comment,
        "warehouseComment": "Produit contrôlé" if item.status == "Completed" else None,
        "outboundShipmentId": f"OS{item.order_id}",
        "reference": item.order_id,
        "orderSellerId": item.order_id,
        "parcelId": item.parcel_id,
        "receiptDate": timestamp(item.receipt_date),
        "labelAvailable": item.label_available,
        "lines": item.lines,
        "createdAt": timestamp(item.created_at),
        "updatedAt": timestamp(item.updated_at),
    }


def matching_returns(call: Call) -> list[Return]:
    low, high = parse_time(call, "updatedAtMin"), parse_time(call, "updatedAtMax")
    status = enum_filter(call, "status", after_sales.RETURN_STEPS)
    kind = enum_filter(call, "type", ("Customer", "Carrier"))
    order_id = call.query("orderSellerId")
    found = [
        item
        for item in call.shop.returns.values()
        if status in (None, item.status)
        and kind in (None, item.kind)
        and order_id in (None, item.order_id)
        and (low is None or item.updated_at >= low)
        and (high is None or item.updated_at <= high)
    ]
    return sorted(found, key=lambda item: (item.updated_at, item.return_id))


def list_returns(call: Call) -> Response:
    index, size = page_params(call)
    found = matching_returns(call)[(index - 1) * size : index * size]
    return json_response({"itemsPerPage": len(found), "items": [return_json(i) for i in found]})


def count_returns(call: Call) -> Response:
    return json_response(len(matching_returns(call)))


def find_return(call: Call) -> Return:
    item = call.shop.returns.get(call.path_params["return_id"])
    if item is None:
        raise ApiError(404, f"return {call.path_params['return_id']} does not exist")
    return item


def get_return(call: Call) -> Response:
    return json_response(return_json(find_return(call)))


def return_label(call: Call) -> Response:
    item = find_return(call)
    if not item.label_available:
        raise ApiError(404, f"return {item.return_id} has no label")
    pdf = b"%PDF-1.4\n% cdlink sandbox return label " + item.parcel_id.encode() + b"\n%%EOF\n"
    headers = {**GATEWAY_HEADERS, "Content-Disposition": f'inline; filename="{item.return_id}.pdf"'}
    return Response(pdf, 200, headers, media_type="application/pdf")


def return_lines(body: dict[str, Any], order_lines: dict[str, int]) -> list[dict[str, Any]]:
    raw = body.get("lines")
    if raw is None:
        return [{"sellerProductId": sku, "quantity": n} for sku, n in order_lines.items()]
    if not isinstance(raw, list) or not raw:
        raise ApiError(400, "lines must be a non-empty list", errors={"lines": ["list"]})
    lines = []
    for number, line in enumerate(raw):
        sku = line.get("sellerProductId") if isinstance(line, dict) else None
        quantity = line.get("quantity") if isinstance(line, dict) else None
        if (
            sku not in order_lines
            or not isinstance(quantity, int)
            or not 1 <= quantity <= order_lines[sku]
        ):
            errors = {f"lines[{number}]": ["a product of the order, quantity 1 to the ordered"]}
            raise ApiError(400, "invalid return line", errors=errors)
        lines.append({"sellerProductId": sku, "quantity": quantity})
    return lines


def create_return(call: Call) -> Response:
    body = json_object(call)
    order_id = body.get("orderSellerId", body.get("reference"))
    if not isinstance(order_id, str) or not order_id:
        errors = {"orderSellerId": ["the order reference or outbound shipment number"]}
        raise ApiError(400, "orderSellerId is required", errors=errors)
    order = find_order(call, order_id.removeprefix("OS"))
    reason = body.get("reason")
    if reason not in after_sales.RETURN_REASONS:
        errors = {"reason": list(after_sales.RETURN_REASONS)}
        raise ApiError(400, f"unknown return reason {reason!r}", errors=errors)
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise ApiError(400, "comment must be text", errors={"comment": ["text"]})
    if order.supply_mode != after_sales.FULFILMENT:
        errors = {"supplyMode": ["returns exist only for Octopia fulfilment orders"]}
        detail = "This API is for Octopia fulfillment sellers only."
        raise ApiError(422, detail, errors=errors)
    if order.status not in after_sales.REFUNDABLE:
        errors = {"orderSellerId": ["the order has not been shipped"]}
        raise ApiError(422, f"order {order.order_id} is {order.status}", errors=errors)
    ordered = {line.seller_external_reference: line.quantity for line in order.lines}
    item = after_sales.create_return(
        call.state,
        call.shop,
        order,
        return_id="R" + call.shop.serial("return", 30_000_000),
        reason=str(reason),
        comment=comment,
        lines=return_lines(body, ordered),
        now=call.now,
    )
    return json_response(return_json(item), 201)
