"""The compiled top_k's every-posting path (kernels_jit.top_k_exhaustive) in both of its ways of finding the rows
a window scored: reading the whole window (a positive threshold and postings for a quarter of the rows or more)
and the list of rows scored (otherwise, and always while the threshold is not positive, since a row never scored
holds 0.0 there). Each must give rank-bm25's top k exactly: across window boundaries, with removed documents
inside a window, with ties (equal documents) broken by insertion order, and with negative idf. So must the marked
merge (kernels_jit.top_k_marked), window by window too, at any threshold a caller can know.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.search.bm25 import BM25Index
from bot.search.kernels import available
from tests.search.test_bm25 import reference_top_k

pytestmark = pytest.mark.skipif(not available(), reason="numba is not installed")

WINDOW = 8192  # 2 ** window_jit.WINDOW_SHIFT


@pytest.fixture
def compiled() -> Iterator[None]:
    saved = BM25Index.compiled, BM25Index.compiled_from, BM25Index.exhaustive_below
    BM25Index.compiled, BM25Index.compiled_from = True, 0
    try:
        yield
    finally:
        BM25Index.compiled, BM25Index.compiled_from, BM25Index.exhaustive_below = saved


def _corpus() -> tuple[BM25Index, list[int], list[list[str]]]:
    """20,000 documents (three windows) of frequent words ("a" to "d" in most documents: with epsilon -0.5, a negative idf), the same
    document every 997 rows (ties across windows, the earliest ones removed), a tail added one by one, and
    documents removed around each window boundary and inside windows."""
    rng = np.random.default_rng(5)
    words = np.array(["a", "b", "c", "d", "e", "f", "g", "h"])
    p = np.array([0.4, 0.2, 0.12, 0.1, 0.08, 0.05, 0.03, 0.02])
    docs = [words[rng.choice(8, size=int(rng.integers(2, 14)), p=p)].tolist() for _ in range(20_000)]
    for i in range(0, 20_000, 997):
        docs[i] = ["h", "h", "g", "g", "e", "f"]
    index = BM25Index(epsilon=-0.5)  # frequent words' idf floored below 0
    index.add_many(enumerate(docs[:19_950]))
    for i in range(19_950, 20_000):
        index.add(i, docs[i])
    removed = {0, 997, 1994, *range(WINDOW - 3, WINDOW + 3), *range(2 * WINDOW - 2, 2 * WINDOW + 1), 19_999}
    removed.update(range(5, 20_000, 61))
    for i in sorted(removed):
        index.remove(i)
    ids = [i for i in range(20_000) if i not in removed]
    return index, ids, [docs[i] for i in ids]


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize("below", [10**9, BM25Index.exhaustive_below, 0])
def test_every_posting_path_reads_whole_windows_or_lists_rows_exactly(below: int) -> None:
    """``below`` 10**9: every posting scored unseeded (the threshold starts at -inf, so the first window lists its
    rows and later ones read the whole window); the default and 0: seeded, then whichever path the bounds pick."""
    index, ids, docs = _corpus()
    index.exhaustive_below = below
    bm = BM25Okapi(docs, epsilon=-0.5)
    assert bm.idf["a"] < 0 < bm.idf["e"]
    queries = [
        ["e", "f"],  # positive idf, dense: whole windows once the heap is full
        ["a"],  # negative idf only: every score negative, the threshold never positive, rows listed
        ["a", "e", "a"],  # a repeated token walks its postings again
        ["h", "e", "f", "g"],  # the tied documents lead
        ["h"],  # sparse: rows listed
        ["e", "a", "f", "g", "h", "d"],
    ]
    for query in queries:
        expected = bm.get_scores(query)
        for k in (1, 10, 40, 300):
            assert index.top_k(query, k) == reference_top_k(docs, ids, expected, query, k), (query, k)
    top = index.top_k(["h", "e", "f", "g"], 12)
    tied = [doc_id for doc_id, _ in top if doc_id % 997 == 0]
    assert tied == sorted(tied) and len(tied) >= 10  # equal documents, earliest present first
    assert {0, 997, 1994}.isdisjoint(doc_id for doc_id, _ in top)


@pytest.mark.usefixtures("compiled")
def test_marked_merge_gives_rank_bm25s_top_k_at_every_threshold() -> None:
    """kernels_jit.top_k_marked called directly (top_k reaches it only past the seed, for some queries): with no
    threshold (every term essential), the seeded one, and the final k-th best score itself (the tightest a caller
    can know, so the most terms merged at marked rows only), across windows, with removed documents, ties broken
    by insertion order, repeated tokens and negative idf; the terms' postings are the bulk arrays and a tail."""
    from bot.search import bm25_compiled, kernels, kernels_jit

    index, ids, docs = _corpus()
    kern = kernels.kernels()
    bm = BM25Okapi(docs, epsilon=-0.5)
    stats = index._stats()
    assert stats.length_norm is not None  # the compiled path's table
    k1p1 = index._k1 + 1.0
    queries = [["e", "f"], ["h", "e", "b", "f"], ["a", "e", "a", "h"], ["g", "c", "b", "e", "h"], ["h", "g", "d"]]
    for query in queries:
        expected = bm.get_scores(query)
        terms = bm25_compiled.query_terms(index, query)
        indptr, rows, tfs, term_ids, idf, _, _ = bm25_compiled.compiled_query(index, kern, terms)
        distinct = list(dict.fromkeys(term_ids.tolist()))
        local = np.array([distinct.index(t) for t in term_ids.tolist()], dtype=np.int64)
        ids_ = np.array(distinct, dtype=np.int64)
        if len(indptr) - 1 != len(distinct):  # the bulk arrays: every term of the vocabulary
            starts, ends, idfs = indptr[ids_], indptr[ids_ + 1], idf[ids_]
        else:  # a CSR of the query's distinct terms (some have tails), already in that order
            starts, ends, idfs = indptr[:-1], indptr[1:], idf
        mults = np.bincount(local, minlength=len(distinct)).astype(np.float64)
        ubs = np.zeros(len(distinct))
        for j in range(len(distinct)):  # the largest contribution of each term, a little above (as a bound is)
            r, f = rows[starts[j] : ends[j]], tfs[starts[j] : ends[j]].astype(np.float64)
            c = idfs[j] * (f * k1p1 / (f + stats.length_norm[stats.lengths[r]]))
            ubs[j] = max(0.0, float(c.max()) * mults[j] * (1 + 1e-12))
        margin = 1e-9 * float(ubs.sum() + k1p1 * np.abs(idfs).sum() * mults.sum()) + 1e-300
        common = (rows, tfs, starts, ends, idfs)
        tail = (stats.length_norm, stats.lengths, k1p1, index._alive.buf, True)
        for k in (1, 10, 40, 300):
            reference = reference_top_k(docs, ids, expected, query, k)
            seeded = kern.seed_threshold(*common, ubs, local, *tail, k, 64)
            for thr in (-np.inf, seeded, reference[-1][1]):
                best, values = kernels_jit.top_k_marked(*common, ubs, local, *tail, k, margin, thr)
                order = np.lexsort((best, -values))
                got = list(zip(index._ids.buf[best[order]].tolist(), values[order].tolist(), strict=True))
                assert got == reference, (query, k, thr)
