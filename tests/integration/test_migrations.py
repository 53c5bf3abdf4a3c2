from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from cdlink.core.errors import StorageError
from cdlink.store import migrate, search
from cdlink.store.base import Base
from cdlink.store.engine import Database
from cdlink.store.models import Connection, OrderSettings

EXPECTED_TABLES = {
    "users",
    "connections",
    "sync_runs",
    "activity_log",
    "user_sessions",
    "api_tokens",
    "login_attempts",
    "orders",
    "order_lines",
    "order_actions",
    "order_settings",
    "initial_imports",
    "order_import_filters",
    "payment_method_labels",
    "cancellation_reasons",
    "order_sync_events",
    "products",
    "warehouses",
    "warehouse_connections",
    "stock_levels",
    "stock_movements",
    "stock_reservations",
    "stock_buffers",
    "stock_push_status",
    "marketplace_quantities",
    "idempotency_keys",
}


def table_names(database: Database) -> set[str]:
    """The tables of the models: less Alembic's own and the search index tables."""
    names = set(inspect(database.engine).get_table_names()) - {"alembic_version"}
    return {name for name in names if not search.is_search_object(name, "table")}


def test_given_an_empty_database_when_upgraded_then_every_model_table_exists(
    empty_database: Database,
) -> None:
    migrate.upgrade(empty_database)

    assert table_names(empty_database) >= EXPECTED_TABLES
    assert table_names(empty_database) == set(Base.metadata.tables)
    assert migrate.current_revision(empty_database) == migrate.head_revision(empty_database)
    migrate.ensure_current(empty_database)


def test_given_the_newest_schema_when_compared_with_the_models_then_nothing_differs(
    database: Database,
) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": search.include_name}
        )
        differences = compare_metadata(context, Base.metadata)

    assert differences == []


def test_given_the_newest_schema_when_downgraded_to_base_and_up_again_then_it_round_trips(
    database: Database,
) -> None:
    migrate.downgrade(database, "base")

    assert table_names(database) == set()
    assert migrate.current_revision(database) is None

    migrate.upgrade(database)

    assert table_names(database) == set(Base.metadata.tables)


def test_given_an_old_schema_when_checked_then_the_error_says_to_upgrade(
    empty_database: Database,
) -> None:
    with pytest.raises(StorageError) as caught:
        migrate.ensure_current(empty_database)

    assert "cdlink db upgrade" in caught.value.hint


def test_given_the_former_automatic_policy_when_upgraded_then_it_is_always_and_back(
    database: Database,
) -> None:
    migrate.downgrade(database, "0005_stock")
    now = datetime(2026, 11, 24, tzinfo=UTC)
    with database.session() as session:
        session.add(
            Connection(
                id=1,
                name="Shop",
                seller_id=1,
                client_id="client",
                secret_ciphertext="-",
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        session.execute(
            text(
                "INSERT INTO order_settings (connection_id, acceptance, updated_at)"
                " VALUES (1, 'automatic', :now)"
            ),
            {"now": now},
        )

    migrate.upgrade(database)
    with database.reading() as session:
        settings = session.get_one(OrderSettings, 1)
        assert (settings.acceptance, settings.auto_refuse) == ("always", False)

    migrate.downgrade(database, "0005_stock")
    with database.reading() as session:
        rows = session.execute(text("SELECT acceptance FROM order_settings")).scalars().all()
        assert rows == ["automatic"]
    migrate.upgrade(database)
