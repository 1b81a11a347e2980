"""Which of a question's required words each of many passages supports, from the passages' term ids.

Why: the answerer's candidates are a few hundred sentences (:mod:`bot.search.candidates`), and most are ruled out
by :func:`bot.search.relevance.judge`'s first test: a required word that neither the sentence nor its context
supports. Whether a passage supports a word needs only whether it holds one of the word's alternatives at
:data:`~bot.search.question.SUPPORTED` closeness or more, or every term of one of its expansions
(:meth:`bot.search.question.QuestionWord.support`); that is asked here of all the passages at once, over the term
ids the index gave them (:attr:`bot.search.index.Passage.ids`), so that a passage ruled out never has its terms
read as words at all.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from bot.search.bm25_arrays import Vocab
from bot.search.index import Passage
from bot.search.question import SUPPORTED, QuestionWord

__all__ = ["MAX_WORDS", "held_masks"]

MAX_WORDS = 62  # a bit per question word in an int64 (a longer question is judged passage by passage)


def held_masks(words: list[QuestionWord], wanted: int, passages: Iterable[Passage]) -> dict[int, int]:
    """pid -> a bit per word of ``words`` (of those whose bit ``wanted`` has) that the passage supports at
    :data:`SUPPORTED` or more. Passages without term ids are left out (the caller asks their terms)."""
    groups: dict[int, tuple[Vocab, dict[int, npt.NDArray[np.int32]]]] = {}
    for passage in passages:
        if passage.ids is not None and passage.vocab is not None:
            groups.setdefault(id(passage.vocab), (passage.vocab, {}))[1][passage.pid] = passage.ids
    found: dict[int, int] = {}
    for vocab, group in groups.values():
        found.update(zip(group, _masks(words, wanted, vocab, list(group.values())).tolist(), strict=True))
    return found


def _masks(
    words: list[QuestionWord], wanted: int, vocab: Vocab, ids: list[npt.NDArray[np.int32]]
) -> npt.NDArray[np.int64]:
    lengths = np.fromiter((len(row) for row in ids), dtype=np.int64, count=len(ids))
    flat = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int32)
    starts = np.cumsum(lengths) - lengths
    some = lengths > 0
    bits: dict[int, int] = {}
    masks = np.zeros(len(ids), dtype=np.int64)
    for i, word in enumerate(words):
        if not wanted >> i & 1:
            continue
        for term, closeness in word.alternatives.items():
            t = vocab.get(term) if closeness >= SUPPORTED else None
            if t is not None:
                bits[t] = bits.get(t, 0) | 1 << i
        for expansion in word.spelled_out.values():  # held whole: every one of its terms (each once a passage)
            expansion_ids = [vocab.get(t) for t in expansion]
            if expansion and all(t is not None for t in expansion_ids) and len(flat):
                inside = np.isin(flat, np.asarray(expansion_ids, dtype=np.int64)).astype(np.int64)
                count = np.zeros(len(ids), dtype=np.int64)
                count[some] = np.add.reduceat(inside, starts[some])
                masks[count == len(expansion)] |= 1 << i
    if bits and len(flat):
        keys = np.fromiter(bits, dtype=np.int64, count=len(bits))
        values = np.fromiter(bits.values(), dtype=np.int64, count=len(bits))
        order = np.argsort(keys)
        keys, values = keys[order], values[order]
        at = np.minimum(np.searchsorted(keys, flat), len(keys) - 1)
        hit = np.where(keys[at] == flat, values[at], 0)
        masks[some] |= np.bitwise_or.reduceat(hit, starts[some])
    return masks
