"""The store under test, once on each backend: the store tests are one suite for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.storage.protocol import NewsStore
from bot.storage.store import Store


@pytest.fixture
def open_store(store_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[], NewsStore]]:
    """Open the test's store (the same one each call: another process's connection to it); closed at the end."""
    opened: list[NewsStore] = []

    def make() -> NewsStore:
        if store_backend == "sqlite":
            store: NewsStore = Store(tmp_path / "db.sqlite3")
        else:
            from bot.storage.pg_store import PgStore

            store = PgStore(request.getfixturevalue("pg_url"))
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[[], NewsStore]) -> NewsStore:
    return open_store()
