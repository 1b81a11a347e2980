"""The bulk tokenizer gives exactly tokenize()'s tokens, and an index built through it is the index built sentence by
sentence: the same terms in the same order, the same forward index, the same scores."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.models import Article
from bot.core.text import tokenize
from bot.search import bulk_tokens
from bot.search.bm25 import BM25Index
from bot.search.bulk_tokens import BulkTokenizer, compiled
from bot.search.index import CoverageIndex
from tests.conftest import HUFFPOST

pytestmark = pytest.mark.skipif(compiled() is None, reason="numba is not installed")


def _tokens(batches: list[list[str]]) -> tuple[list[list[str]], list[str]]:
    """Every sentence's tokens through one BulkTokenizer fed ``batches`` in turn, and its terms."""
    tokenizer = BulkTokenizer(compiled())
    for batch in batches:
        tokenizer.add(batch)
    codes, lengths = tokenizer.result()
    words = [tokenizer.terms[c] for c in codes.tolist()]
    ends = np.cumsum(lengths).tolist()
    return [words[e - n : e] for e, n in zip(ends, lengths.tolist(), strict=True)], tokenizer.terms


def _check(batches: list[list[str]]) -> None:
    got, terms = _tokens(batches)
    expected = [tokenize(s) for batch in batches for s in batch]
    assert got == expected
    assert terms == list(dict.fromkeys(t for tokens in expected for t in tokens))  # first-appearance order


# Letters of every kind tokenize() treats apart: white space of every width, apostrophes, quotes, ligatures and
# full-width forms (NFKC), combining marks, a lone surrogate, dotted initialisms, numbers, stopwords, irregular verbs.
_PIECES = list(
    "aAzZ09 .,!?;:'\"’‘ʼ`“”()[]-—…\n\t\r\x0b\x0c\x1c\x1f\x85\u00a0\u2009\u2028\u3000\u1680\u200b_éßİﬁ²½ⅣＡ０\u0301ǅ"
)
_PIECES += ["\ud800", "U.S.", "3.5", "1,000", " the ", "’s", "'s", "ICE", "te`amim", "rose", "Mr.", "won", "Rising"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join), max_size=8), max_size=5))
def test_bulk_tokens_are_tokenize_s(batches: list[list[str]]) -> None:
    _check(batches)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.text(max_size=60), max_size=6), max_size=4))
def test_bulk_tokens_are_tokenize_s_on_any_text(batches: list[list[str]]) -> None:
    _check(batches)


def test_the_chunks_are_cut_where_str_split_cuts() -> None:
    """The white-space table is str.isspace() (what str.split() cuts at) at every code point."""
    spaces = [c for c in range(sys.maxunicode + 1) if len(f"a{chr(c)}b".split()) == 2]
    assert spaces == np.flatnonzero(bulk_tokens._SPACE).tolist()
    assert len(spaces) > 20


def test_many_distinct_chunks_and_a_long_sentence_grow_the_tables() -> None:
    """More distinct chunks than the first tables hold, and a sentence longer than the first pool."""
    many = [" ".join(f"w{i}x{j}" for j in range(50)) for i in range(1000)]
    long = " ".join(f"Long{i}é" for i in range(60_000))
    _check([many[:10], many[10:] + [long], ["w3x4 again", long[:5000]]])


def test_huffpost_headlines_and_descriptions() -> None:
    texts: list[str] = []
    with HUFFPOST.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            texts += [row.get("headline") or "", row.get("short_description") or ""]
    _check([texts[i : i + 7000] for i in range(0, len(texts), 7000)])


def _articles() -> list[Article]:
    """The shipped corpus, the Lee corpus, and a few articles written to hold what tokenize treats apart."""
    from bot.intake.article_files import load_corpus_dir, read_article_file

    repo = Path(__file__).resolve().parents[2]
    rows = load_corpus_dir(repo / "corpus") + read_article_file(repo / "benchmarks" / "eval" / "lee.jsonl")
    extra = [
        "Mr. Smith met Dr. Jones at the U.S.-Mexico border. They talked. 3.5 million rose’s te`amim.",
        "Café\u00a0owners won’t say. “Why?” she asked.\n\nA new paragraph ﬁnally. ＩＣＥ agents left.",
    ]
    bodies = [(a.title, a.source, a.date, a.url, a.body) for a in rows]
    bodies += [(f"Extra {i}", "Test", None, None, body) for i, body in enumerate(extra)]
    return [
        Article(id=f"a{i}", title=title, source=source, date=date, url=url, body=body, authors=[],
                added_at="2024-01-01T00:00:00Z", added_by="test")
        for i, (title, source, date, url, body) in enumerate(bodies)
    ]  # fmt: skip


@pytest.mark.parametrize("compiled_bm25", [True, False])
def test_an_index_built_in_bulk_is_the_index_built_sentence_by_sentence(
    monkeypatch: pytest.MonkeyPatch, compiled_bm25: bool
) -> None:
    articles = _articles()
    monkeypatch.setattr(BM25Index, "compiled", compiled_bm25)
    monkeypatch.setattr(BM25Index, "compiled_from", 1)  # the compiled counting too, when compiled
    monkeypatch.setattr(bulk_tokens, "BULK_FROM", 10**9)
    one_by_one = CoverageIndex()
    one_by_one.add_articles(articles[:3])
    one_by_one.add_articles(articles[3:])
    monkeypatch.setattr(bulk_tokens, "BULK_FROM", 5)
    bulk = CoverageIndex()
    bulk.add_articles(articles[:3])
    bulk.add_articles(articles[3:])
    for kind in ("sentence", "headline"):
        a, b = one_by_one.bm25(kind), bulk.bm25(kind)
        assert a._vocab.words == b._vocab.words
        assert a.doc_ids() == b.doc_ids()
        assert [a.terms_of(d) for d in a.doc_ids()] == [b.terms_of(d) for d in b.doc_ids()]
        for question in ("Who pitched the system to ICE?", "what did the minister say about the vote", "café"):
            terms = tokenize(question)
            assert a.get_scores(terms).tolist() == b.get_scores(terms).tolist()
            assert a.top_k(terms, 10) == b.top_k(terms, 10)
