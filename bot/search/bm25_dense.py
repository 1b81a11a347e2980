""":meth:`bot.search.bm25.BM25Index.get_scores`' per-call path: a scoring function made once per version of the
index, holding everything a query needs but its tokens.

Why: on a small corpus the compiled loop itself takes a few tens of microseconds, and what a call did around
it (look up the kernels, check the statistics' version, filter the query's term ids one numpy scalar at a
time, build the kernel's nine arguments, let numba find the compiled version for their types) took about as
long again, mostly waiting for memory, since a query usually comes after other work has emptied the caches
(measured on the 9,999 HuffPost headlines, a caller keeping every result, rank-bm25 run between calls: 106 µs
a call, against 64 µs with the path here). Now a call maps its tokens to term ids in one C-level ``map`` (-1
for a token the index does not know, which the kernel skips) and calls the compiled function for the index's
argument types directly (numba's entry point for that signature, looked up once, instead of its dispatcher
typing every argument on every call). The scores are the same kernel's, so the same bits.

Everything else (no compiled kernels, per-term tails after adds, an empty index or one without tokens) goes the
general way: :mod:`bot.search.bm25_compiled` / :mod:`bot.search.bm25_numpy`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.search import bm25_compiled, bm25_numpy
from bot.search.bm25_arrays import F64

if TYPE_CHECKING:
    from bot.search.bm25 import BM25Index

__all__ = ["Scorer", "empty_scores", "scorer"]

Scorer = Callable[[Sequence[str]], F64]


def scorer(index: BM25Index) -> tuple[int, Scorer]:
    """A function returning ``index.get_scores(query)``, and the index version it stays valid for (-1: make a
    new one for the next call, e.g. because the compiled kernels may have loaded meanwhile)."""
    if index._n_live == 0:
        return index._version, empty_scores
    kern = index._kernels()
    if kern is None:
        return -1, lambda query: _numpy_scores(index, query)
    stats = index._stats()
    if index._tails or stats.length_norm is None:  # (no postings outside the bulk arrays; some token somewhere)
        return index._version, lambda query: _general_scores(index, kern, query)
    args = (index._n_rows, index._indptr, index._prow, index._ptf, np.zeros(0, np.int64), stats.idf,
            index._k1 + 1, stats.length_norm, stats.lengths)  # fmt: skip
    return index._version, _fast_scorer(index._vocab.get, _entry_point(kern.scores_terms, args), args, stats.live_rows)


def _fast_scorer(get: Any, run: Any, args: tuple[Any, ...], live_rows: Any) -> Scorer:
    n_rows, indptr, rows, tfs, _, idf, k1p1, table, lengths = args
    unknown = repeat(-1)  # (endless: each call's map draws one -1 per token from it)

    def score(query: Sequence[str]) -> F64:
        terms = np.fromiter(map(get, query, unknown), np.int64)
        result: F64 = run(n_rows, indptr, rows, tfs, terms, idf, k1p1, table, lengths)
        return result if live_rows is None else result[live_rows]

    return score


def _entry_point(dispatcher: Any, args: tuple[Any, ...]) -> Any:
    """The compiled function for these arguments' types, without the dispatcher's per-call typing (loaded from
    numba's cache, or compiled, if the warm-up has not). Only ever called with arguments of these same types:
    the arrays held by the scorer and a fresh int64 array of term ids."""
    from numba import typeof  # (loaded already: the kernels are)

    return dispatcher.compile(tuple(typeof(a) for a in args))  # type: ignore[no-untyped-call]


def empty_scores(query: Sequence[str]) -> F64:
    """The scores of an empty index: none."""
    return np.zeros(0, dtype=np.float64)


def _numpy_scores(index: BM25Index, query: Sequence[str]) -> F64:
    return _present(index, bm25_numpy.accumulate(index, query)[0])


def _general_scores(index: BM25Index, kern: Any, query: Sequence[str]) -> F64:
    return _present(index, bm25_compiled.scores(index, kern, query))


def _present(index: BM25Index, score: F64) -> F64:
    """``score`` (one value per row) cut to the rows of the documents present, as :meth:`get_scores` returns."""
    live_rows = index._stats().live_rows
    return score if live_rows is None else score[live_rows]
