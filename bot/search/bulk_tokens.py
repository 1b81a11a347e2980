"""Tokenizing a bulk build's sentences without a Python string per word: the tokens of
:func:`bot.core.text.tokenize`, exactly, as numbers into a list of terms.

Why: at 100,000 articles an index build tokenizes a million sentences, 25 million words, and per word Python
makes a string, hashes it and looks it up, which was half of an import. Here compiled loops
(:mod:`bot.search.tokens_jit`) cut the sentences (in :func:`~bot.core.text.normal_form`, as ``tokenize`` reads
them) into their white-space-separated chunks and number the distinct ones; Python computes the terms of each
distinct chunk once (:func:`~bot.core.text.chunk_terms`'s rule, a word's term computed once per distinct word),
and the compiled loops write every sentence's term numbers from its chunks'.

Why identical: ``tokenize`` is, by its own definition, the terms of ``normal_form(text).split()``'s chunks in
order; the chunks here are cut at the same code points (``str.isspace``, the test ``str.split()`` applies,
tabulated over every code point) and compared code point by code point, so a chunk's number stands for
exactly one string. Terms are numbered in order of first appearance in the token stream (the first occurrence
of a term is in the first occurrence of some chunk, and new chunks are named in the order they first occur),
which is the order in which :meth:`bot.search.bm25.BM25Index.add_many` would meet them.

Used only where numba is installed and for a build large enough to pay for loading the loops
(:data:`BULK_FROM` sentences); anything else tokenizes sentence by sentence.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from bot.core.text import chunk_words, normal_form, tokenize, word_term

if TYPE_CHECKING:
    from bot.search.bm25 import BM25Index

__all__ = ["BULK_FROM", "BulkTokenizer", "PassageTokens", "WordTerms", "compiled", "warm"]

BULK_FROM = 20_000  # sentences in one build from which the compiled tokenizer is worth loading

# The code points str.split() cuts at (str.isspace()); none lies beyond U+3000.
_SPACE = np.array([chr(c).isspace() for c in range(0x3001)], dtype=np.bool_)
assert not any(chr(c).isspace() for c in range(0x3001, sys.maxunicode + 1)), "white space beyond U+3000"

_jit: Any = None
_tried = False


def compiled() -> Any:
    """The compiled loops, or None without numba (loaded from numba's disk cache, or compiled once)."""
    global _jit, _tried
    if not _tried:
        _tried = True
        try:
            from bot.search import tokens_jit as found
        except ImportError:
            found = None  # type: ignore[assignment]
        _jit = found
    return _jit


def warm() -> None:
    """Compile the loops (or load them from numba's cache) for ASCII and other text, ahead of a timed build."""
    jit = compiled()
    if jit is not None:
        tokenizer = BulkTokenizer(jit)
        tokenizer.add(["A warm-up.", "Un café."])
        tokenizer._grow(1 << 16)


class WordTerms(dict[str, str]):
    """word as written -> its term ("" for none): one build's cache (shared by its headlines and sentences), so
    each distinct word is stemmed once."""

    def __missing__(self, raw: str) -> str:
        term = self[raw] = word_term(raw)
        return term


class BulkTokenizer:
    """Sentences in, their tokens out as numbers into :attr:`terms`, batch after batch (one build's state).

    ``add`` tokenizes a batch of sentences; ``result`` returns every sentence's tokens so far as one flat array
    of term numbers and the number of tokens of each sentence: sentence ``i``'s tokens are ``[terms[c] for c in
    codes[offset(i):offset(i) + lengths[i]]]``, equal to ``tokenize(sentences[i])``."""

    def __init__(self, jit: Any, words: WordTerms | None = None) -> None:
        self._jit = jit
        self.terms: list[str] = []  # term number -> term, in order of first appearance
        self._term_number: dict[str, int] = {}
        self._words = WordTerms() if words is None else words
        self._term_ptr = array("q", [0])  # chunk c's terms are _term_ids[_term_ptr[c]:_term_ptr[c + 1]]
        self._term_ids = array("i")
        self._n_chunks = 0
        self._hashes = np.empty(1 << 14, dtype=np.uint64)
        self._pool = np.empty(1 << 18, dtype=np.uint32)  # the distinct chunks' code points, one after the other
        self._pool_ptr = np.zeros(len(self._hashes) + 1, dtype=np.int64)
        self._slots = np.full(1 << 15, -1, dtype=np.int32)
        self._codes: list[npt.NDArray[np.int32]] = []
        self._lengths: list[npt.NDArray[np.int64]] = []

    def add(self, sentences: Sequence[str]) -> None:
        """Tokenize ``sentences`` (after those of earlier calls)."""
        if not sentences:
            return
        texts = [normal_form(s) for s in sentences]
        joined = " ".join(texts)  # a space between sentences: no chunk runs from one into the next
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        starts = np.zeros(len(texts), dtype=np.int64)
        np.cumsum(lengths[:-1] + 1, out=starts[1:])
        ends = starts + lengths
        if joined.isascii():
            points: npt.NDArray[Any] = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
        else:  # "surrogatepass": a lone surrogate is a code point like any other (str.split() keeps it)
            points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        codes = np.empty(int(lengths.sum()), dtype=np.int32)
        counts = np.empty(len(texts), dtype=np.int64)
        known = self._n_chunks
        done = written = 0
        while True:
            done, self._n_chunks, wrote = self._jit.encode_chunks(
                points, starts, ends, done, _SPACE, self._slots, self._hashes, self._pool, self._pool_ptr,
                self._n_chunks, codes[written:], counts,
            )  # fmt: skip
            written += wrote
            if done == len(texts):
                break
            self._grow(int(lengths[done]))
        self._name_chunks(known)
        term_ptr = np.frombuffer(self._term_ptr, dtype=np.int64)
        term_ids = np.frombuffer(self._term_ids, dtype=np.int32)
        flat, counted = self._jit.gather_terms(codes, written, counts, 0, len(texts), term_ptr, term_ids)
        del term_ptr, term_ids  # (the arrays grow on the next add)
        self._codes.append(flat)
        self._lengths.append(counted)

    def result(self) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
        """Every sentence's term numbers, one sentence after the other, and each sentence's number of tokens."""
        if not self._codes:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
        return np.concatenate(self._codes), np.concatenate(self._lengths)

    def _grow(self, room: int) -> None:
        """Make room for a sentence of ``room`` code points (at most that many new chunks)."""
        need = self._n_chunks + room
        if need > len(self._hashes):
            size = max(2 * len(self._hashes), need)
            self._hashes = np.resize(self._hashes, size)
            ptr = np.zeros(size + 1, dtype=np.int64)
            ptr[: self._n_chunks + 1] = self._pool_ptr[: self._n_chunks + 1]
            self._pool_ptr = ptr
        used = int(self._pool_ptr[self._n_chunks])
        if used + room > len(self._pool):
            self._pool = np.resize(self._pool, max(2 * len(self._pool), used + room))
        if 2 * need > len(self._slots):
            size = len(self._slots)
            while size < 2 * need:
                size *= 2
            self._slots = self._jit.rehash(self._hashes, self._n_chunks, size)

    def _name_chunks(self, known: int) -> None:
        """The terms of chunks ``known``.. (new in the last batch), numbering the terms not met before."""
        if known == self._n_chunks:
            return
        ptr = self._pool_ptr[known : self._n_chunks + 1]
        text = self._pool[ptr[0] : ptr[-1]].tobytes().decode("utf-32-le", "surrogatepass")
        offsets = (ptr - ptr[0]).tolist()
        words, numbers, terms = self._words, self._term_number, self.terms
        term_ids, term_ptr = self._term_ids, self._term_ptr
        for a, b in zip(offsets, offsets[1:]):  # noqa: B905 (offsets[1:] is one shorter, by design)
            for raw in chunk_words(text[a:b]):
                term = words[raw]
                if term:
                    number = numbers.get(term)
                    if number is None:
                        number = numbers[term] = len(terms)
                        terms.append(term)
                    term_ids.append(number)
            term_ptr.append(len(term_ids))


class PassageTokens:
    """One build's passages (sentences, or headlines) on their way into a BM25 collection: tokenized one by one,
    or by a :class:`BulkTokenizer` once there are :data:`BULK_FROM` of them and numba is there (the same tokens).
    """

    def __init__(self, words: WordTerms | None = None) -> None:
        self._words = WordTerms() if words is None else words
        self._pids: list[int] = []
        self._pending: list[str] = []  # sentences not tokenized yet (fewer than BULK_FROM, or no bulk tokenizer)
        self._bulk: BulkTokenizer | None = None

    def add(self, pids: Sequence[int], sentences: Sequence[str]) -> None:
        self._pids.extend(pids)
        if self._bulk is not None:
            self._bulk.add(sentences)
            return
        self._pending.extend(sentences)
        if len(self._pending) >= BULK_FROM and (jit := compiled()) is not None:
            self._bulk = BulkTokenizer(jit, self._words)
            self._bulk.add(self._pending)
            self._pending = []

    def into(self, collection: BM25Index) -> None:
        """Add the sentences to ``collection`` (``add_many`` of ``(pid, tokens)``, in the order they came)."""
        if self._bulk is None:
            if self._pids:
                collection.add_many(list(zip(self._pids, map(tokenize, self._pending), strict=True)))
            return
        codes, lengths = self._bulk.result()
        collection.add_many_codes(self._pids, codes, lengths, self._bulk.terms)
