"""The store under test, once on each backend: the store tests are one suite for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.storage.pg_store import PgStore
from bot.storage.store import Store

#: Either backend's store: the rows classes over SQLite's connection or PostgreSQL's.
AnyStore = Store | PgStore


@pytest.fixture
def open_store(store_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[], AnyStore]]:
    """Open the test's store (the same one each call: another process's connection to it); closed at the end."""
    opened: list[AnyStore] = []

    def make() -> AnyStore:
        store: AnyStore
        if store_backend == "sqlite":
            store = Store(tmp_path / "db.sqlite3")
        else:
            store = PgStore(request.getfixturevalue("pg_url"))
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[[], AnyStore]) -> AnyStore:
    return open_store()
