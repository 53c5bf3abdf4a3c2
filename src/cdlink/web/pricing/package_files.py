"""The zips of XML offer packages, served to the marketplace (no login; see
``cdlink.hub.pricing.package_files``): the token in the address is the only key, and an unknown,
mismatched or expired address answers a bare 404, the same for all.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cdlink.hub.pricing import package_files

router = APIRouter(include_in_schema=False)
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


@router.get(package_files.PREFIX + "{token}/{name}")
def offer_package_file(request: Request, token: str, name: str) -> Response:
    state = request.app.state
    with state.database.reading() as session:
        content = package_files.find(session, token, name, state.clock.now())
    if content is None:
        return Response("Not found", status_code=404, media_type="text/plain", headers=HEADERS)
    return Response(content, media_type="application/zip", headers=HEADERS)
