"""Whole-window reads: every order of a window of ``updatedAt``, however the marketplace changes.

``GET /orders`` pages by number over what the window holds at each request. An order updated
while a window is read leaves the window (its new ``updatedAt`` is after the window's end, so a
later window reads it), and every order behind it moves up one place: the first order of the
next page is then read by no page, and once the look-back has passed it, never. So a window is
read whole, or not committed:

1. One page. A short page is the whole window in one request: done. An unchanged connection
   still pays one call per run.
2. A full page means a page or more: count the window, read every page from the first, count it
   again. The read is whole when the two counts and the distinct orders read agree: nothing left
   the window while it was read, and the pages did not reorder.
3. Otherwise the window is split in two (on a whole second) and each half read the same way:
   smaller windows read faster and change less. When the count did not move during the read
   but differs from the orders read, the window is first read once more: if that read returns
   the very same orders, the list is steady and is taken as it is (the marketplace's count
   disagrees with its list, which is logged) rather than split down to seconds for nothing.
4. A window of a second or less that keeps changing is read up to ``ATTEMPTS`` times, then
   ``WindowDrifting`` asks for the run to be tried again soon; the window is not committed.

When the importer expects the window to hold a page or more (its ``WindowPolicy`` knows the
density of the windows before), or knows nothing of a window longer than ``PROBE_AT_MOST`` (a
first import, a catch-up), the read starts with the count instead of the first page: an empty
window then costs one call, a window of ``n`` orders ``ceil(n / page) + 2`` calls (count, pages,
count: the first count is the pass's, and a pass stops paging once it has read as many orders as
were counted), and a window counted above the expectation's ``limit`` is not read
at all (``WindowTooFull``: the importer asks for a shorter one). When that count is under a page
and the first page is short, the page is the whole window; when the page is full after all, the
pass goes on from it, the count before it being the pass's first.

**Newest first.** A window that ends at the run's "now" (``Expectation.open_ended``, the live
look-back) is read with ``newest(start, index)`` when the reader has it: the orders updated since
its start, newest first, with no upper bound, page after page until a short one. There an order
updated during the read does not leave the list: it moves to the front, ahead of the pages still
to read, and a new order joins at the front too, so an order that did not change only ever moves
further back, and paging forward meets it once or twice, never zero times. An order that moved
before its page was read carries a version newer than the window, which the next run's look-back
reads. One pass is then whole however many orders change meanwhile: no count, no second pass, no
halves (the churn of the chaos run's acceptances made the look-back read 5 to 6 times over). This
holds while the marketplace sorts by ``updatedAt`` as asked and breaks ties the same way from
one page to the next; a page whose orders are not newest first (the sort ignored), or a sort the
marketplace refuses in both spellings (``InvalidRequest``), makes the reader fall back to the
counted reads above, for this window. Windows that end before "now" (a first import, a catch-up)
and windows longer than ``PROBE_AT_MOST`` are always read counted.

``pages`` hands out every page as it is read (a caller writes them as they come, and takes the
window as whole only once the generator ends); ``read`` keeps every order read on the way, at the
version read last (reads only go forward in time).
The history import does not need this: it reads windows of ``createdAt``, which orders never
leave.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Generic, TypeVar

from cdlink.octopia import InvalidRequest, Page, RejectedItem, iterate_page_numbers
from cdlink.sync.engine.errors import WindowDrifting
from cdlink.sync.engine.windows import Expectation, Window, WindowTooFull

T = TypeVar("T")
log = logging.getLogger(__name__)

#: A window this short is not split further: it is read again instead.
RESOLUTION = timedelta(seconds=1)
#: How many times a window that cannot be split is read before the run is tried again later.
ATTEMPTS = 3
#: A window this long or shorter, of which nothing is expected, is read first page first (a
#: live run's few minutes: one call when quiet); a longer one is counted first.
PROBE_AT_MOST = timedelta(hours=1)
#: A newest-first read that has not met its short page after this many pages is given up.
NEWEST_FIRST_PAGES = 10_000


class NotNewestFirst(Exception):  # noqa: N818  (a signal inside the reader)
    """The marketplace did not list a page newest first: the window is read counted instead."""


@dataclass(frozen=True)
class Pass:
    """One read of a window's pages between two counts."""

    before: int
    after: int
    ids: frozenset[str]

    @property
    def whole(self) -> bool:
        """Nothing left or joined the window meanwhile, and every order counted was read."""
        return self.before == self.after == len(self.ids)

    @property
    def steady(self) -> bool:
        """The count did not move during the read."""
        return self.before == self.after


class WindowReader(Generic[T]):
    """Reads windows whole through ``page(window, index)`` and ``count(window)``."""

    def __init__(
        self,
        *,
        page: Callable[[Window, int], Page[T]],
        count: Callable[[Window], int],
        identify: Callable[[T | RejectedItem], str],
        page_size: int,
        newest: Callable[[datetime, int], Page[T]] | None = None,
        stamp: Callable[[T], datetime | None] | None = None,
    ) -> None:
        self.page = page
        self.count = count
        self.identify = identify
        self.page_size = page_size
        #: Page ``index`` of the records changed since a time, newest first, with no upper
        #: bound; ``stamp`` is a record's change time (see the module docstring).
        self.newest = newest
        self.stamp = stamp

    def read(
        self, window: Window, expectation: Expectation | None = None
    ) -> list[T | RejectedItem]:
        """Every record of ``window``: the newest read of each, once. Raises ``WindowTooFull``
        when ``window`` is counted above ``expectation.limit``."""
        found: dict[str, T | RejectedItem] = {}
        for records in self.pages(window, expectation):
            for record in records:
                key = self.identify(record)
                found.pop(key, None)  # the newest read moves to the end, after what it supersedes
                found[key] = record
        return list(found.values())

    def pages(
        self, window: Window, expectation: Expectation | None = None
    ) -> Iterator[list[T | RejectedItem]]:
        """The records of each page as it is read, up to the end of the read that proves
        ``window`` whole. A record may come again in a later page (a later pass, a half),
        at the same or a newer version; the generator ending normally is the proof. Raises
        ``WindowTooFull`` (before any page) when ``window`` is counted above
        ``expectation.limit``, ``WindowDrifting`` when it never holds still."""
        newest = self.newest
        if (
            newest is not None
            and expectation is not None
            and self.reads_newest_first(window, expectation)
        ):
            try:
                yield from self._read_newest_first(newest, window)
                return
            except (NotNewestFirst, InvalidRequest) as reason:
                log.info(
                    "the orders updated since %s could not be read newest first (%s); "
                    "read counted instead",
                    window.start.isoformat(),
                    reason,
                )
        if expectation is not None and self.counts_first(window, expectation):
            yield from self._read_counted(window, expectation)
        else:
            yield from self._read(window)

    def reads_newest_first(self, window: Window, expectation: Expectation) -> bool:
        """Whether ``window`` is read newest first, given a ``newest`` (see the module
        docstring)."""
        return expectation.open_ended and window.length <= PROBE_AT_MOST

    def _read_newest_first(
        self, newest: Callable[[datetime, int], Page[T]], window: Window
    ) -> Iterator[list[T | RejectedItem]]:
        for index in range(1, NEWEST_FIRST_PAGES + 1):
            page = newest(window.start, index)
            self._check_newest_first(page)
            yield records_of(page)
            if page.received < self.page_size:
                return
        raise WindowDrifting(
            f"the orders updated since {window.start.isoformat()} filled "
            f"{NEWEST_FIRST_PAGES} pages without an end"
        )

    def _check_newest_first(self, page: Page[T]) -> None:
        """Raises ``NotNewestFirst`` when ``page`` is not sorted newest first."""
        if self.stamp is None:
            return
        stamps = [stamp for stamp in map(self.stamp, page.items) if stamp is not None]
        if any(later > earlier for earlier, later in pairwise(stamps)):
            raise NotNewestFirst(f"page {page.index or '?'} is not sorted newest first")

    def counts_first(self, window: Window, expectation: Expectation) -> bool:
        """Whether ``window`` is read count first (see the module docstring)."""
        if expectation.records is None:
            return window.length > PROBE_AT_MOST
        return expectation.records >= self.page_size

    def _read_counted(
        self, window: Window, expectation: Expectation
    ) -> Iterator[list[T | RejectedItem]]:
        before = self.count(window)
        if expectation.limit is not None and before > expectation.limit:
            raise WindowTooFull(window, before)
        if before == 0:
            return  # as whole as an empty page: nothing was in the window when it was counted
        first: Page[T] | None = None
        if before < self.page_size:
            first = self.page(window, 1)
            yield records_of(first)
            if first.received < self.page_size:
                return
        made = yield from self._pass(window, before=before, first=first)
        yield from self._passes(window, made)

    def _read(self, window: Window) -> Iterator[list[T | RejectedItem]]:
        first = self.page(window, 1)
        yield records_of(first)
        if first.received < self.page_size:
            return
        yield from self._passes(window)

    def _passes(self, window: Window, made: Pass | None = None) -> Iterator[list[T | RejectedItem]]:
        """Passes over ``window`` until one is whole (or steady twice in the same way),
        splitting it when it keeps changing; ``made`` is a first pass already made."""
        previous: Pass | None = None
        for attempt in range(1, ATTEMPTS + 1):
            if attempt == 1 and made is not None:
                current = made
            else:
                current = yield from self._pass(window)
            if current.whole:
                return
            if current.steady and previous is not None and previous.ids == current.ids:
                log.warning(
                    "the marketplace counts %d orders updated in %s..%s but lists the same %d "
                    "twice in a row; the list is taken",
                    current.after,
                    window.start.isoformat(),
                    window.end.isoformat(),
                    len(current.ids),
                )
                return
            if current.steady and previous is None:
                previous = current  # read once more: the count may only disagree with the list
                continue
            if window.length > RESOLUTION:
                for half in halves(window):
                    yield from self._read(half)
                return
            if attempt == ATTEMPTS:
                raise WindowDrifting(
                    f"the orders updated between {window.start.isoformat()} and "
                    f"{window.end.isoformat()} changed during each of {ATTEMPTS} reads"
                )
            previous = current

    def _pass(
        self,
        window: Window,
        *,
        before: int | None = None,
        first: Page[T] | None = None,
    ) -> Generator[list[T | RejectedItem], None, Pass]:
        """Count, read every page, count again. ``before`` is a count already made, ``first``
        the first page read since it (already handed out: not yielded again)."""
        if before is None:
            before = self.count(window)
        read: set[str] = set()
        for page in self._pages(window, first):
            records = records_of(page)
            read.update(map(self.identify, records))
            if page is not first:
                yield records
            if len(read) >= before:
                # Every order counted was read: a further page could only hold orders that
                # joined the window meanwhile, which the count after shows (the pass is then
                # not whole), so the empty page after an exact multiple is not asked for.
                break
        return Pass(before, self.count(window), frozenset(read))

    def _pages(self, window: Window, first: Page[T] | None = None) -> Iterator[Page[T]]:
        def page(index: int) -> Page[T]:
            if index == 1 and first is not None:
                return first
            return self.page(window, index)

        return iterate_page_numbers(page, page_size=self.page_size)


def records_of(page: Page[T]) -> list[T | RejectedItem]:
    """The page's records, read and rejected."""
    return [*page.items, *page.rejected]


def halves(window: Window) -> tuple[Window, Window]:
    """``window`` cut in two, on a whole second when it is longer than two seconds."""
    middle = window.start + window.length / 2
    if window.length > 2 * RESOLUTION:
        middle = middle.replace(microsecond=0)
    return Window(window.start, middle), Window(middle, window.end)
