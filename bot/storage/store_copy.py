"""Copying a data directory's SQLite store into PostgreSQL (``newsbot migrate-store``), with nothing lost.

Every table is copied row for row with its numbers (article and change numbers, feed ids, answer ids), so the
change log, the audit trail and everything that names a number stay true, and the store keeps its id: the index
caches in the data directory still belong to it and load without a rebuild. The copy is one transaction (all of it
or nothing), then every table is counted on both sides.

Safe to run again. A target that already holds this store (same id, same history) is only verified, and one that
went on from it (the bot has been running on PostgreSQL since) is left alone; a target holding anything else is
refused, whatever it is, so nothing is ever merged into or written over another store.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bot.core.errors import InvalidInput
from bot.core.models import StoreCopy
from bot.storage.pg_connection import pg_error
from bot.storage.pg_store import PgStore
from bot.storage.store import Store

__all__ = ["copy_to_postgresql"]


def copy_to_postgresql(database: Path, url: str) -> StoreCopy:
    """Copy the SQLite store at ``database`` into the PostgreSQL store at ``url`` (see the module docstring)."""
    started = time.perf_counter()
    if not database.is_file():
        raise InvalidInput(f"{database}: no SQLite store to copy (set --data-dir to the data directory that has one)")
    source = Store(database)  # refuses a damaged one; brings an old schema up to this newsbot's
    try:
        source.verify()
        target = PgStore(url)
        try:
            return _copy(source, target, started)
        finally:
            target.close()
    finally:
        source.close()


def _copy(source: Store, target: PgStore, started: float) -> StoreCopy:
    tables = _tables_in_order(source)
    store_id = source.store_id()
    with source._reading() as src:
        src.execute("BEGIN")  # one snapshot of the source, whatever another process writes meanwhile
        try:
            return _copy_snapshot(source, src, target, tables, store_id, started)
        except psycopg.Error as exc:
            raise pg_error(exc, target.path) from None
        finally:
            src.execute("ROLLBACK")


def _copy_snapshot(
    source: Store, src: Any, target: PgStore, tables: list[str], store_id: str, started: float
) -> StoreCopy:
    with target._locked() as conn:
        missing = [t for t in tables if not _pg_columns(conn, t)]
        if missing:
            raise InvalidInput(f"{target.path} has no table {', '.join(missing)}: is it this newsbot's schema?")
        target_id = _meta(conn, "store_id")
        if target_id == store_id:
            ahead = _history(src, conn, target.path, store_id)
            if ahead is not None:  # the same store: verify, write nothing
                counts = tuple((t, _sqlite_count(src, t), _pg_count(conn, t)) for t in tables)
                seconds = round(time.perf_counter() - started, 2)
                return StoreCopy(source.path, target.path, store_id, False, counts, ahead, seconds)
            # an earlier copy, behind the SQLite store and with nothing of its own: replaced by a fresh copy
            names = sql.SQL(", ").join(sql.Identifier(t) for t in tables)
            conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY").format(names))
        else:
            held = {t: n for t in tables if t != "meta" and (n := _pg_count(conn, t))}
            if held:
                what = ", ".join(f"{n:,} {t}" for t, n in held.items())
                raise InvalidInput(
                    f"{target.path} holds another newsbot store ({what}; store id {target_id}); nothing was "
                    "copied: copy into an empty database or schema"
                )
            conn.execute("DELETE FROM meta")  # a new store's own id and nothing else: replaced by the source's
        for table in tables:
            _copy_table(src, conn, table)
        _advance_identities(src, conn, tables)
    counts = _counts(src, target, tables)
    return StoreCopy(source.path, target.path, store_id, True, counts, 0, round(time.perf_counter() - started, 2))


def _history(src: Any, conn: psycopg.Connection[Any], where: str, store_id: str) -> int | None:
    """How a target with this store's id stands to the source: the number of changes (of articles and feeds) it
    has beyond the source's (0: the same history), or None when it is an earlier copy the source has gone on from
    (both logs agree up to the target's newest line). A history of its own is refused."""
    ahead = behind = 0
    for table, fingerprint in (("changes", "at, action, article_id"), ("feed_changes", "at, action, feed_id")):
        mine = int(src.execute(f"SELECT coalesce(max(seq), 0) FROM {table}").fetchone()[0])
        theirs = int(conn.execute(f"SELECT coalesce(max(seq), 0) FROM {table}").fetchone()[0])  # type: ignore[index]
        shared = min(mine, theirs)
        a = src.execute(f"SELECT {fingerprint} FROM {table} WHERE seq = ?", (shared,)).fetchone()
        b = conn.execute(f"SELECT {fingerprint} FROM {table} WHERE seq = %s", (shared,)).fetchone()
        if (None if a is None else tuple(a)) != (None if b is None else tuple(b)):
            raise InvalidInput(
                f"{where} holds a copy of this store (id {store_id}) that has a history of its own since "
                f"({table} {shared:,} differs): nothing was copied; copy into an empty database or schema"
            )
        ahead += max(theirs - mine, 0)
        behind += max(mine - theirs, 0)
    if behind and ahead:
        raise InvalidInput(
            f"{where} holds a copy of this store (id {store_id}), and both went on from it: nothing was copied; "
            "copy into an empty database or schema"
        )
    return None if behind else ahead


def _tables_in_order(source: Store) -> list[str]:
    """The store's tables (all but SQLite's own and the schema record), each after the tables it refers to."""
    with source._reading() as db:
        names = [
            str(r[0])
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name <> 'schema_migrations' ORDER BY name"
            )
        ]
        refers = {n: {str(r["table"]) for r in db.execute(f'PRAGMA foreign_key_list("{n}")')} for n in names}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and refers[n] <= {*ordered, n}]
        if not ready:
            raise InvalidInput("the SQLite store's tables refer to each other in a circle: cannot order the copy")
        ordered.extend(ready)
    return ordered


def _copy_table(src: Any, conn: psycopg.Connection[Any], table: str) -> None:
    """Every row of ``table``, its columns by name, with COPY (the fast way in)."""
    cursor = src.execute(f'SELECT * FROM "{table}"')
    columns = [d[0] for d in cursor.description]
    wanted = _pg_columns(conn, table)
    extra = [c for c in columns if c not in wanted]
    if extra:
        raise InvalidInput(f"the PostgreSQL table {table} has no column {', '.join(extra)}: upgrade its schema")
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with conn.cursor().copy(statement) as copy:
        while rows := cursor.fetchmany(2000):
            for row in rows:
                copy.write_row(tuple(row))


def _advance_identities(src: Any, conn: psycopg.Connection[Any], tables: list[str]) -> None:
    """Each identity column's next number after the highest ever given in SQLite (AUTOINCREMENT's promise: an
    article, change or feed number removed is never given again)."""
    given = {str(r[0]): int(r[1]) for r in src.execute("SELECT name, seq FROM sqlite_sequence")}
    rows = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'"
    ).fetchall()
    for table, column in rows:
        if table not in tables:
            continue
        highest = conn.execute(
            sql.SQL("SELECT coalesce(max({}), 0) FROM {}").format(sql.Identifier(column), sql.Identifier(table))
        ).fetchone()
        top = max(given.get(table, 0), int(highest[0]) if highest else 0)
        conn.execute(
            "SELECT setval(pg_get_serial_sequence(%s, %s), %s, %s)",
            (_qualified(table), column, max(top, 1), top > 0),
        )


def _counts(src: Any, target: PgStore, tables: list[str]) -> tuple[tuple[str, int, int], ...]:
    """Every table counted on both sides, after the copy committed (a fresh connection: what others see)."""
    with target._connection() as conn:
        return tuple((t, _sqlite_count(src, t), _pg_count(conn, t)) for t in tables)


def _pg_columns(conn: psycopg.Connection[Any], table: str) -> set[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s",
        (table,),
    ).fetchall()
    return {str(r[0]) for r in rows}


def _pg_count(conn: psycopg.Connection[Any], table: str) -> int:
    row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
    return int(row[0]) if row else 0


def _sqlite_count(src: Any, table: str) -> int:
    return int(src.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])


def _meta(conn: psycopg.Connection[Any], key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
    return None if row is None else str(row[0])


def _qualified(table: str) -> str:
    return f'"{table}"'
