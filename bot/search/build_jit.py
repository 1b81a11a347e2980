"""The compiled loops of a bulk build (counting each document's terms, transposing to postings, and numbering
tokens by object), at module level for numba's disk cache (see :mod:`bot.search.kernels_jit`, which re-exports
them; imported only with numba).

Why number by object: mapping 25 million tokens to term ids one ``dict`` lookup each was four fifths of a
1M-passage build (each
lookup reads the string, the dict's index and its entry: three cache misses into a vocabulary of ~16 MB). The
tokens of a corpus are mostly a few hundred thousand string objects repeated (what a tokenizer that reuses its
strings, or a list of token lists built from one vocabulary, hands over), so numbering them by *address*
(the pointers an object array holds) in a small open-addressing table, and looking up in the vocabulary only
the first occurrence of each object, gives the same term ids (see :func:`bot.search.bm25_build.ingest`) for a
third of the time.
"""

# mypy: disable-error-code="untyped-decorator,no-untyped-def"

from __future__ import annotations

import numba
import numpy as np

jit = numba.njit(cache=True, nogil=True)

_EMPTY = 0  # no object lives at address 0
_GOLDEN = 11400714819323198485  # 2**64 / golden ratio: Fibonacci hashing, the top bits of address * this


@jit
def _slot(address, shift):
    return np.int64((np.uint64(address) * np.uint64(_GOLDEN)) >> np.uint64(shift))


@jit
def _regrown(table, bits):
    """``table`` (interleaved address, code) rehashed into ``2 ** bits`` slots."""
    grown = np.zeros(2 << bits, np.int64)
    mask = (1 << bits) - 1
    shift = 64 - bits
    for s in range(table.shape[0] // 2):
        address = table[2 * s]
        if address != _EMPTY:
            h = _slot(address, shift)
            while grown[2 * h] != _EMPTY:
                h = (h + 1) & mask
            grown[2 * h] = address
            grown[2 * h + 1] = table[2 * s + 1]
    return grown


@jit
def number_addresses(addresses, out, table, bits, used, new_at):
    """``out[i]`` = the code of the object at ``addresses[i]``: codes ``0, 1, ...`` in order of first
    appearance across calls (``used`` of them so far). ``table`` holds (address, code) pairs in ``2 ** bits``
    slots (linear probing, at most half full: doubled here when needed); the positions of the objects first
    seen in this call go to ``new_at``. Returns the table, its bits, the codes used and how many are new."""
    n_new = 0
    mask = (1 << bits) - 1
    shift = 64 - bits
    for i in range(addresses.shape[0]):
        address = addresses[i]
        h = _slot(address, shift)
        while True:
            found = table[2 * h]
            if found == address:
                out[i] = table[2 * h + 1]
                break
            if found == _EMPTY:
                table[2 * h] = address
                table[2 * h + 1] = used
                out[i] = used
                used += 1
                new_at[n_new] = i
                n_new += 1
                if 2 * used > mask + 1:
                    bits += 1
                    table = _regrown(table, bits)
                    mask = (1 << bits) - 1
                    shift = 64 - bits
                break
            h = (h + 1) & mask
    return table, bits, used, n_new


@jit
def count_terms(flat, lengths, n_terms):
    """Each document's distinct terms (first-occurrence order) and their counts, from all its term ids.

    ``flat`` holds every document's term ids one document after the other (``lengths`` tokens each): the
    same forward index the numpy code builds one Python dict per document for. The distinct terms are
    written over ``flat`` itself (never ahead of what is still to be read), so the only new array the size
    of the corpus is the counts; returns how many distinct (document, term) pairs there are, the counts
    and each document's number of distinct terms.
    """
    last = np.full(n_terms, -1, np.int64)
    pos = np.empty(n_terms, np.int64)
    tfs = np.empty(flat.shape[0], np.uint32)
    distinct = np.empty(lengths.shape[0], np.int64)
    k = 0
    i = 0
    for d in range(lengths.shape[0]):
        start = k
        for _ in range(lengths[d]):
            t = flat[i]
            i += 1
            if last[t] != d:
                last[t] = d
                pos[t] = k
                flat[k] = t
                tfs[k] = 1
                k += 1
            else:
                tfs[pos[t]] += 1
        distinct[d] = k - start
    return k, tfs, distinct


@jit
def transpose(fstart, fwd, tfs, n_terms, rows, out_tfs):
    """The forward index (per document its distinct terms and tfs) as term-major postings, in one counting
    sort: rows ascending within each term, written into ``rows`` / ``out_tfs``; returns the term pointers
    and each term's first forward position (-1 if none), from which its dict-order key comes."""
    indptr = np.zeros(n_terms + 1, np.int64)
    for i in range(fwd.shape[0]):
        indptr[fwd[i] + 1] += 1
    for t in range(n_terms):
        indptr[t + 1] += indptr[t]
    nxt = indptr[:-1].copy()
    first = np.full(n_terms, -1, np.int64)
    for d in range(fstart.shape[0] - 1):
        for i in range(fstart[d], fstart[d + 1]):
            t = fwd[i]
            p = nxt[t]
            rows[p] = d
            out_tfs[p] = tfs[i]
            nxt[t] = p + 1
            if first[t] < 0:
                first[t] = i
    return indptr, first
