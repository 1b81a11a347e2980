"""Reading a coverage back in insertion order (what an index build does with every article) walks the primary key:
SQLite's plan for the next batch neither sorts nor reads the rows after it, however many there are."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.core.models import ArticleIn
from bot.storage.articles import _NEXT_IN_ORDER
from bot.storage.store import Store

GUILD = 111_222_333_444_555_666


def _article(i: int) -> ArticleIn:
    return ArticleIn(
        title=f"Story {i}", source="Wire", date="2020-01-02", url=f"https://example.com/{i}", body=f"Text {i}."
    )


def test_the_next_batch_in_order_is_read_along_the_primary_key_without_a_sort(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    try:
        stored = store.add_many(0, [_article(i) for i in range(300)], actor="t")
        own = store.add(GUILD, _article(300), actor="t", guild_id=GUILD)
        store.remove(GUILD, stored[1].id, actor="t", guild_id=GUILD)
        assert [a.id for a in store.iter_all(0, batch=7)] == [a.id for a in stored]
        assert [a.id for a in store.iter_all(GUILD, batch=7)] == [stored[0].id, *(a.id for a in stored[2:]), own.id]
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        plan = [
            row[3] for row in db.execute("EXPLAIN QUERY PLAN " + _NEXT_IN_ORDER, {"server": 0, "last": 5, "batch": 7})
        ]
    assert plan[0] == "SEARCH a USING INTEGER PRIMARY KEY (rowid>?)"
    assert not any("TEMP B-TREE" in step for step in plan), plan
