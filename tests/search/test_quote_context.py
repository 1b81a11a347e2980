"""A kept quote found again in its article, with the sentences around it (the Context button's search)."""

from __future__ import annotations

from bot.core.models import Article
from bot.core.quoting import QuoteSpan
from bot.search.context import quote_context, quote_span, reprint_outlets
from bot.search.index import ArticleRef, CoverageIndex

BODY = "First one. The mayor resigned. He cited health.\n\nA new paragraph starts. The end."
REF = ArticleRef("a-1", "Mayor quits", "Gazette", "2020-01-02", None, 0)


def test_a_quote_is_kept_as_its_span_and_found_between_its_neighbours() -> None:
    span = quote_span("a-1", BODY, "The mayor resigned. He cited health.")
    assert span == QuoteSpan("a-1", 11, 47, "The mayor resigned. He cited health.")
    context = quote_context(span, REF, BODY)
    assert (context.status, context.before, context.after) == ("found", "First one.", "A new paragraph starts.")
    first = quote_context(quote_span("a-1", BODY, "First one.") or span, REF, BODY)
    last = quote_context(quote_span("a-1", BODY, "The end.") or span, REF, BODY)
    assert (first.before, first.after, last.before, last.after) == (
        None,
        "The mayor resigned.",
        "A new paragraph starts.",
        None,
    )


def test_a_quote_prefers_where_a_sentence_starts() -> None:
    body = "The plan said he cited health. He cited health."
    assert quote_span("b", body, "He cited health.") == QuoteSpan("b", 31, 47, "He cited health.")
    assert quote_span("b", body, "not there.") is None


def test_an_edited_article_is_searched_again_or_said_to_have_changed() -> None:
    span = QuoteSpan("a-1", 11, 30, "The mayor resigned.")
    moved = "An update. " + BODY
    assert quote_context(span, REF, moved).before == "First one."
    changed = quote_context(span, REF, "First one. The mayor stayed. He cited health.")
    assert (changed.status, changed.before, changed.after, changed.text) == ("changed", None, None, span.text)
    assert quote_context(span, None, None).status == "removed"


def test_a_quotes_attribution_names_the_other_outlets_that_printed_its_sentence() -> None:
    """As an answer attributes a quote (bot.search.quoting): the copies of its sentence, its words compared
    case-blind, in other outlets' articles, oldest first; the article's own outlet is not named again."""
    said = "The council approved the new harbour wall on Tuesday."
    articles = [
        ("post", "Post", "2020-01-02", f"A vote was held. {said} It will cost more."),
        ("wire", "Wire", "2020-01-01", f"Reprinted. {said}"),
        ("times", "Times", "2020-01-03", "Reprinted too. The council approved the new harbour wall on tuesday!"),
        ("post-2", "Post", "2020-01-04", f"{said} Again, in the Post."),
        ("herald", "Herald", "2020-01-01", "The council approved the new harbour wall on Tuesday, it said."),
        ("gazette", "Gazette", "2020-01-05", "The harbour wall was approved by the council on Tuesday."),
    ]
    crowd = [  # sentences that BM25 ranks above the quote's for its own words: its copies lie beyond the first hits
        (f"crowd-{n}", "Crowd", "2020-01-01", "Council approved new harbour wall Tuesday.") for n in range(40)
    ]
    index = CoverageIndex()
    index.add_articles(
        Article(id=i, source=s, title=f"{s} story", date=d, body=b, added_at="2020-01-06T00:00:00Z", added_by="test")
        for i, s, d, b in crowd + articles
    )
    post = index.article("post")
    span = quote_span("post", articles[0][3], said)
    assert span is not None
    context = quote_context(span, post, articles[0][3], index=index)
    assert context.article is not None and context.article.also_in == ["Wire", "Times"]
    assert reprint_outlets(index, post, span.end) == ["Wire", "Times"]
    assert reprint_outlets(index, post, len("A vote was held.")) == []  # a sentence nobody else printed
    both = quote_span("post", articles[0][3], f"A vote was held. {said}")  # two sentences: the last one's copies
    assert both is not None and reprint_outlets(index, post, both.end) == ["Wire", "Times"]
    alone = quote_context(span, post, articles[0][3]).article  # without the coverage: no copy known
    assert alone is not None and alone.also_in == []
    first_hits = index.search(sorted(index.passages_of(["post"])["post"][2].terms), "sentence", 16)
    assert {h.passage.article.source for h in first_hits} == {"Crowd"}  # the copies are found by widening
