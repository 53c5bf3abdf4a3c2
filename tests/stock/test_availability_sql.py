"""Available-to-sell has one home: the pure function and its SQL expression always agree."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Integer, literal, select, union_all

from cdlink.hub.stock.availability import (
    available_to_sell,
    available_to_sell_sql,
    on_hand_total,
)
from cdlink.store.engine import Database

units = st.integers(min_value=-1_000_000, max_value=1_000_000)


def in_sql(database: Database, on_hand: list[int], reserved: int, buffer: int) -> int:
    """Available-to-sell computed by the database, over one row per warehouse level."""
    rows = union_all(*(select(literal(value, Integer).label("units")) for value in on_hand))
    levels = rows.subquery()
    total = select(on_hand_total(levels.c.units)).scalar_subquery()
    query = select(
        available_to_sell_sql(total, literal(reserved, Integer), literal(buffer, Integer))
    )
    with database.reading() as session:
        return int(session.scalar(query) or 0)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(on_hand=st.lists(units, min_size=1, max_size=6), reserved=units, buffer=units)
def test_given_any_levels_when_computed_in_python_and_in_sql_then_they_agree(
    database: Database, on_hand: list[int], reserved: int, buffer: int
) -> None:
    assert in_sql(database, on_hand, reserved, buffer) == available_to_sell(
        on_hand, reserved, buffer
    )


def test_given_negative_levels_when_computed_in_sql_then_they_count_as_zero(
    database: Database,
) -> None:
    assert in_sql(database, [-5, 3], 0, 0) == 3
    assert in_sql(database, [10], 4, 3) == 3
    assert in_sql(database, [2], 5, 0) == 0
