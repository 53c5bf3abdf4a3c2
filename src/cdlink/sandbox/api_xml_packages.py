"""XML offer package endpoints (reference §6.3.3) and the sandbox's file hosting for their zips.

``POST /offer-integration-packages`` (body: the zip's URL as a JSON string) → 201 and the numeric
package id; ``GET /offer-integration-packages/{id}?$limit=&$page=`` → the package's state and a
page of per-offer results (snake_case, as a third-party help page shows; fields partly unknown).
``PUT``/``GET /_sandbox/files/{name}`` host a zip so that its URL can be given to the sandbox.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cdlink.sandbox import xml_packages
from cdlink.sandbox.gateway import Call
from cdlink.sandbox.responses import ApiError, json_response

MAX_FILE_BYTES = 20 * 1024 * 1024
FILE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


def _page_parameter(call: Call, name: str, default: int, high: int) -> int:
    raw = call.query(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= high:
        raise ApiError(400, f"{name} must be between 1 and {high}", errors={name: [raw]})
    return int(raw)


def create(call: Call) -> Response:
    url = call.json()
    if isinstance(url, dict):
        url = url.get("url") or url.get("packageUrl")
    if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+/\S*$", url):
        raise ApiError(
            400,
            "the body must be the zip's public URL as a JSON string",
            errors={"packageUrl": [repr(url)[:200]]},
        )
    package = xml_packages.submit(call.state, call.shop, url, call.now)
    return json_response(int(package.package_id), 201)


def get(call: Call) -> Response:
    package = call.shop.xml_packages.get(call.path_params["package_id"])
    if package is None:
        raise ApiError(404, f"offer integration package {call.path_params['package_id']} not found")
    limit = _page_parameter(call, "$limit", 100, 1000)
    page = _page_parameter(call, "$page", 1, 1_000_000)
    return json_response(xml_packages.package_json(package, limit, page))


async def put_file(request: Request) -> Response:
    name = request.path_params["name"]
    if not FILE_NAME.match(name):
        return json_response({"error": "file name: letters, digits, dot, dash, underscore"}, 400)
    content = await request.body()
    if len(content) > MAX_FILE_BYTES:
        return json_response({"error": "the file is larger than 20 MB"}, 413)
    request.app.state.controller.put_file(name, content)
    url = str(request.base_url).rstrip("/") + xml_packages.FILES_PREFIX + name
    return json_response({"url": url}, 201)


async def get_file(request: Request) -> Response:
    content = request.app.state.controller.file(request.path_params["name"])
    if content is None:
        return json_response({"error": "no such file"}, 404)
    return Response(content, 200, media_type="application/zip")


FILE_ROUTES = [
    Route("/_sandbox/files/{name}", put_file, methods=["PUT"]),
    Route("/_sandbox/files/{name}", get_file, methods=["GET"]),
]
