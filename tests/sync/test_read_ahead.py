"""Reading ahead: pages handed over in order, failures after the pages read before them, and a
caller that leaves early stops the reading."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from cdlink.sync.engine.read_ahead import ReadAhead


class MarketplaceGoneError(Exception):
    pass


def pages(count: int, *, then_fail: bool = False) -> Iterator[list[int]]:
    for number in range(count):
        yield [number]
    if then_fail:
        raise MarketplaceGoneError("the marketplace stopped answering")


@pytest.mark.parametrize("thread", [True, False])
def test_given_a_source_failing_after_two_pages_when_read_ahead_then_both_come_before_the_error(
    thread: bool,
) -> None:
    received: list[list[int]] = []

    with (
        pytest.raises(MarketplaceGoneError),
        ReadAhead(pages(2, then_fail=True), name="t", thread=thread) as read,
    ):
        received.extend(read)

    assert received == [[0], [1]]


def test_given_pages_already_read_then_ready_hands_them_over_and_finished_says_the_end() -> None:
    with ReadAhead(pages(3), name="t", thread=False) as read:
        first = next(iter(read))
        assert (first, read.finished()) == ([0], False)
        assert (read.ready(), read.ready(), read.ready()) == ([1], [2], None)
        assert read.finished()
        assert list(read) == []


def test_given_a_failure_read_when_asked_what_is_ready_then_it_waits_for_the_iteration() -> None:
    with ReadAhead(pages(1, then_fail=True), name="t", thread=False) as read:
        assert (read.ready(), read.ready(), read.finished()) == ([0], None, False)
        with pytest.raises(MarketplaceGoneError):
            list(read)


def test_given_a_caller_that_leaves_early_then_the_reading_stops_and_its_source_is_closed() -> None:
    closed = threading.Event()

    def endless() -> Iterator[list[int]]:
        number = 0
        try:
            while True:
                yield [number]
                number += 1
        finally:
            closed.set()

    with ReadAhead(endless(), name="t") as read:
        assert next(iter(read)) == [0]

    assert closed.is_set()  # the thread was stopped, and waited for, on leaving
