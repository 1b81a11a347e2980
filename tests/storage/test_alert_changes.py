"""Alert changes in the audit trail (migration 0010), on both backends: setting, changing and turning off a feed's
alert are logged with who, when, which feed and which channel and topic, in the transaction that makes the change;
the database refuses a line that breaks the log's rules; and a store of the previous schema keeps every row."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import bot.storage.connection
import bot.storage.pg_connection
from bot.core.models import ArticleIn
from bot.storage.connection import latest_schema_version, migration_files
from bot.storage.database import ConstraintViolation
from bot.storage.pg_store import PgStore
from bot.storage.store import Store
from tests.storage.conftest import AnyStore

GUILD = 4242
URL, KEY = "https://feeds.example.com/rss", "feeds.example.com/rss"

#: The columns feed_changes had before migration 0010.
OLD_COLUMNS = "seq, at, actor, action, feed_id, url, outlet, server_id, guild_id, after_change"


def trail(store: AnyStore) -> list[tuple[Any, ...]]:
    return [
        (e.action, e.server_id, e.guild_id, e.actor, e.feed_id, e.title, e.detail, e.channel_id, e.topic)
        for e in store.audit()
    ]


def test_setting_changing_and_turning_off_an_alert_are_in_the_audit_trail(store: AnyStore) -> None:
    feed = store.add_feed(GUILD, URL, KEY, "", "Feed Wire", "d:7", GUILD)
    assert feed is not None
    assert store.set_alert(feed, 99, "harbour", "d:7", GUILD) is True
    assert store.set_alert(feed, 100, None, "d:8", GUILD) is True  # moved, every new article
    assert store.remove_alert(feed, "cli:alice") is True
    assert store.remove_alert(feed, "cli:alice") is False  # it had none: nothing changed, nothing logged
    assert store.set_alert(feed + 1, 99, None, "d:7", GUILD) is False  # no such feed: nothing logged
    assert trail(store) == [
        ("alert-off", GUILD, None, "cli:alice", feed, "Feed Wire", URL, 100, None),  # where it posted until then
        ("alert", GUILD, GUILD, "d:8", feed, "Feed Wire", URL, 100, None),
        ("alert", GUILD, GUILD, "d:7", feed, "Feed Wire", URL, 99, "harbour"),
        ("subscribe", GUILD, GUILD, "d:7", feed, "Feed Wire", URL, None, None),
    ]
    assert [e.action for e in store.audit(servers=[0])] == []


def test_the_trail_keeps_alert_changes_in_order_with_article_changes(store: AnyStore) -> None:
    feed = store.add_feed(0, URL, KEY, "", "Feed Wire", "cli:a")
    assert feed is not None
    store.set_alert(feed, 99, None, "cli:a")
    added = store.add(0, ArticleIn(title="A", source="Feed Wire", body="Alpha."), actor=f"feed:{feed}")
    store.remove_alert(feed, "cli:b")
    record = store.feed(feed)
    assert record is not None and store.remove_feed(record, "cli:b")
    assert [(e.action, e.article_id or e.feed_id) for e in store.audit()] == [
        ("unsubscribe", feed),
        ("alert-off", feed),
        ("add", added.id),
        ("alert", feed),
        ("subscribe", feed),
    ]


def test_the_database_refuses_a_line_that_breaks_the_logs_rules(store: AnyStore) -> None:
    insert = (
        "INSERT INTO feed_changes (at, actor, action, feed_id, url, outlet, channel_id, topic) "
        "VALUES ('2026-01-01T00:00:00Z', 't', ?, 1, 'u', 'o', ?, NULL)"
    )
    for action, channel in (("alert", None), ("alert-off", None), ("subscribe", 99), ("tamper", None)):
        with pytest.raises(ConstraintViolation), store.transaction() as db:
            db.execute(insert, (action, channel))
    assert store.audit() == []


# ------------------------------------------------------------------------------------------------- the migration


@contextmanager
def schema_of_version(version: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Stores opened meanwhile are made (or brought up) to schema ``version`` only: newsbot as it was then."""
    real = bot.storage.connection.migration_files

    def up_to(suffix: str) -> list[tuple[int, str, str]]:
        return [m for m in real(suffix) if m[0] <= version]

    with monkeypatch.context() as patch:
        patch.setattr(bot.storage.connection, "migration_files", up_to)
        patch.setattr(bot.storage.pg_connection, "migration_files", up_to)
        yield


def test_a_store_of_the_previous_schema_keeps_its_rows(
    store_backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    open_store: Callable[[], AnyStore],
) -> None:
    assert [v for v, _, _ in migration_files(".sql")][-1] == latest_schema_version() == 10
    with schema_of_version(9, monkeypatch):
        old: AnyStore = (
            Store(tmp_path / "db.sqlite3") if store_backend == "sqlite" else PgStore(request.getfixturevalue("pg_url"))
        )
        try:
            assert old.schema_version() == 9
            article = old.add(0, ArticleIn(title="A", source="Wire", body="Alpha."), actor="cli:a")
            kept = old.add_feed(GUILD, URL, KEY, "Harbour", "Feed Wire", "d:7", GUILD)
            gone = old.add_feed(0, "https://b.example/rss", "b.example/rss", "", "B Wire", "cli:a")
            assert kept is not None and gone is not None
            gone_record = old.feed(gone)
            assert gone_record is not None and old.remove_feed(gone_record, "cli:b")
            with old.transaction() as db:
                db.execute(
                    "INSERT INTO feed_alerts (feed_id, channel_id, topic, added_at, added_by) "
                    "VALUES (?, 99, 'harbour', '2026-01-01T00:00:00Z', 'd:7')",
                    (kept,),
                )
                last = db.execute("SELECT max(seq) FROM feed_changes").fetchone()[0]
                db.execute("DELETE FROM feed_changes WHERE seq = ?", (last,))  # its number is never given again
            with old._reading() as db:
                before = [tuple(r) for r in db.execute(f"SELECT {OLD_COLUMNS} FROM feed_changes ORDER BY seq")]
                changes = [tuple(r) for r in db.execute("SELECT * FROM changes ORDER BY seq")]
            assert [(r[0], r[3], r[4]) for r in before] == [(1, "subscribe", kept), (2, "subscribe", gone)]
            assert last == 3
        finally:
            old.close()

    store = open_store()  # this newsbot: migration 0010 runs
    assert store.schema_version() == 10
    with store._reading() as db:
        after = [
            tuple(r) for r in db.execute(f"SELECT {OLD_COLUMNS}, channel_id, topic FROM feed_changes ORDER BY seq")
        ]
        assert [tuple(r) for r in db.execute("SELECT * FROM changes ORDER BY seq")] == changes
    assert after == [(*row, None, None) for row in before]
    assert [(a.feed_id, a.channel_id, a.topic) for a in store.alerts(GUILD)] == [(kept, 99, "harbour")]
    assert [a.id for a in store.all(0)] == [article.id]
    assert store.remove_alert(kept, "d:8", GUILD) is True
    (newest,) = store.audit(limit=1)
    assert (newest.action, newest.feed_id, newest.channel_id, newest.topic) == ("alert-off", kept, 99, "harbour")
    with store._reading() as db:
        assert db.execute("SELECT max(seq) FROM feed_changes").fetchone()[0] == 4  # not 3: that was given
    if store_backend == "sqlite":
        with store._reading() as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
            names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'feed_changes%'")}
        assert names == {"feed_changes"}  # the rebuilt table took the old one's name; nothing left behind
