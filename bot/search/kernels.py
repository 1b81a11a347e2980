"""Compiled inner loops of :class:`bot.search.bm25.BM25Index` (numba), loaded only when a query first needs them.

Why: scoring a query is a loop over the postings of its terms, and choosing the top ``k`` is a loop over the
passages those postings touch. In numpy each step is a separate pass over a dense array of every passage (zero
it, scatter into it, threshold it, gather from it), and at a million passages those passes cost more than the
scoring itself. Compiled, the loop touches each posting once and each touched passage once, and the dense score
array is a scratch buffer reset only where it was written.

Exactness: every operation is the same IEEE-754 double operation in the same order as ``rank_bm25.BM25Okapi``
(``idf * (tf * (k1 + 1) / (tf + norm))``, added token after token in query order, starting from 0.0). numba
compiles without ``fastmath``, so LLVM neither reassociates nor fuses a multiply and an add into one rounding;
the property test in tests/search/test_bm25.py runs through both paths.

numba is a normal dependency where it ships wheels (Linux, macOS and Windows on x86-64 and ARM64); anywhere
else (or with ``BM25Index.compiled = False``, which the tests use to run both paths) the index uses its numpy
code, which returns the same bits more slowly. Importing numba costs about 0.3 s, so it happens on the first
query, never on the first add; compiled code is cached on disk (``cache=True``) so a new process does not
compile again.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["available", "kernels"]

_lock = threading.Lock()
_loaded: Any = None
_tried = False


def _build() -> Any:
    import numba
    import numpy as np

    jit = numba.njit(cache=True, nogil=True)

    @jit
    def accumulate(score, touched, n_touched, rows, tfs, lo, hi, idf, k1p1, norm):  # type: ignore[no-untyped-def]
        """score[r] += idf * (tf * (k1 + 1) / (tf + norm[r])) over postings lo..hi; new rows go to touched.

        ``score`` is NaN where no posting has landed yet (so no separate mark array is read): such a row starts
        from 0.0, as in rank-bm25, and joins ``touched``.
        """
        for i in range(lo, hi):
            r = rows[i]
            tf = np.float64(tfs[i])
            c = idf * (tf * k1p1 / (tf + norm[r]))
            s = score[r]
            if s != s:
                score[r] = 0.0 + c
                touched[n_touched] = r
                n_touched += 1
            else:
                score[r] = s + c
        return n_touched

    @jit
    def accumulate_dense(score, rows, tfs, lo, hi, idf, k1p1, norm):  # type: ignore[no-untyped-def]
        """The same sum into a dense array, for get_scores."""
        for i in range(lo, hi):
            r = rows[i]
            tf = np.float64(tfs[i])
            score[r] += idf * (tf * k1p1 / (tf + norm[r]))

    @jit
    def select(score, touched, n_touched, alive, check_alive, k):  # type: ignore[no-untyped-def]
        """The k best touched rows (unordered; best = higher score, then lower row), resetting score to NaN.

        A binary heap whose root is the worst kept row: one comparison per touched row once it is full.
        """
        heap_r = np.empty(k, np.int64)
        heap_s = np.empty(k, np.float64)
        size = 0
        for i in range(n_touched):
            r = np.int64(touched[i])
            s = score[r]
            score[r] = np.nan
            if check_alive and not alive[r]:
                continue
            if size < k:
                # sift up: a parent must be worse than (or equal to) its children
                j = size
                size += 1
                while j > 0:
                    p = (j - 1) // 2
                    ps, pr = heap_s[p], heap_r[p]
                    if ps < s or (ps == s and pr > r):
                        break
                    heap_s[j], heap_r[j] = ps, pr
                    j = p
                heap_s[j], heap_r[j] = s, r
            elif s > heap_s[0] or (s == heap_s[0] and r < heap_r[0]):
                j = 0
                while True:
                    c = 2 * j + 1
                    if c >= size:
                        break
                    if c + 1 < size:
                        cs, cr = heap_s[c + 1], heap_r[c + 1]
                        if cs < heap_s[c] or (cs == heap_s[c] and cr > heap_r[c]):
                            c += 1
                    cs, cr = heap_s[c], heap_r[c]
                    if s < cs or (s == cs and r > cr):
                        break
                    heap_s[j], heap_r[j] = cs, cr
                    j = c
                heap_s[j], heap_r[j] = s, r
        return heap_r[:size], heap_s[:size]  # unordered: the caller sorts these few

    return type("Kernels", (), {"accumulate": accumulate, "accumulate_dense": accumulate_dense, "select": select})


def kernels() -> Any:
    """The compiled functions, or None when numba is not installed (then the index uses its numpy code)."""
    global _loaded, _tried
    if _tried:
        return _loaded
    with _lock:
        if not _tried:
            try:
                _loaded = _build()
            except ImportError:
                _loaded = None
            _tried = True
    return _loaded


def available() -> bool:
    """Whether queries run compiled (imports numba on the first call)."""
    return kernels() is not None
