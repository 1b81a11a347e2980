"""Compiled inner loops of :class:`bot.search.bm25.BM25Index` (numba), loaded only when a query first needs them.

Why: in numpy, scoring a query is a series of passes over a dense array of every passage (zero it, scatter into
it, threshold it, gather from it), and at a million passages those passes cost more than the scoring itself.
Compiled, ``top_k`` never builds a dense array: it runs MaxScore over the postings of the query's terms. Each
term has an upper bound of what it can add to a passage's score (from its largest tf and its shortest
passage); a few passages are scored first (those of the rarest terms) to learn a score the k-th best will
reach, and from then on a term whose bound, with the bounds of every weaker term, cannot lift a passage past
the k-th best so far is only looked up (by galloping search) for passages that the other terms bring, and a
passage is dropped as soon as an upper bound of its score falls below the k-th best. When the bounds would
drop little, every posting is scored into a scratch array instead, which is then cheaper. A bulk build
counts terms and transposes the forward index in one pass each, straight into the final arrays.

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
    def seek(rows, pos, end, d):  # type: ignore[no-untyped-def]
        """The first position in ``pos..end`` whose row is >= d (rows ascending): galloping, then bisection."""
        if pos >= end or rows[pos] >= d:
            return pos
        lo = pos  # rows[lo] < d
        step = 1
        hi = pos + 1
        while hi < end and rows[hi] < d:
            lo = hi
            step *= 2
            hi = lo + step
        if hi > end:
            hi = end
        while lo + 1 < hi:  # rows[lo] < d, and hi == end or rows[hi] >= d
            mid = (lo + hi) >> 1
            if rows[mid] < d:
                lo = mid
            else:
                hi = mid
        return hi

    @jit
    def push(heap_s, heap_r, size, s, d):  # type: ignore[no-untyped-def]
        """Offer row d with score s to a heap of at most len(heap_s) rows whose root is the worst kept one
        (lower score, then higher row); returns the new size. One comparison once full, unless d is kept."""
        k = heap_s.shape[0]
        if size < k:
            j = size  # sift up: a parent must be worse than (or equal to) its children
            size += 1
            while j > 0:
                p = (j - 1) // 2
                ps, pr = heap_s[p], heap_r[p]
                if ps < s or (ps == s and pr > d):
                    break
                heap_s[j], heap_r[j] = ps, pr
                j = p
            heap_s[j], heap_r[j] = s, d
        elif s > heap_s[0] or (s == heap_s[0] and d < heap_r[0]):
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
                if s < cs or (s == cs and d > cr):
                    break
                heap_s[j], heap_r[j] = cs, cr
                j = c
            heap_s[j], heap_r[j] = s, d
        return size

    @jit
    def top_k_maxscore(rows, tfs, starts, ends, idfs, ubs, mults, qpos, norm, k1p1, alive, check_alive, k, margin, thr):  # type: ignore[no-untyped-def]
        """The k best rows (unordered; best = higher score, then lower row) and their exact scores: MaxScore.

        Term j's postings are ``rows[starts[j]:ends[j]]`` (ascending) with their tfs; ``qpos`` gives, for each
        query token in query order, its term j; ``ubs[j] >= 0`` bounds from above what term j adds to any row,
        counting every token of it (so 0 for a negative idf), and ``mults[j]`` is how many tokens it has.

        Rows are visited in ascending order, each one's score summed token after token in query order
        (rank-bm25's order), so it is the same double. A row is skipped only when an upper bound of its score
        is below the k-th best score so far by more than ``margin`` (which covers any rounding of the bound):
        it could not have entered the top k, and, since later rows lose ties, a row equal to the k-th would not
        have either. ``thr`` is a score the final k-th best is known to reach (``seed_threshold``), or -inf.
        """
        m = starts.shape[0]
        order = np.argsort(ubs)  # terms by bound, ascending: the first ``ne`` are "non-essential"
        prefix = np.empty(m, np.float64)
        acc = 0.0
        for i in range(m):
            acc += ubs[order[i]]
            prefix[i] = acc
        cur = starts.copy()
        present = np.zeros(m, np.bool_)
        contrib = np.zeros(m, np.float64)
        heap_r = np.empty(k, np.int64)
        heap_s = np.empty(k, np.float64)
        size = 0
        ne = 0
        while ne < m and prefix[ne] + margin < thr:
            ne += 1
        n_pos = qpos.shape[0]
        big = np.int64(1) << 62
        while ne < m:
            d = big
            for i in range(ne, m):
                j = order[i]
                if cur[j] < ends[j]:
                    r = np.int64(rows[cur[j]])
                    if r < d:
                        d = r
            if d == big:
                break
            bound = 0.0
            for i in range(m):
                present[i] = False
            for i in range(ne, m):
                j = order[i]
                c_ = cur[j]
                if c_ < ends[j] and rows[c_] == d:
                    tf = np.float64(tfs[c_])
                    c = idfs[j] * (tf * k1p1 / (tf + norm[d]))
                    contrib[j] = c
                    present[j] = True
                    cur[j] = c_ + 1
                    bound += c * mults[j]
            if check_alive and not alive[d]:
                continue
            if ne > 0:
                bound += prefix[ne - 1]
                skip = bound + margin < thr
                i = ne - 1
                while not skip and i >= 0:
                    j = order[i]
                    p = seek(rows, cur[j], ends[j], d)
                    cur[j] = p
                    if p < ends[j] and rows[p] == d:
                        tf = np.float64(tfs[p])
                        c = idfs[j] * (tf * k1p1 / (tf + norm[d]))
                        contrib[j] = c
                        present[j] = True
                        bound += c * mults[j] - ubs[j]
                    else:
                        bound -= ubs[j]
                    skip = bound + margin < thr
                    i -= 1
                if skip:
                    continue
            s = 0.0
            for p in range(n_pos):
                j = qpos[p]
                if present[j]:
                    s += contrib[j]
            size = push(heap_s, heap_r, size, s, d)
            if size == k and heap_s[0] > thr:
                thr = heap_s[0]
                while ne < m and prefix[ne] + margin < thr:
                    ne += 1
        return heap_r[:size], heap_s[:size]

    @jit
    def top_k_exhaustive(rows, tfs, starts, ends, idfs, qpos, norm, k1p1, alive, check_alive, k, thr, scratch):  # type: ignore[no-untyped-def]
        """top_k_maxscore's result by scoring every posting: each token's contributions added to ``scratch``
        (NaN where nothing has landed yet; such a row starts from 0.0, as in rank-bm25) token after token in
        query order, then a heap over the rows touched, skipping those below ``thr``; ``scratch`` is left NaN.
        Cheaper than MaxScore when its bounds would let it skip few rows."""
        total = 0
        for j in range(starts.shape[0]):
            total += ends[j] - starts[j]
        touched = np.empty(min(total, scratch.shape[0]), np.int32)
        n_t = 0
        for q in range(qpos.shape[0]):
            j = qpos[q]
            w = idfs[j]
            for i in range(starts[j], ends[j]):
                r = rows[i]
                tf = np.float64(tfs[i])
                c = w * (tf * k1p1 / (tf + norm[r]))
                s = scratch[r]
                if s != s:
                    scratch[r] = 0.0 + c
                    touched[n_t] = r
                    n_t += 1
                else:
                    scratch[r] = s + c
        heap_r = np.empty(k, np.int64)
        heap_s = np.empty(k, np.float64)
        size = 0
        for i in range(n_t):
            d = np.int64(touched[i])
            s = scratch[d]
            scratch[d] = np.nan
            if s < thr or (check_alive and not alive[d]):
                continue
            size = push(heap_s, heap_r, size, s, d)
        return heap_r[:size], heap_s[:size]

    @jit
    def term_bounds(rows, tfs, lo, hi, dl):  # type: ignore[no-untyped-def]
        """The largest tf and the shortest row length among a term's postings lo..hi (for its score bound)."""
        top = np.int64(0)
        short = np.int64(np.iinfo(np.int64).max)
        for i in range(lo, hi):
            tf = np.int64(tfs[i])
            if tf > top:
                top = tf
            n = np.int64(dl[rows[i]])
            if n < short:
                short = n
        return top, short

    @jit
    def seed_threshold(rows, tfs, starts, ends, idfs, ubs, qpos, norm, k1p1, alive, check_alive, k, sample):  # type: ignore[no-untyped-def]
        """A lower bound of the final k-th best score, from the exact scores of at most ``sample`` rows: those
        of the terms with the largest bounds (usually the rarest) first, evenly spaced within a long list, until
        enough rows are scored. They are real rows, so the k-th best of them can only be beaten, and MaxScore
        can skip from its first row on."""
        m = starts.shape[0]
        by_bound = np.argsort(-ubs)
        seen_r = np.empty(sample, np.int64)
        seen_s = np.empty(sample, np.float64)
        n_seen = 0
        present = np.zeros(m, np.bool_)
        contrib = np.zeros(m, np.float64)
        for o in range(m):
            if n_seen >= 4 * k or n_seen >= sample:
                break
            best = by_bound[o]
            n = ends[best] - starts[best]
            if n == 0:
                continue
            step = max(1, n // (sample - n_seen))
            cur = starts.copy()
            for i in range(starts[best], ends[best], step):
                if n_seen >= sample:
                    break
                d = np.int64(rows[i])
                if check_alive and not alive[d]:
                    continue
                for j in range(m):
                    p = seek(rows, cur[j], ends[j], d)
                    cur[j] = p
                    present[j] = p < ends[j] and rows[p] == d
                    if present[j]:
                        tf = np.float64(tfs[p])
                        contrib[j] = idfs[j] * (tf * k1p1 / (tf + norm[d]))
                s = 0.0
                for p in range(qpos.shape[0]):
                    j = qpos[p]
                    if present[j]:
                        s += contrib[j]
                seen_r[n_seen] = d
                seen_s[n_seen] = s
                n_seen += 1
        # a row found through two terms counts once
        by_row = np.argsort(seen_r[:n_seen])
        unique = np.empty(n_seen, np.float64)
        n_unique = 0
        for i in range(n_seen):
            if i == 0 or seen_r[by_row[i]] != seen_r[by_row[i - 1]]:
                unique[n_unique] = seen_s[by_row[i]]
                n_unique += 1
        if n_unique < k:
            return -np.inf
        return np.sort(unique[:n_unique])[n_unique - k]

    @jit
    def top_k_terms(  # type: ignore[no-untyped-def]
        indptr, rows, tfs, terms, idf, bound_tf, bound_dl, dl, norm, k1, b, avgdl, alive, check_alive, k, scratch
    ):
        """top_k of the query whose tokens are term ids ``terms`` (query order, repeats kept), postings in CSR
        form (``indptr``): distinct terms, their bounds (computed once per term into ``bound_tf`` / ``bound_dl``,
        -1 = not yet), a seeded threshold, then MaxScore."""
        n_pos = terms.shape[0]
        local = np.empty(n_pos, np.int64)
        distinct = np.empty(n_pos, np.int64)
        m = 0
        for p in range(n_pos):
            t = terms[p]
            j = 0
            while j < m and distinct[j] != t:
                j += 1
            if j == m:
                distinct[m] = t
                m += 1
            local[p] = j
        starts = np.empty(m, np.int64)
        ends = np.empty(m, np.int64)
        idfs = np.empty(m, np.float64)
        mults = np.zeros(m, np.float64)
        ubs = np.zeros(m, np.float64)
        k1p1 = k1 + 1.0
        for p in range(n_pos):
            mults[local[p]] += 1.0
        total = 0.0
        for j in range(m):
            t = distinct[j]
            starts[j] = indptr[t]
            ends[j] = indptr[t + 1]
            idfs[j] = idf[t]
            if bound_tf[t] < 0:
                top, short = term_bounds(rows, tfs, starts[j], ends[j], dl)
                bound_tf[t] = top
                bound_dl[t] = short
            if idfs[j] > 0:
                top_f = np.float64(bound_tf[t])
                ubs[j] = mults[j] * idfs[j] * (top_f * k1p1 / (top_f + k1 * ((1 - b) + b * bound_dl[t] / avgdl)))
            total += ubs[j] + k1p1 * abs(idfs[j]) * mults[j]
        margin = 1e-9 * total + 1e-300  # covers every rounding in the bounds' sums many times over
        thr = seed_threshold(rows, tfs, starts, ends, idfs, ubs, local, norm, k1p1, alive, check_alive, k, 1024)
        # The postings MaxScore would walk from the start (those of terms it cannot skip): when that is most of
        # them, walking them all with no per-row bookkeeping is faster.
        by_bound = np.argsort(ubs)
        acc = 0.0
        walked = 0
        everything = 0
        for i in range(m):
            j = by_bound[i]
            acc += ubs[j]
            everything += ends[j] - starts[j]
            if acc + margin >= thr:
                walked += ends[j] - starts[j]
        if 5 * walked > everything:
            # thr - margin: a row scoring exactly thr may still tie its way in
            return top_k_exhaustive(
                rows, tfs, starts, ends, idfs, local, norm, k1p1, alive, check_alive, k, thr - margin, scratch
            )
        return top_k_maxscore(
            rows, tfs, starts, ends, idfs, ubs, mults, local, norm, k1p1, alive, check_alive, k, margin, thr
        )

    @jit
    def scores_terms(score, indptr, rows, tfs, terms, idf, k1p1, norm):  # type: ignore[no-untyped-def]
        """get_scores: each query token's contributions added to a dense array, token after token."""
        for p in range(terms.shape[0]):
            t = terms[p]
            w = idf[t]
            for i in range(indptr[t], indptr[t + 1]):
                r = rows[i]
                tf = np.float64(tfs[i])
                score[r] += w * (tf * k1p1 / (tf + norm[r]))

    @jit
    def count_terms(flat, lengths, n_terms):  # type: ignore[no-untyped-def]
        """Each document's distinct terms (first-occurrence order) and their counts, from all its term ids.

        ``flat`` holds every document's term ids one document after the other (``lengths`` tokens each): the
        same forward index the numpy code builds one Python dict per document for. The distinct terms are
        written over ``flat`` itself (never ahead of what is still to be read), so the only new array the size
        of the corpus is the counts; returns how many distinct (document, term) pairs there are, the counts
        and each document's number of distinct terms.
        """
        last = np.full(n_terms, -1, np.int64)
        pos = np.empty(n_terms, np.int64)
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
                    flat[k] = t
                    tfs[k] = 1
                    k += 1
                else:
                    tfs[pos[t]] += 1
            distinct[d] = k - start
        return k, tfs, distinct

    @jit
    def transpose(fstart, fwd, tfs, n_terms, rows, out_tfs):  # type: ignore[no-untyped-def]
        """The forward index (per document its distinct terms and tfs) as term-major postings, in one counting
        sort: rows ascending within each term, written into ``rows`` / ``out_tfs``; returns the term pointers
        and each term's first forward position (-1 if none), from which its dict-order key comes."""
        indptr = np.zeros(n_terms + 1, np.int64)
        for i in range(fwd.shape[0]):
            indptr[fwd[i] + 1] += 1
        for t in range(n_terms):
            indptr[t + 1] += indptr[t]
        nxt = indptr[:-1].copy()
        first = np.full(n_terms, -1, np.int64)
        for d in range(fstart.shape[0] - 1):
            for i in range(fstart[d], fstart[d + 1]):
                t = fwd[i]
                p = nxt[t]
                rows[p] = d
                out_tfs[p] = tfs[i]
                nxt[t] = p + 1
                if first[t] < 0:
                    first[t] = i
        return indptr, first

    return types.SimpleNamespace(
        count_terms=count_terms,
        transpose=transpose,
        term_bounds=term_bounds,
        top_k_terms=top_k_terms,
        top_k_maxscore=top_k_maxscore,
        top_k_exhaustive=top_k_exhaustive,
        seed_threshold=seed_threshold,
        scores_terms=scores_terms,
    )


def _warm(found: Any) -> None:
    """Run each kernel once on tiny arrays: loads the compiled code from the cache (or compiles it)."""
    import numpy as np

    indptr, rows, tfs = np.array([0, 2]), np.array([0, 1], dtype=np.int32), np.ones(2, dtype=np.uint8)
    terms, idf, norm, dl = np.zeros(1, np.int64), np.ones(1), np.ones(2), np.ones(2, dtype=np.int32)
    found.top_k_terms(indptr, rows, tfs, terms, idf, np.full(1, -1), np.full(1, -1), dl, norm, 1.5, 0.75, 1.0,
                      np.ones(2, dtype=np.bool_), False, 1, np.full(2, np.nan))  # fmt: skip
    found.scores_terms(np.zeros(2), indptr, rows, tfs, terms, idf, 2.5, norm)
    found.term_bounds(rows, tfs, 0, 2, dl)
    n_pairs, counts, distinct = found.count_terms(np.array([0, 0], dtype=np.int32), np.array([2]), 1)
    fstart = np.array([0, 1])
    found.transpose(fstart, np.zeros(1, np.int32), np.ones(1, np.uint8), 1, rows[:1].copy(), tfs[:1].copy())


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
