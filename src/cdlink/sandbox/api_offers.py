"""Offer endpoints (reference §6.3): `GET /offers` and the JSON offer packages.

Both use cursor pagination: ``limit`` and an opaque ``cursor``, the next page's absolute URL in
the ``Link`` header with ``rel="next"``, no header on the last page.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from starlette.responses import Response

from cdlink.sandbox import packages
from cdlink.sandbox.gateway import Call
from cdlink.sandbox.model import CHANNEL, PACKAGE_STATES, PACKAGE_TYPES, Offer, Package
from cdlink.sandbox.order_queries import parse_time
from cdlink.sandbox.responses import ApiError, empty, json_response
from cdlink.sandbox.serialize import (
    offer_json,
    package_json,
    result_json,
    sales_channel_feedback,
)

T = TypeVar("T")


CURSOR_PREFIX = "sandbox-cursor:"


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode((CURSOR_PREFIX + value).encode()).decode().rstrip("=")


def decode_cursor(call: Call) -> str | None:
    raw = call.query("cursor")
    if raw is None:
        return None
    try:
        padded = (raw + "=" * (-len(raw) % 4)).encode()
        decoded = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise ApiError(400, "cursor is not valid", errors={"cursor": [raw]}) from error
    if not decoded.startswith(CURSOR_PREFIX):
        raise ApiError(400, "cursor is not valid", errors={"cursor": [raw]})
    return decoded.removeprefix(CURSOR_PREFIX)


def parse_limit(call: Call, default: int, high: int) -> int:
    raw = call.query("limit")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= high:
        raise ApiError(400, f"limit must be between 1 and {high}", errors={"limit": [raw]})
    return int(raw)


def take(items: Iterable[T], limit: int) -> tuple[list[T], bool]:
    """The first ``limit`` items, and whether there are more."""
    found: list[T] = []
    iterator: Iterator[T] = iter(items)
    for item in iterator:
        if len(found) == limit:
            return found, True
        found.append(item)
    return found, False


def next_link(call: Call, cursor: str) -> dict[str, str]:
    url = call.request.url.include_query_params(cursor=encode_cursor(cursor))
    return {"Link": f'<{url}>; rel="next"'}


def offer_filter(call: Call) -> Callable[[Offer], bool]:
    ids, references = (
        set(call.query_list("offerIds")),
        set(call.query_list("sellerExternalReferences")),
    )
    states, gtins = set(call.query_list("offerStates")), set(call.query_list("gtins"))
    if states - {"Active", "Inactive"}:
        raise ApiError(
            400, "offerStates must be Active or Inactive", errors={"offerStates": sorted(states)}
        )
    since, seller_id = parse_time(call, "updatedAtMin"), call.shop.seller_id

    def keep(offer: Offer) -> bool:
        return (
            (not ids or offer.offer_id(seller_id) in ids)
            and (not references or offer.seller_external_reference in references)
            and (not states or offer.state in states)
            and (not gtins or offer.gtin in gtins)
            and (since is None or offer.updated_at >= since)
        )

    return keep


def project(body: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    wanted = {name.split(".", 1)[0] for name in fields} | {"offerId", "sellerExternalReference"}
    return {key: value for key, value in body.items() if key in wanted}


def list_offers(call: Call) -> Response:
    if call.query("salesChannelId") is None:
        raise ApiError(400, "salesChannelId is required", errors={"salesChannelId": ["required"]})
    limit, keep = parse_limit(call, 100, 1000), offer_filter(call)
    chosen: Iterable[Offer] = ()
    if call.query("salesChannelId") == CHANNEL:
        chosen = (offer for offer in call.shop.offers_after(decode_cursor(call)) if keep(offer))
    found, more = take(chosen, limit)
    fields, expand = call.query_list("fields"), call.query("expand") == "salesChannelFeedback"
    variants, seller_id = call.state.config.variants, call.shop.seller_id
    items = []
    for offer in found:
        body = offer_json(offer, seller_id, variants, call.now)
        if fields or expand:
            seed = call.state.config.seed
            body["salesChannelFeedback"] = sales_channel_feedback(offer, call.now, seed)
        items.append(project(body, fields) if fields else body)
    headers = next_link(call, found[-1].seller_external_reference) if more else {}
    return json_response({"itemsPerPage": len(items), "items": items}, headers=headers)


def find_package(call: Call) -> Package:
    package = call.shop.packages.get(call.path_params["package_id"])
    if package is None:
        raise ApiError(404, f"offer package {call.path_params['package_id']} does not exist")
    return package


def package_problem(error: packages.PackageError) -> ApiError:
    return ApiError(error.status, error.detail, errors=error.errors)


def create_package(call: Call) -> Response:
    channel = call.request.headers.get("salesChannelId")
    if not channel:
        raise ApiError(
            400, "the SalesChannelId header is required", errors={"SalesChannelId": ["required"]}
        )
    body = call.json()
    kind = body.get("packageType") if isinstance(body, dict) else None
    if kind not in PACKAGE_TYPES:
        raise ApiError(
            400, "packageType must be Upsert, Update or Delete", errors={"packageType": [str(kind)]}
        )
    package = Package(
        call.state.next_id(), str(kind), channel, "WaitingForCompletion", call.now, call.now
    )
    call.shop.packages[package.package_id] = package
    call.shop.package_order.append(package.package_id)
    return empty(201, {"Content-Location": f"/seller/v2/offer-packages/{package.package_id}"})


def get_package(call: Call) -> Response:
    return json_response(package_json(find_package(call)))


def list_packages(call: Call) -> Response:
    state, channel = call.query("state"), call.query("salesChannelId")
    if state is not None and state not in PACKAGE_STATES:
        raise ApiError(400, "unknown package state", errors={"state": [state]})
    after, limit = decode_cursor(call), parse_limit(call, 100, 1000)
    order = call.shop.package_order
    start = order.index(after) + 1 if after in call.shop.packages else 0
    chosen = (
        call.shop.packages[package_id]
        for package_id in order[start:]
        if state in (None, call.shop.packages[package_id].state)
        and channel in (None, call.shop.packages[package_id].sales_channel_id)
    )
    found, more = take(chosen, limit)
    headers = next_link(call, found[-1].package_id) if more else {}
    items = [package_json(package) for package in found]
    return json_response({"itemsPerPage": len(items), "items": items}, headers=headers)


def update_package(call: Call) -> Response:
    package, body = find_package(call), call.json()
    if not isinstance(body, dict) or body.get("state") != "Ready":
        raise ApiError(
            400, 'the only change allowed is {"state": "Ready"}', errors={"state": ["Ready"]}
        )
    try:
        packages.mark_ready(call.state, call.shop, package, call.now)
    except packages.PackageError as error:
        raise package_problem(error) from error
    return empty(204)


def add_requests(call: Call) -> Response:
    package = find_package(call)
    try:
        packages.add_requests(call.state, package, call.json(), call.now)
    except packages.PackageError as error:
        raise package_problem(error) from error
    return empty(204)


def results(call: Call) -> Response:
    package = find_package(call)
    if package.results_expired:
        raise ApiError(404, "the results of this package have expired (kept 3 days)")
    if package.state not in ("Integrated", "Rejected"):
        raise ApiError(400, f"package {package.package_id} is {package.state}; no results yet")
    cursor, limit = decode_cursor(call), parse_limit(call, 100, 1000)
    start = int(cursor) if cursor and cursor.isdigit() else 0
    found = package.results[start : start + limit]
    more = start + limit < len(package.results)
    headers = next_link(call, str(start + limit)) if more else {}
    items = [result_json(result) for result in found]
    return json_response({"itemsPerPage": len(items), "items": items}, headers=headers)
