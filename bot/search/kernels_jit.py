"""The compiled loops of :mod:`bot.search.kernels`, at module level (see that module for what they do and why
they are exact). Imported only by :func:`bot.search.kernels.kernels`, since importing numba costs about a second.

A passage's length normaliser ``k1 * (1 - b + b * dl / avgdl)`` is read as ``table[dls[d]]``: the value for its
length from a table over the lengths, the length from a 2-byte copy of the lengths (4 bytes if a passage has
65,536 tokens or more): a quarter of the memory a query touches per passage that a float64 per passage took, the
same double either way. Queries run mostly with caches emptied by everything else the process does.

Why module level: numba's on-disk cache (``cache=True``) keys a function on its closure cells too, and the
cells of a kernel defined inside another function hold the dispatchers of the kernels it calls, whose pickle
differs in every process, so such kernels were compiled again (about 7 s of CPU) in every new process. Globals
are not part of the key: defined here, every kernel is compiled once per checkout and loaded from the cache
afterwards.
"""

# mypy: disable-error-code="untyped-decorator,no-untyped-def"

from __future__ import annotations

import numba
import numpy as np

# The build's loops live in their own module (one job each); re-exported, since kernels() hands out this module.
from bot.search.build_jit import count_terms as count_terms
from bot.search.build_jit import number_addresses as number_addresses
from bot.search.build_jit import transpose as transpose
from bot.search.window_jit import push as push
from bot.search.window_jit import top_k_exhaustive as top_k_exhaustive
from bot.search.window_jit import top_k_marked as top_k_marked

jit = numba.njit(cache=True, nogil=True)


@jit
def seek(rows, pos, end, d):
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
def top_k_maxscore(
    rows, tfs, starts, ends, idfs, ubs, mults, qpos, table, dls, k1p1, alive, check_alive, k, margin, thr
):
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
                c = idfs[j] * (tf * k1p1 / (tf + table[dls[d]]))
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
                    c = idfs[j] * (tf * k1p1 / (tf + table[dls[d]]))
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
def term_bounds(rows, tfs, lo, hi, dl):
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
def seed_threshold(rows, tfs, starts, ends, idfs, ubs, qpos, table, dls, k1p1, alive, check_alive, k, sample):
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
                    contrib[j] = idfs[j] * (tf * k1p1 / (tf + table[dls[d]]))
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
def top_k_terms(
    indptr,
    rows,
    tfs,
    terms,
    idf,
    bound_tf,
    bound_dl,
    dl,
    table,
    dls,
    k1,
    b,
    avgdl,
    alive,
    check_alive,
    k,
    sample,
    per_row,
    direct,
    within,
):
    """top_k of the query whose tokens are term ids ``terms`` (query order, repeats kept), postings in CSR
    form (``indptr``): distinct terms, their bounds (computed once per term into ``bound_tf`` / ``bound_dl``,
    -1 = not yet), a seeded threshold, then MaxScore; a query with fewer than ``direct`` postings has every
    posting scored, unseeded (a seed's lookups cost more than they save there). Past the seed, the path is
    chosen by the postings MaxScore would walk: more than a fifth of them, every posting is scored; more than
    1/``within``, the weak terms are merged (top_k_marked); otherwise MaxScore."""
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
    # Seeding costs a lookup in every term per sampled row: worth about one row per ``per_row`` postings of
    # the query (at least 4k rows, at most ``sample``), so that a small query is not dominated by it.
    postings = 0
    for j in range(m):
        postings += ends[j] - starts[j]
    if postings < direct:
        return top_k_exhaustive(rows, tfs, starts, ends, idfs, local, table, dls, k1p1, alive, check_alive, k, -np.inf)
    seeds = min(sample, max(4 * k, postings // per_row))
    thr = seed_threshold(rows, tfs, starts, ends, idfs, ubs, local, table, dls, k1p1, alive, check_alive, k, seeds)
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
            rows, tfs, starts, ends, idfs, local, table, dls, k1p1, alive, check_alive, k, thr - margin
        )
    if within * walked > everything:  # MaxScore would look up too many rows: merge the weak terms instead
        return top_k_marked(
            rows, tfs, starts, ends, idfs, ubs, local, table, dls, k1p1, alive, check_alive, k, margin, thr
        )
    return top_k_maxscore(
        rows, tfs, starts, ends, idfs, ubs, mults, local, table, dls, k1p1, alive, check_alive, k, margin, thr
    )


@jit
def scores_terms(n_rows, indptr, rows, tfs, terms, idf, k1p1, table, dls):
    """get_scores: each query token's contributions added to a new dense array, token after token.

    A term id outside ``indptr`` (-1: a token the index does not know) adds nothing, so the caller can pass
    every token's id unchecked; so does a term no present document contains (its idf is 0.0 and its postings
    are all tombstones, which the caller drops).

    The array is allocated here, not by numpy: numpy asks the kernel for transparent huge pages for any
    array of 4 MB or more, and a caller that keeps each result (so every call gets fresh memory) then
    waits for the kernel to find and zero 2 MB pages, about 3x the cost of faulting in plain pages."""
    score = np.zeros(n_rows, np.float64)
    n_terms = indptr.shape[0] - 1
    for p in range(terms.shape[0]):
        t = terms[p]
        if t < 0 or t >= n_terms:
            continue
        w = idf[t]
        for i in range(indptr[t], indptr[t + 1]):
            r = rows[i]
            tf = np.float64(tfs[i])
            score[r] += w * (tf * k1p1 / (tf + table[dls[r]]))
    return score
