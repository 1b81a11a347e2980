"""The index keeper as a change subscriber: told of committed changes, it catches the loaded indexes up at once and
reads answer without asking the store; when the feed is lost, every read asks the store again.

Two store objects over one SQLite file stand for two processes: what ``other`` commits, ``indexes`` hears of only
when it is told (``committed``), as a LISTENing process would, or by asking the store (``lost``: not listening).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.models import ArticleIn
from bot.search.keeper import DEFAULT, Indexes
from bot.storage.store import Store

GUILD = 123456789012345678


def article(n: int) -> ArticleIn:
    return ArticleIn(
        title=f"Harbour lighthouse number {n} relit",
        source="Elspeth Gazette",
        date="2024-05-01",
        url=f"https://gazette.example/lighthouse-{n}",
        body=f"The harbour authority relit lighthouse number {n} on Tuesday after a storm damaged its lamp.",
    )


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    path = tmp_path / "newsbot.sqlite3"
    mine, other = Store(path), Store(path)
    mine.add(DEFAULT, article(0), actor="seed")
    yield mine, other
    mine.close()
    other.close()


def ids(indexes: Indexes, server: int = DEFAULT) -> set[str]:
    return {ref.id for ref in indexes.index(server)[0].articles()}


def test_without_a_feed_every_read_asks_the_store(stores: tuple[Store, Store]) -> None:
    mine, other = stores
    indexes = Indexes(mine, None)
    first = ids(indexes)
    added = other.add(DEFAULT, article(1), actor="other process")
    assert ids(indexes) == first | {added.id}  # SQLite as ever: the read saw the newer change in the log


def test_while_listening_reads_trust_what_they_are_told(stores: tuple[Store, Store]) -> None:
    mine, other = stores
    indexes = Indexes(mine, None)
    indexes.listening()
    first = ids(indexes)
    added = other.add(DEFAULT, article(1), actor="other process")
    # Not told yet: the read did not ask the store (no round trip per question).
    assert ids(indexes) == first
    version = mine.version()
    indexes.committed({DEFAULT: version})
    # Caught up when told, before any read.
    assert indexes.default.version == version
    assert ids(indexes) == first | {added.id}


def test_a_lost_feed_makes_every_read_ask_the_store_again(stores: tuple[Store, Store]) -> None:
    mine, other = stores
    indexes = Indexes(mine, None)
    indexes.listening()
    first = ids(indexes)
    indexes.lost()
    added = other.add(DEFAULT, article(1), actor="other process")  # a notification this process never gets
    assert ids(indexes) == first | {added.id}
    removed = other.remove(DEFAULT, added.id, actor="other process")
    assert ids(indexes) == first and removed.id == added.id


def test_listening_again_catches_up_with_what_was_missed(stores: tuple[Store, Store]) -> None:
    mine, other = stores
    indexes = Indexes(mine, None)
    indexes.listening()
    first = ids(indexes)
    indexes.lost()
    missed = other.add(DEFAULT, article(1), actor="other process")
    indexes.listening()  # reconnected: catches up from the change log before anything is trusted
    assert indexes.default.version == mine.version()
    assert ids(indexes) == first | {missed.id}


def test_catch_up_everything_when_the_payload_says_so(stores: tuple[Store, Store]) -> None:
    mine, other = stores
    indexes = Indexes(mine, None)
    indexes.listening()
    first = ids(indexes)
    added = other.add(DEFAULT, article(1), actor="other process")
    indexes.committed(None)
    assert indexes.default.version == mine.version()
    assert ids(indexes) == first | {added.id}


def test_own_writes_are_answerable_at_once_while_listening(stores: tuple[Store, Store]) -> None:
    mine, _ = stores
    indexes = Indexes(mine, None)
    indexes.listening()
    first = ids(indexes)
    added = mine.add(DEFAULT, article(1), actor="this process")
    indexes.wrote(DEFAULT)  # what the service says after each write (the notification may come later)
    assert ids(indexes) == first | {added.id}


def test_a_server_change_catches_up_that_server_only(stores: tuple[Store, Store]) -> None:
    mine, other = stores
    indexes = Indexes(mine, None)
    indexes.listening()
    own = other.add(GUILD, article(1), actor="other process", guild_id=GUILD)
    indexes.committed({GUILD: mine.version()})
    assert ids(indexes, GUILD) == ids(indexes) | {own.id}  # the server's own index, built on first read
    default_version = indexes.default.version
    second = other.add(GUILD, article(2), actor="other process", guild_id=GUILD)
    indexes.committed({GUILD: mine.version()})
    assert indexes.keeper(GUILD).version == mine.version()  # caught up when told
    assert indexes.default.version == default_version  # the default collection's index was left alone
    assert second.id in ids(indexes, GUILD) and second.id not in ids(indexes)
    shared = other.add(DEFAULT, article(3), actor="other process")
    indexes.committed({DEFAULT: mine.version()})  # a change of the default collection reaches every server
    assert indexes.keeper(GUILD).version == mine.version() == indexes.default.version
    assert shared.id in ids(indexes, GUILD) and shared.id in ids(indexes)


def test_a_large_index_is_set_aside_from_the_garbage_collector_once_loaded(
    stores: tuple[Store, Store], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Objects alive when a large index has loaded are frozen (never scanned by a full collection again); a small
    index's load leaves the collector alone."""
    import gc

    import bot.search.keeper as keeper

    mine, _ = stores
    gc.unfreeze()
    try:
        Indexes(mine, tmp_path / "small").index(DEFAULT)
        assert gc.get_freeze_count() == 0
        monkeypatch.setattr(keeper, "FREEZE_FROM", 2)  # the headline and the sentence of article(0)
        Indexes(mine, tmp_path / "large").index(DEFAULT)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
