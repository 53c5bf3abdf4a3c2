"""The writers of one SQLite file in one process take turns, first come first served
(``cdlink.store.writer_turns``): a thread writing back to back no longer starves the others."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from cdlink.store.engine import Database
from cdlink.store.writer_turns import WriterTurns, turns_for


def wait_until_waiting(turns: WriterTurns, count: int) -> None:
    for _ in range(2_000):
        if turns.waiting >= count:
            return
        threading.Event().wait(0.005)
    raise AssertionError(f"{count} writer(s) never queued")


def test_given_writers_queued_when_the_turn_is_released_then_they_get_it_in_order() -> None:
    turns = WriterTurns()
    order: list[str] = []

    def writer(name: str) -> None:
        with turns.turn(30):
            order.append(name)

    with turns.turn(30):
        threads = []
        for position, name in enumerate(["first", "second", "third"], start=1):
            thread = threading.Thread(target=writer, args=(name,))
            thread.start()
            wait_until_waiting(turns, position)
            threads.append(thread)
    for thread in threads:
        thread.join(10)

    assert order == ["first", "second", "third"]
    assert turns.waiting == 0


def test_given_a_thread_with_the_turn_when_it_opens_another_then_it_goes_on() -> None:
    turns = WriterTurns()
    with turns.turn(0.1), turns.turn(0.1):
        entered = True
    assert entered
    # The turn is free again: another thread gets it at once.
    got: list[bool] = []
    thread = threading.Thread(target=lambda: got.append(turns._acquire(0.1)))
    thread.start()
    thread.join(5)
    assert got == [True]


def test_given_a_turn_held_too_long_when_a_writer_waits_then_it_goes_on_without_it() -> None:
    turns = WriterTurns()
    went_on = threading.Event()

    def writer() -> None:
        with turns.turn(0.05):
            went_on.set()

    with turns.turn(30):
        thread = threading.Thread(target=writer)
        thread.start()
        assert went_on.wait(10)  # SQLite's own busy timeout decides from there
        thread.join(5)
        assert turns.waiting == 0  # it left the queue: the next release hands over to nobody


def test_given_a_writer_queued_when_the_one_before_commits_and_writes_again_then_it_goes_first(
    tmp_path: Path,
) -> None:
    path = tmp_path / "turns.sqlite3"
    database = Database(f"sqlite:///{path}")
    with database.session() as session:
        session.execute(text("CREATE TABLE log (id INTEGER PRIMARY KEY, who TEXT)"))
    turns = turns_for(str(path.resolve()))

    def write(who: str) -> None:
        with database.session() as session:
            session.execute(text("INSERT INTO log (who) VALUES (:who)"), {"who": who})

    other = threading.Thread(target=write, args=("other",))
    with database.session() as session:
        session.execute(text("INSERT INTO log (who) VALUES ('import, page 1')"))
        other.start()
        wait_until_waiting(turns, 1)  # queued for the file while the page is written
    write("import, page 2")  # at once, as an import writing its pages back to back
    other.join(30)
    with database.reading() as session:
        order = list(session.scalars(text("SELECT who FROM log ORDER BY id")))
    database.dispose()

    # Without turns, SQLite's busy handler leaves the other writer asleep while the import
    # takes the lock again, page after page.
    assert order == ["import, page 1", "other", "import, page 2"]
