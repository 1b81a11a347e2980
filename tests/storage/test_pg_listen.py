"""The PostgreSQL change feed (bot/storage/pg_listen.py) against the real server: what a commit notifies, that a
rolled-back write notifies nothing, and that a listener whose connection is killed says so, reconnects by itself
and is caught up with what it missed meanwhile (a lost NOTIFY)."""

from __future__ import annotations

import queue
from collections.abc import Iterator, Mapping

import pytest

from bot.core.errors import DuplicateArticle
from bot.core.models import ArticleIn
from bot.storage.pg_listen import ChangeListener, parse_notification
from bot.storage.pg_store import PgStore
from tests.pg import PgAdmin

WAIT_S = 20.0  # generous: the machine is shared; nothing here measures time
GUILD = 123456789012345678


class Recorder:
    """A subscriber that queues what it is told, for the test to read in order."""

    def __init__(self) -> None:
        self.events: queue.Queue[tuple[str, dict[int, int] | None]] = queue.Queue()

    def listening(self) -> None:
        self.events.put(("listening", None))

    def committed(self, versions: Mapping[int, int] | None) -> None:
        self.events.put(("committed", None if versions is None else dict(versions)))

    def lost(self) -> None:
        self.events.put(("lost", None))

    def next(self) -> tuple[str, dict[int, int] | None]:
        return self.events.get(timeout=WAIT_S)


def article(n: int) -> ArticleIn:
    return ArticleIn(
        title=f"Harbour lighthouse number {n} relit",
        source="Elspeth Gazette",
        url=f"https://gazette.example/lighthouse-{n}",
        body=f"The harbour authority relit lighthouse number {n} on Tuesday after a storm damaged its lamp.",
    )


@pytest.fixture
def stores(pg_url: str) -> Iterator[tuple[PgStore, PgStore]]:
    writer, reader = PgStore(pg_url), PgStore(pg_url)
    yield writer, reader
    writer.close()
    reader.close()


@pytest.fixture
def listening(stores: tuple[PgStore, PgStore]) -> Iterator[tuple[ChangeListener, Recorder]]:
    listener, recorder = stores[1].change_feed(), Recorder()
    listener.start(recorder)
    assert recorder.next() == ("listening", None)
    yield listener, recorder
    listener.close()


def test_a_notification_names_each_coverage_changed_and_its_newest_change() -> None:
    assert parse_notification("0:17") == {0: 17}
    assert parse_notification("0:17,123456789012345678:19") == {0: 17, 123456789012345678: 19}
    assert parse_notification("*") is None  # catch up with everything
    assert parse_notification("0:x") is None  # unreadable: never a missed change, catch up with everything


def test_every_commit_is_notified_to_another_process(
    stores: tuple[PgStore, PgStore], listening: tuple[ChangeListener, Recorder]
) -> None:
    writer, _ = stores
    _, recorder = listening
    added = writer.add(0, article(1), actor="test")
    assert recorder.next() == ("committed", {0: writer.version()})
    writer.add_many(GUILD, [article(2), article(3)], actor="test", guild_id=GUILD)
    # a notification per statement that wrote change-log rows, all sent on commit: the last names the newest
    assert [recorder.next(), recorder.next()] == [
        ("committed", {GUILD: writer.version() - 1}),
        ("committed", {GUILD: writer.version()}),
    ]
    writer.remove(0, added.id, actor="test")
    assert recorder.next() == ("committed", {0: writer.version()})


def test_a_write_that_is_refused_notifies_nothing(
    stores: tuple[PgStore, PgStore], listening: tuple[ChangeListener, Recorder]
) -> None:
    writer, _ = stores
    _, recorder = listening
    writer.add(0, article(1), actor="test")
    assert recorder.next() == ("committed", {0: writer.version()})
    with pytest.raises(DuplicateArticle):
        writer.add(0, article(1), actor="test")
    writer.set_meta("unrelated", "no change-log row")
    writer.add(0, article(2), actor="test")
    assert recorder.next() == ("committed", {0: writer.version()})  # the next one is the next commit's


def test_a_killed_listener_says_so_reconnects_and_is_told_to_catch_up(
    stores: tuple[PgStore, PgStore], listening: tuple[ChangeListener, Recorder], pg_admin: PgAdmin
) -> None:
    writer, _ = stores
    listener, recorder = listening
    ended = pg_admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name = 'newsbot change listener' AND pid <> pg_backend_pid()"
    )
    assert ended == [(True,)]  # this test's listener only: the session database is this test run's own
    assert recorder.next() == ("lost", None)
    # Whatever is committed while it is away is not notified to it: it must catch up when it is back.
    assert recorder.next() == ("listening", None)
    assert listener.connected.wait(WAIT_S)
    writer.add(0, article(1), actor="test")
    assert recorder.next() == ("committed", {0: writer.version()})
