from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.core.errors import ArticleNotFound, DuplicateArticle
from bot.core.models import ArticleIn
from bot.service import NewsService, shipped_corpus_dir
from bot.storage.store import Store


def make(title: str, body: str = "", url: str | None = None) -> ArticleIn:
    return ArticleIn(title=title, source="Test Wire", date="2020-01-02", url=url, body=body)


def test_migrations_are_numbered_and_recorded(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    assert store.schema_version() == 4
    assert store.migrate() == []  # nothing left to apply
    rows = store._db.execute("SELECT version, name FROM schema_migrations").fetchall()
    assert [tuple(r) for r in rows] == [(1, "initial"), (2, "feeds"), (3, "servers"), (4, "answers")]
    store.close()


def test_seeding_is_idempotent(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    service = NewsService(store, corpus_dir=shipped_corpus_dir())
    assert store.count() == 31
    version = store.version()
    assert service.seed(shipped_corpus_dir()) == 0
    store.close()
    again = NewsService(Store(tmp_path / "db.sqlite3"), corpus_dir=shipped_corpus_dir())
    assert again.count() == 31 and again.version() == version
    again.close()


def test_seeding_is_one_transaction(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("---\ntitle: Fine\nsource: AP\n---\nText.\n")
    (corpus / "b.md").write_text("---\ntitle: Broken\nsource: AP\ndate: 2020-02-31\n---\n")
    with pytest.raises(Exception, match="b.md"):
        NewsService(Store(tmp_path / "db.sqlite3"), corpus_dir=corpus)
    store = Store(tmp_path / "db.sqlite3")
    assert store.count() == 0
    store.close()


def test_a_failed_batch_leaves_nothing_behind(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    text = (
        "The council met on Monday and voted to close the old harbour bridge to all traffic until the end of the year."
    )
    store.add(0, make("One", text), actor="test")
    with pytest.raises(DuplicateArticle):
        store.add_many(0, [make("Two", "Second text."), make("Three", text)], actor="test")
    assert [a.title for a in store.all()] == ["One"]
    assert len(store.changes()) == 1
    store.close()


def test_every_change_is_logged_with_who_and_when(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
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
    store.close()


def test_the_url_is_unique_in_the_database_itself(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    store.add(0, make("One", url="https://example.com/a"), actor="test")
    with pytest.raises(sqlite3.IntegrityError):
        store._db.execute(
            "INSERT INTO articles (id, title, source, url_key, added_at, added_by) VALUES ('x-1', 't', 's', ?, 'now', 't')",
            ("https://example.com/a",),
        )
    store.close()


def test_another_process_sees_changes(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    first, second = NewsService.open(settings), NewsService.open(settings)
    assert not second.ask("Why did the Zanzibar council ban drones?").answered
    first.add(make("Zanzibar bans drones", "The Zanzibar council banned drones over the harbour."), actor="test")
    answer = second.ask("Why did the Zanzibar council ban drones?")
    assert answer.quotes[0].text == "The Zanzibar council banned drones over the harbour."
    first.close()
    second.close()
