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
* A saved index is memory-mapped when loaded (:mod:`bot.search.bm25_file`): only what is read is resident.

The parts: ``bm25_arrays`` (containers), ``bm25_build`` (counting and transposing), ``bm25_changes`` (adds and
removals), ``bm25_stats`` (idf, avgdl), ``bm25_compiled`` / ``bm25_numpy`` (scoring, compiled or not),
``bm25_dense`` (get_scores' per-call path), ``bm25_snapshot`` / ``bm25_file`` (compaction and persistence);
this module holds the state and the API.

Not thread-safe: use it from one thread (the bot's event loop) or guard it with a lock.
"""

from __future__ import annotations

import math
import operator
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.search import bm25_compiled, bm25_dense, bm25_numpy, bm25_snapshot, kernels
from bot.search.bm25_arrays import (
    F64,
    I32,
    I64,
    Grow,
    IdMap,
    Tail,
    UInt,
    Vocab,
    forward_rows,
    narrow,
)
from bot.search.bm25_build import ingest, ingest_codes
from bot.search.bm25_changes import (
    add_batch,
    append_one,
    checked_id,
    tombstone,
)
from bot.search.bm25_snapshot import install, snapshot
from bot.search.bm25_stats import Stats, compute_stats, live_order

__all__ = ["BM25Index"]


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
    #: Score with the compiled loops of :mod:`bot.search.kernels` when numba is installed (same bits as the
    #: numpy code, several times faster on large corpora). False forces the numpy code.
    compiled: bool = True
    #: ...used from this many rows on, or at any size once loaded (loading them costs ~1 s in a new process,
    #: which a one-shot command over a small corpus would not win back).
    compiled_from: int = 20_000
    # Tuning knobs: the numpy top_k's candidate sample (tests shrink it); the rows the compiled top_k scores
    # first to seed its threshold: one per seed_per_row postings of the query, at most seed_sample; below
    # exhaustive_below postings it scores every posting unseeded (tests set 0 to reach MaxScore on small data);
    # of the queries whose MaxScore walk would be at most 1/5 of their postings (above that every posting is
    # scored: fixed in kernels_jit.top_k_terms), MaxScore runs those it would walk at most 1/maxscore_within of,
    # the marked merge the others (kernels_jit.top_k_marked; 0 never merges, a huge value merges all of them).
    _candidate_sample, seed_sample, seed_per_row, exhaustive_below = 8192, 1024, 1024, 10_000
    maxscore_within = 10

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
        self._vocab = Vocab()
        self._df: Grow[np.int64] = Grow.empty(np.int64)  # per term: present documents containing it
        # Per term: sort key of its first occurrence = fstart[row of its first present document] + rank of the
        # term among that document's distinct terms, i.e. its position in the forward index. Sorting the live
        # terms by it gives rank-bm25's dict order (see _live_order).
        self._key: Grow[np.int64] = Grow.empty(np.int64)
        # Bulk-built postings (term-major, rows ascending) for term ids < len(_indptr) - 1.
        self._indptr: I64 = np.zeros(1, dtype=np.int64)
        self._prow: I32 = np.zeros(0, dtype=np.int32)
        self._ptf: UInt = np.zeros(0, dtype=np.uint8)  # widened when a larger tf arrives (_fit_tf)
        self._tails: dict[int, Tail] = {}
        self._tail_postings = 0
        # Per row (insertion order; removed documents stay as tombstones until compaction).
        self._ids: Grow[np.int64] = Grow.empty(np.int64)
        self._dl: Grow[np.int32] = Grow.empty(np.int32)
        self._fstart: Grow[np.int64] = Grow.empty(np.int64)
        self._alive: Grow[np.bool_] = Grow.empty(np.bool_)
        # Forward index: each row's distinct term ids in first-occurrence order, rows one after the other (so
        # row r's terms end where row r + 1's start); rows of the bulk build in _fwd_base, later rows in
        # _fwd_tail, addressed as len(_fwd_base) + offset.
        self._fwd_base: I32 = np.zeros(0, dtype=np.int32)
        self._fwd_tail: Grow[np.int32] = Grow.empty(np.int32)
        self._idmap = IdMap()
        self._n_live = 0
        self._n_dead = 0
        self._total_tokens = 0  # over present documents
        self._order: I64 | None = None  # live term ids sorted by key, as of the last _live_order()
        self._order_changed: set[int] = set()  # terms whose key or liveness changed since then
        self._version = 0
        self._stats_cache: Stats | None = None
        # term -> its (rows, contributions) pieces, valid for _contrib_version; least recently used first.
        self._contrib: dict[int, list[tuple[I32, F64]]] = {}
        self._contrib_version = -1
        self._contrib_used = 0
        # Per term: the largest tf and the shortest row among its postings (-1: not computed yet), from which
        # the compiled top_k bounds what the term can add to a score. Adds keep them up to date; a removal
        # leaves them a valid bound.
        self._bound_tf: I64 = np.zeros(0, dtype=np.int64)
        self._bound_dl: I64 = np.zeros(0, dtype=np.int64)
        self._dense: tuple[int, bm25_dense.Scorer] = (-1, bm25_dense.empty_scores)  # get_scores' (version, scorer)

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
        dtype = narrow(np.array([top])).dtype
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
        terms, _ = self._forward_many(doc_ids)
        words = self._vocab.words
        return [words[t] for t in np.unique(terms).tolist()]

    def term_ids_of_each(self, doc_ids: Iterable[int]) -> tuple[list[I32], Vocab]:
        """The distinct term ids of each of several documents (``KeyError`` if one is absent), from one gather,
        and the vocabulary they index (only ever extended, or replaced whole: ids once given stay valid)."""
        terms, lengths = self._forward_many(doc_ids)
        return np.split(terms, np.cumsum(lengths)[:-1]) if len(lengths) else [], self._vocab

    def _forward_many(self, doc_ids: Iterable[int]) -> tuple[I32, I64]:
        """The forward index entries of several present documents, one after the other, and each one's count."""
        rows = np.asarray([self._row_of(doc_id) for doc_id in doc_ids], dtype=np.int64)
        return forward_rows(self._fstart.buf[: self._n_rows], self._fwd_base, self._fwd_tail.view(), rows)

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
        arrays += [] if self._order is None else [self._order]
        grows: list[Grow[Any]] = [self._df, self._key, self._ids, self._dl, self._fstart, self._alive, self._fwd_tail]
        total = sum(int(a.nbytes) for a in arrays) + sum(g.nbytes() for g in grows) + self._idmap.nbytes()
        total += sum(t.rows.nbytes() + t.tfs.nbytes() + 200 for t in self._tails.values())
        words = self._vocab.words
        return total + sys.getsizeof(self._vocab) + sys.getsizeof(words) + sum(map(sys.getsizeof, words))

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

    def add(self, doc_id: int, tokens: Sequence[str]) -> None:
        """Add one document at the end of the corpus; O(its tokens), no array is rebuilt.

        Raises ``ValueError`` if ``doc_id`` is already present (ids are the caller's, e.g. passage row ids, so
        a duplicate is a bug upstream, not something to paper over) and ``TypeError`` for a bare string (a
        sequence of characters, almost certainly a mistake).
        """
        did = checked_id(doc_id)
        if isinstance(tokens, str):
            raise TypeError("tokens must be a sequence of tokens, not a string")
        if self._idmap.get(did) >= 0:
            raise ValueError(f"document {did} is already in the index")
        append_one(self, did, tokens)

    def add_many(self, docs: Iterable[tuple[int, Sequence[str]]]) -> None:
        """Add many documents in order; into an empty index this is a bulk build (about twice rank-bm25's
        speed).

        All or nothing: if an id is negative, repeated or already present, ``ValueError`` is raised and the
        index is unchanged.
        """
        pairs = docs if isinstance(docs, list) else list(docs)
        add_batch(self, lambda vocab: ingest(pairs, vocab, self._kernels(len(pairs))))

    def add_many_codes(self, doc_ids: Sequence[int], codes: I32, lengths: I64, terms: Sequence[str]) -> None:
        """:meth:`add_many` of documents given as numbers into ``terms``, their distinct tokens in order of first
        appearance (:func:`bot.search.bm25_build.ingest_codes`): the same index, without a string per token."""
        kern = self._kernels(len(doc_ids))
        add_batch(self, lambda vocab: ingest_codes(doc_ids, codes, lengths, terms, vocab, kern))

    def _rollback_vocab(self, n_terms: int) -> None:
        """Forget the terms a failed ``add_many`` introduced (ids ``n_terms`` and up, the newest)."""
        self._vocab.truncate(n_terms)
        self._df.n = min(self._df.n, n_terms)
        self._key.n = min(self._key.n, n_terms)

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

    def remove(self, doc_id: int) -> None:
        """Remove a document; O(its distinct terms), leaving a tombstone (``KeyError`` if it is not present).

        Keeps df, N, avgdl and rank-bm25's vocabulary order exact: a term whose first present document this
        was moves to where it first occurs in the next present document containing it. Once a quarter of the
        rows are tombstones the index compacts itself (O(index size), amortised over those removals).
        """
        row = self._row_of(doc_id)
        did = operator.index(doc_id)
        tombstone(self, row, did)
        if self._n_dead >= self.compact_min_dead and self._n_dead >= self.compact_dead_fraction * self._n_rows:
            self.compact()

    # --- compaction and snapshots ---------------------------------------------------------------------------

    def compact(self) -> None:
        """Drop tombstones and dead terms and fold the tails into the term-major arrays (O(index size)).

        Scores are unaffected. Runs automatically after many removals and large ``add_many`` batches; call it
        before a long read-only period to make queries as fast as after a bulk build.
        """
        if self._n_dead == 0 and not self._tails and self._fwd_tail.n == 0:
            return
        install(self, snapshot(self))

    # --- the statistics rank-bm25 derives from the corpus ---------------------------------------------------

    def _live_order(self) -> I64:
        """Present terms in rank-bm25's dict order (see :func:`bot.search.bm25_stats.live_order`)."""
        self._order = live_order(self._df.view(), self._key.view(), self._order, self._order_changed)
        return self._order

    def _stats(self) -> Stats:
        """idf per term, average idf, length normaliser per row: vectorised, once per modification."""
        cached = self._stats_cache
        if cached is not None and cached.version == self._version:
            return cached
        stats = compute_stats(
            self._version, self._df.view(), self._live_order, self._total_tokens, self._dl.view(),
            self._alive.view(), self._n_dead, (self._k1, self._b, self._epsilon),
        )  # fmt: skip
        self._stats_cache = stats
        return stats

    # --- scoring --------------------------------------------------------------------------------------------

    def _kernels(self, adding: int | None = None) -> Any:
        """The compiled kernels when they are to be used (see ``compiled``), else None: the numpy code.

        For a query: once loaded, or when the index is large. For ``adding`` documents: once loaded, or when
        the batch itself is large (a bulk build), so that adding an article never waits for numba."""
        if not self.compiled:
            return None
        size = self._n_rows if adding is None else adding
        if not kernels.loaded() and size < self.compiled_from:
            return None
        return kernels.kernels()

    def get_scores(self, query: Sequence[str]) -> F64:
        """BM25 scores of the present documents, aligned with :meth:`doc_ids`: ``BM25Okapi.get_scores``.

        Through a scoring function made once per version of the index (:mod:`bot.search.bm25_dense`)."""
        if isinstance(query, str):
            raise TypeError("query must be a sequence of tokens, not a string")
        version, score = self._dense
        if version != self._version or not self.compiled:
            version, score = self._dense = bm25_dense.scorer(self)
        return score(query)

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
            return bm25_compiled.top_k(self, kern, query, k)
        return bm25_numpy.top_k(self, query, k)

    # --- persistence ----------------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the index to ``path`` (an uncompressed ``.npz``, :mod:`bot.search.bm25_file`), atomically: a
        crash leaves the old file intact. It holds the compacted arrays (:func:`bot.search.bm25_snapshot.
        snapshot`) and the vocabulary as one UTF-8 blob, so loading recomputes nothing."""
        bm25_snapshot.write(Path(path), snapshot(self), (self._k1, self._b, self._epsilon))

    @classmethod
    def load(cls, path: Path) -> BM25Index:
        """Read an index written by :meth:`save` (``ValueError`` if the file is not one, or is damaged).

        The postings and the forward index are memory-mapped, not read into memory (see
        :mod:`bot.search.bm25_file`): only what queries touch becomes resident.
        """
        (k1, b, epsilon), snap = bm25_snapshot.read(Path(path))
        index = cls(k1=k1, b=b, epsilon=epsilon)
        install(index, snap)
        return index
