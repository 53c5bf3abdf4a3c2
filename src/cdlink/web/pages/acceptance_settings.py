"""Settings → Orders: each connection's acceptance policy (manual, when in stock, always) and
its automatic refusal, as ``cdlink orders policy`` and ``/api/v1/connections/{id}/order-settings``
set them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cdlink.hub import order_actions
from cdlink.hub.connections import get_connection, list_connections
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/settings/orders")
def order_settings_page(request: Request, saved: int | None = None) -> Response:
    with request.app.state.database.reading() as session:
        rows = [
            (connection, order_actions.acceptance_policy(session, connection.id))
            for connection in list_connections(session)
        ]
    return render(request, "order_settings.html", {"rows": rows, "saved": saved})


@router.post("/settings/orders/{connection_id}")
def save_order_settings(
    request: Request,
    connection_id: int,
    acceptance: Annotated[str, Form()],
    auto_refuse: Annotated[str, Form()] = "",
) -> Response:
    state = request.app.state
    with state.database.session() as session:
        get_connection(session, connection_id)
        order_actions.set_acceptance_policy(
            session, connection_id, acceptance, state.clock.now(), auto_refuse=bool(auto_refuse)
        )
    return RedirectResponse(f"/settings/orders?saved={connection_id}", status_code=303)
