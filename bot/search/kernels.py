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
code, which returns the same bits more slowly. Importing numba and loading the compiled code (cached on disk,
``cache=True``, so a new process does not compile again) costs about 1 s in a new process, so it never
happens on an add, and a query uses the kernels only once they are loaded or when its index is large enough
(``BM25Index.compiled_from`` passages) for them to pay off at once; a long-running process can load them
ahead with :func:`warm_up_in_background`.
"""

from __future__ import annotations

import threading
import types
from typing import Any

__all__ = ["available", "kernels", "loaded", "warm_up_in_background"]

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
    def accumulate_values(score, touched, n_touched, rows, values):  # type: ignore[no-untyped-def]
        """accumulate with the contributions already computed (a frequent term's, cached between queries)."""
        for i in range(rows.shape[0]):
            r = rows[i]
            c = values[i]
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

    @jit
    def top_k_bulk(score, touched, indptr, rows, tfs, terms, idfs, k1p1, norm, alive, check_alive, k):  # type: ignore[no-untyped-def]
        """accumulate over each query term's bulk postings, in query order, then select: one call a query."""
        n = 0
        for j in range(terms.shape[0]):
            t = terms[j]
            n = accumulate(score, touched, n, rows, tfs, indptr[t], indptr[t + 1], idfs[j], k1p1, norm)
        return select(score, touched, n, alive, check_alive, min(k, n))

    @jit
    def count_terms(flat, lengths, n_terms):  # type: ignore[no-untyped-def]
        """Each document's distinct terms (first-occurrence order) and their counts, from all its term ids.

        ``flat`` holds every document's term ids one document after the other (``lengths`` tokens each): the
        same forward index the numpy code builds one Python dict per document for.
        """
        last = np.full(n_terms, -1, np.int64)
        pos = np.empty(n_terms, np.int64)
        fwd = np.empty(flat.shape[0], np.int32)
        tfs = np.empty(flat.shape[0], np.uint32)
        distinct = np.empty(lengths.shape[0], np.int64)
        k = 0
        i = 0
        for d in range(lengths.shape[0]):
            start = k
            for _ in range(lengths[d]):
                t = flat[i]
                i += 1
                if last[t] != d:
                    last[t] = d
                    pos[t] = k
                    fwd[k] = t
                    tfs[k] = 1
                    k += 1
                else:
                    tfs[pos[t]] += 1
            distinct[d] = k - start
        return fwd[:k].copy(), tfs[:k].copy(), distinct

    return types.SimpleNamespace(
        count_terms=count_terms,
        accumulate=accumulate,
        accumulate_values=accumulate_values,
        accumulate_dense=accumulate_dense,
        select=select,
        top_k_bulk=top_k_bulk,
    )


def _warm(found: Any) -> None:
    """Run each kernel once on tiny arrays: loads the compiled code from the cache (or compiles it)."""
    import numpy as np

    score = np.full(2, np.nan)
    touched = np.empty(2, dtype=np.int32)
    rows = np.array([0, 1], dtype=np.int32)
    tfs = np.ones(2, dtype=np.uint8)
    norm = np.ones(2)
    found.top_k_bulk(score, touched, np.array([0, 2]), rows, tfs, np.zeros(1, np.int64), np.ones(1), 2.5, norm,
                     np.ones(2, dtype=np.bool_), False, 1)  # fmt: skip
    found.accumulate_dense(np.zeros(2), rows, tfs, 0, 2, 1.0, 2.5, norm)


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
