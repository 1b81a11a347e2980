"""A :class:`bot.search.bm25.BM25Index` as plain, dense arrays: tombstones, dead terms and per-term tails folded
away, row and term ids renumbered in order. What ``save`` writes and what ``compact`` reinstalls.

Why separate: it is the one place that renumbers everything at once (O(index size), vectorised), and its
result must keep rank-bm25's vocabulary order exactly (sort keys are re-based, never recomputed).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from bot.search import bm25_file
from bot.search.bm25_arrays import I32, I64, Grow, IdMap, UInt, Vocab, narrow, segment_gather, with_slack

if TYPE_CHECKING:
    from bot.search.bm25 import BM25Index

__all__ = ["install", "merged_postings", "read", "snapshot", "write"]

FORMAT: Final = "newsbot-bm25"
FORMAT_VERSION: Final = 2  # 2: arrays aligned in the file, so that they can be memory-mapped (bm25_file)
_REQUIRED: Final = frozenset(
    {"format", "format_version", "params", "vocab_text", "vocab_lengths"}
    | {"df", "key", "order", "indptr", "rows", "tfs", "ids", "dl", "flen", "fwd"}
)


def merged_postings(index: BM25Index) -> tuple[I64, I32, UInt]:
    """Bulk postings and tails as one term-major (indptr, rows, tfs) over every term id."""
    n_terms = index._df.n
    n_bulk = len(index._indptr) - 1
    indptr = np.empty(n_terms + 1, dtype=np.int64)
    indptr[: n_bulk + 1] = index._indptr
    indptr[n_bulk + 1 :] = index._indptr[-1]
    if not index._tails:
        return indptr, index._prow, index._ptf
    tail_ids = sorted(index._tails)
    tails = [index._tails[t] for t in tail_ids]
    tail_counts = np.fromiter((tail.rows.n for tail in tails), dtype=np.int64, count=len(tails))
    bulk_terms = np.repeat(np.arange(n_terms, dtype=np.int32), np.diff(indptr))
    terms = np.concatenate([bulk_terms, np.repeat(np.asarray(tail_ids, dtype=np.int32), tail_counts)])
    rows = np.concatenate([index._prow, *(tail.rows.view() for tail in tails)])
    tfs = np.concatenate([index._ptf, *(tail.tfs.view() for tail in tails)])
    # Stable: within a term, the bulk rows (all older) stay before the tail rows, so rows stay ascending.
    order = np.argsort(terms, kind="stable")
    np.cumsum(np.bincount(terms, minlength=n_terms), out=indptr[1:])
    return indptr, rows[order], tfs[order]


def snapshot(index: BM25Index) -> dict[str, Any]:
    """The index without tombstones, dead terms or tails, as plain arrays (what ``save`` writes).

    Row and term ids are renumbered densely, preserving their order. Sort keys are forward positions, so
    they are re-based onto the compacted forward index (their order, which is all that matters, is kept).
    """
    order = index._live_order()
    df, key = index._df.view(), index._key.view()
    fstart = index._fstart.view()
    all_flen = np.diff(np.append(fstart, index._fwd_total))
    words = index._vocab.words
    if index._n_dead == 0 and not index._tails and index._fwd_tail.n == 0 and bool(np.all(df > 0)):
        return {
            "words": words,
            "df": df,
            "key": key,
            "order": order,
            "indptr": index._indptr,
            "rows": index._prow,
            "tfs": index._ptf,
            "ids": index._ids.view(),
            "dl": index._dl.view(),
            "flen": all_flen,
            "fwd": index._fwd_base,
        }
    alive = index._alive.view()
    live_rows = np.flatnonzero(alive)
    live_terms = np.flatnonzero(df > 0)
    term_map = np.full(len(df), -1, dtype=np.int64)
    term_map[live_terms] = np.arange(len(live_terms), dtype=np.int64)
    row_map = np.full(len(alive), -1, dtype=np.int64)
    row_map[live_rows] = np.arange(len(live_rows), dtype=np.int64)
    # Postings: drop the tombstoned rows (dead terms have no others), renumber rows.
    indptr, rows, tfs = merged_postings(index)
    keep = alive[rows]
    kept_before = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(keep, out=kept_before[1:])
    counts = kept_before[indptr[1:]] - kept_before[indptr[:-1]]
    new_indptr = np.zeros(len(live_terms) + 1, dtype=np.int64)
    np.cumsum(counts[live_terms], out=new_indptr[1:])
    new_rows = row_map[rows[keep]]
    # Forward index of the present rows, with renumbered terms.
    flen = all_flen[live_rows]
    new_fstart = np.zeros(len(flen), dtype=np.int64)
    np.cumsum(flen[:-1], out=new_fstart[1:])
    fwd_all = index._fwd_base
    if index._fwd_tail.n:
        fwd_all = np.concatenate([index._fwd_base, index._fwd_tail.view()])
    fwd = term_map[fwd_all[segment_gather(fstart[live_rows], flen)]].astype(np.int32)
    # A term's key points into its first present row (= its first posting): keep the offset, move the row.
    first_row = new_rows[new_indptr[:-1]]
    new_key = new_fstart[first_row] + (key[live_terms] - fstart[live_rows[first_row]])
    if len(live_terms) < len(words):
        keep_word = (term_map >= 0).tolist()
        words = [w for w, k in zip(words, keep_word, strict=True) if k]
    return {
        "words": words,
        "df": df[live_terms],
        "key": new_key,
        "order": term_map[order],
        "indptr": new_indptr,
        "rows": new_rows.astype(np.int32),
        "tfs": tfs[keep],
        "ids": index._ids.view()[live_rows],
        "dl": index._dl.view()[live_rows],
        "flen": flen,
        "fwd": fwd,
    }


def install(index: BM25Index, snap: dict[str, Any]) -> None:
    """Make ``snap`` (what :func:`snapshot` returns, or a loaded file's arrays) the whole of ``index``."""
    index._vocab = Vocab(snap["words"])
    index._df = with_slack(np.asarray(snap["df"], dtype=np.int64))
    index._key = with_slack(np.asarray(snap["key"], dtype=np.int64))
    index._indptr = np.asarray(snap["indptr"], dtype=np.int64)
    index._prow = np.asarray(snap["rows"], dtype=np.int32)
    tfs = np.asarray(snap["tfs"])
    index._ptf = tfs if tfs.dtype == np.uint8 else narrow(tfs)  # (a mapped array's max would read all of it)
    ids = np.asarray(snap["ids"], dtype=np.int64)
    flen = np.asarray(snap["flen"], dtype=np.int64)
    fstart = np.zeros(len(flen), dtype=np.int64)
    np.cumsum(flen[:-1], out=fstart[1:])
    index._ids = with_slack(ids)
    index._dl = with_slack(np.asarray(snap["dl"], dtype=np.int32))
    index._fstart = with_slack(fstart)
    index._alive = with_slack(np.ones(len(ids), dtype=np.bool_))
    index._fwd_base = np.asarray(snap["fwd"], dtype=np.int32)
    index._fwd_tail = Grow.empty(np.int32)
    index._tails = {}
    index._tail_postings = 0
    index._idmap = IdMap()
    index._idmap.build(ids, np.arange(len(ids), dtype=np.int64))
    index._bound_tf = index._bound_dl = np.zeros(0, dtype=np.int64)  # term ids are renumbered
    index._n_live = len(ids)
    index._n_dead = 0
    index._total_tokens = int(index._dl.view().sum(dtype=np.int64))
    index._order = np.asarray(snap["order"], dtype=np.int64)
    index._order_changed = set()
    index._touch()


def write(path: Path, snap: dict[str, Any], params: tuple[float, float, float]) -> None:
    """Save ``snap`` (what :func:`snapshot` returns) and the index's ``(k1, b, epsilon)`` to ``path``."""
    words: list[str] = snap.pop("words")
    text = "".join(words).encode("utf-8", "surrogatepass")
    arrays: dict[str, npt.NDArray[Any]] = {
        "format": np.array([FORMAT]),
        "format_version": np.array([FORMAT_VERSION], dtype=np.int64),
        "params": np.array(params, dtype=np.float64),
        "vocab_text": np.frombuffer(text, dtype=np.uint8),
        "vocab_lengths": np.fromiter(map(len, words), dtype=np.int64, count=len(words)),
    }
    arrays.update({name: np.asarray(value) for name, value in snap.items()})
    for name in ("tfs", "dl", "flen"):  # small counts: store them in the narrowest type (load widens them)
        arrays[name] = narrow(arrays[name])
    bm25_file.write_arrays(path, arrays)


def read(path: Path) -> tuple[tuple[float, float, float], dict[str, Any]]:
    """The ``(k1, b, epsilon)`` and the snapshot saved by :func:`write`; ``ValueError`` if ``path`` is not such
    a file, was written by another format version (the caller rebuilds), or its arrays do not fit together."""
    data = bm25_file.read_arrays(path)
    if "format" not in data or data["format"].tolist() != [FORMAT]:
        raise ValueError(f"{path} is not a saved BM25 index")
    if "format_version" not in data or data["format_version"].tolist() != [FORMAT_VERSION]:
        found = data["format_version"].tolist() if "format_version" in data else "?"
        raise ValueError(f"{path} was written by an incompatible version ({found})")
    if not _REQUIRED <= data.keys():
        raise ValueError(f"{path} is damaged: it lacks {sorted(_REQUIRED - data.keys())}")
    k1, b, epsilon = (float(x) for x in data["params"].tolist())
    text = data["vocab_text"].tobytes().decode("utf-8", "surrogatepass")
    ends = np.cumsum(data["vocab_lengths"]).tolist()
    words = [text[start:end] for start, end in zip([0, *ends], ends, strict=False)]
    n_terms, n_docs = len(words), len(data["ids"])
    consistent = (
        len(data["df"]) == len(data["key"]) == n_terms
        and len(data["indptr"]) == n_terms + 1
        and len(data["rows"]) == len(data["tfs"]) == int(data["indptr"][-1])
        and len(data["dl"]) == len(data["flen"]) == n_docs
        and len(data["fwd"]) == int(data["flen"].sum())
        and len(data["order"]) == n_terms
    )
    if not consistent:
        raise ValueError(f"{path} is damaged: its arrays do not fit together")
    snap: dict[str, Any] = {name: data[name] for name in _REQUIRED}
    snap["words"] = words
    return (k1, b, epsilon), snap
