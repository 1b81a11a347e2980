"""The window-by-window loops of the compiled top_k (:mod:`bot.search.kernels_jit` re-exports them; see
:mod:`bot.search.kernels` for why every score is rank-bm25's double): the every-posting path and the marked path,
and the heap both they and MaxScore offer rows to.

Both score a window of 2**WINDOW_SHIFT rows at a time into a buffer of doubles that stays in cache, adding each
query token's postings in the window token after token in query order (rank-bm25's order), from 0.0.
"""

# mypy: disable-error-code="untyped-decorator,no-untyped-def"

from __future__ import annotations

import numba
import numpy as np

jit = numba.njit(cache=True, nogil=True)


@jit
def push(heap_s, heap_r, size, s, d):
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
def offer_touched(touched, n_t, buf, seen, base, alive, check_alive, heap_s, heap_r, size, k, floor):
    """Offer the first n_t rows listed in ``touched`` (offsets in the window starting at row ``base``) to the
    heap, those scoring below ``floor`` or removed skipped, and set their buffer and mark back to 0; returns the
    heap's new size and the floor, raised to the k-th best once the heap is full (later rows lose ties: one
    below the k-th best cannot enter)."""
    for t in range(n_t):
        o = touched[t]
        s = buf[o]
        buf[o] = 0.0
        seen[o] = 0
        if s < floor or (check_alive and not alive[base + o]):
            continue
        size = push(heap_s, heap_r, size, s, base + o)
        if size == k and heap_s[0] > floor:
            floor = heap_s[0]
    return size, floor


#: The exhaustive top_k scores rows by windows of 2**WINDOW_SHIFT rows (a 64 KB buffer of doubles).
WINDOW_SHIFT = 13
#: ...and reads a whole window SCAN_BLOCK rows at a time, skipping a block where no row reaches the threshold.
SCAN_BLOCK = 32


@jit
def top_k_exhaustive(rows, tfs, starts, ends, idfs, qpos, table, dls, k1p1, alive, check_alive, k, thr):
    """top_k_maxscore's result by scoring every posting, window by window of rows: a window's scores are
    summed in a small dense buffer of 0.0 (where rank-bm25 starts each row), each token's postings in the
    window added token after token in query order, then the rows scored offered to a heap (those below
    ``thr`` skipped) and the buffer set back to 0.0. Cheaper than MaxScore when its bounds would let it skip
    few rows.

    Why windows: the buffer stays in the core's cache, where a dense array of every row (8 MB at a million)
    would take a cache miss per posting once the rest of the process has run. Why no test on the buffer in
    the adding loop: whether a row was scored before is a coin flip the CPU cannot predict, so the rows
    scored are found afterwards: once ``thr`` is positive and the query has postings for a quarter of the
    rows or more, by reading the whole window (a row never scored holds 0.0, below ``thr``); otherwise from
    a list each posting appends its row to, counted only the first time (a byte per row says so)."""
    n_pos = qpos.shape[0]
    width = np.int64(1) << WINDOW_SHIFT
    buf = np.zeros(width)
    seen = np.zeros(width, np.uint8)
    touched = np.empty(width + 1, np.int32)  # one spare: the branch-free append writes before it counts
    cur = np.empty(n_pos, np.int64)  # per token: a repeated token walks its term's postings again
    lo_row = np.int64(1) << 62
    hi_row = np.int64(-1)
    postings = np.int64(0)
    for q in range(n_pos):
        j = qpos[q]
        cur[q] = starts[j]
        postings += ends[j] - starts[j]
        if ends[j] > starts[j]:
            lo_row = min(lo_row, np.int64(rows[starts[j]]))
            hi_row = max(hi_row, np.int64(rows[ends[j] - 1]))
    heap_r = np.empty(k, np.int64)
    heap_s = np.empty(k, np.float64)
    size = 0
    base = np.int64((lo_row >> WINDOW_SHIFT) << WINDOW_SHIFT)  # the first window holding a posting
    dense = 4 * postings > hi_row - base + 1
    while base <= hi_row:
        limit = base + width
        listed = not (dense and thr > 0.0)
        n_t = 0
        for q in range(n_pos):
            j = qpos[q]
            w = idfs[j]
            i = cur[q]
            e = ends[j]
            if listed:
                while i < e:
                    r = np.int64(rows[i])
                    if r >= limit:
                        break
                    tf = np.float64(tfs[i])
                    o = r - base
                    buf[o] += w * (tf * k1p1 / (tf + table[dls[r]]))
                    touched[n_t] = o
                    n_t += 1 - seen[o]
                    seen[o] = 1
                    i += 1
            else:
                while i < e:
                    r = np.int64(rows[i])
                    if r >= limit:
                        break
                    tf = np.float64(tfs[i])
                    buf[r - base] += w * (tf * k1p1 / (tf + table[dls[r]]))
                    i += 1
            cur[q] = i
        if listed:
            size, thr = offer_touched(touched, n_t, buf, seen, base, alive, check_alive, heap_s, heap_r, size, k, thr)
        else:
            for blk in range(0, width, SCAN_BLOCK):  # counted first: a loop the compiler vectorises
                n_up = 0
                for x in range(blk, blk + SCAN_BLOCK):
                    n_up += buf[x] >= thr
                if n_up == 0:
                    continue
                for x in range(blk, blk + SCAN_BLOCK):
                    s = buf[x]
                    if s < thr or (check_alive and not alive[base + x]):
                        continue
                    size = push(heap_s, heap_r, size, s, base + x)
                    if size == k and heap_s[0] > thr:
                        thr = heap_s[0]
            buf[:] = 0.0
        base = limit
    return heap_r[:size], heap_s[:size]


@jit
def top_k_marked(rows, tfs, starts, ends, idfs, ubs, qpos, table, dls, k1p1, alive, check_alive, k, margin, thr):
    """top_k_maxscore's result, window by window, for a query whose weak terms have many postings: MaxScore's
    split of the terms, with a merge instead of its lookups.

    ``thr`` is a score the final k-th best is known to reach (``seed_threshold``); ``ubs`` bound from above
    what each term adds to a row (all its tokens), as for top_k_maxscore. Terms whose bounds, added up from
    the weakest, stay below the threshold by more than ``margin`` are "non-essential": a row that none of the
    other terms contains scores below the final k-th best, so it can be left out. In each window, the rows of
    the essential terms are marked first (a byte per row, and a list of them); then every token, in query
    order, adds its postings in the window: an essential term's all (they are all marked), a non-essential
    term's only at marked rows, which costs a read of the row and a byte for the rest, no arithmetic. So a
    marked row gets every token's contribution in query order, from 0.0: rank-bm25's double. Unmarked rows
    stay 0.0 and are never offered. The split is taken again at each window from the best threshold known
    then (the heap's k-th best once it is full), so more terms become non-essential as it rises.

    Why: MaxScore looks a non-essential term up (galloping search) for every row the essential terms bring;
    when those are many thousands, the lookups (a cache miss each, once the rest of the process has run)
    cost more than reading the weak terms' postings in order, which the CPU prefetches."""
    m = starts.shape[0]
    n_pos = qpos.shape[0]
    order = np.argsort(ubs)  # terms by bound, ascending
    prefix = np.empty(m, np.float64)
    acc = 0.0
    for i in range(m):
        acc += ubs[order[i]]
        prefix[i] = acc
    essential = np.ones(m, np.bool_)
    width = np.int64(1) << WINDOW_SHIFT
    buf = np.zeros(width)
    seen = np.zeros(width, np.uint8)
    touched = np.empty(width + 1, np.int32)  # one spare: the branch-free append writes before it counts
    at = starts.copy()  # per term: its first posting in the current window
    nxt = starts.copy()  # ... and in the next
    lo_row = np.int64(1) << 62
    hi_row = np.int64(-1)
    for j in range(m):
        if ends[j] > starts[j]:
            lo_row = min(lo_row, np.int64(rows[starts[j]]))
            hi_row = max(hi_row, np.int64(rows[ends[j] - 1]))
    heap_r = np.empty(k, np.int64)
    heap_s = np.empty(k, np.float64)
    size = 0
    floor = thr - margin  # a row scoring exactly thr may still tie its way in (an earlier row wins a tie)
    ne = 0
    base = np.int64((lo_row >> WINDOW_SHIFT) << WINDOW_SHIFT)
    while base <= hi_row:
        limit = base + width
        while ne < m and prefix[ne] + margin < thr:
            essential[order[ne]] = False
            ne += 1
        n_t = 0
        for i in range(ne, m):  # the essential terms' rows in this window, each listed once
            j = order[i]
            p = at[j]
            e = ends[j]
            while p < e:
                r = np.int64(rows[p])
                if r >= limit:
                    break
                o = r - base
                touched[n_t] = o
                n_t += 1 - seen[o]
                seen[o] = 1
                p += 1
            nxt[j] = p
        for q in range(n_pos):  # every token in query order
            j = qpos[q]
            w = idfs[j]
            if essential[j]:
                for p in range(at[j], nxt[j]):
                    r = np.int64(rows[p])
                    tf = np.float64(tfs[p])
                    buf[r - base] += w * (tf * k1p1 / (tf + table[dls[r]]))
            else:
                p = at[j]
                e = ends[j]
                while p < e:
                    r = np.int64(rows[p])
                    if r >= limit:
                        break
                    if seen[r - base]:
                        tf = np.float64(tfs[p])
                        buf[r - base] += w * (tf * k1p1 / (tf + table[dls[r]]))
                    p += 1
                nxt[j] = p
        for j in range(m):
            at[j] = nxt[j]
        size, floor = offer_touched(touched, n_t, buf, seen, base, alive, check_alive, heap_s, heap_r, size, k, floor)
        if floor > thr:
            thr = floor
        base = limit
    return heap_r[:size], heap_s[:size]
