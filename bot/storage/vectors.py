"""The vector cache: sentence embeddings stored by the content they embed, in their own SQLite file.

A vector is addressed by a hash of the exact text that was embedded (for a sentence, "headline: sentence"), not by
article or server: a syndicated copy, or a server's copy of the shipped coverage, finds the vector already there,
and an article removed and added again costs nothing. Vectors are float16 (768 bytes for 384 dimensions): their
cosines differ from float32's by about 1e-3, far below what separates an answer from a near-miss.

The file is separate from the store (the store holds the truth; this is derived data that can be recomputed), one
file per model so vectors of two models never mix. Every write is one SQLite transaction in WAL mode, so a kill
loses at most the batch being written and never damages what was written before; several processes can share the
file. A damaged or foreign file is reported (:class:`bot.core.errors.StoreDamaged`) and left as it is; a busy
file or a full disk is told apart from damage (:class:`~bot.core.errors.StoreBusy`, :class:`~bot.core.errors.DiskFull`).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.core.errors import DiskFull, StoreBusy, StoreDamaged, StoreError

__all__ = ["VectorCache", "text_key"]

_FORMAT = "2"
_CHUNK = 500  # keys per SELECT (well under SQLite's limit on bound parameters)
_MMAP = 1 << 34  # read through a memory map (up to 16 GB of file): no read() call per page of a lookup


def text_key(text: str) -> bytes:
    """The cache key of an embedded text: the first 16 bytes of its SHA-256 (collisions: about 2^-88 at 1M)."""
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


def _row_id(key: bytes) -> int:
    """The row a key is stored at: its first 8 bytes as SQLite's 64-bit rowid, so a lookup is one b-tree search
    (10x faster at 1M rows than a separate index on the key). The whole key is stored too and checked on read:
    two keys sharing a row id (about 3e-8 at 1M) make the later one unstored, never a wrong vector."""
    return int.from_bytes(key[:8], "little", signed=True)


class VectorCache:
    """Vectors of one model by :func:`text_key`. Thread-safe: one connection behind a lock."""

    def __init__(self, path: Path, *, model: str, dimensions: int) -> None:
        self.path = path
        self.model = model
        self.dimensions = dimensions
        self._bytes = dimensions * 2
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {path.parent}: {exc.strerror}") from None
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10.0)
            self._db.execute("PRAGMA busy_timeout = 10000")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute(f"PRAGMA mmap_size = {_MMAP}")
            self._setup()
        except sqlite3.Error as exc:
            raise self._damaged(exc) from exc

    def _setup(self) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            expected = {"format": _FORMAT, "model": self.model, "dimensions": str(self.dimensions)}
            if not tables:
                db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
                db.execute("CREATE TABLE vectors (id INTEGER PRIMARY KEY, key BLOB NOT NULL, vector BLOB NOT NULL)")
                db.executemany("INSERT INTO meta (name, value) VALUES (?, ?)", expected.items())
            elif not {"meta", "vectors"} <= tables:
                raise StoreDamaged(f"{self.path} is not a newsbot vector cache (tables: {', '.join(sorted(tables))})")
            else:
                meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
                if meta == {**expected, "format": "1"}:
                    self._upgrade_from_format_1()
                    meta = expected
                if meta != expected:
                    found = ", ".join(f"{k}={v}" for k, v in sorted(meta.items()))
                    raise StoreDamaged(f"{self.path} holds vectors of another model or format ({found})")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _upgrade_from_format_1(self) -> None:
        """Format 1 (the first release of the cache) looked keys up through an index: rewrite it keyed by row id,
        in the transaction that opens it (all or nothing)."""
        db = self._db
        db.execute("ALTER TABLE vectors RENAME TO vectors_format_1")
        db.execute("CREATE TABLE vectors (id INTEGER PRIMARY KEY, key BLOB NOT NULL, vector BLOB NOT NULL)")
        rows = db.execute("SELECT key, vector FROM vectors_format_1").fetchall()
        db.executemany(
            "INSERT OR IGNORE INTO vectors (id, key, vector) VALUES (?, ?, ?)",
            ((_row_id(bytes(key)), key, vector) for key, vector in rows),
        )
        db.execute("DROP TABLE vectors_format_1")
        db.execute("UPDATE meta SET value = ? WHERE name = 'format'", (_FORMAT,))

    def _damaged(self, exc: sqlite3.Error) -> StoreError:
        text = str(exc)
        if "full" in text:
            return DiskFull(f"cannot write the vector cache {self.path}: the disk is full")
        if "locked" in text or "busy" in text:
            return StoreBusy(f"the vector cache {self.path} is busy (another process is writing it): try again")
        return StoreDamaged(
            f"the vector cache {self.path} is damaged ({exc}); move it aside and the vectors are computed "
            "again from the articles"
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __len__(self) -> int:
        with self._lock:
            try:
                return int(self._db.execute("SELECT count(*) FROM vectors").fetchone()[0])
            except sqlite3.Error as exc:
                raise self._damaged(exc) from exc

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, npt.NDArray[np.float16]]:
        """The stored vectors of those keys that have one."""
        found: dict[bytes, npt.NDArray[np.float16]] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            try:
                for start in range(0, len(unique), _CHUNK):
                    chunk = unique[start : start + _CHUNK]
                    marks = ",".join("?" * len(chunk))
                    ids = [_row_id(k) for k in chunk]
                    for key, blob in self._db.execute(f"SELECT key, vector FROM vectors WHERE id IN ({marks})", ids):
                        if len(blob) != self._bytes:
                            raise sqlite3.DatabaseError(f"a vector of {len(blob)} bytes, not {self._bytes}")
                        found[bytes(key)] = np.frombuffer(blob, dtype="<f2")
            except sqlite3.Error as exc:
                raise self._damaged(exc) from exc
        wanted = set(unique)
        return {k: v for k, v in found.items() if k in wanted}  # a row id shared by two keys: not this key's

    def missing(self, keys: Sequence[bytes]) -> list[bytes]:
        """Those of ``keys`` with no stored vector, each once, in the order given."""
        unique = list(dict.fromkeys(keys))
        present: set[bytes] = set()
        with self._lock:
            try:
                for start in range(0, len(unique), _CHUNK):
                    chunk = unique[start : start + _CHUNK]
                    marks = ",".join("?" * len(chunk))
                    ids = [_row_id(k) for k in chunk]
                    rows = self._db.execute(f"SELECT key FROM vectors WHERE id IN ({marks})", ids)
                    present.update(bytes(row[0]) for row in rows)
            except sqlite3.Error as exc:
                raise self._damaged(exc) from exc
        return [k for k in unique if k not in present]

    def put_many(self, items: Iterable[tuple[bytes, npt.NDArray[np.floating]]]) -> int:
        """Store vectors (as float16) in one transaction: all of them or, if anything fails on the way, none; a
        key already stored keeps its vector. Returns how many were new."""

        def rows() -> Iterator[tuple[int, bytes, bytes]]:
            for key, vector in items:
                if vector.shape != (self.dimensions,):
                    raise ValueError(f"a vector of shape {vector.shape}, not ({self.dimensions},)")
                yield _row_id(key), key, np.asarray(vector, dtype="<f2").tobytes()

        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    before = self._db.total_changes
                    self._db.executemany("INSERT OR IGNORE INTO vectors (id, key, vector) VALUES (?, ?, ?)", rows())
                    added = self._db.total_changes - before
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                if "readonly" in str(exc):
                    raise StoreError(f"cannot write the vector cache {self.path}: {exc}") from exc
                raise self._damaged(exc) from exc
            except sqlite3.Error as exc:
                raise self._damaged(exc) from exc
        return added
