"""``GET /api/v1/orders.csv``: the orders list's filters as a spreadsheet, one row per line.

``format=standard`` is UTF-8 with commas, ``format=excel-fr`` what a French Excel opens as it
is (semicolons, decimal comma, Windows-1252). The orders page's "Download CSV" button links here
with the page's filters; a logged-in browser may follow it like any GET of the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from cdlink.core.spreadsheets import Format, dialect, encode
from cdlink.hub.orders import csv_files
from cdlink.web.orders.api import STATUS_HELP, order_filter
from cdlink.web.params import DATE_BOUND_HELP, QueryId, date_bound

router = APIRouter(tags=["orders"])
#: Rows encoded per chunk of the answer.
_CHUNK = 500


@router.get(
    "/orders.csv",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {}},
            "description": "One row per order line: " + ", ".join(csv_files.COLUMNS),
        }
    },
)
def orders_csv(
    request: Request,
    *,
    format: Format = "standard",
    connection_id: QueryId = None,
    status: Annotated[
        list[str],
        Query(description="Marketplace statuses, repeated or comma separated: " + STATUS_HELP),
    ] = [],  # noqa: B006  (FastAPI copies a default)
    purchased_from: Annotated[
        str | None, Query(max_length=40, description="Bought at or after. " + DATE_BOUND_HELP)
    ] = None,
    purchased_to: Annotated[
        str | None, Query(max_length=40, description="Bought before. " + DATE_BOUND_HELP)
    ] = None,
    updated_since: Annotated[
        str | None, Query(max_length=40, description="Changed at or after. " + DATE_BOUND_HELP)
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Order id, reference, name.")
    ] = None,
) -> StreamingResponse:
    """Every matching order's lines, in import order (the list's filters, no paging)."""
    chosen = order_filter(
        request,
        connection_id=connection_id,
        status=status,
        purchased_from=purchased_from,
        purchased_to=purchased_to,
        q=q,
        updated_since=date_bound(updated_since, "updated_since", request.app.state.settings.zone),
    )
    database, zone = request.app.state.database, request.app.state.settings.zone

    def stream() -> Iterator[bytes]:
        with database.reading() as session:
            chunk: list[list[str]] = [list(csv_files.COLUMNS)]
            for row in csv_files.rows(session, chosen, format, zone):
                chunk.append(row)
                if len(chunk) >= _CHUNK:
                    yield encode(chunk, format)
                    chunk = []
            yield encode(chunk, format)

    suffix = "-excel-fr" if format == "excel-fr" else ""
    return StreamingResponse(
        stream(),
        media_type=dialect(format).media_type,
        headers={"Content-Disposition": f'attachment; filename="cdlink-orders{suffix}.csv"'},
    )
