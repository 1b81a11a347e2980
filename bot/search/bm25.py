"""An exact, fast, incremental BM25 index: the scores of ``rank_bm25.BM25Okapi``, bit for bit, without its
cost.

Why this exists
---------------
``rank_bm25.BM25Okapi`` is the reference scorer newsbot's answers were tuned on, but it keeps one Python
``dict`` per document and scores a query with a Python loop over *every* document, and it cannot add or remove
a document without being rebuilt. :class:`BM25Index` returns the same numbers (not approximately: the same
IEEE-754 doubles) while touching only the documents that contain a query term, and it takes an article in or
out in milliseconds.

What "the same numbers" requires (``rank_bm25`` 0.2.2, read from its source)
----------------------------------------------------------------------------
For the corpus of currently present documents, in insertion order:

* ``avgdl = total_tokens / N`` (Python ``int / int``, correctly rounded).
* ``idf = log(N - n + 0.5) - log(n + 0.5)`` with :func:`math.log`. ``numpy.log`` is *not* used: its SIMD
  kernels differ from libm in the last bit for some arguments (about 1 in 20,000 here), so we keep a table of
  ``math.log(k + 0.5)`` and gather from it.
* ``average_idf = idf_sum / len(idf)`` where ``idf_sum`` is accumulated *sequentially* over the vocabulary in
  ``dict`` insertion order, i.e. in the order in which each term first appears when the documents are scanned
  in order (and, inside a document, in the order of each term's first occurrence). Float addition is not
  associative, so we keep that order (a sort key per term, updated when a term's first document is removed)
  and sum with :func:`numpy.cumsum`, which is sequential (``numpy.sum`` is pairwise and would differ).
* Terms whose idf is negative get the floor ``epsilon * average_idf`` (which may itself be negative).
* A query token ``q`` adds ``idf(q) * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)))`` to every
  document, evaluated in exactly that operation order, token after token in query order (a repeated token
  counts again; an unknown token adds 0). Documents that do not contain ``q`` receive ``±0.0``, which changes
  nothing, so only the documents that contain a query term need to be touched.

The one deliberate divergence: ``rank_bm25`` returns NaN (0/0) for empty documents when ``b == 1`` and for
every non-matching document when ``k1 == 0``; we require ``k1 > 0`` and return 0.0 for empty documents. (It
also raises ``ZeroDivisionError`` on an empty corpus or one whose documents are all empty; we return all-zero
scores.)

Data layout (why it is fast)
----------------------------
* Postings, term-major: ``indptr`` / ``rows`` (int32) / ``tfs`` (uint8, widened only if some tf exceeds 255)
  built in one pass (a sparse transpose), plus small growable per-term *tails* for documents added one at a
  time, so :meth:`BM25Index.add` never copies a big array.
* A forward index (each row's distinct terms, in first-occurrence order) so :meth:`BM25Index.remove` knows
  which document frequencies to decrement. Removal leaves a tombstone; :meth:`BM25Index.compact` (run
  automatically once a quarter of the rows are dead) drops them.
* Everything that depends on ``N``/``avgdl`` (the idf vector, the average idf, ``k1 * (1 - b + b * dl /
  avgdl)`` per row) is recomputed, vectorised, at most once per modification (a version counter), never per
  query.
* Per term, its largest tf and its shortest row (computed the first time a query needs them, kept up to date
  by adds; a removal leaves them a valid bound): with numba, ``top_k`` bounds what each term can add to a
  score from them and skips the rows that cannot reach the top ``k`` (MaxScore, :mod:`bot.search.kernels`).

Not thread-safe: use it from one thread (the bot's event loop) or guard it with a lock.
"""

from __future__ import annotations

import collections
import math
import operator
import os
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Final, Generic, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = ["BM25Index"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U32 = npt.NDArray[np.uint32]
UInt = npt.NDArray[np.unsignedinteger[Any]]  # term frequencies: uint8, widened to uint16 / uint32 if needed

_S = TypeVar("_S", bound=np.generic)

_FORMAT: Final = "newsbot-bm25"
_FORMAT_VERSION: Final = 1


def _py_count_elements(mapping: dict[str, int], iterable: Iterable[str]) -> None:
    for element in iterable:
        mapping[element] = mapping.get(element, 0) + 1


# ``Counter.update``'s C helper: counts into a plain dict, in first-occurrence order, ~3x faster than building
# a ``Counter`` per document. Falls back to the equivalent Python loop on interpreters that lack it.
_count_elements: Callable[[dict[str, int], Iterable[str]], None] = getattr(
    collections, "_count_elements", _py_count_elements
)


# --- small containers ---------------------------------------------------------------------------------------


class _Grow(Generic[_S]):
    """A 1-D numpy array that grows by doubling, so appends are amortised O(1) and never copy per call."""

    __slots__ = ("buf", "n")

    def __init__(self, buf: npt.NDArray[_S], n: int | None = None) -> None:
        self.buf = buf
        self.n = len(buf) if n is None else n

    @classmethod
    def empty(cls, dtype: type[_S], capacity: int = 8) -> _Grow[_S]:
        return cls(np.empty(capacity, dtype=dtype), 0)

    def view(self) -> npt.NDArray[_S]:
        return self.buf[: self.n]

    def reserve(self, need: int) -> None:
        if need > len(self.buf):
            new = np.empty(max(need, 2 * len(self.buf), 8), dtype=self.buf.dtype)
            new[: self.n] = self.buf[: self.n]
            self.buf = new

    def append(self, value: Any) -> None:
        if self.n == len(self.buf):
            self.reserve(self.n + 1)
        self.buf[self.n] = value
        self.n += 1

    def extend(self, values: npt.ArrayLike) -> None:
        arr = np.asarray(values)
        self.reserve(self.n + len(arr))
        self.buf[self.n : self.n + len(arr)] = arr
        self.n += len(arr)

    def nbytes(self) -> int:
        return int(self.buf.nbytes)


class _Tail:
    """Postings of one term for documents added after the last bulk build: rows ascending, with their tf."""

    __slots__ = ("rows", "tfs")

    def __init__(self, tf_dtype: npt.DTypeLike) -> None:
        self.rows: _Grow[np.int32] = _Grow.empty(np.int32, 4)
        self.tfs: _Grow[Any] = _Grow(np.empty(4, dtype=tf_dtype), 0)


class _Vocab(dict[str, int]):
    """term -> term id; ``vocab[new_term]`` assigns the next id, so bulk ingestion can use a C-level ``map``.

    Ids are always ``0 .. len - 1`` in insertion order; ``words`` is the id -> term table. Lookups that must not
    create a term use ``.get``.
    """

    __slots__ = ("words",)

    def __init__(self, words: Iterable[str] = ()) -> None:
        self.words: list[str] = list(words)
        super().__init__(zip(self.words, range(len(self.words)), strict=True))

    def __missing__(self, key: str) -> int:
        value = len(self.words)
        self[key] = value
        self.words.append(key)
        return value

    def truncate(self, n_terms: int) -> None:
        """Forget the terms with ids ``n_terms`` and up (the newest)."""
        for word in self.words[n_terms:]:
            del self[word]
        del self.words[n_terms:]


class _IdMap:
    """doc_id -> row.

    Callers' ids are typically database row ids, dense and increasing, so a numpy table indexed by id costs 4
    bytes per id instead of ~100 for a dict of a million ints, and rebuilds in one vectorised step on load.
    Ids far larger than the number of documents switch it to a plain dict.
    """

    __slots__ = ("_dense", "_sparse")
    DENSE_MIN: Final = 1 << 20

    def __init__(self) -> None:
        self._dense: I32 = np.full(0, -1, dtype=np.int32)
        self._sparse: dict[int, int] | None = None

    def get(self, key: int) -> int:
        if self._sparse is not None:
            return self._sparse.get(key, -1)
        return int(self._dense[key]) if key < len(self._dense) else -1

    def set(self, key: int, row: int, count: int) -> None:
        if self._sparse is None and key >= len(self._dense):
            if key >= max(self.DENSE_MIN, 8 * (count + 1)):
                self._to_sparse()
            else:
                grown = np.full(max(key + 1, 2 * len(self._dense)), -1, dtype=np.int32)
                grown[: len(self._dense)] = self._dense
                self._dense = grown
        if self._sparse is not None:
            self._sparse[key] = row
        else:
            self._dense[key] = row

    def delete(self, key: int) -> None:
        if self._sparse is not None:
            del self._sparse[key]
        else:
            self._dense[key] = -1

    def contains_any(self, keys: I64) -> bool:
        if len(keys) == 0:
            return False
        if self._sparse is not None:
            return any(k in self._sparse for k in keys.tolist())
        inside = keys[keys < len(self._dense)]
        return bool(np.any(self._dense[inside] >= 0))

    def build(self, keys: I64, rows: I64) -> None:
        """Replace the mapping with ``keys[i] -> rows[i]`` (keys unique, non-negative)."""
        top = int(keys.max()) if len(keys) else -1
        if top < max(self.DENSE_MIN, 8 * (len(keys) + 1)):
            self._dense = np.full(top + 1 + (top + 1) // 8, -1, dtype=np.int32)
            self._dense[keys] = rows
            self._sparse = None
        else:
            self._dense = np.full(0, -1, dtype=np.int32)
            self._sparse = dict(zip(keys.tolist(), rows.tolist(), strict=True))

    def _to_sparse(self) -> None:
        present = np.flatnonzero(self._dense >= 0)
        self._sparse = dict(zip(present.tolist(), self._dense[present].tolist(), strict=True))
        self._dense = np.full(0, -1, dtype=np.int32)

    def nbytes(self) -> int:
        if self._sparse is not None:
            # the dict plus two int objects per item
            return sys.getsizeof(self._sparse) + 56 * len(self._sparse)
        return int(self._dense.nbytes)


# ``math.log(k + 0.5)`` for k = 0, 1, 2, ...: the only logarithms BM25Okapi ever takes (see the module
# docstring for why not ``np.log``). Shared by all indexes; only ever extended, and replaced rather than
# mutated.
_log_half: F64 = np.empty(0, dtype=np.float64)


def _log_half_table(upto: int) -> F64:
    """Return a table with at least ``upto + 1`` entries of ``math.log(k + 0.5)``."""
    global _log_half
    table = _log_half
    if len(table) <= upto:
        # Grow by 1/8 beyond what is asked: amortised O(1) per added document, and a bounded pause (~N/8 calls
        # of math.log) when the corpus outgrows the table.
        new_len = max(upto + 1 + upto // 8, 1024)
        args = (np.arange(len(table), new_len, dtype=np.float64) + 0.5).tolist()  # exact: k + 0.5, k < 2**52
        extra = np.fromiter(map(math.log, args), dtype=np.float64, count=len(args))
        table = np.concatenate([table, extra])
        _log_half = table
    return table


def _segment_gather(starts: I64, lengths: I64) -> I64:
    """Indices ``starts[0] .. starts[0]+lengths[0]-1, starts[1] .. `` concatenated (vectorised)."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    return np.repeat(starts - offsets, lengths) + np.arange(total, dtype=np.int64)


class _Batch:
    """Documents counted by ``BM25Index._ingest``: ids, lengths, and distinct terms with their tf."""

    __slots__ = ("ids", "dl", "fstart", "fwd", "tfs")

    def __init__(self, ids: I64, dl: I32, fstart: I64, fwd: I32, tfs: UInt) -> None:
        self.ids = ids
        self.dl = dl
        self.fstart = fstart  # document i's terms are fwd[fstart[i]:fstart[i + 1]]
        self.fwd = fwd  # distinct term ids, first-occurrence order within each document
        self.tfs = tfs  # their term frequencies


_SCIPY_FROM = 1 << 16  # postings from which _transpose uses scipy's counting sort (O(n), but a costly import)


def _transpose(n_rows: int, n_terms: int, fstart: I64, fwd: I32, tfs: U32) -> tuple[I64, I32, U32, I64]:
    """Forward index -> term-major postings in O(postings) (scipy's CSR->CSC, a counting sort in C).

    Returns ``indptr`` (per term), ``rows`` (ascending within a term: the transpose is stable), ``tfs`` and,
    per term, the forward position of its first occurrence (-1 if none), from which its dict-order key comes.
    """
    nnz = len(fwd)
    if nnz == 0:
        empty = np.zeros(0, dtype=np.int64)
        return (
            np.zeros(n_terms + 1, dtype=np.int64),
            empty.astype(np.int32),
            empty.astype(np.uint32),
            np.full(n_terms, -1, dtype=np.int64),
        )
    if nnz < _SCIPY_FROM:
        # A few articles: a stable argsort, without importing scipy (~0.1-0.3 s: the first add in a process).
        by_term = np.argsort(fwd, kind="stable")
        row_of = np.repeat(np.arange(n_rows, dtype=np.int32), np.diff(fstart))
        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(fwd, minlength=n_terms), out=indptr[1:])
        first = np.full(n_terms, nnz, dtype=np.int64)
        np.minimum.at(first, fwd, np.arange(nnz, dtype=np.int64))
        first[first == nnz] = -1
        return indptr, row_of[by_term], tfs[by_term].astype(np.uint32), first
    # 32-bit indices when they fit: scipy would otherwise copy everything to int64 and transpose slower.
    small = max(nnz, n_rows, n_terms) < np.iinfo(np.int32).max
    index_dtype = np.int32 if small else np.int64
    import scipy.sparse as sp  # only bulk builds need it; importing it costs a start-up 0.1 s

    csr = sp.csr_array((tfs, fwd.astype(index_dtype), fstart.astype(index_dtype)), shape=(n_rows, n_terms))
    csc = csr.tocsc()
    indptr = np.asarray(csc.indptr, dtype=np.int64)
    rows = np.asarray(csc.indices, dtype=np.int32)
    # The forward index is row-major, so a term's first forward position is its first posting's.
    first = np.full(n_terms, nnz, dtype=index_dtype)
    np.minimum.at(first, fwd, np.arange(nnz, dtype=index_dtype))
    first64 = first.astype(np.int64)
    first64[first64 == nnz] = -1
    return indptr, rows, np.asarray(csc.data, dtype=np.uint32), first64


def _with_slack(arr: npt.NDArray[_S]) -> _Grow[_S]:
    """Wrap a freshly built array with ~12% spare room, so the first ``add`` after a build copies nothing."""
    buf = np.empty(len(arr) + len(arr) // 8 + 64, dtype=arr.dtype)
    buf[: len(arr)] = arr
    return _Grow(buf, len(arr))


def _narrow(arr: npt.NDArray[Any]) -> UInt:
    """``arr`` (non-negative integers) in the smallest unsigned dtype that holds it: memory and file size."""
    top = int(arr.max()) if len(arr) else 0
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return arr.astype(dtype)
    return arr.astype(np.uint64)


class _Stats:
    """Everything a query needs that depends on the corpus as a whole; valid for one index version."""

    __slots__ = ("version", "idf", "average_idf", "norm", "live_rows", "dead_rows")

    def __init__(
        self,
        version: int,
        idf: F64,
        average_idf: float,
        norm: F64 | None,
        live_rows: I64 | None,
        dead_rows: I64 | None,
    ) -> None:
        self.version = version
        self.idf = idf  # per term id, floored; 0.0 for terms no present document contains
        self.average_idf = average_idf
        self.norm = norm  # per row: k1 * (1 - b + b * dl / avgdl); None when no document has a token
        self.live_rows = live_rows  # None when there are no tombstones (rows == present documents)
        self.dead_rows = dead_rows


# --- the index ----------------------------------------------------------------------------------------------


class BM25Index:
    """BM25 (Okapi, rank-bm25 flavour) over documents that can be added and removed at any time.

    Scores equal ``BM25Okapi(present_docs).get_scores(query)`` exactly, where ``present_docs`` are the token
    lists of the present documents in insertion order; see the module docstring for what that takes and for
    the one divergence (NaNs).
    """

    #: Compact automatically once this fraction of the rows are tombstones (and at least compact_min_dead).
    compact_dead_fraction: float = 0.25
    compact_min_dead: int = 1024
    #: Bytes of per-term contributions kept between queries (until the next modification), for terms with at
    #: least ``contrib_cache_min_postings`` postings: frequent terms recur in most queries, and their cached
    #: contributions turn ~9 passes over their postings into one. 0 disables the cache.
    contrib_cache_bytes: int = 32 << 20
    contrib_cache_min_postings: int = 4096
    # Sample size for top_k's candidate threshold (a tuning knob; tests shrink it to reach that code path).
    _candidate_sample: int = 8192
    #: Score with the compiled loops of :mod:`bot.search.kernels` when numba is installed (same bits as the
    #: numpy code, several times faster on large corpora). False forces the numpy code.
    compiled: bool = True
    #: ...used from this many rows on, or at any size once loaded (loading them costs ~1 s in a new process,
    #: which a one-shot command over a small corpus would not win back).
    compiled_from: int = 20_000

    def __init__(self, k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25) -> None:
        """Create an empty index with rank-bm25's parameters (defaults identical to ``BM25Okapi``).

        ``k1`` must be positive and ``b`` in [0, 1]: outside that range BM25 is not a ranking function (and
        rank-bm25 produces NaNs for ``k1 == 0``).
        """
        if not (math.isfinite(k1) and k1 > 0):
            raise ValueError(f"k1 must be a positive number, not {k1!r}")
        if not (0.0 <= b <= 1.0):
            raise ValueError(f"b must be between 0 and 1, not {b!r}")
        if not math.isfinite(epsilon):
            raise ValueError(f"epsilon must be a finite number, not {epsilon!r}")
        # float() is exact for the ints rank-bm25 would also accept, so the arithmetic below is unchanged.
        self._k1 = float(k1)
        self._b = float(b)
        self._epsilon = float(epsilon)
        self._reset()

    # --- state ----------------------------------------------------------------------------------------------

    def _reset(self) -> None:
        """Forget every document (keeps the parameters)."""
        self._vocab = _Vocab()
        self._df: _Grow[np.int64] = _Grow.empty(np.int64)  # per term: present documents containing it
        # Per term: sort key of its first occurrence = fstart[row of its first present document] + rank of the
        # term among that document's distinct terms, i.e. its position in the forward index. Sorting the live
        # terms by it gives rank-bm25's dict order (see _live_order).
        self._key: _Grow[np.int64] = _Grow.empty(np.int64)
        # Bulk-built postings (term-major, rows ascending) for term ids < len(_indptr) - 1.
        self._indptr: I64 = np.zeros(1, dtype=np.int64)
        self._prow: I32 = np.zeros(0, dtype=np.int32)
        self._ptf: UInt = np.zeros(0, dtype=np.uint8)  # widened when a larger tf arrives (_fit_tf)
        self._tails: dict[int, _Tail] = {}
        self._tail_postings = 0
        # Per row (insertion order; removed documents stay as tombstones until compaction).
        self._ids: _Grow[np.int64] = _Grow.empty(np.int64)
        self._dl: _Grow[np.int32] = _Grow.empty(np.int32)
        self._fstart: _Grow[np.int64] = _Grow.empty(np.int64)
        self._alive: _Grow[np.bool_] = _Grow.empty(np.bool_)
        # Forward index: each row's distinct term ids in first-occurrence order, rows one after the other (so
        # row r's terms end where row r + 1's start); rows of the bulk build in _fwd_base, later rows in
        # _fwd_tail, addressed as len(_fwd_base) + offset.
        self._fwd_base: I32 = np.zeros(0, dtype=np.int32)
        self._fwd_tail: _Grow[np.int32] = _Grow.empty(np.int32)
        self._idmap = _IdMap()
        self._n_live = 0
        self._n_dead = 0
        self._total_tokens = 0  # over present documents
        self._order: I64 | None = None  # live term ids sorted by key, as of the last _live_order()
        self._order_changed: set[int] = set()  # terms whose key or liveness changed since then
        self._version = 0
        self._stats_cache: _Stats | None = None
        # term -> its (rows, contributions) pieces, valid for _contrib_version; least recently used first.
        self._contrib: dict[int, list[tuple[I32, F64]]] = {}
        self._contrib_version = -1
        self._contrib_used = 0
        # Per term: the largest tf and the shortest row among its postings (-1: not computed yet), from which
        # the compiled top_k bounds what the term can add to a score. Adds keep them up to date; a removal
        # leaves them a valid bound.
        self._bound_tf: I64 = np.zeros(0, dtype=np.int64)
        self._bound_dl: I64 = np.zeros(0, dtype=np.int64)
        # The compiled top_k's scratch when it scores every posting: a dense score array, all NaN between queries.
        self._scratch: F64 | None = None

    def _touch(self) -> None:
        self._version += 1
        self._stats_cache = None

    @property
    def _n_rows(self) -> int:
        return self._ids.n

    @property
    def _fwd_total(self) -> int:
        return len(self._fwd_base) + self._fwd_tail.n

    def _fit_tf(self, top: int) -> None:
        """Widen the tf arrays if ``top`` does not fit their dtype (tf is almost always < 256: one byte)."""
        if top <= np.iinfo(self._ptf.dtype).max:
            return
        dtype = _narrow(np.array([top])).dtype
        self._ptf = self._ptf.astype(dtype)
        for tail in self._tails.values():
            tail.tfs.buf = tail.tfs.buf.astype(dtype)

    # --- public read-only API -------------------------------------------------------------------------------

    def __len__(self) -> int:
        """Number of present documents (``N`` in BM25)."""
        return self._n_live

    def __contains__(self, doc_id: object) -> bool:
        """Whether a document with this id is present (ints only; anything else is simply absent)."""
        if not isinstance(doc_id, int | np.integer) or isinstance(doc_id, bool) or doc_id < 0:
            return False
        return self._idmap.get(int(doc_id)) >= 0

    def doc_ids(self) -> list[int]:
        """Present document ids in insertion order: rank-bm25's corpus order, and ``get_scores``' order."""
        stats = self._stats()
        ids = self._ids.view()
        present: list[int] = (ids if stats.live_rows is None else ids[stats.live_rows]).tolist()
        return present

    @property
    def avgdl(self) -> float:
        """Average document length in tokens (0.0 for an empty index, where rank-bm25 would raise)."""
        return self._total_tokens / self._n_live if self._n_live else 0.0

    @property
    def average_idf(self) -> float:
        """rank-bm25's ``average_idf`` (before flooring); 0.0 when no present document has a token."""
        return self._stats().average_idf

    def idf(self, term: str) -> float:
        """The (floored) idf rank-bm25 would use for ``term``; 0.0 for a term no present document contains."""
        t = self._vocab.get(term)
        if t is None or self._df.buf[t] == 0:
            return 0.0
        return float(self._stats().idf[t])

    def terms_of(self, doc_id: int) -> list[str]:
        """The distinct terms of a present document, in order of first occurrence (``KeyError`` if absent).

        Read from the forward index kept for removals, so callers (e.g. to show which question terms a passage
        covers) need not keep the tokens themselves.
        """
        words = self._vocab.words
        return [words[t] for t in self._fwd_of(self._row_of(doc_id)).tolist()]

    def terms_of_many(self, doc_ids: Iterable[int]) -> list[str]:
        """The distinct terms of several present documents together (in term-id order; ``KeyError`` if one is
        absent): one vectorised gather over the forward index instead of a list per document."""
        rows = [self._row_of(doc_id) for doc_id in doc_ids]
        if not rows:
            return []
        starts = self._fstart.buf[rows]
        after = np.asarray([r + 1 for r in rows], dtype=np.int64)
        ends = np.where(after < self._n_rows, self._fstart.buf[np.minimum(after, self._n_rows - 1)], self._fwd_total)
        fwd = self._fwd_base if self._fwd_tail.n == 0 else np.concatenate([self._fwd_base, self._fwd_tail.view()])
        ids = np.unique(fwd[_segment_gather(starts, ends - starts)])
        words = self._vocab.words
        return [words[t] for t in ids.tolist()]

    def doc_freq(self, term: str) -> int:
        """Number of present documents containing ``term``."""
        t = self._vocab.get(term)
        return 0 if t is None else int(self._df.buf[t])

    @property
    def version(self) -> int:
        """A number that changes whenever a document is added or removed (for caches derived from the index)."""
        return self._version

    def vocabulary(self) -> list[str]:
        """The distinct terms of the present documents, in no particular order."""
        words = self._vocab.words
        return [words[t] for t in np.flatnonzero(self._df.view()).tolist()]

    @property
    def vocabulary_size(self) -> int:
        """Number of distinct terms in the present documents (``len(BM25Okapi.idf)``)."""
        return int(np.count_nonzero(self._df.view()))

    def nbytes(self) -> int:
        """Approximate memory held by the index: its arrays, vocabulary and id map (not the query caches)."""
        arrays: list[npt.NDArray[Any]] = [self._indptr, self._prow, self._ptf, self._fwd_base]
        total = sum(int(a.nbytes) for a in arrays)
        grows: list[_Grow[Any]] = [self._df, self._key, self._ids, self._dl, self._fstart, self._alive]
        grows.append(self._fwd_tail)
        total += sum(g.nbytes() for g in grows)
        total += sum(t.rows.nbytes() + t.tfs.nbytes() + 200 for t in self._tails.values())
        total += sys.getsizeof(self._vocab) + sum(sys.getsizeof(w) for w in self._vocab)
        total += sys.getsizeof(self._vocab.words)
        total += self._idmap.nbytes()
        if self._order is not None:
            total += int(self._order.nbytes)
        return total

    # --- adding ---------------------------------------------------------------------------------------------

    def _row_of(self, doc_id: int) -> int:
        """The row of a present document; ``KeyError`` if absent, ``TypeError`` if not an int."""
        if isinstance(doc_id, bool):
            raise TypeError("doc_id must be an int, not a bool")
        did = operator.index(doc_id)
        row = self._idmap.get(did) if did >= 0 else -1
        if row < 0:
            raise KeyError(doc_id)
        return row

    @staticmethod
    def _check_id(doc_id: int) -> int:
        if isinstance(doc_id, bool):
            raise TypeError("doc_id must be an int, not a bool")
        value = operator.index(doc_id)
        if value < 0:
            raise ValueError(f"doc_id must be non-negative, not {value}")
        return value

    def add(self, doc_id: int, tokens: Sequence[str]) -> None:
        """Add one document at the end of the corpus; O(its tokens), no array is rebuilt.

        Raises ``ValueError`` if ``doc_id`` is already present (ids are the caller's, e.g. passage row ids, so
        a duplicate is a bug upstream, not something to paper over) and ``TypeError`` for a bare string (a
        sequence of characters, almost certainly a mistake).
        """
        did = self._check_id(doc_id)
        if isinstance(tokens, str):
            raise TypeError("tokens must be a sequence of tokens, not a string")
        if self._idmap.get(did) >= 0:
            raise ValueError(f"document {did} is already in the index")
        counts: dict[str, int] = {}
        _count_elements(counts, tokens)
        vocab = self._vocab
        terms = [vocab[w] for w in counts]  # new terms get the next ids
        grow = len(vocab) - self._df.n
        if grow:
            self._df.extend(np.zeros(grow, dtype=np.int64))
            self._key.extend(np.zeros(grow, dtype=np.int64))
        if counts:
            self._fit_tf(max(counts.values()))
        row = self._n_rows
        base = self._fwd_total
        df, key, tails, changed = self._df.buf, self._key.buf, self._tails, self._order_changed
        bound_tf, bound_dl = self._bound_tf, self._bound_dl
        for rank, (t, tf) in enumerate(zip(terms, counts.values(), strict=True)):
            if df[t] == 0:  # the term (re)appears: this is its first present document
                key[t] = base + rank
                changed.add(t)
            df[t] += 1
            tail = tails.get(t)
            if tail is None:
                tail = tails[t] = _Tail(self._ptf.dtype)
            tail.rows.append(row)
            tail.tfs.append(tf)
            if t < len(bound_tf) and bound_tf[t] >= 0:
                bound_tf[t] = max(int(bound_tf[t]), tf)
                bound_dl[t] = min(int(bound_dl[t]), len(tokens))
        self._tail_postings += len(terms)
        self._fstart.append(base)
        self._fwd_tail.extend(np.asarray(terms, dtype=np.int32))
        self._ids.append(did)
        self._dl.append(len(tokens))
        self._alive.append(True)
        self._idmap.set(did, row, self._n_live)
        self._n_live += 1
        self._total_tokens += len(tokens)
        self._touch()

    def add_many(self, docs: Iterable[tuple[int, Sequence[str]]]) -> None:
        """Add many documents in order; into an empty index this is a bulk build (about twice rank-bm25's
        speed).

        All or nothing: if an id is negative, repeated or already present, ``ValueError`` is raised and the
        index is unchanged.
        """
        if self._n_live == 0 and self._n_rows:
            self._reset()  # only tombstones left: start afresh (unobservable; the bulk path is much faster)
        vocab = self._vocab
        n_terms_before = len(vocab)
        try:
            batch = self._ingest(docs)
        except BaseException:
            self._rollback_vocab(n_terms_before)
            raise
        ids = batch.ids
        if len(ids) == 0:
            return
        problem = None
        if int(ids.min()) < 0:
            problem = "doc ids must be non-negative"
        elif not bool(np.all(ids[1:] > ids[:-1])) and len(np.unique(ids)) != len(ids):
            problem = "doc ids repeat within the batch"
        elif self._idmap.contains_any(ids):
            problem = "some doc ids are already in the index"
        if problem is not None:
            self._rollback_vocab(n_terms_before)
            raise ValueError(problem)
        if self._n_rows == 0:
            self._install_bulk(batch)
        else:
            self._append_batch(batch)
            if self._tail_postings > max(1 << 16, len(self._prow) // 2):
                self.compact()  # tails this large are better folded into the term-major arrays

    def _rollback_vocab(self, n_terms: int) -> None:
        """Forget the terms a failed ``add_many`` introduced (ids ``n_terms`` and up, the newest)."""
        self._vocab.truncate(n_terms)
        self._df.n = min(self._df.n, n_terms)
        self._key.n = min(self._key.n, n_terms)

    def _ingest(self, docs: Iterable[tuple[int, Sequence[str]]]) -> _Batch:
        """Count every document's terms (the only per-token Python work) into flat arrays."""
        from array import array

        pairs = docs if isinstance(docs, list) else list(docs)
        kern = self._kernels(len(pairs))
        if kern is not None:
            return self._ingest_compiled(pairs, kern)

        ids, dls, nds = array("q"), array("q"), array("q")
        fwd, tfs = array("i"), array("I")
        getid = self._vocab.__getitem__
        ids_append, dls_append, nds_append = ids.append, dls.append, nds.append
        fwd_extend, tfs_extend = fwd.extend, tfs.extend
        for doc_id, tokens in pairs:
            if isinstance(tokens, str):
                raise TypeError("tokens must be a sequence of tokens, not a string")
            counts: dict[str, int] = {}
            _count_elements(counts, tokens)
            ids_append(doc_id)
            dls_append(len(tokens))
            nds_append(len(counts))
            fwd_extend(map(getid, counts))
            tfs_extend(counts.values())
        grow = len(self._vocab) - self._df.n
        if grow:
            self._df.extend(np.zeros(grow, dtype=np.int64))
            self._key.extend(np.zeros(grow, dtype=np.int64))
        nterms = np.frombuffer(nds, dtype=np.int64)
        fstart = np.zeros(len(nterms) + 1, dtype=np.int64)
        np.cumsum(nterms, out=fstart[1:])
        return _Batch(
            ids=np.frombuffer(ids, dtype=np.int64).copy(),
            dl=np.frombuffer(dls, dtype=np.int64).astype(np.int32),
            fstart=fstart,
            fwd=np.frombuffer(fwd, dtype=np.intc).astype(np.int32),
            tfs=np.frombuffer(tfs, dtype=np.uintc).astype(np.uint32),
        )

    def _ingest_compiled(self, pairs: list[tuple[int, Sequence[str]]], kern: Any) -> _Batch:
        """:meth:`_ingest` with C-level loops: every token mapped to its term id in one ``map``, then the
        per-document counting compiled (:func:`bot.search.kernels`); the same arrays, in the same order."""
        from array import array
        from itertools import chain

        ids = array("q", [doc_id for doc_id, _ in pairs])  # TypeError for a non-int id, as in _ingest
        token_lists = [tokens for _, tokens in pairs]
        if any(isinstance(tokens, str) for tokens in token_lists):
            raise TypeError("tokens must be a sequence of tokens, not a string")
        lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
        total = int(lengths.sum())
        vocab = self._vocab
        flat = np.fromiter(map(vocab.__getitem__, chain.from_iterable(token_lists)), dtype=np.int32, count=total)
        n_pairs, tfs, distinct = kern.count_terms(flat, lengths, len(vocab))
        tfs = _narrow(tfs[:n_pairs])  # (frees the corpus-sized counts before the copy below)
        fwd = flat if n_pairs == total else flat[:n_pairs].copy()
        del flat
        grow = len(vocab) - self._df.n
        if grow:
            self._df.extend(np.zeros(grow, dtype=np.int64))
            self._key.extend(np.zeros(grow, dtype=np.int64))
        fstart = np.zeros(len(distinct) + 1, dtype=np.int64)
        np.cumsum(distinct, out=fstart[1:])
        return _Batch(
            ids=np.frombuffer(ids, dtype=np.int64).copy(),
            dl=lengths.astype(np.int32),
            fstart=fstart,
            fwd=fwd,
            tfs=tfs,
        )

    def _install_bulk(self, batch: _Batch) -> None:
        """Make ``batch`` the whole index (which holds no rows): one transpose, no per-term Python work."""
        n = len(batch.ids)
        n_terms = len(self._vocab)
        kern = self._kernels(n)
        if kern is not None:  # one counting sort, straight into the final arrays (no corpus-sized temporaries)
            prow = np.empty(len(batch.fwd), dtype=np.int32)
            ptf = np.empty(len(batch.fwd), dtype=batch.tfs.dtype)
            indptr, first = kern.transpose(batch.fstart, batch.fwd, batch.tfs, n_terms, prow, ptf)
        else:
            indptr, prow, ptf, first = _transpose(n, n_terms, batch.fstart, batch.fwd, batch.tfs)
        self._indptr, self._prow, self._ptf = indptr, prow, _narrow(ptf)
        self._df = _with_slack(np.diff(indptr))
        self._key = _with_slack(first)  # the forward position of each term's first occurrence
        self._ids = _with_slack(batch.ids)
        self._dl = _with_slack(batch.dl)
        self._fstart = _with_slack(batch.fstart[:-1])
        self._alive = _with_slack(np.ones(n, dtype=np.bool_))
        self._fwd_base = batch.fwd
        self._fwd_tail = _Grow.empty(np.int32)
        self._tails = {}
        self._tail_postings = 0
        self._idmap.build(batch.ids, np.arange(n, dtype=np.int64))
        self._bound_tf = self._bound_dl = np.zeros(0, dtype=np.int64)
        self._n_live = n
        self._n_dead = 0
        self._total_tokens = int(batch.dl.sum(dtype=np.int64))
        self._order = None
        self._order_changed.clear()
        self._touch()

    def _append_batch(self, batch: _Batch) -> None:
        """Append ``batch`` after the existing rows: its postings go to the per-term tails."""
        n = len(batch.ids)
        row0 = self._n_rows
        n_terms = len(self._vocab)
        indptr, prow, ptf, first = _transpose(n, n_terms, batch.fstart, batch.fwd, batch.tfs)
        counts = np.diff(indptr)
        df = self._df.view()
        fwd0 = self._fwd_total
        revived = np.flatnonzero((df == 0) & (counts > 0))
        self._key.view()[revived] = fwd0 + first[revived]
        df += counts
        self._order_changed.update(revived.tolist())
        if len(ptf):
            self._fit_tf(int(ptf.max()))
        tails, bound_tf, bound_dl = self._tails, self._bound_tf, self._bound_dl
        for t in np.flatnonzero(counts).tolist():
            tail = tails.get(t)
            if tail is None:
                tail = tails[t] = _Tail(self._ptf.dtype)
            lo, hi = int(indptr[t]), int(indptr[t + 1])
            tail.rows.extend(prow[lo:hi] + row0)
            tail.tfs.extend(ptf[lo:hi])
            if t < len(bound_tf) and bound_tf[t] >= 0:
                bound_tf[t] = max(int(bound_tf[t]), int(ptf[lo:hi].max()))
                bound_dl[t] = min(int(bound_dl[t]), int(batch.dl[prow[lo:hi]].min()))
        self._tail_postings += len(batch.fwd)
        self._fstart.extend(fwd0 + batch.fstart[:-1])
        self._fwd_tail.extend(batch.fwd)
        self._ids.extend(batch.ids)
        self._dl.extend(batch.dl)
        self._alive.extend(np.ones(n, dtype=np.bool_))
        for i, doc_id in enumerate(batch.ids.tolist()):
            self._idmap.set(doc_id, row0 + i, self._n_live + i)
        self._n_live += n
        self._total_tokens += int(batch.dl.sum(dtype=np.int64))
        self._touch()

    # --- removing -------------------------------------------------------------------------------------------

    def _fwd_of(self, row: int) -> I32:
        """The distinct term ids of ``row``, in first-occurrence order."""
        start = int(self._fstart.buf[row])
        end = int(self._fstart.buf[row + 1]) if row + 1 < self._n_rows else self._fwd_total
        length = end - start
        n_base = len(self._fwd_base)
        if start < n_base:
            return self._fwd_base[start : start + length]
        return self._fwd_tail.buf[start - n_base : start - n_base + length]

    def _segments(self, t: int) -> list[tuple[I32, UInt]]:
        """Term ``t``'s postings as (rows, tfs) pieces, rows ascending across pieces (bulk, then tail)."""
        parts: list[tuple[I32, UInt]] = []
        if t + 1 < len(self._indptr):
            lo, hi = int(self._indptr[t]), int(self._indptr[t + 1])
            if hi > lo:
                parts.append((self._prow[lo:hi], self._ptf[lo:hi]))
        tail = self._tails.get(t)
        if tail is not None and tail.rows.n:
            parts.append((tail.rows.view(), tail.tfs.view()))
        return parts

    def _next_live_row(self, t: int, after: int) -> int:
        """The first present row after ``after`` that contains term ``t`` (one exists: its df is positive)."""
        alive = self._alive.buf
        for rows, _ in self._segments(t):
            i = int(np.searchsorted(rows, after, side="right"))
            step = 16
            while i < len(rows):
                chunk = rows[i : i + step]
                hit = alive[chunk]
                if hit.any():
                    return int(chunk[int(np.argmax(hit))])
                i += step
                step *= 2
        raise AssertionError(f"term {t} has a positive document frequency but no present document")

    def remove(self, doc_id: int) -> None:
        """Remove a document; O(its distinct terms), leaving a tombstone (``KeyError`` if it is not present).

        Keeps df, N, avgdl and rank-bm25's vocabulary order exact: a term whose first present document this
        was moves to where it first occurs in the next present document containing it. Once a quarter of the
        rows are tombstones the index compacts itself (O(index size), amortised over those removals).
        """
        row = self._row_of(doc_id)
        did = operator.index(doc_id)
        terms = self._fwd_of(row)
        self._alive.buf[row] = False
        self._idmap.delete(did)
        df, key, fstart = self._df.buf, self._key.buf, self._fstart.buf
        df[terms] -= 1
        lo = int(fstart[row])
        keys = key[terms]
        owned = terms[(keys >= lo) & (keys < lo + len(terms))]
        for t in owned.tolist():
            self._order_changed.add(t)
            if df[t] > 0:
                nxt = self._next_live_row(t, row)
                key[t] = fstart[nxt] + int(np.flatnonzero(self._fwd_of(nxt) == t)[0])
        self._n_live -= 1
        self._n_dead += 1
        self._total_tokens -= int(self._dl.buf[row])
        self._touch()
        if self._n_dead >= self.compact_min_dead and self._n_dead >= self.compact_dead_fraction * self._n_rows:
            self.compact()

    # --- compaction and snapshots ---------------------------------------------------------------------------

    def _merged_postings(self) -> tuple[I64, I32, UInt]:
        """Bulk postings and tails as one term-major (indptr, rows, tfs) over every term id."""
        n_terms = self._df.n
        n_bulk = len(self._indptr) - 1
        indptr = np.empty(n_terms + 1, dtype=np.int64)
        indptr[: n_bulk + 1] = self._indptr
        indptr[n_bulk + 1 :] = self._indptr[-1]
        if not self._tails:
            return indptr, self._prow, self._ptf
        tail_ids = sorted(self._tails)
        tails = [self._tails[t] for t in tail_ids]
        tail_counts = np.fromiter((tail.rows.n for tail in tails), dtype=np.int64, count=len(tails))
        bulk_terms = np.repeat(np.arange(n_terms, dtype=np.int32), np.diff(indptr))
        terms = np.concatenate([bulk_terms, np.repeat(np.asarray(tail_ids, dtype=np.int32), tail_counts)])
        rows = np.concatenate([self._prow, *(tail.rows.view() for tail in tails)])
        tfs = np.concatenate([self._ptf, *(tail.tfs.view() for tail in tails)])
        # Stable: within a term, the bulk rows (all older) stay before the tail rows, so rows stay ascending.
        order = np.argsort(terms, kind="stable")
        np.cumsum(np.bincount(terms, minlength=n_terms), out=indptr[1:])
        return indptr, rows[order], tfs[order]

    def _snapshot(self) -> dict[str, Any]:
        """The index without tombstones, dead terms or tails, as plain arrays (what ``save`` writes).

        Row and term ids are renumbered densely, preserving their order. Sort keys are forward positions, so
        they are re-based onto the compacted forward index (their order, which is all that matters, is kept).
        """
        order = self._live_order()
        df, key = self._df.view(), self._key.view()
        fstart = self._fstart.view()
        all_flen = np.diff(np.append(fstart, self._fwd_total))
        words = self._vocab.words
        if self._n_dead == 0 and not self._tails and self._fwd_tail.n == 0 and bool(np.all(df > 0)):
            return {
                "words": words,
                "df": df,
                "key": key,
                "order": order,
                "indptr": self._indptr,
                "rows": self._prow,
                "tfs": self._ptf,
                "ids": self._ids.view(),
                "dl": self._dl.view(),
                "flen": all_flen,
                "fwd": self._fwd_base,
            }
        alive = self._alive.view()
        live_rows = np.flatnonzero(alive)
        live_terms = np.flatnonzero(df > 0)
        term_map = np.full(len(df), -1, dtype=np.int64)
        term_map[live_terms] = np.arange(len(live_terms), dtype=np.int64)
        row_map = np.full(len(alive), -1, dtype=np.int64)
        row_map[live_rows] = np.arange(len(live_rows), dtype=np.int64)
        # Postings: drop the tombstoned rows (dead terms have no others), renumber rows.
        indptr, rows, tfs = self._merged_postings()
        keep = alive[rows]
        kept_before = np.zeros(len(keep) + 1, dtype=np.int64)
        np.cumsum(keep, out=kept_before[1:])
        counts = kept_before[indptr[1:]] - kept_before[indptr[:-1]]
        new_indptr = np.zeros(len(live_terms) + 1, dtype=np.int64)
        np.cumsum(counts[live_terms], out=new_indptr[1:])
        new_rows = row_map[rows[keep]]
        # Forward index of the present rows, with renumbered terms.
        flen = all_flen[live_rows]
        new_fstart = np.zeros(len(flen), dtype=np.int64)
        np.cumsum(flen[:-1], out=new_fstart[1:])
        fwd_all = self._fwd_base
        if self._fwd_tail.n:
            fwd_all = np.concatenate([self._fwd_base, self._fwd_tail.view()])
        fwd = term_map[fwd_all[_segment_gather(fstart[live_rows], flen)]].astype(np.int32)
        # A term's key points into its first present row (= its first posting): keep the offset, move the row.
        first_row = new_rows[new_indptr[:-1]]
        new_key = new_fstart[first_row] + (key[live_terms] - fstart[live_rows[first_row]])
        if len(live_terms) < len(words):
            keep_word = (term_map >= 0).tolist()
            words = [w for w, k in zip(words, keep_word, strict=True) if k]
        return {
            "words": words,
            "df": df[live_terms],
            "key": new_key,
            "order": term_map[order],
            "indptr": new_indptr,
            "rows": new_rows.astype(np.int32),
            "tfs": tfs[keep],
            "ids": self._ids.view()[live_rows],
            "dl": self._dl.view()[live_rows],
            "flen": flen,
            "fwd": fwd,
        }

    def _install_snapshot(self, snap: dict[str, Any]) -> None:
        self._vocab = _Vocab(snap["words"])
        self._df = _with_slack(np.asarray(snap["df"], dtype=np.int64))
        self._key = _with_slack(np.asarray(snap["key"], dtype=np.int64))
        self._indptr = np.asarray(snap["indptr"], dtype=np.int64)
        self._prow = np.asarray(snap["rows"], dtype=np.int32)
        self._ptf = _narrow(np.asarray(snap["tfs"]))
        ids = np.asarray(snap["ids"], dtype=np.int64)
        flen = np.asarray(snap["flen"], dtype=np.int64)
        fstart = np.zeros(len(flen), dtype=np.int64)
        np.cumsum(flen[:-1], out=fstart[1:])
        self._ids = _with_slack(ids)
        self._dl = _with_slack(np.asarray(snap["dl"], dtype=np.int32))
        self._fstart = _with_slack(fstart)
        self._alive = _with_slack(np.ones(len(ids), dtype=np.bool_))
        self._fwd_base = np.asarray(snap["fwd"], dtype=np.int32)
        self._fwd_tail = _Grow.empty(np.int32)
        self._tails = {}
        self._tail_postings = 0
        self._idmap = _IdMap()
        self._idmap.build(ids, np.arange(len(ids), dtype=np.int64))
        self._bound_tf = self._bound_dl = np.zeros(0, dtype=np.int64)  # term ids are renumbered
        self._n_live = len(ids)
        self._n_dead = 0
        self._total_tokens = int(self._dl.view().sum(dtype=np.int64))
        self._order = np.asarray(snap["order"], dtype=np.int64)
        self._order_changed = set()
        self._touch()

    def compact(self) -> None:
        """Drop tombstones and dead terms and fold the tails into the term-major arrays (O(index size)).

        Scores are unaffected. Runs automatically after many removals and large ``add_many`` batches; call it
        before a long read-only period to make queries as fast as after a bulk build.
        """
        if self._n_dead == 0 and not self._tails and self._fwd_tail.n == 0:
            return
        self._install_snapshot(self._snapshot())

    # --- the statistics rank-bm25 derives from the corpus ---------------------------------------------------

    def _live_order(self) -> I64:
        """Present terms in rank-bm25's dict order (first appearance scanning the documents in order).

        Maintained incrementally: terms that appeared, disappeared or whose first document was removed are
        taken out and merged back at their key's position (O(V) vectorised, no sort), unless so many changed
        that a full argsort is as cheap.
        """
        df, key = self._df.view(), self._key.view()
        order = self._order
        changed = self._order_changed
        if order is None or 8 * len(changed) > len(df):
            live = np.flatnonzero(df > 0)
            order = live[np.argsort(key[live], kind="stable")]
        elif changed:
            moved = np.fromiter(changed, dtype=np.int64, count=len(changed))
            marked = np.zeros(len(df), dtype=np.bool_)
            marked[moved] = True
            kept = order[~marked[order]]
            moved = moved[df[moved] > 0]
            moved = moved[np.argsort(key[moved], kind="stable")]
            order = np.insert(kept, np.searchsorted(key[kept], key[moved]), moved)
        changed.clear()
        self._order = order
        return order

    def _stats(self) -> _Stats:
        """idf per term, average idf, length normaliser per row: vectorised, once per modification."""
        cached = self._stats_cache
        if cached is not None and cached.version == self._version:
            return cached
        n_docs = self._n_live
        df = self._df.view()
        idf = np.zeros(len(df), dtype=np.float64)
        average_idf = 0.0
        if n_docs:
            order = self._live_order()
            if len(order):
                table = _log_half_table(n_docs)
                freq = df[order]
                raw = table[n_docs - freq] - table[freq]  # math.log(N - n + 0.5) - math.log(n + 0.5)
                idf_sum = float(np.cumsum(raw)[-1])  # sequential, in dict order, like rank-bm25's loop
                average_idf = idf_sum / len(order)
                idf[order] = np.where(raw < 0, self._epsilon * average_idf, raw)
        norm = None
        if self._total_tokens:
            avgdl = self._total_tokens / n_docs
            # rank-bm25: k1 * (1 - b + b * doc_len / avgdl), same operations in the same order
            norm = self._k1 * ((1 - self._b) + (self._b * self._dl.view().astype(np.float64)) / avgdl)
        live_rows = dead_rows = None
        if self._n_dead:
            alive = self._alive.view()
            live_rows = np.flatnonzero(alive)
            dead_rows = np.flatnonzero(~alive)
        stats = _Stats(self._version, idf, average_idf, norm, live_rows, dead_rows)
        self._stats_cache = stats
        return stats

    # --- scoring --------------------------------------------------------------------------------------------

    def _contributions(self, t: int, stats: _Stats) -> list[tuple[I32, F64]]:
        """Term ``t``'s contribution to each row containing it, as (rows, values) pieces.

        ``idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)))``: rank-bm25's operations in its order.
        Cached for frequent terms until the index changes (least recently used evicted first).
        """
        cache = self._contrib
        if self._contrib_version != self._version:
            cache.clear()
            self._contrib_version = self._version
            self._contrib_used = 0
        parts = cache.pop(t, None)
        if parts is not None:
            cache[t] = parts  # most recently used now
            return parts
        idf_t = stats.idf[t]
        norm = stats.norm
        assert norm is not None  # a present term implies a token
        k1p1 = self._k1 + 1
        parts = []
        for rows, tfs in self._segments(t):
            tf = tfs.astype(np.float64)
            contrib = tf * k1p1
            contrib /= tf + norm[rows]
            contrib *= idf_t
            parts.append((rows, contrib))
        size = sum(int(c.nbytes) for _, c in parts)
        if size >= 8 * self.contrib_cache_min_postings and size <= self.contrib_cache_bytes:
            while cache and self._contrib_used + size > self.contrib_cache_bytes:
                evicted = cache.pop(next(iter(cache)))
                self._contrib_used -= sum(int(c.nbytes) for _, c in evicted)
            cache[t] = parts
            self._contrib_used += size
        return parts

    def _accumulate(self, query: Sequence[str]) -> tuple[F64, list[I32], bool]:
        """Dense scores over all rows (tombstones hold junk), the rows touched, whether every used idf is > 0.

        Each query token adds its contribution to the rows containing it, token after token, exactly as
        rank-bm25 adds it to every document; the rows are unique within a term, so ``score[rows] += c`` is
        exact. The first term's positive contributions are stored rather than added to 0.0 (same bits).
        """
        if isinstance(query, str):
            raise TypeError("query must be a sequence of tokens, not a string")
        stats = self._stats()
        score = np.zeros(self._n_rows, dtype=np.float64)
        seen: set[int] = set()
        touched: list[I32] = []
        all_positive = True
        vocab_get, df, idf = self._vocab.get, self._df.buf, stats.idf
        for token in query:
            t = vocab_get(token)
            if t is None or df[t] == 0:
                continue  # rank-bm25 adds 0 * (0 / ...) = 0.0 everywhere
            parts = self._contributions(t, stats)
            positive = bool(idf[t] > 0)
            if not seen and positive:  # score is all 0.0 and 0.0 + c == c for c > 0
                for rows, contrib in parts:
                    score[rows] = contrib
            else:
                for rows, contrib in parts:
                    score[rows] += contrib
            if t not in seen:
                seen.add(t)
                touched.extend(rows for rows, _ in parts)
                all_positive = all_positive and positive
        return score, touched, all_positive

    def _kernels(self, adding: int | None = None) -> Any:
        """The compiled kernels when they are to be used (see ``compiled``), else None: the numpy code.

        For a query: once loaded, or when the index is large. For ``adding`` documents: once loaded, or when
        the batch itself is large (a bulk build), so that adding an article never waits for numba."""
        if not self.compiled:
            return None
        from bot.search import kernels

        size = self._n_rows if adding is None else adding
        if not kernels.loaded() and size < self.compiled_from:
            return None
        return kernels.kernels()

    def _query_terms(self, query: Sequence[str]) -> list[int]:
        """The query's term ids in query order (repeats kept), without terms no present document contains."""
        if isinstance(query, str):
            raise TypeError("query must be a sequence of tokens, not a string")
        vocab_get, df = self._vocab.get, self._df.buf
        terms = []
        for token in query:
            t = vocab_get(token)
            if t is not None and df[t] > 0:  # otherwise rank-bm25 adds 0 * (0 / ...) = 0.0 everywhere
                terms.append(t)
        return terms

    def _compiled_query(self, kern: Any, terms: list[int]) -> tuple[I64, I32, UInt, I64, F64, I64, I64]:
        """What the kernels take for a query: CSR postings, the tokens' term ids in it, idf and bounds per term.

        The bulk arrays themselves (no copy) when none of the terms has a tail; otherwise, for this query, a CSR
        of its distinct terms only, each one's bulk then tail postings (rows stay ascending), with their bounds.
        """
        tails = self._tails
        n_terms = len(self._vocab)
        if len(self._bound_tf) < n_terms:  # -1: not computed yet (top_k_terms computes it on first use)
            grown_tf, grown_dl = np.full((2, n_terms + n_terms // 8 + 64), -1, dtype=np.int64)
            grown_tf[: len(self._bound_tf)] = self._bound_tf
            grown_dl[: len(self._bound_dl)] = self._bound_dl
            self._bound_tf, self._bound_dl = grown_tf, grown_dl
        idf = self._stats().idf
        if not tails or not any(t in tails for t in terms):
            term_ids = np.asarray(terms, dtype=np.int64)
            return self._indptr, self._prow, self._ptf, term_ids, idf, self._bound_tf, self._bound_dl
        distinct = list(dict.fromkeys(terms))
        local = {t: j for j, t in enumerate(distinct)}
        rows: list[I32] = []
        tfs: list[UInt] = []
        lengths: list[int] = []
        for t in distinct:
            segments = self._segments(t)
            rows.extend(seg_rows for seg_rows, _ in segments)
            tfs.extend(seg_tfs for _, seg_tfs in segments)
            lengths.append(sum(len(seg_rows) for seg_rows, _ in segments))
            if self._bound_tf[t] < 0:
                bounds = [kern.term_bounds(r, f, 0, len(r), self._dl.buf) for r, f in segments]
                self._bound_tf[t] = max(int(top) for top, _ in bounds)
                self._bound_dl[t] = min(int(short) for _, short in bounds)
        indptr = np.zeros(len(distinct) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        ids = np.asarray(distinct, dtype=np.int64)
        local_terms = np.fromiter(map(local.__getitem__, terms), dtype=np.int64, count=len(terms))
        return (
            indptr, np.concatenate(rows), np.concatenate(tfs), local_terms, idf[ids], self._bound_tf[ids],
            self._bound_dl[ids],
        )  # fmt: skip

    def _scores_compiled(self, kern: Any, query: Sequence[str]) -> F64:
        stats = self._stats()
        score = np.zeros(self._n_rows, dtype=np.float64)
        terms = self._query_terms(query)
        if not terms:
            return score
        if self._tails and any(t in self._tails for t in terms):
            indptr, rows, tfs, term_ids, idf, _, _ = self._compiled_query(kern, terms)
        else:  # the bulk arrays as they are (the common case: no bounds, no copies)
            indptr, rows, tfs, idf = self._indptr, self._prow, self._ptf, stats.idf
            term_ids = np.array(terms, dtype=np.int64)
        kern.scores_terms(score, indptr, rows, tfs, term_ids, idf, self._k1 + 1, stats.norm)
        return score

    def _top_k_compiled(self, kern: Any, query: Sequence[str], k: int) -> list[tuple[int, float]]:
        """top_k by MaxScore over the query's postings (see ``kernels.top_k_terms``): no dense array."""
        terms = self._query_terms(query)
        if not terms:
            return []
        stats = self._stats()
        indptr, rows, tfs, term_ids, idf, bound_tf, bound_dl = self._compiled_query(kern, terms)
        scratch = self._scratch
        self._scratch = None  # taken: if anything below is interrupted, the next query starts from a fresh one
        if scratch is None or len(scratch) < self._n_rows:
            scratch = np.full(len(self._ids.buf), np.nan, dtype=np.float64)
        best, values = kern.top_k_terms(
            indptr, rows, tfs, term_ids, idf, bound_tf, bound_dl, self._dl.buf, stats.norm, self._k1, self._b,
            self.avgdl, self._alive.buf, self._n_dead > 0, k, scratch,
        )  # fmt: skip
        self._scratch = scratch
        order = np.lexsort((best, -values))  # score descending, then row (= insertion order) ascending
        ids = self._ids.buf
        return list(zip(ids[best[order]].tolist(), values[order].tolist(), strict=True))

    def get_scores(self, query: Sequence[str]) -> F64:
        """BM25 scores of the present documents, aligned with :meth:`doc_ids`: ``BM25Okapi.get_scores``."""
        if isinstance(query, str):
            raise TypeError("query must be a sequence of tokens, not a string")
        if self._n_live == 0:
            return np.zeros(0, dtype=np.float64)
        kern = self._kernels()
        if kern is not None:
            score = self._scores_compiled(kern, query)
            live_rows = self._stats().live_rows
            return score if live_rows is None else score[live_rows]
        score, _, _ = self._accumulate(query)
        live_rows = self._stats().live_rows
        return score if live_rows is None else score[live_rows]

    def top_k(self, query: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The ``k`` best ``(doc_id, score)`` among documents containing at least one query term.

        Order: score descending, then insertion order (earlier first) for equal scores, so results are
        deterministic. Documents without any query term are never returned, even if fewer than ``k`` match
        (rank-bm25's ``get_top_n`` would pad with zero-score documents in arbitrary order).
        """
        if k < 0:
            raise ValueError(f"k must be non-negative, not {k}")
        if isinstance(query, str):
            raise TypeError("query must be a sequence of tokens, not a string")
        if k == 0 or self._n_live == 0:
            return []
        kern = self._kernels()
        if kern is not None:
            return self._top_k_compiled(kern, query, k)
        score, touched, all_positive = self._accumulate(query)
        if not touched:
            return []
        dead_rows = self._stats().dead_rows
        if all_positive:
            # Every matching document has a positive score and every other row 0.0 (tombstones zeroed here).
            if dead_rows is not None:
                score[dead_rows] = 0.0
            cand = self._positive_candidates(score, k)
        else:
            mask = np.zeros(len(score), dtype=np.bool_)
            for rows in touched:
                mask[rows] = True
            if dead_rows is not None:
                mask[dead_rows] = False
            cand = np.flatnonzero(mask)
        values = score[cand]
        if len(cand) > k:
            kth = np.partition(values, len(values) - k)[len(values) - k]
            # Keep everything tied with the k-th score, so ties resolve by insertion order below.
            keep = values >= kth
            cand, values = cand[keep], values[keep]
        best = np.lexsort((cand, -values))[:k]  # score descending, then row (= insertion order) ascending
        ids = self._ids.buf
        return list(zip(ids[cand[best]].tolist(), values[best].tolist(), strict=True))

    def _positive_candidates(self, score: F64, k: int) -> I64:
        """Rows whose score could be in the top ``k``, when exactly the matching rows score above zero.

        The k-th largest positive score of a strided sample is a lower bound for the k-th largest overall, so
        filtering by it keeps every top-k row (and every tie) while skipping most of a big candidate set.
        """
        sample_size = self._candidate_sample
        if len(score) <= 4 * sample_size:
            return np.flatnonzero(score > 0)
        sample = score[:: len(score) // sample_size]
        positive = sample[sample > 0]
        if len(positive) < k:
            return np.flatnonzero(score > 0)
        threshold = np.partition(positive, len(positive) - k)[len(positive) - k]
        return np.flatnonzero(score >= threshold)

    # --- persistence ----------------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the index to ``path`` (an uncompressed ``.npz``), atomically: a crash leaves the old file
        intact.

        The file holds the compacted arrays and the vocabulary as one UTF-8 blob, so loading is a few big
        reads and one ``dict`` build; postings are not recomputed.
        """
        path = Path(path)
        snap = self._snapshot()
        words: list[str] = snap.pop("words")
        text = "".join(words).encode("utf-8", "surrogatepass")
        arrays: dict[str, npt.NDArray[Any]] = {
            "format": np.array([_FORMAT]),
            "format_version": np.array([_FORMAT_VERSION], dtype=np.int64),
            "params": np.array([self._k1, self._b, self._epsilon], dtype=np.float64),
            "vocab_text": np.frombuffer(text, dtype=np.uint8),
            "vocab_lengths": np.fromiter(map(len, words), dtype=np.int64, count=len(words)),
        }
        arrays.update({name: np.asarray(value) for name, value in snap.items()})
        for name in ("tfs", "dl", "flen"):  # small counts: store them in the narrowest type (load widens them)
            arrays[name] = _narrow(arrays[name])
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, allow_pickle=False, **arrays)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise

    @classmethod
    def load(cls, path: Path) -> BM25Index:
        """Read an index written by :meth:`save` (``ValueError`` if the file is not one)."""
        path = Path(path)
        with path.open("rb") as f:  # our handle: np.load leaks its own when the zip is damaged
            try:
                with np.load(f, allow_pickle=False) as npz:
                    data = {name: npz[name] for name in npz.files}
            except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
                raise ValueError(f"{path} is not a saved BM25 index: {exc}") from exc
        required = {"format", "format_version", "params", "vocab_text", "vocab_lengths"}
        required |= {"df", "key", "order", "indptr", "rows", "tfs", "ids", "dl", "flen", "fwd"}
        if not required <= data.keys() or data["format"].tolist() != [_FORMAT]:
            raise ValueError(f"{path} is not a saved BM25 index")
        if data["format_version"].tolist() != [_FORMAT_VERSION]:
            raise ValueError(f"{path} was written by an incompatible version ({data['format_version'].tolist()})")
        k1, b, epsilon = (float(x) for x in data["params"].tolist())
        index = cls(k1=k1, b=b, epsilon=epsilon)
        text = data["vocab_text"].tobytes().decode("utf-8", "surrogatepass")
        ends = np.cumsum(data["vocab_lengths"]).tolist()
        words = [text[start:end] for start, end in zip([0, *ends], ends, strict=False)]
        n_terms, n_docs = len(words), len(data["ids"])
        consistent = (
            len(data["df"]) == len(data["key"]) == n_terms
            and len(data["indptr"]) == n_terms + 1
            and len(data["rows"]) == len(data["tfs"]) == int(data["indptr"][-1])
            and len(data["dl"]) == len(data["flen"]) == n_docs
            and len(data["fwd"]) == int(data["flen"].sum())
            and len(data["order"]) == n_terms
        )
        if not consistent:
            raise ValueError(f"{path} is damaged: its arrays do not fit together")
        snap: dict[str, Any] = {name: data[name] for name in required if name in data}
        snap["words"] = words
        index._install_snapshot(snap)
        return index
