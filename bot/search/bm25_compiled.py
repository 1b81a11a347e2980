"""How :class:`bot.search.bm25.BM25Index` hands a query to its compiled kernels (:mod:`bot.search.kernels`): the
query's term ids, the postings in CSR form (the bulk arrays as they are, or a small CSR of the query's terms when
some have tails), idf and the per-term bounds MaxScore needs.

Why separate: this is the glue between the index's layout and the kernels' flat arguments; the exact scoring
itself is in the kernels, and the pure-numpy equivalent in :mod:`bot.search.bm25_numpy`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.search.bm25_arrays import F64, I32, I64, UInt

if TYPE_CHECKING:
    from bot.search.bm25 import BM25Index

__all__ = ["compiled_query", "query_terms", "scores", "top_k"]


def query_terms(index: BM25Index, query: Sequence[str]) -> list[int]:
    """The query's term ids in query order (repeats kept), without terms no present document contains."""
    if isinstance(query, str):
        raise TypeError("query must be a sequence of tokens, not a string")
    vocab_get, df = index._vocab.get, index._df.buf
    terms = []
    for token in query:
        t = vocab_get(token)
        if t is not None and df[t] > 0:  # otherwise rank-bm25 adds 0 * (0 / ...) = 0.0 everywhere
            terms.append(t)
    return terms


def compiled_query(index: BM25Index, kern: Any, terms: list[int]) -> tuple[I64, I32, UInt, I64, F64, I64, I64]:
    """What the kernels take for a query: CSR postings, the tokens' term ids in it, idf and bounds per term.

    The bulk arrays themselves (no copy) when none of the terms has a tail; otherwise, for this query, a CSR
    of its distinct terms only, each one's bulk then tail postings (rows stay ascending), with their bounds.
    """
    tails = index._tails
    n_terms = len(index._vocab)
    if len(index._bound_tf) < n_terms:  # -1: not computed yet (top_k_terms computes it on first use)
        grown_tf, grown_dl = np.full((2, n_terms + n_terms // 8 + 64), -1, dtype=np.int64)
        grown_tf[: len(index._bound_tf)] = index._bound_tf
        grown_dl[: len(index._bound_dl)] = index._bound_dl
        index._bound_tf, index._bound_dl = grown_tf, grown_dl
    idf = index._stats().idf
    if not tails or not any(t in tails for t in terms):
        term_ids = np.asarray(terms, dtype=np.int64)
        return index._indptr, index._prow, index._ptf, term_ids, idf, index._bound_tf, index._bound_dl
    distinct = list(dict.fromkeys(terms))
    local = {t: j for j, t in enumerate(distinct)}
    rows: list[I32] = []
    tfs: list[UInt] = []
    lengths: list[int] = []
    for t in distinct:
        segments = index._segments(t)
        rows.extend(seg_rows for seg_rows, _ in segments)
        tfs.extend(seg_tfs for _, seg_tfs in segments)
        lengths.append(sum(len(seg_rows) for seg_rows, _ in segments))
        if index._bound_tf[t] < 0:
            bounds = [kern.term_bounds(r, f, 0, len(r), index._dl.buf) for r, f in segments]
            index._bound_tf[t] = max(int(top) for top, _ in bounds)
            index._bound_dl[t] = min(int(short) for _, short in bounds)
    indptr = np.zeros(len(distinct) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    ids = np.asarray(distinct, dtype=np.int64)
    local_terms = np.fromiter(map(local.__getitem__, terms), dtype=np.int64, count=len(terms))
    return (
        indptr, np.concatenate(rows), np.concatenate(tfs), local_terms, idf[ids], index._bound_tf[ids],
        index._bound_dl[ids],
    )  # fmt: skip


def scores(index: BM25Index, kern: Any, query: Sequence[str]) -> F64:
    """get_scores over every row, tombstones included (the caller drops them): one compiled call."""
    stats = index._stats()
    terms = query_terms(index, query)
    if not terms:
        return np.zeros(index._n_rows, dtype=np.float64)
    if index._tails and any(t in index._tails for t in terms):
        indptr, rows, tfs, term_ids, idf, _, _ = compiled_query(index, kern, terms)
    else:  # the bulk arrays as they are (the common case: no bounds, no copies)
        indptr, rows, tfs, idf = index._indptr, index._prow, index._ptf, stats.idf
        term_ids = np.array(terms, dtype=np.int64)
    k1p1, table, lengths = index._k1 + 1, stats.length_norm, stats.lengths
    score: F64 = kern.scores_terms(index._n_rows, indptr, rows, tfs, term_ids, idf, k1p1, table, lengths)
    return score


def top_k(index: BM25Index, kern: Any, query: Sequence[str], k: int) -> list[tuple[int, float]]:
    """top_k by MaxScore over the query's postings (see ``kernels.top_k_terms``): no dense array."""
    terms = query_terms(index, query)
    if not terms:
        return []
    stats = index._stats()
    indptr, rows, tfs, term_ids, idf, bound_tf, bound_dl = compiled_query(index, kern, terms)
    best, values = kern.top_k_terms(
        indptr, rows, tfs, term_ids, idf, bound_tf, bound_dl, index._dl.buf, stats.length_norm, stats.lengths,
        index._k1, index._b,
        index.avgdl, index._alive.buf, index._n_dead > 0, k, index.seed_sample, index.seed_per_row,
        index.exhaustive_below, index.maxscore_within,
    )  # fmt: skip
    order = np.lexsort((best, -values))  # score descending, then row (= insertion order) ascending
    ids = index._ids.buf
    return list(zip(ids[best[order]].tolist(), values[order].tolist(), strict=True))
