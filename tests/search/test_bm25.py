"""BM25Index must reproduce rank_bm25.BM25Okapi bit for bit, through any sequence of adds and removals.

Equality is exact (``tobytes`` of the score arrays, so even the sign of a zero counts): the index evaluates
the same IEEE operations in the same order as rank-bm25, so any difference at all is a bug, not rounding
noise.
"""

from __future__ import annotations

import math
import mmap
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from bot.search.bm25 import BM25Index
from bot.search.kernels import kernels

Doc = list[str]


@pytest.fixture(autouse=True, scope="module", params=["compiled", "numpy"])
def scoring_path(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test runs twice: through the compiled kernels (numba) and through the pure-numpy code."""
    saved = BM25Index.compiled, BM25Index.compiled_from
    BM25Index.compiled, BM25Index.compiled_from = request.param == "compiled", 0
    try:
        yield request.param
    finally:
        BM25Index.compiled, BM25Index.compiled_from = saved


def test_the_compiled_kernels_are_installed() -> None:
    """numba is a dependency wherever it has wheels: the "compiled" runs really use it."""
    assert kernels() is not None


# --- helpers ------------------------------------------------------------------------------------------------


def reference_top_k(
    docs: Sequence[Doc], ids: Sequence[int], scores: Any, query: Doc, k: int
) -> list[tuple[int, float]]:
    """The documented top_k order, computed from rank-bm25's scores: documents containing a query term only,
    score descending, earlier insertion first on ties."""
    terms = set(query)
    matching = [i for i, doc in enumerate(docs) if terms.intersection(doc)]
    matching.sort(key=lambda i: (-scores[i], i))
    return [(ids[i], float(scores[i])) for i in matching[:k]]


def assert_matches_rank_bm25(
    index: BM25Index, present: dict[int, Doc], queries: Sequence[Doc], **params: float
) -> None:
    """Everything observable about ``index`` equals a fresh BM25Okapi over the present documents, in order."""
    ids = list(present)
    docs = list(present.values())
    assert index.doc_ids() == ids
    assert len(index) == len(ids)
    for doc_id, doc in present.items():
        assert doc_id in index
        assert index.terms_of(doc_id) == list(dict.fromkeys(doc))
    vocabulary = sorted({w for doc in docs for w in doc})
    if not vocabulary:  # rank-bm25 raises ZeroDivisionError here; we define all scores as 0.0
        for query in queries:
            scores = index.get_scores(query)
            assert scores.shape == (len(ids),) and not scores.any()
            assert index.top_k(query, 5) == []
        return
    bm = BM25Okapi(docs, **params)
    assert index.avgdl == bm.avgdl
    assert index.average_idf == bm.average_idf
    assert index.vocabulary_size == len(bm.idf)
    for word in vocabulary:
        assert index.idf(word) == bm.idf[word], word
        assert index.doc_freq(word) == sum(word in doc for doc in docs)
    assert index.idf("never-seen") == 0.0
    for query in queries:
        expected = bm.get_scores(query)
        got = index.get_scores(query)
        assert got.dtype == np.float64
        assert got.tobytes() == expected.tobytes(), (query, got, expected)
        for k in (1, 3, len(ids) + 1):
            assert index.top_k(query, k) == reference_top_k(docs, ids, expected, query, k)


# --- exact numbers on a tiny corpus -------------------------------------------------------------------------

TINY = [
    ["storm", "hits", "coast", "storm"],
    ["storm", "warning", "coast"],
    ["storm", "passes"],
    ["election", "results", "coast"],
]


def test_tiny_corpus_exact_numbers() -> None:
    index = BM25Index()
    index.add_many(enumerate(TINY))
    assert index.avgdl == 12 / 4
    # "storm" is in 3 of 4 documents: log(1.5) - log(3.5) < 0, so it gets the floor 0.25 * average idf.
    raw = {
        "storm": math.log(1.5) - math.log(3.5),
        "coast": math.log(1.5) - math.log(3.5),
        "hits": math.log(3.5) - math.log(1.5),
    }
    assert raw["storm"] < 0
    # Dict order of first appearance: storm, hits, coast, warning, passes, election, results.
    idf_sum = 0.0
    for n in (3, 1, 3, 1, 1, 1, 1):
        idf_sum += math.log(4 - n + 0.5) - math.log(n + 0.5)
    average = idf_sum / 7
    assert index.average_idf == average == 0.36312765445165873
    assert index.idf("storm") == 0.25 * average == 0.09078191361291468
    assert index.idf("hits") == raw["hits"] == 0.8472978603872037
    assert index.doc_freq("storm") == 3 and index.doc_freq("nothing") == 0
    scores = index.get_scores(["storm", "hits"])
    assert scores.tolist() == [0.853918701211708, 0.09078191361291468, 0.1068022513093114, 0.0]
    assert scores.tobytes() == BM25Okapi(TINY).get_scores(["storm", "hits"]).tobytes()
    # Doc 0 by far; docs 2 and 1 by their length; doc 3 has no query term and is never returned.
    assert index.top_k(["storm", "hits"], 10) == [
        (0, 0.853918701211708),
        (2, 0.1068022513093114),
        (1, 0.09078191361291468),
    ]
    assert index.top_k(["storm", "hits"], 1) == [(0, 0.853918701211708)]
    # A repeated token counts twice, an unknown one not at all.
    doubled = index.get_scores(["hits", "hits", "unknown"])
    assert doubled.tobytes() == BM25Okapi(TINY).get_scores(["hits", "hits", "unknown"]).tobytes()
    assert doubled[0] == 2 * index.get_scores(["hits"])[0]


def test_ties_are_broken_by_insertion_order() -> None:
    index = BM25Index()
    index.add(7, ["a", "x"])
    index.add(3, ["b", "y"])
    index.add(5, ["a", "z"])
    index.add(1, ["c"])
    index.add(2, ["d"])
    hits = index.top_k(["a"], 10)
    assert [doc_id for doc_id, _ in hits] == [7, 5]
    assert hits[0][1] == hits[1][1] > 0


def test_add_and_remove_keep_scores_exact() -> None:
    index = BM25Index()
    present = dict(enumerate(TINY))
    index.add_many(present.items())
    index.add(10, ["storm", "storm", "election"])
    present[10] = ["storm", "storm", "election"]
    index.remove(0)  # the first document: "storm", "hits", "coast" now first appear later
    del present[0]
    queries = [["storm"], ["storm", "hits", "coast"], ["election", "storm", "election"]]
    assert_matches_rank_bm25(index, present, queries)
    assert index.doc_freq("hits") == 0 and index.idf("hits") == 0.0
    index.add(0, ["hits"])  # ids may be reused once removed; the document goes to the end
    present[0] = ["hits"]
    assert_matches_rank_bm25(index, present, queries + [["hits"]])


def test_logarithms_are_math_log() -> None:
    """idf must use libm's log like rank-bm25; numpy's SIMD log differs in the last bit for some arguments."""
    from bot.search.bm25_stats import log_half_table as _log_half_table

    table = _log_half_table(300_000)
    expected = np.array([math.log(k + 0.5) for k in range(300_001)])
    assert table[:300_001].tobytes() == expected.tobytes()


# --- errors and edge cases ----------------------------------------------------------------------------------


def test_empty_index() -> None:
    index = BM25Index()
    assert len(index) == 0 and index.doc_ids() == []
    assert index.get_scores(["a"]).shape == (0,)
    assert index.top_k(["a"], 10) == []
    assert index.avgdl == 0.0 and index.idf("a") == 0.0 and index.doc_freq("a") == 0
    index.add_many([])
    assert len(index) == 0
    index.add(1, ["a"])
    index.remove(1)
    assert index.get_scores(["a"]).shape == (0,) and index.top_k(["a"], 3) == []


def test_only_empty_documents() -> None:
    index = BM25Index()
    index.add_many([(1, []), (2, [])])
    assert index.get_scores(["a"]).tolist() == [0.0, 0.0]
    assert index.top_k(["a"], 3) == [] and index.avgdl == 0.0


def test_errors_leave_the_index_unchanged() -> None:
    index = BM25Index()
    index.add_many([(1, ["a", "b"]), (2, ["b"])])
    with pytest.raises(ValueError):
        index.add(1, ["c"])
    with pytest.raises(ValueError):
        index.add(-1, ["c"])
    with pytest.raises(TypeError):
        index.add(3, "not a token list")
    with pytest.raises(KeyError):
        index.remove(3)
    with pytest.raises(KeyError):
        index.remove(-3)
    with pytest.raises(KeyError):
        index.terms_of(3)
    with pytest.raises(TypeError):
        index.remove("1")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        index.add_many([(3, ["new"]), (3, ["newer"])])
    with pytest.raises(ValueError):
        index.add_many([(4, ["new"]), (2, ["newer"])])
    with pytest.raises(ValueError):
        index.top_k(["a"], -1)
    assert index.top_k(["a"], 0) == []
    with pytest.raises(TypeError):
        index.add_many([(5, ["newest"]), ("six", ["b"])])  # type: ignore[list-item]
    assert "new" not in index.doc_ids() and index.doc_freq("new") == 0  # type: ignore[comparison-overlap]
    assert_matches_rank_bm25(index, {1: ["a", "b"], 2: ["b"]}, [["a"], ["b", "new"]])
    # Nothing of the failed batches lingers: the index still compacts, saves and grows consistently.
    index.add(3, ["newest", "a"])
    index.remove(1)
    index.compact()
    assert_matches_rank_bm25(index, {2: ["b"], 3: ["newest", "a"]}, [["a"], ["newest", "new"]])
    assert "x" not in index and 1.5 not in index and -1 not in index and True not in index


@pytest.mark.parametrize("params", [{"k1": 0.0}, {"k1": -1.0}, {"b": 1.5}, {"b": -0.1}, {"epsilon": math.nan}])
def test_invalid_parameters(params: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        BM25Index(**params)


# --- persistence --------------------------------------------------------------------------------------------


def test_save_load_round_trip(tmp_path: Path) -> None:
    index = BM25Index(k1=1.2, b=0.6, epsilon=0.5)
    present = {i: doc for i, doc in enumerate(TINY)}
    index.add_many(present.items())
    index.add(20, ["storm", "é", "naïve", ""])  # tails, non-ASCII and an empty-string token
    present[20] = ["storm", "é", "naïve", ""]
    index.remove(1)  # a tombstone and a dead term ("warning")
    del present[1]
    path = tmp_path / "index.npz"
    index.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["index.npz"]  # the temporary file was renamed away
    loaded = BM25Index.load(path)
    queries = [["storm", "coast"], ["é", "naïve", ""], ["warning"], ["passes", "storm", "passes"]]
    params = {"k1": 1.2, "b": 0.6, "epsilon": 0.5}
    assert_matches_rank_bm25(loaded, present, queries, **params)
    # The loaded index keeps working incrementally, exactly.
    loaded.add(21, ["warning", "storm"])
    present[21] = ["warning", "storm"]
    loaded.remove(0)
    del present[0]
    assert_matches_rank_bm25(loaded, present, queries, **params)
    # Saving over an existing file replaces it.
    loaded.save(path)
    assert_matches_rank_bm25(BM25Index.load(path), present, queries, **params)


def test_save_load_empty(tmp_path: Path) -> None:
    BM25Index().save(tmp_path / "empty.npz")
    loaded = BM25Index.load(tmp_path / "empty.npz")
    assert len(loaded) == 0 and loaded.top_k(["a"], 3) == []
    loaded.add(1, ["a"])
    assert loaded.top_k(["a"], 3) == [(1, BM25Okapi([["a"]]).get_scores(["a"])[0])]


def test_load_rejects_other_files(tmp_path: Path) -> None:
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not an index")
    with pytest.raises(ValueError):
        BM25Index.load(junk)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.arange(3))
    with pytest.raises(ValueError):
        BM25Index.load(other)
    with pytest.raises(FileNotFoundError):
        BM25Index.load(tmp_path / "missing.npz")
    good = tmp_path / "good.npz"
    index = BM25Index()
    index.add_many(enumerate(TINY))
    index.save(good)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:-200])
    with pytest.raises(ValueError):
        BM25Index.load(truncated)


def test_load_maps_the_postings_and_refuses_a_damaged_or_older_file(tmp_path: Path) -> None:
    """The big arrays of a saved index are mapped, not read (only what a query touches becomes resident); a
    flipped byte in them is still refused (each entry's CRC-32 is checked), and so is a file of format 1 (its
    arrays are not aligned for mapping): the caller rebuilds rather than misreads."""
    index = BM25Index()
    docs = [["storm", "coast", f"w{i % 7}"] * (1 + i % 3) for i in range(300)]
    index.add_many(enumerate(docs))
    path = tmp_path / "index.npz"
    index.save(path)
    loaded = BM25Index.load(path)
    for name in ("_prow", "_ptf", "_fwd_base", "_indptr"):
        array = getattr(loaded, name)
        assert array.flags.aligned and array.flags.writeable, name
        base = array.base
        while isinstance(base, np.ndarray | memoryview):
            base = base.base if isinstance(base, np.ndarray) else base.obj
        assert isinstance(base, mmap.mmap) == (os.name != "nt"), name
    queries = [["storm"], ["w3", "coast"], ["w1", "w1"]]
    assert_matches_rank_bm25(loaded, dict(enumerate(docs)), queries)
    with np.load(path) as npz:  # still a plain .npz that numpy reads
        assert npz["rows"].tobytes() == loaded._prow.tobytes()
    raw = bytearray(path.read_bytes())
    rows = loaded._prow.tobytes()
    at = raw.find(rows)
    assert at > 0 and raw.find(rows, at + 1) < 0
    raw[at + len(rows) // 2] ^= 0x01
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="CRC"):
        BM25Index.load(damaged)
    with np.load(path) as npz:
        old = {name: npz[name] for name in npz.files}
    old["format_version"] = np.array([1], dtype=np.int64)
    older = tmp_path / "older.npz"
    np.savez(older, **old)
    with pytest.raises(ValueError, match="incompatible version"):
        BM25Index.load(older)


def test_save_load_long_documents(tmp_path: Path) -> None:
    """Lengths and term frequencies are stored in narrow integer types; large ones must survive."""
    queries = [["a", "b"], ["c", "a"], ["d"]]
    present = {0: ["a"] * 70_000 + ["b"] * 300, 1: ["b", "c"], 2: ["a", "c", "c"]}
    index = BM25Index()
    index.add_many(present.items())
    index.save(tmp_path / "long.npz")
    assert_matches_rank_bm25(BM25Index.load(tmp_path / "long.npz"), present, queries)
    # The same through the incremental paths: tfs start narrow and widen when a large one arrives.
    index = BM25Index()
    index.add_many([(1, ["b", "c"]), (2, ["a", "c", "c"])])
    index.add(3, ["d"] * 300 + ["a"])
    index.add_many([(4, ["a"] * 70_000), (5, ["d", "b"])])
    present = {1: ["b", "c"], 2: ["a", "c", "c"], 3: ["d"] * 300 + ["a"], 4: ["a"] * 70_000, 5: ["d", "b"]}
    assert_matches_rank_bm25(index, present, queries)
    index.remove(2)
    del present[2]
    index.save(tmp_path / "long.npz")
    assert_matches_rank_bm25(BM25Index.load(tmp_path / "long.npz"), present, queries)


# --- the property: any history, any query, same numbers as a fresh BM25Okapi --------------------------------

WORDS = ["a", "b", "c", "d", "e", "f", "g"]
# Small vocabularies make terms that occur in most documents (negative idf, a floor that may itself be
# negative, idf exactly 0 when N = 2n) common; the long tail makes rare terms appear and disappear.
tokens = st.sampled_from(WORDS[:3]) | st.sampled_from(WORDS) | st.text("xyz", min_size=1, max_size=2)
docs = st.lists(tokens, max_size=7)
queries = st.lists(st.sampled_from([*WORDS, "x", "zz", "unknown"]) | tokens, max_size=5)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), docs, st.booleans()),
        st.tuples(st.just("remove"), st.integers(min_value=0)),
        st.tuples(st.just("add_many"), st.lists(docs, max_size=4)),
        st.tuples(st.just("compact")),
        st.tuples(st.just("reload")),
    ),
    max_size=14,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    initial=st.lists(docs, max_size=8),
    ops=operations,
    query_list=st.lists(queries, min_size=1, max_size=4),
    params=st.sampled_from(
        [{}, {"k1": 1.2, "b": 0.3, "epsilon": -0.5}, {"k1": 2.0, "b": 0.0, "epsilon": 1.0}, {"b": 0.999}]
    ),
    tight=st.booleans(),
    within=st.sampled_from([0, BM25Index.maxscore_within, 1 << 40]),
)
def test_matches_rank_bm25_through_any_history(
    tmp_path_factory: pytest.TempPathFactory,
    initial: list[Doc],
    ops: list[tuple[Any, ...]],
    query_list: list[Doc],
    params: dict[str, float],
    tight: bool,
    within: int,
) -> None:

    def tune(index: BM25Index) -> BM25Index:
        if tight:  # reach automatic compaction, the contribution cache, top-k sampling and MaxScore on tiny corpora
            index.compact_min_dead = 1
            index.exhaustive_below = 0
            index._candidate_sample = 2
            index.contrib_cache_min_postings = 0
            index.contrib_cache_bytes = 64  # a few small terms: constant eviction
            index.maxscore_within = within  # past the seed: MaxScore, the marked merge, or the default split
        return index

    index = tune(BM25Index(**params))
    present: dict[int, Doc] = {}
    next_id = 0
    index.add_many((next_id + i, doc) for i, doc in enumerate(initial))
    present.update((next_id + i, doc) for i, doc in enumerate(initial))
    next_id += len(initial)
    for op in ops:
        if op[0] == "add":
            doc_id = next_id if op[2] else next_id + 2**40  # huge ids switch the id map to a dict
            next_id += 1
            index.add(doc_id, op[1])
            present[doc_id] = op[1]
        elif op[0] == "remove" and present:
            doc_id = list(present)[op[1] % len(present)]
            index.remove(doc_id)
            del present[doc_id]
        elif op[0] == "add_many":
            batch = [(next_id + i, doc) for i, doc in enumerate(op[1])]
            next_id += len(batch)
            index.add_many(batch)
            present.update(batch)
        elif op[0] == "compact":
            index.compact()
        elif op[0] == "reload":
            path = tmp_path_factory.mktemp("bm25") / "index.npz"
            index.save(path)
            index = tune(BM25Index.load(path))
        assert_matches_rank_bm25(index, present, query_list, **params)


@pytest.mark.slow
def test_zipf_corpus_top_k_matches_rank_bm25() -> None:
    """A corpus big enough for the sampled-threshold path of top_k, with a realistic skewed vocabulary."""
    rng = np.random.default_rng(7)
    vocab = [f"t{i}" for i in range(3000)]
    weights = 1.0 / (np.arange(1, len(vocab) + 1) + 2.7)
    draws = rng.choice(len(vocab), size=(40_000, 6), p=weights / weights.sum())
    corpus = [[vocab[j] for j in row] for row in draws.tolist()]
    index = BM25Index()
    index.add_many(enumerate(corpus))
    for j in range(5):  # a few incremental changes on top of the bulk build
        index.remove(j * 1000)
        index.add(50_000 + j, corpus[j])
    present = {i: doc for i, doc in enumerate(corpus) if i % 1000 != 0 or i >= 5000}
    present.update((50_000 + j, corpus[j]) for j in range(5))
    ids, order_docs = list(present), list(present.values())
    bm = BM25Okapi(order_docs)
    for q in (["t0", "t1"], ["t5", "t100", "t2999"], ["t0"], ["t1500", "t1500"]):
        expected = bm.get_scores(q)
        assert index.get_scores(q).tobytes() == expected.tobytes()
        assert index.top_k(q, 10) == reference_top_k(order_docs, ids, expected, q, 10)


def test_terms_of_many_is_the_union_of_terms_of() -> None:
    index = BM25Index()
    index.add_many([(0, ["a", "b", "a"]), (1, ["c"]), (2, ["b", "d"]), (3, [])])
    index.add(4, ["e", "a"])
    index.remove(1)
    for ids in ([0], [0, 2], [2, 3, 4], [4], [0, 2, 3, 4]):
        expected = sorted({t for i in ids for t in index.terms_of(i)})
        assert sorted(index.terms_of_many(ids)) == expected
    assert index.terms_of_many([]) == []
    with pytest.raises(KeyError):
        index.terms_of_many([0, 1])


def test_term_ids_of_each_are_terms_of_of_each() -> None:
    """Rows of the bulk build and rows added after it (the forward index's two parts), in any order, repeated,
    an empty document last; an absent one is a KeyError, as for terms_of."""
    index = BM25Index()
    index.add_many([(0, ["a", "b", "a"]), (1, ["c"]), (2, ["b", "d"]), (3, [])])
    index.add(4, ["e", "a"])
    index.add(5, ["f"])
    index.remove(1)
    for ids in ([0], [4, 0, 2], [2, 2, 5, 3], [5, 4, 3], [0, 2, 3, 4, 5], [3]):
        each, vocab = index.term_ids_of_each(ids)
        assert [[vocab.words[t] for t in row.tolist()] for row in each] == [index.terms_of(i) for i in ids]
    assert index.term_ids_of_each([])[0] == []
    with pytest.raises(KeyError):
        index.term_ids_of_each([0, 1])


def test_both_transposes_give_the_same_postings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small batch is transposed with numpy (no scipy import on a first add), a large one with scipy."""
    import bot.search.bm25_build as bm25_build

    rng = np.random.default_rng(3)
    docs = [[f"t{j}" for j in row] for row in rng.integers(0, 40, size=(300, 5)).tolist()]
    small, large = BM25Index(), BM25Index()
    small.add_many(enumerate(docs))
    monkeypatch.setattr(bm25_build, "_SCIPY_FROM", 0)
    large.add_many(enumerate(docs))
    for name in ("_indptr", "_prow", "_ptf"):
        assert getattr(small, name).tobytes() == getattr(large, name).tobytes(), name
    assert small._key.view().tobytes() == large._key.view().tobytes()


def skewed_index(
    rng: np.random.Generator, n: int, shape: tuple[float, int, int, int], tail: tuple[int, int], every: int
) -> tuple[BM25Index, list[int], list[Doc]]:
    """``n`` Zipf documents (``shape``: exponent, vocabulary, shortest and longest + 1), bulk-added except
    ``tail[0]..tail[1]``, added one at a time, then every ``every``-th removed; the index, the present ids and
    their documents in order."""
    a, vocab, short, long = shape
    docs = [[f"t{int(x)}" for x in rng.zipf(a, size=int(rng.integers(short, long))) % vocab] for _ in range(n)]
    index = BM25Index()
    index.add_many(enumerate(docs[: tail[0]]))
    for i in range(*tail):
        index.add(i, docs[i])
    index.add_many(enumerate(docs[tail[1] :], start=tail[1]))
    for i in range(0, n, every):
        index.remove(i)
    present = {i: docs[i] for i in range(n) if i % every}
    return index, list(present), list(present.values())


def test_skewed_corpus_with_changes_top_k_matches_rank_bm25() -> None:
    """Enough passages and a skewed enough vocabulary for the compiled top_k to skip rows (MaxScore) and to
    score every posting (when its bounds would skip little, or the query is small), after adds into tails and
    removals."""
    rng = np.random.default_rng(2)
    index, ids, order_docs = skewed_index(rng, 3000, (1.3, 300, 3, 20), (2000, 2500), 7)
    bm = BM25Okapi(order_docs)
    for _ in range(60):
        query = [f"t{int(x)}" for x in rng.zipf(1.3, size=int(rng.integers(1, 6))) % 300]
        expected = bm.get_scores(query)
        assert index.get_scores(query).tobytes() == expected.tobytes()
        for k in (1, 10, 50):
            for below in (0, BM25Index.exhaustive_below):  # seeded MaxScore or not, and small queries unseeded
                index.exhaustive_below = below
                for within in (0, BM25Index.maxscore_within, 1 << 40):  # MaxScore, the split, the marked merge
                    index.maxscore_within = within
                    top = index.top_k(query, k)
                    assert top == reference_top_k(order_docs, ids, expected, query, k), (query, k, below, within)


@pytest.mark.slow
def test_every_posting_scored_window_by_window_matches_rank_bm25() -> None:
    """Frequent terms make the compiled top_k score every posting, by windows of 8,192 rows: 20,000 rows span
    three windows, with tombstones, a tail and repeated tokens (each walks its term's postings again)."""
    index, ids, order_docs = skewed_index(np.random.default_rng(11), 20_000, (1.2, 50, 2, 12), (19_990, 20_000), 997)
    bm = BM25Okapi(order_docs)
    for query in (["t1", "t2"], ["t1", "t2", "t1"], ["t3", "t1", "t4", "t3"], ["t2"], ["t5", "t0", "t9", "t1"]):
        expected = bm.get_scores(query)
        for k in (1, 10, 200):
            assert index.top_k(query, k) == reference_top_k(order_docs, ids, expected, query, k), (query, k)


def test_a_query_given_as_one_string_is_refused_on_every_path() -> None:
    """A string is a sequence too (of letters): both calls refuse it, on an empty index and a built one alike."""
    empty, built = BM25Index(), BM25Index()
    built.add_many([(1, ["amazon", "ice"]), (2, ["police"])])
    for index in (empty, built):
        with pytest.raises(TypeError, match="not a string"):
            index.get_scores("amazon")
        with pytest.raises(TypeError, match="not a string"):
            index.top_k("amazon", 3)
