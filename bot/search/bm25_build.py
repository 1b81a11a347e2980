"""Turning documents into the arrays of a :class:`bot.search.bm25.BM25Index`: count each document's terms into a
forward index (the only per-token Python work), then transpose it into term-major postings.

Why separate: building is the one job that runs over every token of the corpus, with its own trade-offs
(a C-level ``map`` over all tokens and a compiled counting loop for bulk builds, a numpy argsort for a few
articles so that an add never imports scipy or waits for numba).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.search.bm25_arrays import I32, I64, U32, UInt, Vocab, count_elements, narrow

__all__ = ["Batch", "ingest", "ingest_codes", "transpose"]

Docs = list[tuple[int, Sequence[str]]]


class Batch:
    """Documents counted by :func:`ingest`: ids, lengths, and distinct terms with their tf."""

    __slots__ = ("ids", "dl", "fstart", "fwd", "tfs")

    def __init__(self, ids: I64, dl: I32, fstart: I64, fwd: I32, tfs: UInt) -> None:
        self.ids = ids
        self.dl = dl
        self.fstart = fstart  # document i's terms are fwd[fstart[i]:fstart[i + 1]]
        self.fwd = fwd  # distinct term ids, first-occurrence order within each document
        self.tfs = tfs  # their term frequencies


_SCIPY_FROM = 1 << 16  # postings from which transpose uses scipy's counting sort (O(n), but a costly import)


def transpose(n_rows: int, n_terms: int, fstart: I64, fwd: I32, tfs: U32) -> tuple[I64, I32, U32, I64]:
    """Forward index -> term-major postings in O(postings) (scipy's CSR->CSC, a counting sort in C).

    Returns ``indptr`` (per term), ``rows`` (ascending within a term: the transpose is stable), ``tfs`` and,
    per term, the forward position of its first occurrence (-1 if none), from which its dict-order key comes.
    """
    nnz = len(fwd)
    if nnz == 0:
        empty = np.zeros(0, dtype=np.int64)
        return (
            np.zeros(n_terms + 1, dtype=np.int64),
            empty.astype(np.int32),
            empty.astype(np.uint32),
            np.full(n_terms, -1, dtype=np.int64),
        )
    if nnz < _SCIPY_FROM:
        # A few articles: a stable argsort, without importing scipy (~0.1-0.3 s: the first add in a process).
        by_term = np.argsort(fwd, kind="stable")
        row_of = np.repeat(np.arange(n_rows, dtype=np.int32), np.diff(fstart))
        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(fwd, minlength=n_terms), out=indptr[1:])
        first = np.full(n_terms, nnz, dtype=np.int64)
        np.minimum.at(first, fwd, np.arange(nnz, dtype=np.int64))
        first[first == nnz] = -1
        return indptr, row_of[by_term], tfs[by_term].astype(np.uint32), first
    # 32-bit indices when they fit: scipy would otherwise copy everything to int64 and transpose slower.
    small = max(nnz, n_rows, n_terms) < np.iinfo(np.int32).max
    index_dtype = np.int32 if small else np.int64
    import scipy.sparse as sp  # only bulk builds need it; importing it costs a start-up 0.1 s

    csr = sp.csr_array((tfs, fwd.astype(index_dtype), fstart.astype(index_dtype)), shape=(n_rows, n_terms))
    csc = csr.tocsc()
    indptr = np.asarray(csc.indptr, dtype=np.int64)
    rows = np.asarray(csc.indices, dtype=np.int32)
    # The forward index is row-major, so a term's first forward position is its first posting's.
    first = np.full(n_terms, nnz, dtype=index_dtype)
    np.minimum.at(first, fwd, np.arange(nnz, dtype=index_dtype))
    first64 = first.astype(np.int64)
    first64[first64 == nnz] = -1
    return indptr, rows, np.asarray(csc.data, dtype=np.uint32), first64


def ingest(pairs: Docs, vocab: Vocab, kern: Any) -> Batch:
    """Count every document's terms into flat arrays; new terms get the next ids in ``vocab`` (first occurrence
    order). With the compiled kernels (``kern``, or None), every token is mapped to its term id in one C-level
    ``map`` and the per-document counting is compiled; the arrays are the same either way."""
    if kern is not None:
        return _ingest_compiled(pairs, vocab, kern)
    ids, dls, nds = array("q"), array("q"), array("q")
    fwd, tfs = array("i"), array("I")
    getid = vocab.__getitem__
    ids_append, dls_append, nds_append = ids.append, dls.append, nds.append
    fwd_extend, tfs_extend = fwd.extend, tfs.extend
    for doc_id, tokens in pairs:
        if isinstance(tokens, str):
            raise TypeError("tokens must be a sequence of tokens, not a string")
        counts: dict[str, int] = {}
        count_elements(counts, tokens)
        ids_append(doc_id)
        dls_append(len(tokens))
        nds_append(len(counts))
        fwd_extend(map(getid, counts))
        tfs_extend(counts.values())
    nterms = np.frombuffer(nds, dtype=np.int64)
    fstart = np.zeros(len(nterms) + 1, dtype=np.int64)
    np.cumsum(nterms, out=fstart[1:])
    return Batch(
        ids=np.frombuffer(ids, dtype=np.int64).copy(),
        dl=np.frombuffer(dls, dtype=np.int64).astype(np.int32),
        fstart=fstart,
        fwd=np.frombuffer(fwd, dtype=np.intc).astype(np.int32),
        tfs=np.frombuffer(tfs, dtype=np.uintc).astype(np.uint32),
    )


def ingest_codes(
    doc_ids: Sequence[int], codes: I32, lengths: I64, terms: Sequence[str], vocab: Vocab, kern: Any
) -> Batch:
    """:func:`ingest` (compiled) of documents whose tokens are ``terms[code]`` for their ``lengths[i]`` codes in
    turn. ``terms`` are the distinct tokens in order of first appearance, so giving them ids in that order gives
    every term the id that mapping the tokens one by one would: the same batch, with one lookup per term."""
    ids = array("q", doc_ids)  # TypeError for a non-int id, as in ingest
    if len(lengths) != len(ids) or int(lengths.sum()) != len(codes):
        raise ValueError("the codes and lengths do not describe the documents")
    if kern is None:  # the numpy code counts token lists
        words = np.asarray(terms, dtype=object)[codes].tolist() if len(terms) else []
        ends = np.cumsum(lengths).tolist()
        return ingest([(d, words[e - n : e]) for d, e, n in zip(ids, ends, lengths.tolist(), strict=True)], vocab, None)
    number = np.fromiter(map(vocab.__getitem__, terms), dtype=np.int32, count=len(terms))
    return _counted(ids, number[codes], lengths.astype(np.int64), vocab, kern)


def _ingest_compiled(pairs: Docs, vocab: Vocab, kern: Any) -> Batch:
    ids = array("q", [doc_id for doc_id, _ in pairs])  # TypeError for a non-int id, as in ingest
    token_lists = [tokens for _, tokens in pairs]
    kinds = set(map(type, token_lists))
    if any(issubclass(kind, str) for kind in kinds):
        raise TypeError("tokens must be a sequence of tokens, not a string")
    lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    flat = _term_ids(token_lists, int(lengths.sum()), kinds <= {list, tuple}, vocab, kern)
    return _counted(ids, flat, lengths, vocab, kern)


_CHUNK = 1 << 18  # tokens numbered by object at a time: their pointers (2 MB) stay in cache
_BY_OBJECT_FROM = 1 << 14  # a batch with fewer tokens (an article) is looked up token by token
_MOST_OBJECTS = 1 << 21  # distinct objects past which the table (16 bytes a slot, half full) is given up
_POINTER = np.dtype(np.intp).str


class _Addresses:
    """The addresses of the objects an object array holds, as a numpy view of its pointers (read-only, no copy);
    the view keeps the array, hence the objects, alive."""

    def __init__(self, objects: npt.NDArray[np.object_]) -> None:
        self.objects = objects
        self.__array_interface__ = {
            "shape": objects.shape,
            "typestr": _POINTER,
            "data": (objects.__array_interface__["data"][0], True),
            "version": 3,
        }


def _term_ids(token_lists: list[Sequence[str]], total: int, held: bool, vocab: Vocab, kern: Any) -> I32:
    """Every token's term id, document after document; new terms get the next ids in order of first appearance.

    When the token sequences are lists or tuples (``held``: they keep each object alive, so an address names one
    object throughout), tokens are numbered by object (:func:`bot.search.build_jit.number_addresses`) and only
    each object's first occurrence is looked up in ``vocab``, in order of appearance, so every term gets the id
    a lookup per token would give it; an object equal to an earlier one gets its id. Once most objects of a
    chunk are new (a tokenizer that makes a string per token), each would cost a lookup anyway and the table
    would grow with the corpus, so the rest is looked up token by token.
    """
    stream = chain.from_iterable(token_lists)
    getid = vocab.__getitem__
    flat = np.empty(total, dtype=np.int32)
    done = 0
    if held and total >= _BY_OBJECT_FROM and _POINTER == np.dtype(np.int64).str:
        done = _by_object(stream, flat, vocab, kern)
    if done < total:
        flat[done:] = np.fromiter(map(getid, stream), dtype=np.int32, count=total - done)
    return flat


def _by_object(stream: Iterator[str], flat: I32, vocab: Vocab, kern: Any) -> int:
    """Number the tokens of ``stream`` into ``flat`` by object, chunk by chunk, until done or given up (when
    most of a chunk's tokens are objects first seen there that hold a term seen before); returns how many
    tokens were numbered (the stream has moved past exactly those)."""
    total = len(flat)
    getid = vocab.__getitem__
    bits = 10
    table = np.zeros(2 << bits, dtype=np.int64)
    new_at = np.empty(min(_CHUNK, total), dtype=np.int64)
    codes: list[npt.NDArray[np.int32]] = []  # per chunk, the term ids of the codes it introduced
    used = 0
    identity = True  # code == term id so far (a first build of shared objects): no renumbering
    lo = 0
    while lo < total:
        hi = min(lo + _CHUNK, total)
        objects = np.fromiter(stream, dtype=object, count=hi - lo)
        table, bits, used, n_new = kern.number_addresses(
            np.asarray(_Addresses(objects)), flat[lo:hi], table, bits, used, new_at
        )
        n_terms = len(vocab)
        found = np.fromiter(map(getid, objects[new_at[:n_new]]), dtype=np.int32, count=n_new)
        codes.append(found)
        identity = identity and bool(np.all(found == np.arange(used - n_new, used, dtype=np.int32)))
        lo = hi
        if 2 * (n_new - (len(vocab) - n_terms)) > len(objects) or used > _MOST_OBJECTS:
            break
    if not identity:
        term_of = np.concatenate(codes)
        for start in range(0, lo, _CHUNK):
            part = flat[start : min(start + _CHUNK, lo)]
            part[:] = term_of[part]
    return lo


def _counted(ids: array[int], flat: I32, lengths: I64, vocab: Vocab, kern: Any) -> Batch:
    """The batch of documents whose term ids are ``flat`` (``lengths[i]`` each, in turn); ``flat`` is reused."""
    total = len(flat)
    n_pairs, tfs, distinct = kern.count_terms(flat, lengths, len(vocab))
    tfs = narrow(tfs[:n_pairs])  # (frees the corpus-sized counts before the copy below)
    fwd = flat if n_pairs == total else flat[:n_pairs].copy()
    del flat
    fstart = np.zeros(len(distinct) + 1, dtype=np.int64)
    np.cumsum(distinct, out=fstart[1:])
    return Batch(
        ids=np.frombuffer(ids, dtype=np.int64).copy(),
        dl=lengths.astype(np.int32),
        fstart=fstart,
        fwd=fwd,
        tfs=tfs,
    )
