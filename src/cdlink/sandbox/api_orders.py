"""Order endpoints (reference §6.2): list, count, get, approve, ship, cancellations.

Errors follow §5.4: 400 for a bad body (``errors`` names the field), 404 for an unknown order,
409 when the order's state does not allow the change.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from cdlink.sandbox import after_sales, lifecycle, order_queries
from cdlink.sandbox.api_seller import page_params
from cdlink.sandbox.gateway import Call
from cdlink.sandbox.model import CHANNEL, CancellationRequest, Order, OrderLine
from cdlink.sandbox.reference_data import cancellation_reasons, carrier_labels
from cdlink.sandbox.responses import ApiError, empty, json_response, raw_json
from cdlink.sandbox.serialize import timestamp


def list_orders(call: Call) -> Response:
    index, size = page_params(call)
    query = order_queries.parse_query(call)
    orders = order_queries.page(call, query, index, size)
    cache, variants = call.state.order_cache, call.state.config.variants
    items = b",".join(cache.get(order, variants) for order in orders)
    return raw_json(b'{"itemsPerPage":%d,"items":[%s]}' % (len(orders), items))


def count_orders(call: Call) -> Response:
    return json_response(order_queries.count(call, order_queries.parse_query(call)))


def find_order(call: Call, order_id: str) -> Order:
    order = call.shop.orders.get(order_id)
    if order is None or order.status == "Processing":
        raise ApiError(404, f"order {order_id} does not exist")
    return order


def get_order(call: Call) -> Response:
    order = find_order(call, call.path_params["order_id"])
    return raw_json(call.state.order_cache.get(order, call.state.config.variants))


def conflict(error: lifecycle.TransitionError) -> ApiError:
    return ApiError(409, str(error))


def approval_status(call: Call) -> Response:
    order = find_order(call, call.path_params["order_id"])
    body = call.json()
    decision = body.get("approval_status") if isinstance(body, dict) else None
    if decision not in ("Accepted", "Refused"):
        errors = {"approval_status": ["must be Accepted or Refused"]}
        raise ApiError(400, "approval_status is missing or invalid", errors=errors)
    try:
        lifecycle.approve(call.state, call.shop, order, decision, call.now)
    except lifecycle.TransitionError as error:
        raise conflict(error) from error
    return empty(204)


def check_parcels(order: Order, body: Any, single_parcel: bool) -> list[dict[str, Any]]:
    if not isinstance(body, list) or not body or not all(isinstance(p, dict) for p in body):
        raise ApiError(400, "the body must be a non-empty JSON array of parcels")
    for number, parcel in enumerate(body):
        errors = parcel_errors(order, parcel)
        if errors:
            raise ApiError(
                400, "invalid parcel", errors={f"[{number}].{k}": v for k, v in errors.items()}
            )
    if single_parcel and (len(body) > 1 or not covers_order(order, body[0])):
        message = "Cdiscount accepts one parcel per complete order"
        raise ApiError(400, message, errors={"$": ["one parcel for every open line"]})
    return body


def covers_order(order: Order, parcel: dict[str, Any]) -> bool:
    line_ids = parcel.get("orderLineIds")
    if line_ids is None:
        return True
    wanted = {str(line_id) for line_id in line_ids} if isinstance(line_ids, list) else set()
    open_lines = {
        line.line_id for line in order.lines if line.status not in lifecycle.CLOSED_LINE_STATUSES
    }
    return open_lines <= wanted


def parcel_errors(order: Order, parcel: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(parcel.get("parcelNumber"), str) or not parcel["parcelNumber"].strip():
        errors["parcelNumber"] = ["required"]
    carrier = parcel.get("carrierName")
    if not isinstance(carrier, str) or carrier.strip().casefold() not in carrier_labels():
        errors["carrierName"] = ["must be a carrier label from GET /carriers"]
    url = parcel.get("trackingUrl")
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        errors["trackingUrl"] = ["must be an http(s) URL"]
    line_ids = parcel.get("orderLineIds")
    if line_ids is not None:
        lines = (
            [order.line(str(line_id)) for line_id in line_ids]
            if isinstance(line_ids, list)
            else [None]
        )
        if any(line is None or line.status in lifecycle.CLOSED_LINE_STATUSES for line in lines):
            errors["orderLineIds"] = ["unknown or cancelled order line"]
    return errors


def shipments(call: Call) -> Response:
    order = find_order(call, call.path_params["order_id"])
    parcels = check_parcels(order, call.json(), call.state.config.single_parcel_per_order)
    try:
        lifecycle.ship(call.state, call.shop, order, parcels, call.now)
    except lifecycle.TransitionError as error:
        raise conflict(error) from error
    return empty(201)


def reasons(call: Call) -> Response:
    status = call.query("orderStatus")
    items = cancellation_reasons(status)
    return json_response({"itemsPerPage": len(items), "items": items})


def order_key(call: Call, body: dict[str, Any]) -> str:
    style = call.state.config.variants.cancellation_key
    keys = ("orderSellerId", "orderId") if style == "either" else (style,)
    for key in keys:
        if isinstance(body.get(key), str) and body[key]:
            return str(body[key])
    raise ApiError(400, f"{' or '.join(keys)} is required", errors={keys[0]: ["required"]})


def check_reason(reason: object, order: Order, field: str) -> str:
    codes = {item["code"] for item in cancellation_reasons(order.status)}
    if not isinstance(reason, str) or reason not in codes:
        raise ApiError(
            400, f"unknown cancellation reason {reason!r}", errors={field: sorted(codes)}
        )
    return reason


def record(call: Call, order: Order, lines: list[OrderLine], reason: str, refund: bool) -> Response:
    request = CancellationRequest(
        cancellation_request_id=call.state.next_id(),
        order_id=order.order_id,
        line_ids=[line.line_id for line in lines],
        offer_ids=[line.offer_id for line in lines],
        reason=reason,
        shipping_cost_refund=refund,
        status="Accepted",
        created_at=call.now,
    )
    call.shop.cancellations.append(request)
    return json_response(cancellation_json(request), 201)


def check_scope(call: Call) -> None:
    """Addendum §2: an older official page says V2 cancellations are for Octopia orders only."""
    if call.state.config.variants.cancellation_scope == "octopia_only":
        detail = (
            "Orders Cancellation is only valid for Octopia orders. If you want to cancel your "
            "Cdiscount orders you must use the REST V1."
        )
        raise ApiError(400, detail, errors={"salesChannel": [f"{CHANNEL} is not supported"]})


def cancel_order(call: Call) -> Response:
    body = call.json()
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    order = find_order(call, order_key(call, body))
    check_scope(call)
    reason = check_reason(body.get("reason"), order, "reason")
    lines = [line for line in order.lines if line.status not in lifecycle.CLOSED_LINE_STATUSES]
    refund = bool(body.get("shippingCostRefund", True))
    refunds = call.state.config.variants.cancellation_scope == "all"
    if refunds and order.status in after_sales.REFUNDABLE:
        after_sales.refund(call.shop, order, call.now, reason=reason)
        return record(call, order, lines, reason, refund)
    try:
        lifecycle.cancel(call.shop, order, call.now, reason=reason, requested_by="Seller")
    except lifecycle.TransitionError as error:
        raise conflict(error) from error
    return record(call, order, lines, reason, refund)


def cancel_lines(call: Call) -> Response:
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("lines"), list) or not body["lines"]:
        raise ApiError(400, "lines is required", errors={"lines": ["at least one line"]})
    order = find_order(call, order_key(call, body))
    check_scope(call)
    lines, reason = [], ""
    for number, item in enumerate(body["lines"]):
        line = order.line(str(item.get("lineId"))) if isinstance(item, dict) else None
        if line is None or line.status in lifecycle.CLOSED_LINE_STATUSES:
            raise ApiError(
                400, "unknown or closed order line", errors={f"lines[{number}].lineId": ["unknown"]}
            )
        if item.get("offerId") not in (None, line.offer_id):
            raise ApiError(
                400,
                "offerId does not match the line",
                errors={f"lines[{number}].offerId": ["mismatch"]},
            )
        reason = check_reason(
            item.get("reason", body.get("reason")), order, f"lines[{number}].reason"
        )
        lines.append(line)
    try:
        lifecycle.cancel_lines(call.shop, order, lines, call.now)
    except lifecycle.TransitionError as error:
        raise conflict(error) from error
    # §9 #19: the refund flag is per line in one source, top level in another; accept both.
    per_line = any(isinstance(i, dict) and i.get("shippingCostRefund") for i in body["lines"])
    return record(call, order, lines, reason, bool(body.get("shippingCostRefund", per_line)))


def cancellation_json(request: CancellationRequest) -> dict[str, Any]:
    return {
        "cancellationRequestId": request.cancellation_request_id,
        "orderSellerId": request.order_id,
        "salesChannel": CHANNEL,
        "status": request.status,
        "reason": request.reason,
        "shippingCostRefund": request.shipping_cost_refund,
        "lines": [
            {"lineId": line_id, "offerId": offer_id}
            for line_id, offer_id in zip(request.line_ids, request.offer_ids, strict=True)
        ],
        "createdAt": timestamp(request.created_at),
    }


def list_cancellations(call: Call) -> Response:
    index, size = page_params(call)
    wanted = {
        "orderSellerId": call.query("orderSellerId"),
        "cancellationRequestId": call.query("cancellationRequestId"),
    }
    line_id, offer_id = call.query("lineId"), call.query("offerId")
    found = [
        request
        for request in call.shop.cancellations
        if wanted["orderSellerId"] in (None, request.order_id)
        and wanted["cancellationRequestId"] in (None, request.cancellation_request_id)
        and (line_id is None or line_id in request.line_ids)
        and (offer_id is None or offer_id in request.offer_ids)
    ]
    items = [cancellation_json(request) for request in found[(index - 1) * size : index * size]]
    return json_response({"itemsPerPage": len(items), "items": items})
