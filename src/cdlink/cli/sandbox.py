"""``cdlink sandbox``: serve the Octopia Seller API simulator over HTTP with a seeded shop.

For the demo, benchmarks and anyone who wants to point a client (cdlink's or another) at a
marketplace that behaves like Cdiscount's without real credentials.
"""

from __future__ import annotations

import typer
import uvicorn

from cdlink.cli.context import fail
from cdlink.sandbox import Sandbox, SandboxConfig


def sandbox(
    *,
    port: int = typer.Option(8100, help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    seed: int = typer.Option(0, help="Seed: the same seed gives the same shop."),
    client_id: str | None = typer.Option(None, help="Also accept this client id."),
    client_secret: str | None = typer.Option(None, help="Secret of --client-id."),
    seller_id: int = typer.Option(700085, min=1, help="Seller id of the seeded shop."),
    offers: int = typer.Option(60, min=0, help="Offers in the seeded shop."),
    orders: int = typer.Option(20, min=0, help="Orders of history in the seeded shop."),
    orders_per_hour: float = typer.Option(30.0, min=0.0, help="New customer orders per hour."),
) -> None:
    """Serve a seeded sandbox marketplace; prints the credentials and URLs it accepts."""
    if (client_id is None) != (client_secret is None):
        fail("--client-id and --client-secret go together", "Give both, or neither.")
    config = SandboxConfig(
        seed=seed,
        seller_id=seller_id,
        offers=offers,
        orders=orders,
        orders_per_hour=orders_per_hour,
    )
    simulator = Sandbox(config)
    if client_id is not None and client_secret is not None:
        simulator.add_client(client_id, client_secret, [seller_id])
    base_url = f"http://{host}:{port}"
    credentials = simulator.credentials
    typer.echo(f"cdlink sandbox (seed {seed}) listening on {base_url}")
    typer.echo(f"  token URL:      {simulator.token_url(base_url)}")
    typer.echo(f"  API base URL:   {simulator.api_url(base_url)}")
    typer.echo(f"  control API:    {base_url}/_sandbox/state")
    typer.echo(f"  seller id:      {seller_id}")
    typer.echo(f"  client id:      {client_id or credentials.client_id}")
    typer.echo(f"  client secret:  {client_secret or credentials.client_secret}")
    if client_id is not None:
        typer.echo(f"  also accepted:  {credentials.client_id} / {credentials.client_secret}")
    typer.echo(f"  legacy login:   {credentials.login} / {credentials.password}")
    typer.echo("Press Ctrl+C to stop.", nl=True)
    uvicorn.run(simulator.app, host=host, port=port, log_level="warning")
