"""Whole-window reads: cutting a window in two, and reading a live window newest first."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdlink.octopia import Page
from cdlink.sync.engine.window_reads import WindowReader, halves
from cdlink.sync.engine.windows import Expectation, Window

START = datetime(2026, 3, 2, 9, 0, 0, 250_000, tzinfo=UTC)


def test_given_a_long_window_when_halved_then_it_is_cut_on_a_whole_second() -> None:
    first, second = halves(Window(START, START + timedelta(seconds=7)))

    assert first == Window(START, datetime(2026, 3, 2, 9, 0, 3, tzinfo=UTC))
    assert second == Window(first.end, START + timedelta(seconds=7))


def test_given_a_window_of_two_seconds_or_less_when_halved_then_it_is_cut_in_its_middle() -> None:
    first, second = halves(Window(START, START + timedelta(seconds=1)))

    assert first.end == second.start == START + timedelta(milliseconds=500)
    assert second.end == START + timedelta(seconds=1)


# Newest-first reads of a window ending "now", while the marketplace changes under the pages.

Record = tuple[str, datetime]


class ChurningList:
    """A marketplace list of records by change time, changed by ``churn`` before each page:
    ``(moved, added)`` records updated or created at the next instant."""

    def __init__(self, stamps: dict[str, datetime], churn: list[tuple[int, int]]) -> None:
        self.stamps = dict(stamps)
        self.churn = list(churn)
        self.clock = max(stamps.values(), default=START) + timedelta(seconds=1)
        self.moved: set[str] = set()
        self.serial = itertools.count()

    def change(self) -> None:
        moved, added = self.churn.pop(0) if self.churn else (0, 0)
        self.clock += timedelta(seconds=1)
        chosen = random.Random(self.clock.isoformat()).sample(
            sorted(self.stamps), min(moved, len(self.stamps))
        )
        for record_id in chosen:
            self.stamps[record_id] = self.clock
            self.moved.add(record_id)
        for _ in range(added):
            self.stamps[f"new-{next(self.serial)}"] = self.clock

    def newest(self, start: datetime, index: int, *, sort: bool = True) -> Page[Record]:
        self.change()
        listed = [(key, stamp) for key, stamp in self.stamps.items() if stamp >= start]
        if sort:
            listed.sort(key=lambda record: (record[1], record[0]), reverse=True)
        items = listed[(index - 1) * PAGE : index * PAGE]
        return Page(items=items, rejected=[], received=len(items), index=index)

    def page(self, window: Window, index: int) -> Page[Record]:
        listed = sorted(
            (key, stamp) for key, stamp in self.stamps.items() if window.start <= stamp < window.end
        )
        items = listed[(index - 1) * PAGE : index * PAGE]
        return Page(items=items, rejected=[], received=len(items), index=index)

    def count(self, window: Window) -> int:
        return sum(window.start <= stamp < window.end for stamp in self.stamps.values())


PAGE = 10
LIVE = Expectation(records=None, limit=None, open_ended=True)


def reader_of(marketplace: ChurningList, *, sort: bool = True) -> WindowReader[Record]:
    return WindowReader(
        page=marketplace.page,
        count=marketplace.count,
        identify=lambda record: str(record[0]),
        page_size=PAGE,
        newest=lambda start, index: marketplace.newest(start, index, sort=sort),
        stamp=lambda record: record[1],
    )


def seeded(records: int) -> dict[str, datetime]:
    return {
        f"order-{number:04d}": START + timedelta(seconds=number % 97) for number in range(records)
    }


@settings(max_examples=300, deadline=None)
@given(
    records=st.integers(min_value=0, max_value=120),
    churn=st.lists(
        st.tuples(st.integers(min_value=0, max_value=15), st.integers(min_value=0, max_value=5)),
        max_size=20,
    ),
)
def test_given_any_churn_when_a_live_window_is_read_newest_first_then_no_steady_record_is_missed(
    records: int, churn: list[tuple[int, int]]
) -> None:
    marketplace = ChurningList(seeded(records), churn)
    window = Window(START, marketplace.clock)
    steady_before = set(marketplace.stamps)

    read = reader_of(marketplace).read(window, LIVE)

    steady = steady_before - marketplace.moved  # never changed during the read
    assert steady <= {record[0] for record in read}
    # Whatever was read is a version the marketplace held: nothing is invented.
    assert {record[0] for record in read} <= set(marketplace.stamps)


def test_given_orders_changing_at_every_page_when_read_newest_first_then_one_pass_reads_them() -> (
    None
):
    marketplace = ChurningList(seeded(95), [(4, 1)] * 50)
    calls: list[int] = []
    reader = reader_of(marketplace)
    newest = reader.newest
    assert newest is not None
    reader.newest = lambda start, index: calls.append(index) or newest(start, index)

    read = reader.read(Window(START, marketplace.clock), LIVE)

    assert calls == list(range(1, len(calls) + 1))  # one pass, no count, no second read
    assert len(calls) <= 12  # 95 records and the few joining the front, 10 a page
    assert set(seeded(95)) - marketplace.moved <= {record[0] for record in read}


def test_given_a_marketplace_that_ignores_the_sort_when_read_live_then_it_is_read_counted() -> None:
    marketplace = ChurningList(seeded(45), [])
    window = Window(START, marketplace.clock)

    read = reader_of(marketplace, sort=False).read(window, LIVE)

    assert {record[0] for record in read} == set(seeded(45))


def test_given_a_window_not_ending_now_when_read_then_it_is_never_read_newest_first() -> None:
    marketplace = ChurningList(seeded(30), [])
    reader = reader_of(marketplace)
    reader.newest = lambda start, index: pytest.fail("a window ending before now was read live")

    read = reader.read(Window(START, marketplace.clock), Expectation(records=None, limit=None))

    assert len(read) == 30
