"""The API documentation page, served with cdlink's own copy of Swagger UI (no CDN)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/api/docs")
def api_docs(request: Request) -> Response:
    return render(request, "api_docs.html")
