"""The pure-numpy scoring of :class:`bot.search.bm25.BM25Index`: what runs when numba is not installed (or
``BM25Index.compiled`` is False), with the same bits as the compiled kernels.

Why separate: it is a complete second implementation of scoring, kept because the default install must not
need a compiler, and tested against rank-bm25 through any history just like the compiled one. Frequent terms'
contributions are cached until the index changes, which turns ~9 numpy passes over their postings into one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from bot.search.bm25_arrays import F64, I32, I64
from bot.search.bm25_stats import Stats

if TYPE_CHECKING:
    from bot.search.bm25 import BM25Index

__all__ = ["accumulate", "top_k"]


def contributions(index: BM25Index, t: int, stats: Stats) -> list[tuple[I32, F64]]:
    """Term ``t``'s contribution to each row containing it, as (rows, values) pieces.

    ``idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)))``: rank-bm25's operations in its order.
    Cached for frequent terms until the index changes (least recently used evicted first).
    """
    cache = index._contrib
    if index._contrib_version != index._version:
        cache.clear()
        index._contrib_version = index._version
        index._contrib_used = 0
    parts = cache.pop(t, None)
    if parts is not None:
        cache[t] = parts  # most recently used now
        return parts
    idf_t = stats.idf[t]
    norm = stats.norm()
    assert norm is not None  # a present term implies a token
    k1p1 = index._k1 + 1
    parts = []
    for rows, tfs in index._segments(t):
        tf = tfs.astype(np.float64)
        contrib = tf * k1p1
        contrib /= tf + norm[rows]
        contrib *= idf_t
        parts.append((rows, contrib))
    size = sum(int(c.nbytes) for _, c in parts)
    if size >= 8 * index.contrib_cache_min_postings and size <= index.contrib_cache_bytes:
        while cache and index._contrib_used + size > index.contrib_cache_bytes:
            evicted = cache.pop(next(iter(cache)))
            index._contrib_used -= sum(int(c.nbytes) for _, c in evicted)
        cache[t] = parts
        index._contrib_used += size
    return parts


def accumulate(index: BM25Index, query: Sequence[str]) -> tuple[F64, list[I32], bool]:
    """Dense scores over all rows (tombstones hold junk), the rows touched, whether every used idf is > 0.

    Each query token adds its contribution to the rows containing it, token after token, exactly as
    rank-bm25 adds it to every document; the rows are unique within a term, so ``score[rows] += c`` is
    exact. The first term's positive contributions are stored rather than added to 0.0 (same bits).
    """
    if isinstance(query, str):
        raise TypeError("query must be a sequence of tokens, not a string")
    stats = index._stats()
    score = np.zeros(index._n_rows, dtype=np.float64)
    seen: set[int] = set()
    touched: list[I32] = []
    all_positive = True
    vocab_get, df, idf = index._vocab.get, index._df.buf, stats.idf
    for token in query:
        t = vocab_get(token)
        if t is None or df[t] == 0:
            continue  # rank-bm25 adds 0 * (0 / ...) = 0.0 everywhere
        parts = contributions(index, t, stats)
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


def top_k(index: BM25Index, query: Sequence[str], k: int) -> list[tuple[int, float]]:
    """``BM25Index.top_k`` (``k`` > 0, a present document): dense scores, then a threshold and a partition."""
    score, touched, all_positive = accumulate(index, query)
    if not touched:
        return []
    dead_rows = index._stats().dead_rows
    if all_positive:
        # Every matching document has a positive score and every other row 0.0 (tombstones zeroed here).
        if dead_rows is not None:
            score[dead_rows] = 0.0
        cand = _positive_candidates(index, score, k)
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
    ids = index._ids.buf
    return list(zip(ids[cand[best]].tolist(), values[best].tolist(), strict=True))


def _positive_candidates(index: BM25Index, score: F64, k: int) -> I64:
    """Rows whose score could be in the top ``k``, when exactly the matching rows score above zero.

    The k-th largest positive score of a strided sample is a lower bound for the k-th largest overall, so
    filtering by it keeps every top-k row (and every tie) while skipping most of a big candidate set.
    """
    sample_size = index._candidate_sample
    if len(score) <= 4 * sample_size:
        return np.flatnonzero(score > 0)
    sample = score[:: len(score) // sample_size]
    positive = sample[sample > 0]
    if len(positive) < k:
        return np.flatnonzero(score > 0)
    threshold = np.partition(positive, len(positive) - k)[len(positive) - k]
    return np.flatnonzero(score >= threshold)
