"""Compiled inner loops of :class:`bot.search.bm25.BM25Index` (numba), loaded only when a query first needs them.

Why: in numpy, scoring a query is a series of passes over a dense array of every passage (zero it, scatter into
it, threshold it, gather from it), and at a million passages those passes cost more than the scoring itself.
Compiled, ``top_k`` never builds a dense array: it runs MaxScore over the postings of the query's terms. Each
term has an upper bound of what it can add to a passage's score (from its largest tf and its shortest
passage); a few passages are scored first (those of the rarest terms) to learn a score the k-th best will
reach, and from then on a term whose bound, with the bounds of every weaker term, cannot lift a passage past
the k-th best so far is only looked up (by galloping search) for passages that the other terms bring, and a
passage is dropped as soon as an upper bound of its score falls below the k-th best. When the bounds would
drop little, every posting is scored instead, window by window of rows into a small buffer that stays in
cache, which is then cheaper. In between (the weak terms out, but many rows to look them up for), a window's
rows of the strong terms are marked first and the weak terms' postings read in order, added at marked rows
only: MaxScore's split without its lookups. A bulk build numbers each chunk's tokens (by object where the
token strings are shared, with one vocabulary lookup per distinct object), then counts terms and transposes the
forward index in one pass each, straight into the final arrays.

Exactness: every score that is computed is the same IEEE-754 double operation in the same order as
``rank_bm25.BM25Okapi`` (``idf * (tf * (k1 + 1) / (tf + norm))``, added token after token in query order,
starting from 0.0). numba compiles without ``fastmath``, so LLVM neither reassociates nor fuses a multiply and
an add into one rounding. A passage is skipped only when its bound is below the k-th best score by more than a
margin that covers any rounding in the bound's sums (a million times the worst case), so it could not have
been among the k best, and ties still go to the earlier passage (later ones are visited later and lose them).
The property test in tests/search/test_bm25.py runs through both paths, through any history of changes.

numba is a normal dependency where it ships wheels (Linux, macOS and Windows on x86-64 and ARM64); anywhere
else (or with ``BM25Index.compiled = False``, which the tests use to run both paths) the index uses its numpy
code, which returns the same bits more slowly. Importing numba and loading the compiled code (cached on disk,
``cache=True``, so a new process does not compile again) costs about 1 s in a new process, so it never
happens on an add, and a query uses the kernels only once they are loaded or when its index is large enough
(``BM25Index.compiled_from`` passages) for them to pay off at once; a long-running process can load them
ahead with :func:`warm_up_in_background`.

The loops themselves are module-level functions (so that numba's disk cache holds across processes) of
:mod:`bot.search.kernels_jit` (MaxScore, dense scores, the seed), :mod:`bot.search.window_jit` (the every-posting
and marked paths, the heap) and :mod:`bot.search.build_jit` (the bulk build, and the numbering of a chunk's tokens
by object), the last two re-exported by the first; this module decides when to load them.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["available", "kernels", "loaded", "warm_up_in_background"]

_lock = threading.Lock()
_loaded: Any = None
_tried = False


def _build() -> Any:
    from bot.search import kernels_jit  # imports numba (ImportError without it)

    return kernels_jit


def _warm(found: Any) -> None:
    """Run each kernel once on tiny arrays, with every argument type a query, a build or an add can give it:
    loads the compiled code from the cache (or compiles it), so none is compiled in the middle of a query.

    The types that vary: the postings' tfs (one byte, two once a tf exceeds 255, four past 65,535;
    :func:`bot.search.bm25_arrays.narrow`) and the passages' lengths (two bytes, four once a passage has 65,536
    tokens). Four-byte tfs come with four-byte lengths (such a tf needs such a passage, and both narrow again
    together when it goes), so five pairs. tests/search/test_kernels.py checks that nothing else occurs."""
    import numpy as np

    u8, u16, u32 = np.uint8, np.uint16, np.uint32
    indptr, rows = np.array([0, 2]), np.array([0, 1], dtype=np.int32)
    terms, idf, table, dl = np.zeros(1, np.int64), np.ones(1), np.ones(2), np.ones(2, dtype=np.int32)
    for tf_type, length_type in ((u8, u16), (u8, u32), (u16, u16), (u16, u32), (u32, u32)):
        tfs, lengths = np.ones(2, tf_type), np.ones(2, length_type)
        found.top_k_terms(indptr, rows, tfs, terms, idf, np.full(1, -1), np.full(1, -1), dl, table, lengths, 1.5,
                          0.75, 1.0, np.ones(2, dtype=np.bool_), False, 1, 64, 256, 0, 10)  # fmt: skip
        found.scores_terms(2, indptr, rows, tfs, terms, idf, 2.5, table, lengths)
    for tf_type in (u8, u16, u32):
        tfs = np.ones(2, tf_type)
        found.term_bounds(rows, tfs, 0, 2, dl)
        found.transpose(np.array([0, 1]), np.zeros(1, np.int32), tfs[:1].copy(), 1, rows[:1].copy(), tfs[:1].copy())
    found.count_terms(np.array([0, 0], dtype=np.int32), np.array([2]), 1)
    addresses = np.array([8])
    addresses.flags.writeable = False  # a view of an object array's pointers (bm25_build._Addresses)
    found.number_addresses(addresses, np.zeros(1, np.int32), np.zeros(4, np.int64), 1, 0, np.zeros(1, np.int64))


def kernels() -> Any:
    """The compiled functions, or None when numba is not installed (then the index uses its numpy code)."""
    global _loaded, _tried
    if _tried:
        return _loaded
    with _lock:
        if not _tried:
            try:
                found = _build()
                _warm(found)
            except ImportError:
                found = None
            _loaded = found
            _tried = True
    return _loaded


def loaded() -> bool:
    """Whether the kernels are ready (or known to be missing) without waiting for numba."""
    return _tried


def warm_up_in_background() -> None:
    """Import numba and load the kernels in a daemon thread, so the first large query does not wait ~1 s."""
    if not _tried:
        threading.Thread(target=kernels, name="bm25-kernels", daemon=True).start()


def available() -> bool:
    """Whether queries run compiled (imports numba on the first call)."""
    return kernels() is not None
