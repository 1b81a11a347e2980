"""The PostgreSQL connection: a pool of psycopg connections, the numbered migrations run once however many
processes start together, write transactions that take turns, and the server's errors as newsbot's.

Selected by ``NEWSBOT_DATABASE_URL`` (:func:`bot.storage.store.open_store`); the rows classes run on it unchanged
(:mod:`bot.storage.database` says in which SQL). Three rules make it behave as the SQLite store does:

- **Writers take turns.** Every write transaction first takes a transaction-scoped advisory lock (SQLite's
  ``BEGIN IMMEDIATE``), so the duplicate rule holds across hosts (two hosts adding the same URL at once: the second
  is told it is a duplicate), and the change log's numbers are given in commit order: a process that has read the
  log up to change N never later finds a change numbered below N, so catching up from the log misses nothing.
- **Migrations run once.** Opening reads the schema version without any lock; only a store behind this newsbot's
  schema takes the migration lock, looks again and applies what is still missing, all in one transaction (DDL is
  transactional: a kill leaves the old schema, never half a new one). Readers never wait when the schema is current.
- **Faults are the user's to retry.** A server that is down, restarting or unreachable is
  :class:`bot.core.errors.StoreUnavailable` ("try again"); a connection broken by a restart is noticed when it is
  taken from the pool (a cheap check) and replaced, so the first question after a restart is answered.

Every lock key and table lives in the schema the connection's ``search_path`` names (``public`` by default), so one
database can hold several newsbot stores (tests give each its own schema).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, LiteralString, cast

import psycopg
import psycopg.errors
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.core.errors import DiskFull, StoreBusy, StoreDamaged, StoreError, StoreUnavailable
from bot.core.models import now_iso
from bot.storage.connection import migration_files, statements
from bot.storage.database import STORE_ID_SQL, ConstraintViolation, Cursor, Database, Db
from bot.storage.health import BUSY_MESSAGE, REQUIRED_TABLES

__all__ = [
    "UNAVAILABLE_MESSAGE",
    "PgConnection",
    "describe_url",
    "latest_pg_schema_version",
    "pg_error",
    "pg_migrations",
    "unavailable",
]

UNAVAILABLE_MESSAGE = "the database is unavailable; try again"

_WRITE_LOCK = 0x6E770001  # pg_advisory_xact_lock(key, hashtext(current_schema())): one writer at a time
_MIGRATE_LOCK = 0x6E770002  # ... and one process migrating at a time
_BUSY_S = 10  # how long a writer waits for another before the store reports itself busy (SQLite's busy timeout)
_CONNECT_S = 5  # how long opening a connection, or waiting for one from the pool, may take
_POOL_SIZE = 4  # connections per process: reads from several threads at once, writes take turns anyway
_MIGRATING_S = 300  # how long a starting process waits for another that is migrating the schema
# A server that vanishes (a host down, a network cut) rather than closing its connections is noticed within about
# 10-30 s (TCP keepalives on idle connections, tcp_user_timeout on unanswered writes), not the system's 15 minutes.
_LINK: dict[str, Any] = {
    "connect_timeout": _CONNECT_S,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}


class PgConnection(Database):
    """A pool of connections to one PostgreSQL store (thread-safe), and the schema it holds."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        """Connect to the store at ``url`` and bring its schema up to this newsbot's (``migrate=False`` leaves it,
        for ``newsbot doctor``). A database newsbot never used gets every table; one that has some of newsbot's
        tables but not its schema record is refused (:class:`bot.core.errors.StoreDamaged`), never written over."""
        self.url = url
        self.path = describe_url(url)
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=_POOL_SIZE,
            timeout=_CONNECT_S,
            kwargs={"autocommit": True, "application_name": "newsbot", **_LINK},
            configure=_configure,
            check=ConnectionPool.check_connection,
            open=False,
            name=f"newsbot-{uuid.uuid4().hex[:6]}",
        )
        try:
            psycopg.connect(url, **_LINK).close()  # fails at once, with the server's reason
            self._pool.open(wait=True, timeout=_CONNECT_S)
        except psycopg.Error as exc:
            raise pg_error(exc, self.path) from None
        except PoolTimeout:
            self._pool.close()
            raise unavailable(self.path, "no connection within the time allowed") from None
        try:
            version = self.schema_version()
            self._check_schema(version, latest_pg_schema_version(), migrate)
            if version:
                self.verify()
        except BaseException:
            self._pool.close()
            raise

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self._pool.connection() as conn:
                yield conn
        except PoolTimeout:
            raise unavailable(self.path, "no connection within the time allowed") from None

    @contextmanager
    def _reading(self) -> Iterator[Db]:
        try:
            with self._connection() as conn:
                yield _PgDb(conn)
        except psycopg.Error as exc:
            raise pg_error(exc, self.path) from None

    @contextmanager
    def _locked(self) -> Iterator[psycopg.Connection[Any]]:
        """A psycopg connection in a transaction holding the write lock (the driver's own errors come out)."""
        with self._connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (_WRITE_LOCK,))
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[Db]:
        """One write transaction holding the write lock; commits at the end, rolls back on any error."""
        try:
            with self._locked() as conn:
                yield _PgDb(conn)
        except psycopg.errors.IntegrityError as exc:
            raise ConstraintViolation(f"the database {self.path} refused a change: {_first_line(exc)}") from exc
        except psycopg.Error as exc:
            raise pg_error(exc, self.path) from None

    def schema_version(self) -> int:
        """The newest migration applied (0: none, a database newsbot never used)."""
        with self._reading() as db:
            if db.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is None:
                return 0
            row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def migrate(self) -> list[int]:
        """Apply the migrations not applied yet, all in one transaction under the migration lock."""
        applied: list[int] = []
        try:
            with self._connection() as conn, conn.transaction():
                conn.execute(f"SET LOCAL lock_timeout = '{_MIGRATING_S}s'")  # a migration may take a while
                conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (_MIGRATE_LOCK,))
                tables = _tables(conn)
                if "schema_migrations" not in tables:
                    found = sorted(tables & {*REQUIRED_TABLES, "feeds", "servers", "overrides"})
                    if found:
                        raise StoreDamaged(
                            f"the database {self.path} has newsbot's tables ({', '.join(found)}) but no record of "
                            "its schema (schema_migrations): it is not newsbot's, or it lost that table; newsbot "
                            "will not write over it: point NEWSBOT_DATABASE_URL at an empty database or schema"
                        )
                    conn.execute(
                        "CREATE TABLE schema_migrations "
                        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                    )
                done = {int(r[0]) for r in conn.execute("SELECT version FROM schema_migrations")}
                for version, name, sql in pg_migrations():
                    if version in done:
                        continue  # applied by another process since this one looked
                    for statement in statements(sql):
                        conn.execute(statement)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                        (version, name, now_iso()),
                    )
                    applied.append(version)
                conn.execute(_translate(STORE_ID_SQL), (uuid.uuid4().hex,))
        except psycopg.Error as exc:
            raise pg_error(exc, self.path) from None
        return applied

    def verify(self) -> None:
        """Every table newsbot needs is there; StoreDamaged naming the missing ones otherwise.

        PostgreSQL checks its own pages (and its replicas and pg_dump are the operator's safety net), so there is no
        quick check of the kind SQLite needs: what newsbot can lose on its own is a table."""
        with self._connection() as conn:
            try:
                tables = _tables(conn)
            except psycopg.Error as exc:
                raise pg_error(exc, self.path) from None
        missing = [t for t in _created_tables() if t not in tables]
        if missing:
            raise StoreDamaged(
                f"the database {self.path} has lost its tables {', '.join(missing)}; restore it from a backup "
                "(pg_restore), or point NEWSBOT_DATABASE_URL at an empty database or schema"
            )


class _PgDb:
    """A psycopg connection speaking the rows classes' SQL (``?`` and ``:name`` placeholders)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, parameters: Any = (), /) -> Cursor:
        cursor = self._conn.cursor(row_factory=_row_factory)
        cursor.execute(_translate(sql), parameters if parameters else None)
        return cast(Cursor, cursor)

    def executemany(self, sql: str, parameters: Any, /) -> Cursor:
        cursor = self._conn.cursor(row_factory=_row_factory)
        cursor.executemany(_translate(sql), list(parameters))
        return cast(Cursor, cursor)


class _Row(tuple[Any, ...]):
    """A row that reads by column name, as sqlite3.Row does, and by position."""

    _names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor: psycopg.Cursor[Any]) -> Any:
    names = {column.name: i for i, column in enumerate(cursor.description or ())}
    row_class = type("Row", (_Row,), {"_names": names})

    def make(values: Sequence[Any]) -> _Row:
        return cast(_Row, row_class(values))

    return make


# A single-quoted literal (kept as it is), a ``?``, a ``:name`` (not a ``::`` cast), or a ``%``.
_TOKEN = re.compile(r"'(?:[^']|'')*'|\?|(?<!:):([A-Za-z_]\w*)|%")


@lru_cache(maxsize=512)
def _translate(sql: str) -> LiteralString:
    """The rows classes' SQL with psycopg's placeholders (``%s``, ``%(name)s``) and ``%`` escaped."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith("'"):
            return token.replace("%", "%%")
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        return f"%({match.group(1)})s"

    return _TOKEN.sub(replace, sql)


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Every pooled connection: a writer waits this long for the write lock, then the store is busy."""
    conn.execute(f"SET lock_timeout = '{_BUSY_S}s'")


@lru_cache(maxsize=1)
def _created_tables() -> tuple[str, ...]:
    """Every table the migrations create (what a current store must have)."""
    sql = "\n".join(text for _, _, text in pg_migrations())
    return tuple(dict.fromkeys(re.findall(r"^CREATE TABLE (\w+)", sql, flags=re.M)))


def _tables(conn: psycopg.Connection[Any]) -> set[str]:
    rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
    return {str(r[0]) for r in rows}


# What a server says while it starts, stops or is full: worth trying again soon.
_TRANSIENT = ("starting up", "shutting down", "too many clients", "recovery mode", "terminating connection")


def unavailable(where: str, reason: str) -> StoreUnavailable:
    """The server is away: the user is told to try again (no address: the message may reach Discord); which
    server and why is the operator's, in ``details`` (the command line and ``newsbot doctor`` print it)."""
    error = StoreUnavailable(UNAVAILABLE_MESSAGE)
    error.details = f"{where}: {reason}"
    return error


def pg_error(exc: psycopg.Error, where: str) -> StoreError:
    """The newsbot error for a PostgreSQL error: unavailable, busy, disk full, permission, or other."""
    text = _first_line(exc)
    if isinstance(exc, psycopg.errors.LockNotAvailable | psycopg.errors.DeadlockDetected):
        return StoreBusy(BUSY_MESSAGE)
    if isinstance(exc, psycopg.errors.SerializationFailure):
        return StoreBusy(BUSY_MESSAGE)
    if isinstance(exc, psycopg.errors.DiskFull):
        return DiskFull(f"the database server's disk is full ({where}); nothing was changed: free some space")
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return StoreError(f"the database {where} refused newsbot ({text}): grant its role the privileges it needs")
    if isinstance(exc, psycopg.errors.UndefinedTable):
        return StoreDamaged(f"the database {where} has lost a table ({text}); run `newsbot doctor`")
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        reason = text.rsplit(" failed: ", 1)[-1].replace("FATAL:  ", "").strip()
        if "FATAL:" in text and not any(word in text for word in _TRANSIENT):
            return StoreError(f"the database {where} refused newsbot ({reason}): check NEWSBOT_DATABASE_URL")
        return unavailable(where, reason)
    return StoreError(f"the database {where} failed: {text}")


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def describe_url(url: str) -> str:
    """The store's address for messages and logs, without its password: ``postgresql://user@host:port/db``."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(an address that cannot be read)"
    user = parts.get("user")
    host = parts.get("host") or "localhost"
    port = parts.get("port")
    address = f"{host}:{port}" if port else str(host)
    shown = f"postgresql://{f'{user}@' if user else ''}{address}/{parts.get('dbname') or ''}"
    schema = re.search(r"search_path\s*=\s*([\w,]+)", str(parts.get("options") or ""))
    return shown + (f" (schema {schema.group(1)})" if schema else "")


def latest_pg_schema_version() -> int:
    return max(version for version, _, _ in pg_migrations())


def pg_migrations() -> list[tuple[int, str, str]]:
    """The PostgreSQL migrations, ``NNNN_name.pg.sql`` beside SQLite's ``NNNN_name.sql`` (same numbers, names)."""
    return migration_files(".pg.sql")
