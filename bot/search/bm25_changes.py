"""How a :class:`bot.search.bm25.BM25Index` changes: a bulk build installed, documents appended after existing
rows (into per-term tails, so no big array is copied), documents removed (a tombstone), each keeping df, N,
avgdl, rank-bm25's vocabulary order and the per-term score bounds exact or valid.

Why separate: these are the invariants that make every later score exact; the index module keeps the checks
of its public methods (ids, types, all-or-nothing) and calls these once a change is known to be valid.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from bot.search.bm25_arrays import Grow, Tail, count_elements, narrow, with_slack
from bot.search.bm25_build import Batch, transpose

if TYPE_CHECKING:
    from bot.search.bm25 import BM25Index
    from bot.search.bm25_arrays import I64, Vocab


def checked_id(doc_id: int) -> int:
    """A new document's id as an int (``TypeError`` for a bool or a non-integer, ``ValueError`` if negative)."""
    if isinstance(doc_id, bool):
        raise TypeError("doc_id must be an int, not a bool")
    value = operator.index(doc_id)
    if value < 0:
        raise ValueError(f"doc_id must be non-negative, not {value}")
    return value


def grow_terms(index: BM25Index) -> None:
    """Extend the per-term arrays to the vocabulary's size (terms just given an id start with df 0)."""
    grow = len(index._vocab) - index._df.n
    if grow:
        index._df.extend(np.zeros(grow, dtype=np.int64))
        index._key.extend(np.zeros(grow, dtype=np.int64))


def add_batch(index: BM25Index, count: Callable[[Vocab], Batch]) -> None:
    """Add the documents ``count`` counts into the index's vocabulary (all or nothing: ``ValueError`` for a bad id,
    and the terms it introduced forgotten again)."""
    if index._n_live == 0 and index._n_rows:
        index._reset()  # only tombstones left: start afresh (unobservable; the bulk path is much faster)
    vocab = index._vocab
    n_terms_before = len(vocab)
    try:
        batch = count(vocab)
    except BaseException:
        index._rollback_vocab(n_terms_before)
        raise
    grow_terms(index)
    if len(batch.ids) == 0:
        return
    problem = batch_problem(index, batch.ids)
    if problem is not None:
        index._rollback_vocab(n_terms_before)
        raise ValueError(problem)
    if index._n_rows == 0:
        install_bulk(index, batch)
    else:
        append_batch(index, batch)
        if index._tail_postings > max(1 << 16, len(index._prow) // 2):
            index.compact()  # tails this large are better folded into the term-major arrays


def batch_problem(index: BM25Index, ids: I64) -> str | None:
    """Why the ids of a batch cannot be added (negative, repeated, already present), or None."""
    if int(ids.min()) < 0:
        return "doc ids must be non-negative"
    if not bool(np.all(ids[1:] > ids[:-1])) and len(np.unique(ids)) != len(ids):
        return "doc ids repeat within the batch"
    if index._idmap.contains_any(ids):
        return "some doc ids are already in the index"
    return None


__all__ = [
    "add_batch",
    "append_batch",
    "append_one",
    "batch_problem",
    "checked_id",
    "grow_terms",
    "install_bulk",
    "tombstone",
]


def install_bulk(index: BM25Index, batch: Batch) -> None:
    """Make ``batch`` the whole index (which holds no rows): one transpose, no per-term Python work."""
    n = len(batch.ids)
    n_terms = len(index._vocab)
    kern = index._kernels(n)
    if kern is not None:  # one counting sort, straight into the final arrays (no corpus-sized temporaries)
        prow = np.empty(len(batch.fwd), dtype=np.int32)
        ptf = np.empty(len(batch.fwd), dtype=batch.tfs.dtype)
        indptr, first = kern.transpose(batch.fstart, batch.fwd, batch.tfs, n_terms, prow, ptf)
    else:
        indptr, prow, ptf, first = transpose(n, n_terms, batch.fstart, batch.fwd, batch.tfs)
    index._indptr, index._prow, index._ptf = indptr, prow, narrow(ptf)
    index._df = with_slack(np.diff(indptr))
    index._key = with_slack(first)  # the forward position of each term's first occurrence
    index._ids = with_slack(batch.ids)
    index._dl = with_slack(batch.dl)
    index._fstart = with_slack(batch.fstart[:-1])
    index._alive = with_slack(np.ones(n, dtype=np.bool_))
    index._fwd_base = batch.fwd
    index._fwd_tail = Grow.empty(np.int32)
    index._tails = {}
    index._tail_postings = 0
    index._idmap.build(batch.ids, np.arange(n, dtype=np.int64))
    index._bound_tf = index._bound_dl = np.zeros(0, dtype=np.int64)
    index._n_live = n
    index._n_dead = 0
    index._total_tokens = int(batch.dl.sum(dtype=np.int64))
    index._order = None
    index._order_changed.clear()
    index._touch()


def append_batch(index: BM25Index, batch: Batch) -> None:
    """Append ``batch`` after the existing rows: its postings go to the per-term tails."""
    n = len(batch.ids)
    row0 = index._n_rows
    n_terms = len(index._vocab)
    indptr, prow, ptf, first = transpose(n, n_terms, batch.fstart, batch.fwd, batch.tfs)
    counts = np.diff(indptr)
    df = index._df.view()
    fwd0 = index._fwd_total
    revived = np.flatnonzero((df == 0) & (counts > 0))
    index._key.view()[revived] = fwd0 + first[revived]
    df += counts
    index._order_changed.update(revived.tolist())
    if len(ptf):
        index._fit_tf(int(ptf.max()))
    tails, bound_tf, bound_dl = index._tails, index._bound_tf, index._bound_dl
    for t in np.flatnonzero(counts).tolist():
        tail = tails.get(t)
        if tail is None:
            tail = tails[t] = Tail(index._ptf.dtype)
        lo, hi = int(indptr[t]), int(indptr[t + 1])
        tail.rows.extend(prow[lo:hi] + row0)
        tail.tfs.extend(ptf[lo:hi])
        if t < len(bound_tf) and bound_tf[t] >= 0:
            bound_tf[t] = max(int(bound_tf[t]), int(ptf[lo:hi].max()))
            bound_dl[t] = min(int(bound_dl[t]), int(batch.dl[prow[lo:hi]].min()))
    index._tail_postings += len(batch.fwd)
    index._fstart.extend(fwd0 + batch.fstart[:-1])
    index._fwd_tail.extend(batch.fwd)
    index._ids.extend(batch.ids)
    index._dl.extend(batch.dl)
    index._alive.extend(np.ones(n, dtype=np.bool_))
    for i, doc_id in enumerate(batch.ids.tolist()):
        index._idmap.set(doc_id, row0 + i, index._n_live + i)
    index._n_live += n
    index._total_tokens += int(batch.dl.sum(dtype=np.int64))
    index._touch()


def append_one(index: BM25Index, did: int, tokens: Sequence[str]) -> None:
    """Append one document (its id checked by the caller) at the end: O(its tokens), into the per-term tails."""
    counts: dict[str, int] = {}
    count_elements(counts, tokens)
    vocab = index._vocab
    terms = [vocab[w] for w in counts]  # new terms get the next ids
    grow_terms(index)
    if counts:
        index._fit_tf(max(counts.values()))
    row = index._n_rows
    base = index._fwd_total
    df, key, tails, changed = index._df.buf, index._key.buf, index._tails, index._order_changed
    bound_tf, bound_dl = index._bound_tf, index._bound_dl
    for rank, (t, tf) in enumerate(zip(terms, counts.values(), strict=True)):
        if df[t] == 0:  # the term (re)appears: this is its first present document
            key[t] = base + rank
            changed.add(t)
        df[t] += 1
        tail = tails.get(t)
        if tail is None:
            tail = tails[t] = Tail(index._ptf.dtype)
        tail.rows.append(row)
        tail.tfs.append(tf)
        if t < len(bound_tf) and bound_tf[t] >= 0:
            bound_tf[t] = max(int(bound_tf[t]), tf)
            bound_dl[t] = min(int(bound_dl[t]), len(tokens))
    index._tail_postings += len(terms)
    index._fstart.append(base)
    index._fwd_tail.extend(np.asarray(terms, dtype=np.int32))
    index._ids.append(did)
    index._dl.append(len(tokens))
    index._alive.append(True)
    index._idmap.set(did, row, index._n_live)
    index._n_live += 1
    index._total_tokens += len(tokens)
    index._touch()


def tombstone(index: BM25Index, row: int, did: int) -> None:
    """Mark present ``row`` (id ``did``) removed, keeping df, N, avgdl and the vocabulary order exact: a term whose
    first present document this was moves to where it first occurs in the next present document containing it."""
    terms = index._fwd_of(row)
    index._alive.buf[row] = False
    index._idmap.delete(did)
    df, key, fstart = index._df.buf, index._key.buf, index._fstart.buf
    df[terms] -= 1
    lo = int(fstart[row])
    keys = key[terms]
    owned = terms[(keys >= lo) & (keys < lo + len(terms))]
    for t in owned.tolist():
        index._order_changed.add(t)
        if df[t] > 0:
            nxt = _next_live_row(index, t, row)
            key[t] = fstart[nxt] + int(np.flatnonzero(index._fwd_of(nxt) == t)[0])
    index._n_live -= 1
    index._n_dead += 1
    index._total_tokens -= int(index._dl.buf[row])
    index._touch()


def _next_live_row(index: BM25Index, t: int, after: int) -> int:
    """The first present row after ``after`` that contains term ``t`` (one exists: its df is positive)."""
    alive = index._alive.buf
    for rows, _ in index._segments(t):
        i = int(np.searchsorted(rows, after, side="right"))
        step = 16
        while i < len(rows):
            chunk = rows[i : i + step]
            hit = alive[chunk]
            if hit.any():
                return int(chunk[int(np.argmax(hit))])
            i += step
            step *= 2
    raise AssertionError(f"term {t} has a positive document frequency but no present document")
