"""What the rows classes need of a database, whichever it is: reads and write transactions, and the meta table.

The rows classes (:mod:`bot.storage.articles`, :mod:`.changes`, :mod:`.feeds`, :mod:`.servers`) are the only SQL for
newsbot's tables, and the same SQL runs on both backends: SQLite (:class:`bot.storage.connection.Connection`) and
PostgreSQL (:class:`bot.storage.pg_connection.PgConnection`). So it is written in what the two dialects share:
``?`` or ``:name`` placeholders, ``ON CONFLICT``, ``RETURNING``, ``count(*) FILTER (WHERE ...)``, a name for every
subquery in FROM; rows are read by column name or position.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.errors import StoreDamaged, StoreError

__all__ = ["ConstraintViolation", "Cursor", "Database", "Db", "Health", "Row"]


class Row(Protocol):
    """A row: by column name (``row["id"]``) or position (``row[0]``); a two-column row unpacks as a pair."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Db(Protocol):
    """The connection a read or a transaction hands its body: ``execute`` and ``executemany``, DB-API style."""

    def execute(self, sql: str, parameters: Any = (), /) -> Cursor: ...
    def executemany(self, sql: str, parameters: Any, /) -> Cursor: ...


class ConstraintViolation(StoreError):
    """A write broke a rule the database itself enforces (a unique key): another process got there first.

    Raised by a transaction in place of the driver's own error, so the rows classes catch one exception on both
    backends; each catches it where a conflict has a meaning (a feed subscribed meanwhile)."""


@dataclass(frozen=True)
class Health:
    """What ``newsbot doctor`` reads of the store: where it is (a file, or a server's address without its password),
    its schema, its check, and which slash commands were last synced from it."""

    path: str
    schema_version: int
    integrity: str  # "ok", or what is wrong and what to do
    commands_signature: str | None
    commands_synced_to: str | None


class Database(ABC):
    """A store's connection, as the rows classes use it. ``path`` names the database in messages."""

    path: str

    @abstractmethod
    def _reading(self) -> AbstractContextManager[Db]:
        """A connection for reads (no write lock is taken); the driver's errors come out as newsbot's."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Db]:
        """One write transaction, all or nothing, with the store's write lock (writers take turns, so every
        change's number is given in the order they commit); a unique-key conflict is a ConstraintViolation."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def migrate(self) -> list[int]:
        """Apply the migrations not applied yet; return their numbers."""

    @abstractmethod
    def schema_version(self) -> int: ...

    @abstractmethod
    def verify(self) -> None:
        """Check the database can be used; :class:`bot.core.errors.StoreDamaged` if it cannot."""

    def _check_schema(self, version: int, latest: int, migrate: bool) -> None:
        """On opening: refuse a schema newer than this newsbot's; migrate an older one (unless only looking)."""
        if version > latest:
            raise StoreError(
                f"the database {self.path} has schema version {version}, newer than this newsbot's ({latest}): "
                "upgrade newsbot"
            )
        if version < latest and migrate:
            self.migrate()

    def health(self) -> Health:
        try:
            self.verify()
            integrity = "ok"
        except StoreDamaged as exc:
            integrity = str(exc)
        return Health(
            path=self.path,
            schema_version=self.schema_version(),
            integrity=integrity,
            commands_signature=self.get_meta("commands_signature"),
            commands_synced_to=self.get_meta("commands_synced_to"),
        )

    def get_meta(self, key: str) -> str | None:
        with self._reading() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            set_meta(db, {key: value})

    def store_id(self) -> str:
        """A random id given to this store when it was created (a saved index names the store it belongs to)."""
        value = self.get_meta("store_id")
        if value is None:
            with self.transaction() as db:
                db.execute(STORE_ID_SQL, (uuid.uuid4().hex,))
            value = self.get_meta("store_id")
        assert value is not None
        return value


#: Give a new store its id (a no-op when it has one).
STORE_ID_SQL = "INSERT INTO meta (key, value) VALUES ('store_id', ?) ON CONFLICT (key) DO NOTHING"


def set_meta(db: Db, values: dict[str, str]) -> None:
    """Set meta keys inside the caller's transaction."""
    for key, value in values.items():
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def marks(values: Sequence[object]) -> str:
    """``?,?,?`` for an IN (...) list of ``values``."""
    return ",".join("?" * len(values))
