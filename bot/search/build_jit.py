"""The compiled loop that numbers a bulk build's tokens by object, at module level for numba's disk cache (see
:mod:`bot.search.kernels_jit`, which re-exports it; imported only with numba).

Why: mapping 25 million tokens to term ids one ``dict`` lookup each was four fifths of a 1M-passage build (each
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
