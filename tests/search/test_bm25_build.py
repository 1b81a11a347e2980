"""A bulk build that numbers its tokens by object (bot.search.bm25_build._by_object) gives the very index a
lookup per token gives: the same term ids, postings and forward index, and rank-bm25's scores bit for bit,
whether the tokens are shared string objects, equal strings in separate objects, or a mix, in lists or tuples
or other sequences, into an empty index or after earlier documents.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import overload

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.search.bm25_build as bm25_build
from bot.search.bm25 import BM25Index
from bot.search.kernels import available
from tests.search.test_bm25 import assert_matches_rank_bm25

pytestmark = pytest.mark.skipif(not available(), reason="numba is not installed")

Docs = list[Sequence[str]]
WORDS = ["storm", "coast", "vote", "a", "b"]


@contextmanager
def building(by_object: bool, chunk: int = 3) -> Iterator[None]:
    """Builds through the compiled kernels, by object from the first token on (in chunks of ``chunk`` tokens,
    so that the table grows and numbering spans chunks) or token by token."""
    saved = BM25Index.compiled, BM25Index.compiled_from, bm25_build._BY_OBJECT_FROM, bm25_build._CHUNK
    BM25Index.compiled, BM25Index.compiled_from = True, 0
    bm25_build._BY_OBJECT_FROM = 0 if by_object else 1 << 62
    bm25_build._CHUNK = chunk
    try:
        yield
    finally:
        BM25Index.compiled, BM25Index.compiled_from, bm25_build._BY_OBJECT_FROM, bm25_build._CHUNK = saved


def built(batches: list[Docs], by_object: bool, chunk: int = 3) -> BM25Index:
    index = BM25Index()
    with building(by_object, chunk):
        start = 0
        for batch in batches:
            index.add_many(enumerate(batch, start=start))
            start += len(batch)
    return index


def assert_same_index(got: BM25Index, expected: BM25Index) -> None:
    assert got._vocab.words == expected._vocab.words
    assert dict(got._vocab) == dict(expected._vocab)
    for name in ("_indptr", "_prow", "_ptf", "_fwd_base"):
        assert getattr(got, name).tobytes() == getattr(expected, name).tobytes(), name
    for name in ("_df", "_key", "_ids", "_dl", "_fstart", "_fwd_tail"):
        assert getattr(got, name).view().tobytes() == getattr(expected, name).view().tobytes(), name
    assert sorted(got._tails) == sorted(expected._tails)
    for t, tail in got._tails.items():
        assert tail.rows.view().tolist() == expected._tails[t].rows.view().tolist()
        assert tail.tfs.view().tolist() == expected._tails[t].tfs.view().tolist()


# Shared objects (sampled from WORDS) and strings made afresh for each token, equal to earlier ones or not.
fresh = st.sampled_from(WORDS).map(lambda w: "".join(list(w))) | st.text("xyz", min_size=1, max_size=2)
tokens = st.sampled_from(WORDS) | fresh
doc = st.tuples(st.lists(tokens, max_size=8), st.sampled_from([list, tuple])).map(lambda d: d[1](d[0]))
batches = st.lists(st.lists(doc, max_size=6), min_size=1, max_size=3)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=batches, chunk=st.sampled_from([1, 2, 3, 7, 64]))
def test_numbering_by_object_builds_the_same_index(batches: list[Docs], chunk: int) -> None:
    by_object = built(batches, True, chunk)
    assert_same_index(by_object, built(batches, False))
    present = {i: list(d) for i, d in enumerate(d for batch in batches for d in batch)}
    queries = [["storm", "a"], ["x", "coast", "coast"], ["zz"], list(WORDS)]
    assert_matches_rank_bm25(by_object, present, queries)


def test_a_corpus_of_fresh_strings_is_numbered_token_by_token_after_the_first_chunk() -> None:
    """Shared objects first, then a string made per token (every chunk mostly new objects: given up), then shared
    again: the same index either way."""
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(500)]
    shared = [[words[j] for j in row] for row in rng.integers(0, 500, size=(400, 10)).tolist()]
    made = [[f"w{j}" for j in row] for row in rng.integers(0, 800, size=(400, 10)).tolist()]
    corpus: Docs = [*shared, *made, *shared]
    for chunk in (100, 1000, 1 << 18):
        assert_same_index(built([corpus], True, chunk), built([corpus], False))


class Fresh(Sequence[str]):
    """Token sequence that makes a new string object for each of its tokens that starts with "u" (freed once
    dropped, so that its address may be reused by the next)."""

    def __init__(self, words: list[str]) -> None:
        self.words = words

    def __len__(self) -> int:
        return len(self.words)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return Fresh(self.words[i])
        word = self.words[i]
        return "".join(list(word)) if word.startswith("u") else word


def test_other_sequences_and_a_large_batch_after_a_bulk_build() -> None:
    """Token sequences other than lists and tuples (whose items need not stay alive) are looked up token by token;
    a batch added to a non-empty index numbers its new terms after the old ones."""
    rng = np.random.default_rng(6)
    words = [f"t{i}" for i in range(3000)]
    first: Docs = [[words[j] for j in row] for row in rng.integers(0, 2000, size=(300, 8)).tolist()]
    second: Docs = [Fresh([f"u{j}" for j in row]) for row in rng.integers(1000, 3000, size=(300, 8)).tolist()]
    third: Docs = [tuple(words[j] for j in row) for row in rng.integers(0, 3000, size=(300, 8)).tolist()]
    batches = [first, second, third]
    assert_same_index(built(batches, True, 50), built(batches, False))
    present = {i: [str(t) for t in d] for i, d in enumerate(d for batch in batches for d in batch)}
    assert_matches_rank_bm25(built(batches, True, 50), present, [["t1", "u2999"], ["u1500", "t5"]])
    # a few made-up tokens among shared ones: never numbered by object, whose addresses could be reused
    mixed: Docs = [Fresh([*first[i % 300], f"u{i}"]) for i in range(3000)]
    assert_same_index(built([mixed], True, 50), built([mixed], False))


def test_an_unhashable_token_leaves_the_index_unchanged() -> None:
    index = built([[["a", "b"], ["b"]]], True)
    with building(True), pytest.raises(TypeError):
        index.add_many([(5, ["c", "d"]), (6, ["e", ["not", "a", "token"]])])  # type: ignore[list-item]
    assert index._vocab.words == ["a", "b"]
    assert_matches_rank_bm25(index, {0: ["a", "b"], 1: ["b"]}, [["a", "c"]])
