"""The store's promises, on both backends (``store_backend``: SQLite, PostgreSQL): migrations, seeding, one
transaction per change, the change log and who made each change, the database's own unique keys."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.core.errors import ArticleNotFound, DuplicateArticle
from bot.core.models import ArticleIn
from bot.service import NewsService, shipped_corpus_dir
from bot.storage.connection import latest_schema_version, migration_files
from bot.storage.database import ConstraintViolation
from tests.storage.conftest import AnyStore


def make(title: str, body: str = "", url: str | None = None) -> ArticleIn:
    return ArticleIn(title=title, source="Test Wire", date="2020-01-02", url=url, body=body)


def test_every_migration_has_its_postgresql_twin() -> None:
    """A table added for SQLite (NNNN_name.sql) is added for PostgreSQL too (NNNN_name.pg.sql), same number."""
    sqlite = [(v, n) for v, n, _ in migration_files(".sql")]
    postgresql = [(v, n) for v, n, _ in migration_files(".pg.sql")]
    assert sqlite == postgresql
    assert [v for v, _ in sqlite] == list(range(1, len(sqlite) + 1))


def test_migrations_are_numbered_and_recorded(store: AnyStore) -> None:
    migrations = [(version, name) for version, name, _ in migration_files(".sql")]
    assert migrations[:2] == [(1, "initial"), (2, "feeds")]  # the files are read: numbers and names
    assert store.health().schema_version == len(migrations) == latest_schema_version()
    assert store.migrate() == []  # nothing left to apply
    with store._reading() as db:
        rows = db.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    assert [tuple(r) for r in rows] == migrations  # every one applied once, in order, under its file's name


def test_seeding_is_idempotent(store_backend: str) -> None:
    service = NewsService.open(load_settings())
    assert service.count() == 31
    version = service.version()
    assert service.seed(shipped_corpus_dir()) == 0
    service.close()
    again = NewsService.open(load_settings())
    assert again.count() == 31 and again.version() == version
    again.close()


def test_seeding_is_one_transaction(store_backend: str, tmp_path: Path, open_store: Callable[[], AnyStore]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("---\ntitle: Fine\nsource: AP\n---\nText.\n")
    (corpus / "b.md").write_text("---\ntitle: Broken\nsource: AP\ndate: 2020-02-31\n---\n")
    with pytest.raises(Exception, match="b.md"):
        NewsService.open(load_settings(corpus_dir=corpus))
    assert open_store().count() == 0


def test_a_failed_batch_leaves_nothing_behind(store: AnyStore) -> None:
    text = (
        "The council met on Monday and voted to close the old harbour bridge to all traffic until the end of the year."
    )
    store.add(0, make("One", text), actor="test")
    with pytest.raises(DuplicateArticle):
        store.add_many(0, [make("Two", "Second text."), make("Three", text)], actor="test")
    assert [a.title for a in store.all()] == ["One"]
    assert len(store.changes()) == 1


def test_every_change_is_logged_with_who_and_when(store: AnyStore) -> None:
    article = store.add(0, make("One", "Text."), actor="discord:42")
    store.remove(0, article.id, actor="cli:alice", reason="wrong story")
    log = store.changes()
    assert [(c.action, c.actor, c.article_id, c.detail) for c in log] == [
        ("remove", "cli:alice", article.id, "wrong story"),
        ("add", "discord:42", article.id, None),
    ]
    assert all(c.at.endswith("Z") for c in log)
    with pytest.raises(ArticleNotFound):
        store.get(0, article.id)


def test_the_url_is_unique_in_the_database_itself(store: AnyStore) -> None:
    store.add(0, make("One", url="https://example.com/a"), actor="test")
    with pytest.raises(ConstraintViolation), store.transaction() as db:
        db.execute(
            "INSERT INTO articles (id, title, source, url_key, added_at, added_by) VALUES ('x-1', 't', 's', ?, 'now', 't')",
            ("https://example.com/a",),
        )
    assert store.count() == 1


def test_another_process_sees_changes(store_backend: str) -> None:
    settings = load_settings()
    first, second = NewsService.open(settings), NewsService.open(settings)
    assert not second.ask("Why did the Zanzibar council ban drones?").answered
    first.add(make("Zanzibar bans drones", "The Zanzibar council banned drones over the harbour."), actor="test")
    answer = second.ask("Why did the Zanzibar council ban drones?")
    assert answer.quotes[0].text == "The Zanzibar council banned drones over the harbour."
    first.close()
    second.close()


def test_a_sqlite_store_keeps_its_index_pages_in_a_larger_cache(tmp_path: Path) -> None:
    """Each SQLite connection asks for a page cache of CACHE_KIB (SQLite's own default, 2,000 KiB, made a bulk add
    read most of its four indexes' pages again for every batch); a batch bigger than that cache still lands whole
    or not at all, and another connection reads it."""
    from bot.storage.connection import CACHE_KIB
    from bot.storage.store import Store

    path = tmp_path / "db.sqlite3"
    store = Store(path)
    other = Store(path)
    try:
        for opened in (store, other):
            with opened._reading() as db:
                assert db.execute("PRAGMA cache_size").fetchone()[0] == -CACHE_KIB
        body = " ".join(f"word{i}" for i in range(400))  # about 3.5 KB an article: 12,000 of them exceed the cache
        big = [make(f"Article {n}", f"{body} number {n}.") for n in range(12_000)]
        with pytest.raises(DuplicateArticle):
            store.add_many(0, [*big, make("Again", f"{body} number 7.")], actor="test")
        assert other.count() == 0 and store.changes() == []
        store.add_many(0, big, actor="test")
        assert other.count() == 12_000
        assert [a.title for a in other.all()] == [a.title for a in big]
    finally:
        other.close()
        store.close()
