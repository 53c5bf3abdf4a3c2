"""``cdlink customers``: who bought, how often and how much, from the command line.

``list`` pages through the customers (the most recent buyer first) with a search on the name,
e-mail or customer reference; ``show`` prints one customer with their orders and discussions.
Both read the ``customers`` table the database keeps from the orders.
"""

from __future__ import annotations

import typer

from cdlink.cli.context import friendly, load_settings
from cdlink.cli.output import JSON, print_json
from cdlink.hub.customers.queries import customer_file, list_customers
from cdlink.store.engine import Database
from cdlink.web.customers.api import customer_out, detail_of

app = typer.Typer(help="Customers: list (with search) and show.", no_args_is_help=True)


def _database() -> Database:
    return Database(load_settings().effective_database_url)


@app.command("list")
@friendly
def list_command(
    search: str = typer.Option("", "--search", "-q", help="Part of the name, e-mail or key."),
    account: int | None = typer.Option(None, "--account", min=1, help="One account's id."),
    page: int = typer.Option(1, min=1, max=100_000),
    page_size: int = typer.Option(50, "--page-size", min=1, max=200),
    as_json: bool = JSON,
) -> None:
    """id, name, orders, revenue, last order, account."""
    database = _database()
    try:
        with database.reading() as session:
            found = list_customers(
                session, search=search, connection_id=account, page=page, page_size=page_size
            )
        if as_json:
            items = [customer_out(line) for line in found.customers]
            more = found.page < found.pages
            print_json(
                {"items": items, "limit": page_size, "next_page": page + 1 if more else None}
            )
            return
        for line in found.customers:
            last = line.last_order_at.strftime("%Y-%m-%d %H:%M") if line.last_order_at else "-"
            typer.echo(
                f"{line.id}\t{line.name or line.email or line.key}\t{line.orders} orders\t"
                f"{line.revenue} {line.currency}\tlast {last}\t{line.account}"
            )
        typer.echo(f"{found.total} customers, page {found.page} of {found.pages}")
    finally:
        database.dispose()


@app.command("show")
@friendly
def show_command(customer_id: int = typer.Argument(..., min=1), as_json: bool = JSON) -> None:
    """One customer: their figures, orders (newest first) and discussions."""
    database = _database()
    try:
        with database.reading() as session:
            found = customer_file(session, customer_id)
            if as_json:
                print_json(detail_of(found))
                return
            customer = found.customer
            typer.echo(f"{customer.name or customer.key} ({customer.account})")
            typer.echo(f"key: {customer.key}")
            if customer.email:
                typer.echo(f"e-mail: {customer.email}")
            typer.echo(
                f"orders: {customer.orders}, revenue: {customer.revenue} {customer.currency}"
            )
            for order in found.orders:
                bought = (
                    order.purchased_at.strftime("%Y-%m-%d %H:%M") if order.purchased_at else "-"
                )
                typer.echo(
                    f"  order {order.marketplace_order_id}\t{bought}\t{order.status}\t"
                    f"{order.total_amount} {order.currency}"
                )
            for discussion in found.discussions:
                state = "open" if discussion.is_open else "closed"
                typer.echo(f"  discussion {discussion.id}\t{state}\t{discussion.subject or ''}")
    finally:
        database.dispose()
