"""The containers a :class:`bot.search.bm25.BM25Index` is made of: growable numpy arrays, per-term tails, the
vocabulary and the doc id map, and the small vectorised helpers they share.

Why separate: they hold no BM25 logic, only the memory layout that makes adds O(their tokens) and lookups
vectorised, so the index module can say what it computes without how it stores it.
"""

from __future__ import annotations

import collections
import sys
from collections.abc import Callable, Iterable
from typing import Any, Final, Generic, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = [
    "F64", "I32", "I64", "U32", "UInt", "Grow", "IdMap", "Tail", "Vocab", "count_elements",
    "forward_rows", "narrow", "segment_gather", "with_slack",
]  # fmt: skip

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U32 = npt.NDArray[np.uint32]
UInt = npt.NDArray[np.unsignedinteger[Any]]  # term frequencies: uint8, widened to uint16 / uint32 if needed

_S = TypeVar("_S", bound=np.generic)


def _py_count_elements(mapping: dict[str, int], iterable: Iterable[str]) -> None:
    for element in iterable:
        mapping[element] = mapping.get(element, 0) + 1


# ``Counter.update``'s C helper: counts into a plain dict, in first-occurrence order, ~3x faster than building
# a ``Counter`` per document. Falls back to the equivalent Python loop on interpreters that lack it.
count_elements: Callable[[dict[str, int], Iterable[str]], None] = getattr(
    collections, "_count_elements", _py_count_elements
)


# --- small containers ---------------------------------------------------------------------------------------


class Grow(Generic[_S]):
    """A 1-D numpy array that grows by doubling, so appends are amortised O(1) and never copy per call."""

    __slots__ = ("buf", "n")

    def __init__(self, buf: npt.NDArray[_S], n: int | None = None) -> None:
        self.buf = buf
        self.n = len(buf) if n is None else n

    @classmethod
    def empty(cls, dtype: type[_S], capacity: int = 8) -> Grow[_S]:
        return cls(np.empty(capacity, dtype=dtype), 0)

    def view(self) -> npt.NDArray[_S]:
        return self.buf[: self.n]

    def reserve(self, need: int) -> None:
        if need > len(self.buf):
            new = np.empty(max(need, 2 * len(self.buf), 8), dtype=self.buf.dtype)
            new[: self.n] = self.buf[: self.n]
            self.buf = new

    def append(self, value: Any) -> None:
        if self.n == len(self.buf):
            self.reserve(self.n + 1)
        self.buf[self.n] = value
        self.n += 1

    def extend(self, values: npt.ArrayLike) -> None:
        arr = np.asarray(values)
        self.reserve(self.n + len(arr))
        self.buf[self.n : self.n + len(arr)] = arr
        self.n += len(arr)

    def nbytes(self) -> int:
        return int(self.buf.nbytes)


class Tail:
    """Postings of one term for documents added after the last bulk build: rows ascending, with their tf."""

    __slots__ = ("rows", "tfs")

    def __init__(self, tf_dtype: npt.DTypeLike) -> None:
        self.rows: Grow[np.int32] = Grow.empty(np.int32, 4)
        self.tfs: Grow[Any] = Grow(np.empty(4, dtype=tf_dtype), 0)


class Vocab(dict[str, int]):
    """term -> term id; ``vocab[new_term]`` assigns the next id, so bulk ingestion can use a C-level ``map``.

    Ids are always ``0 .. len - 1`` in insertion order; ``words`` is the id -> term table. Lookups that must not
    create a term use ``.get``.
    """

    __slots__ = ("words",)

    def __init__(self, words: Iterable[str] = ()) -> None:
        self.words: list[str] = list(words)
        super().__init__(zip(self.words, range(len(self.words)), strict=True))

    def __missing__(self, key: str) -> int:
        value = len(self.words)
        self[key] = value
        self.words.append(key)
        return value

    def truncate(self, n_terms: int) -> None:
        """Forget the terms with ids ``n_terms`` and up (the newest)."""
        for word in self.words[n_terms:]:
            del self[word]
        del self.words[n_terms:]


class IdMap:
    """doc_id -> row.

    Callers' ids are typically database row ids, dense and increasing, so a numpy table indexed by id costs 4
    bytes per id instead of ~100 for a dict of a million ints, and rebuilds in one vectorised step on load.
    Ids far larger than the number of documents switch it to a plain dict.
    """

    __slots__ = ("_dense", "_sparse")
    DENSE_MIN: Final = 1 << 20

    def __init__(self) -> None:
        self._dense: I32 = np.full(0, -1, dtype=np.int32)
        self._sparse: dict[int, int] | None = None

    def get(self, key: int) -> int:
        if self._sparse is not None:
            return self._sparse.get(key, -1)
        return int(self._dense[key]) if key < len(self._dense) else -1

    def set(self, key: int, row: int, count: int) -> None:
        if self._sparse is None and key >= len(self._dense):
            if key >= max(self.DENSE_MIN, 8 * (count + 1)):
                self._to_sparse()
            else:
                grown = np.full(max(key + 1, 2 * len(self._dense)), -1, dtype=np.int32)
                grown[: len(self._dense)] = self._dense
                self._dense = grown
        if self._sparse is not None:
            self._sparse[key] = row
        else:
            self._dense[key] = row

    def delete(self, key: int) -> None:
        if self._sparse is not None:
            del self._sparse[key]
        else:
            self._dense[key] = -1

    def contains_any(self, keys: I64) -> bool:
        if len(keys) == 0:
            return False
        if self._sparse is not None:
            return any(k in self._sparse for k in keys.tolist())
        inside = keys[keys < len(self._dense)]
        return bool(np.any(self._dense[inside] >= 0))

    def build(self, keys: I64, rows: I64) -> None:
        """Replace the mapping with ``keys[i] -> rows[i]`` (keys unique, non-negative)."""
        top = int(keys.max()) if len(keys) else -1
        if top < max(self.DENSE_MIN, 8 * (len(keys) + 1)):
            self._dense = np.full(top + 1 + (top + 1) // 8, -1, dtype=np.int32)
            self._dense[keys] = rows
            self._sparse = None
        else:
            self._dense = np.full(0, -1, dtype=np.int32)
            self._sparse = dict(zip(keys.tolist(), rows.tolist(), strict=True))

    def _to_sparse(self) -> None:
        present = np.flatnonzero(self._dense >= 0)
        self._sparse = dict(zip(present.tolist(), self._dense[present].tolist(), strict=True))
        self._dense = np.full(0, -1, dtype=np.int32)

    def nbytes(self) -> int:
        if self._sparse is not None:
            # the dict plus two int objects per item
            return sys.getsizeof(self._sparse) + 56 * len(self._sparse)
        return int(self._dense.nbytes)


# ``math.log(k + 0.5)`` for k = 0, 1, 2, ...: the only logarithms BM25Okapi ever takes (see the module
# docstring for why not ``np.log``). Shared by all indexes; only ever extended, and replaced rather than
# mutated.


def segment_gather(starts: I64, lengths: I64) -> I64:
    """Indices ``starts[0] .. starts[0]+lengths[0]-1, starts[1] .. `` concatenated (vectorised)."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    return np.repeat(starts - offsets, lengths) + np.arange(total, dtype=np.int64)


def forward_rows(fstart: I64, base: I32, tail: I32, rows: I64) -> tuple[I32, I64]:
    """A forward index's entries for ``rows``, one row after the other, and each row's count. Row ``r``'s entries
    run from ``fstart[r]`` to the next row's start (the last row's to the end); positions past ``base`` are in
    ``tail`` (the rows added after the bulk build), so neither is copied."""
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
    starts = fstart[rows]
    after = rows + 1
    total = len(base) + len(tail)
    ends = np.where(after < len(fstart), fstart[np.minimum(after, len(fstart) - 1)], total)
    positions = segment_gather(starts, ends - starts)
    in_base = positions < len(base)
    terms = np.empty(len(positions), dtype=np.int32)
    terms[in_base] = base[positions[in_base]]
    terms[~in_base] = tail[positions[~in_base] - len(base)]
    return terms, ends - starts


def with_slack(arr: npt.NDArray[_S]) -> Grow[_S]:
    """Wrap a freshly built array with ~12% spare room, so the first ``add`` after a build copies nothing."""
    buf = np.empty(len(arr) + len(arr) // 8 + 64, dtype=arr.dtype)
    buf[: len(arr)] = arr
    return Grow(buf, len(arr))


def narrow(arr: npt.NDArray[Any]) -> UInt:
    """``arr`` (non-negative integers) in the smallest unsigned dtype that holds it: memory and file size."""
    top = int(arr.max()) if len(arr) else 0
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return arr.astype(dtype, copy=False)
    return arr.astype(np.uint64, copy=False)
