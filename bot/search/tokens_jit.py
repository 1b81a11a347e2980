"""Compiled loops of the bulk tokenizer (:mod:`bot.search.bulk_tokens`): numba, imported only by a bulk build.

Why compiled: tokenizing a sentence in Python costs a string object, a hash and a dict probe per word, and at
a million sentences that is most of an import. News repeats its words, so these loops cut the text into its
white-space-separated chunks, give each distinct chunk a number (an open-addressing table that compares the
code points themselves, so two chunks share a number only when they are equal), and write each sentence's
terms from the terms of its chunks. Python sees each distinct chunk once.

Module-level functions with ``cache=True``, so a new process loads them from numba's disk cache.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["encode_chunks", "gather_terms", "rehash"]

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)


@njit(cache=True)
def encode_chunks(text, starts, ends, first, space, slots, hashes, pool, pool_ptr, n_chunks, codes, counts):  # type: ignore[no-untyped-def]
    """Number the chunks of sentences ``first``.. (``text[starts[i]:ends[i]]``) into ``codes``, one sentence's
    chunks after the other, with ``counts[i]`` chunks for sentence ``i``.

    A chunk is a maximal run of code points ``c`` that are not white space (``space[c]`` false; every code point
    beyond ``space`` is not white space), as ``str.split()`` cuts. A chunk not seen before gets the number
    ``n_chunks`` and its code points are appended to ``pool`` (chunk ``c`` is ``pool[pool_ptr[c]:pool_ptr[c +
    1]]``). Stops before a sentence that might not fit in ``hashes``, ``pool`` or a half-full ``slots``, so the
    caller grows them and calls again from there; returns (next sentence, chunks known, codes written).
    """
    mask = np.uint64(slots.shape[0] - 1)
    n_space = space.shape[0]
    k = 0
    i = first
    while i < starts.shape[0]:
        p, e = starts[i], ends[i]
        room = e - p
        if (
            n_chunks + room > hashes.shape[0]
            or pool_ptr[n_chunks] + room > pool.shape[0]
            or 2 * (n_chunks + room) > slots.shape[0]
            or k + room > codes.shape[0]
        ):
            break
        begin = k
        while p < e:
            c = text[p]
            if c < n_space and space[c]:
                p += 1
                continue
            q = p
            h = _FNV_OFFSET
            while q < e:
                c = text[q]
                if c < n_space and space[c]:
                    break
                h = (h ^ np.uint64(c)) * _FNV_PRIME
                q += 1
            slot = h & mask
            while True:
                cid = slots[slot]
                if cid < 0:
                    cid = n_chunks
                    slots[slot] = cid
                    hashes[cid] = h
                    at = pool_ptr[cid]
                    for j in range(q - p):
                        pool[at + j] = text[p + j]
                    pool_ptr[cid + 1] = at + q - p
                    n_chunks += 1
                    break
                if hashes[cid] == h and pool_ptr[cid + 1] - pool_ptr[cid] == q - p:
                    at = pool_ptr[cid]
                    same = True
                    for j in range(q - p):
                        if pool[at + j] != text[p + j]:
                            same = False
                            break
                    if same:
                        break
                slot = (slot + np.uint64(1)) & mask
            codes[k] = cid
            k += 1
            p = q
        counts[i] = k - begin
        i += 1
    return i, n_chunks, k


@njit(cache=True)
def rehash(hashes, n_chunks, size):  # type: ignore[no-untyped-def]
    """A table of ``size`` slots (a power of two) holding chunks 0..n_chunks-1 by their hashes."""
    slots = np.full(size, -1, np.int32)
    mask = np.uint64(size - 1)
    for cid in range(n_chunks):
        slot = hashes[cid] & mask
        while slots[slot] >= 0:
            slot = (slot + np.uint64(1)) & mask
        slots[slot] = cid
    return slots


@njit(cache=True)
def gather_terms(codes, n_codes, counts, first, last, term_ptr, term_ids):  # type: ignore[no-untyped-def]
    """The term ids of sentences ``first``..``last - 1`` one after the other (chunk ``c``'s terms are
    ``term_ids[term_ptr[c]:term_ptr[c + 1]]``), and each sentence's number of terms."""
    total = 0
    for j in range(n_codes):
        c = codes[j]
        total += term_ptr[c + 1] - term_ptr[c]
    flat = np.empty(total, np.int32)
    lengths = np.empty(last - first, np.int64)
    k = 0
    j = 0
    for i in range(first, last):
        begin = k
        for _ in range(counts[i]):
            c = codes[j]
            j += 1
            for t in range(term_ptr[c], term_ptr[c + 1]):
                flat[k] = term_ids[t]
                k += 1
        lengths[i - first] = k - begin
    return flat, lengths
