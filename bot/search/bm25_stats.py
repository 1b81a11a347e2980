"""What rank-bm25 derives from the corpus as a whole (idf per term, average idf, the length normaliser per row),
computed the way ``BM25Okapi`` computes it, so the scores built on it are the same doubles.

Why separate: this is the part of exactness that depends on the whole corpus (dict order of the vocabulary,
sequential sums, ``math.log``), recomputed at most once per change of the index, never per query; see the
docstring of :mod:`bot.search.bm25` for what "the same numbers" requires.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from bot.search.bm25_arrays import F64, I64, UInt

__all__ = ["Stats", "compute_stats", "live_order", "log_half_table"]

# ``math.log(k + 0.5)`` for k = 0, 1, 2, ...: the only logarithms BM25Okapi ever takes (see the module
# docstring for why not ``np.log``). Shared by all indexes; only ever extended, and replaced rather than
# mutated.
_log_half: F64 = np.empty(0, dtype=np.float64)


def log_half_table(upto: int) -> F64:
    """Return a table with at least ``upto + 1`` entries of ``math.log(k + 0.5)``."""
    global _log_half
    table = _log_half
    if len(table) <= upto:
        # Grow by 1/8 beyond what is asked: amortised O(1) per added document, and a bounded pause (~N/8 calls
        # of math.log) when the corpus outgrows the table.
        new_len = max(upto + 1 + upto // 8, 1024)
        args = (np.arange(len(table), new_len, dtype=np.float64) + 0.5).tolist()  # exact: k + 0.5, k < 2**52
        extra = np.fromiter(map(math.log, args), dtype=np.float64, count=len(args))
        table = np.concatenate([table, extra])
        _log_half = table
    return table


class Stats:
    """Everything a query needs that depends on the corpus as a whole; valid for one index version."""

    __slots__ = ("version", "idf", "average_idf", "length_norm", "lengths", "live_rows", "dead_rows", "_norm")

    def __init__(
        self,
        version: int,
        idf: F64,
        average_idf: float,
        length_norm: F64 | None,
        lengths: UInt,
        live_rows: I64 | None,
        dead_rows: I64 | None,
    ) -> None:
        self.version = version
        self.idf = idf  # per term id, floored; 0.0 for terms no present document contains
        self.average_idf = average_idf
        # k1 * (1 - b + b * n / avgdl) for every length n up to the longest row's; None when no row has a token
        self.length_norm = length_norm
        self.lengths = lengths  # per row, its length (uint16, or uint32 if a row is longer): length_norm's index
        self.live_rows = live_rows  # None when there are no tombstones (rows == present documents)
        self.dead_rows = dead_rows
        self._norm: F64 | None = None

    def norm(self) -> F64 | None:
        """The normaliser per row (the numpy code's; computed on first use): ``length_norm[lengths]``, the same
        doubles as computing it row by row, since each is the same operations on the same length."""
        if self._norm is None and self.length_norm is not None:
            self._norm = self.length_norm[self.lengths]
        return self._norm


def live_order(df: I64, key: I64, order: I64 | None, changed: set[int]) -> I64:
    """Present terms in rank-bm25's dict order (first appearance scanning the documents in order), from each
    term's sort key (the forward position of its first occurrence).

    Maintained incrementally from the previous ``order``: terms in ``changed`` (they appeared, disappeared or
    their first document was removed) are taken out and merged back at their key's position (O(V) vectorised,
    no sort), unless so many changed that a full argsort is as cheap. Clears ``changed``.
    """
    if order is None or 8 * len(changed) > len(df):
        live = np.flatnonzero(df > 0)
        order = live[np.argsort(key[live], kind="stable")]
    elif changed:
        moved = np.fromiter(changed, dtype=np.int64, count=len(changed))
        marked = np.zeros(len(df), dtype=np.bool_)
        marked[moved] = True
        kept = order[~marked[order]]
        moved = moved[df[moved] > 0]
        moved = moved[np.argsort(key[moved], kind="stable")]
        order = np.insert(kept, np.searchsorted(key[kept], key[moved]), moved)
    changed.clear()
    return order


def compute_stats(
    version: int,
    df: I64,
    order: Callable[[], I64],
    total_tokens: int,
    dl: npt.NDArray[np.int32],
    alive: npt.NDArray[np.bool_],
    n_dead: int,
    params: tuple[float, float, float],
) -> Stats:
    """idf per term, average idf and the length normaliser per row for the present documents (``alive``),
    vectorised; ``order`` gives the present terms in dict order (called only when there are some).

    ``params`` are ``(k1, b, epsilon)``.
    """
    k1, b, epsilon = params
    n_docs = len(alive) - n_dead
    idf = np.zeros(len(df), dtype=np.float64)
    average_idf = 0.0
    if n_docs:
        terms = order()
        if len(terms):
            table = log_half_table(n_docs)
            freq = df[terms]
            raw = table[n_docs - freq] - table[freq]  # math.log(N - n + 0.5) - math.log(n + 0.5)
            idf_sum = float(np.cumsum(raw)[-1])  # sequential, in dict order, like rank-bm25's loop
            average_idf = idf_sum / len(terms)
            idf[terms] = np.where(raw < 0, epsilon * average_idf, raw)
    length_norm = None
    longest = int(dl.max()) if len(dl) else 0
    lengths: UInt = dl.astype(np.uint16) if longest <= np.iinfo(np.uint16).max else dl.astype(np.uint32)
    if total_tokens:
        avgdl = total_tokens / n_docs
        # rank-bm25: k1 * (1 - b + b * doc_len / avgdl), same operations in the same order, for every length
        length_norm = k1 * ((1 - b) + (b * np.arange(longest + 1, dtype=np.float64)) / avgdl)
    live_rows = dead_rows = None
    if n_dead:
        live_rows = np.flatnonzero(alive)
        dead_rows = np.flatnonzero(~alive)
    return Stats(version, idf, average_idf, length_norm, lengths, live_rows, dead_rows)
