"""What can be wrong with a database, found before anything is written to it, and how each fault is reported.

Two rules. A database that shrank (a zero-byte or truncated file), lost its tables or fails SQLite's quick check
is *never* written over: newsbot refuses to use it and says what to do (:class:`StoreDamaged`), because the
alternative, seeding a fresh corpus over it, silently throws away every article it held. And a fault that is
not damage is never reported as damage: a database locked by another writer is busy (:class:`StoreBusy`, try
again), a full disk is a full disk (:class:`DiskFull`), a file newsbot may not write is a permissions problem.
Telling a user whose database is merely busy to "restore a backup or move the file aside" would lose the data
that advice claims to save.

The checks on opening are cheap (the file's size, its 100-byte header, the table names); the full quick check
reads every page and runs where a damaged database would do harm: before seeding, when the bot starts, and in
``newsbot doctor``.
"""

from __future__ import annotations

import os
import sqlite3
import struct
from pathlib import Path

from bot.core.errors import DiskFull, StoreBusy, StoreDamaged, StoreError

__all__ = [
    "BUSY_MESSAGE",
    "REQUIRED_TABLES",
    "check_file",
    "check_tables",
    "damaged",
    "disk_full",
    "quick_check",
    "store_error",
]

BUSY_MESSAGE = "the database is busy: another newsbot process is writing; try again"
#: Tables every newsbot database has had since its first migration.
REQUIRED_TABLES = ("schema_migrations", "articles", "changes", "meta")
_HEADER = b"SQLite format 3\x00"
_LOW_SPACE_BYTES = 1_000_000  # below this, an I/O error while writing is the disk being full
_RESTORE_ADVICE = (
    "stop newsbot and restore a backup with `newsbot restore FILE --yes` (it moves this file aside first); "
    "without a backup, move the file aside and newsbot starts again from its shipped corpus"
)
_EMPTIED = "it was truncated or replaced, and the articles it held are gone from it"
_EMPTIED = "it was truncated or replaced, and the articles it held are gone from it"
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR = 5, 6, 8, 10
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB, _SQLITE_PERM = 11, 13, 14, 26, 3


def damaged(path: str, what: str) -> StoreDamaged:
    """The error for a database that must not be used or written over: what is wrong, then what to do."""
    return StoreDamaged(f"the database {path} {what}; {_RESTORE_ADVICE}")


def disk_full(path: str) -> DiskFull:
    folder = Path(path).parent
    return DiskFull(
        f"the disk is full ({folder} has no space left); nothing was changed: free some space and try again"
    )


def store_error(exc: sqlite3.Error, path: str) -> StoreError:
    """The newsbot error for an SQLite error on the database at ``path``: busy, disk full, damaged or other."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    text = str(exc)
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in text:
        return StoreBusy(BUSY_MESSAGE)
    if code == _SQLITE_FULL or "database or disk is full" in text:
        return disk_full(path)
    if code == _SQLITE_IOERR:
        if _free_bytes(path) < _LOW_SPACE_BYTES:
            return disk_full(path)
        return StoreError(
            f"the disk failed while reading or writing the database {path} ({text}); nothing was changed: "
            "check the disk, then run `newsbot doctor`"
        )
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or (isinstance(exc, sqlite3.DatabaseError) and _looks_damaged(text)):
        return damaged(path, f"is damaged ({text})")
    if code in (_SQLITE_READONLY, _SQLITE_CANTOPEN, _SQLITE_PERM):
        return StoreError(
            f"cannot write the database {path} ({text}): check that the data directory and its files belong to "
            "the user running newsbot"
        )
    return StoreError(f"the database {path} failed: {text}")


def _looks_damaged(text: str) -> bool:
    return any(s in text for s in ("malformed", "not a database", "corrupt"))


def _free_bytes(path: str) -> int:
    try:
        stat = os.statvfs(Path(path).parent)
    except OSError:
        return _LOW_SPACE_BYTES  # cannot tell: do not claim the disk is full
    return stat.f_bavail * stat.f_frsize


def check_file(path: Path) -> None:
    """Refuse a database file that is empty, is not SQLite, or is shorter than its own header says (truncated).

    The length check is skipped while a write-ahead log holds frames: SQLite may then legitimately be between
    writing the header and extending the file during a checkpoint, and it finishes that from the log."""
    shown = str(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        raise StoreError(f"cannot read the database {shown}: {exc.strerror or exc}") from None
    if size == 0:
        raise damaged(
            shown, "is an empty file (0 bytes): it was truncated or replaced, and the articles it held are gone from it"
        )
    if not header.startswith(_HEADER):
        raise damaged(shown, "is not an SQLite database (its first bytes are not SQLite's header)")
    if len(header) < 100:
        raise damaged(shown, f"is truncated ({size} bytes, shorter than SQLite's header)")
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    changes, pages = struct.unpack(">II", header[24:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    wal = path.with_name(path.name + "-wal")
    wal_frames = wal.exists() and wal.stat().st_size > 32
    if changes == valid_for and pages and size < pages * page_size and not wal_frames:
        raise damaged(shown, f"is truncated: the file has {size:,} bytes, its header says {pages * page_size:,}")


def check_tables(db: sqlite3.Connection, path: str) -> None:
    """Refuse a database that is missing one of newsbot's tables (it lost them, or it is not newsbot's)."""
    names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [t for t in REQUIRED_TABLES if t not in names]
    if not missing:
        return
    if len(missing) == len(REQUIRED_TABLES):
        what = "has none of newsbot's tables (it lost them, or it is not a newsbot database)"
        if not names:
            what += "; if this data directory is new and empty, delete the file and run newsbot again"
        raise damaged(path, what)
    raise damaged(path, f"has lost its tables {', '.join(missing)}")


def quick_check(db: sqlite3.Connection, path: str) -> None:
    """SQLite's quick check (every page read, structure checked); StoreDamaged naming the first problem."""
    try:
        rows = db.execute("PRAGMA quick_check(5)").fetchall()
    except sqlite3.DatabaseError as exc:
        raise store_error(exc, path) from None
    problems = [" ".join(str(r[0]).replace("*** in database main ***", "").split()) for r in rows]
    if problems != ["ok"]:
        found = "; ".join(p for p in problems if p)
        raise damaged(path, f"fails SQLite's quick check ({found[:300]})")
