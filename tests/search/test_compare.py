"""How each outlet put it: one sentence an outlet, chosen by the answerer's own relevance test, the most relevant
outlet first; syndicated copies once; headline-only coverage by the answerer's headline test; a plain nothing."""

from __future__ import annotations

import pytest

from bot.core.errors import InvalidQuestion
from bot.core.models import Article
from bot.core.quoting import OutletComparison
from bot.present.compare import render_comparison
from bot.present.style import PLAIN
from bot.search.compare import compare_outlets
from bot.search.index import CoverageIndex
from bot.search.question import read_question
from bot.search.relevance import best_sentence

VOTE = "The Quillport council voted on Friday to close the lighthouse, which has guided boats since 1872."
GAZETTE = f"The council met on Monday. {VOTE} Fishermen protested outside the hall."
ARTICLES = [
    ("gazette-1", "Harbour Gazette", "Council meets on the harbour", "2021-03-05", GAZETTE),
    ("wire-1", "Coast Wire", "Council meets on the harbour", "2021-03-06", GAZETTE),  # the Gazette's story, reprinted
    ("tribune-1", "Tribune", "Boats on their own", "2021-03-04",  # first, but its best sentence holds less
     "Boats will have to find their own way. Quillport will lose its lighthouse. The vote was 5 to 2."),
    ("tribune-2", "Tribune", "Budget night", "2021-04-01",
     "The budget was passed. The lighthouse in Quillport was not mentioned, and the mayor left early."),
    ("herald-1", "Herald", "Quillport lighthouse to close after council vote", "2021-03-07", ""),
    ("courier-1", "Courier", "Portmore lighthouse closes", "2021-03-08",
     "The Portmore council voted to close the lighthouse on Friday."),
]  # fmt: skip


@pytest.fixture
def index() -> CoverageIndex:
    built = CoverageIndex()
    built.add_articles(
        Article(id=i, source=s, title=t, date=d, body=b, added_at="2021-03-09T00:00:00Z", added_by="test")
        for i, s, t, d, b in ARTICLES
    )
    return built


def test_each_outlet_its_most_relevant_sentence_most_relevant_outlet_first(index: CoverageIndex) -> None:
    comparison = compare_outlets(index, "Quillport lighthouse vote")
    shown = [(o.article.source, o.article.also_in, o.text, o.headline, o.articles) for o in comparison.outlets]
    assert shown == [  # all of the topic in the sentence itself, oldest first; then the Tribune's, "vote" next to it
        ("Harbour Gazette", ["Coast Wire"], VOTE, False, 1),
        ("Herald", [], "Quillport lighthouse to close after council vote", True, 1),
        ("Tribune", [], "Quillport will lose its lighthouse.", False, 1),
    ]
    assert comparison.topic == "Quillport lighthouse vote"


def test_the_pick_is_the_answerers_relevance_test(index: CoverageIndex) -> None:
    """Each quote is the sentence best_sentence (the answerer's test) picks in its article; an article it finds
    nothing relevant in (Tribune's budget night, Portmore's lighthouse) gives its outlet nothing."""
    read = read_question(index, "Quillport lighthouse vote")
    for outlet in compare_outlets(index, "Quillport lighthouse vote").outlets:
        if not outlet.headline:
            found = best_sentence(read, index.passages_of([outlet.article.article_id])[outlet.article.article_id])
            assert found is not None and found[0].text == outlet.text
    for other in ("tribune-2", "courier-1"):
        assert best_sentence(read, index.passages_of([other])[other]) is None


def test_another_name_is_not_the_topic_and_nothing_relevant_is_a_plain_nothing(index: CoverageIndex) -> None:
    assert [o.article.source for o in compare_outlets(index, "Portmore lighthouse").outlets] == ["Courier"]
    assert compare_outlets(index, "Who won the World Cup?").outlets == ()
    with pytest.raises(InvalidQuestion):
        compare_outlets(index, "what is the")


def test_a_reprint_whose_quote_marks_differ_is_shown_once_also_in_its_outlet() -> None:
    """The answer's rule for "the same sentence in another printing" (bot.core.text.copy_key): the Wire's copy of
    the Gazette's sentence, typeset with curly quotes, is one quote credited to both; one word more is another."""
    straight = 'Quillport\'s mayor called the lighthouse "an old friend" and said the town would miss it.'
    curly = "Quillport’s mayor called the lighthouse “an old friend” and said the town would miss it."
    longer = 'Quillport\'s mayor called the lighthouse "an old friend" and said the whole town would miss it.'
    index = CoverageIndex()
    index.add_articles(
        Article(id=i, source=s, title=t, date=d, body=b, added_at="2021-03-09T00:00:00Z", added_by="test")
        for i, s, t, d, b in [
            ("gazette-2", "Harbour Gazette", "A farewell", "2021-03-05", f"The council met. {straight}"),
            ("wire-2", "Coast Wire", "A farewell", "2021-03-06", f"The council met. {curly}"),
            ("tribune-3", "Tribune", "Farewell", "2021-03-07", f"The council met. {longer}"),
            ("courier-2", "Courier", "Boats", "2021-03-08", "The ferry ran late on Monday."),
        ]
    )
    outlets = compare_outlets(index, "Quillport lighthouse").outlets
    assert [(o.article.source, o.article.also_in, o.text) for o in outlets] == [
        ("Harbour Gazette", ["Coast Wire"], straight),  # the first printing, letter for letter, and the other outlet
        ("Tribune", [], longer),
    ]
    text = render_comparison(OutletComparison("Quillport lighthouse", outlets), PLAIN)
    assert "Harbour Gazette (also in Coast Wire)" in text and text.count("an old friend") == 2
