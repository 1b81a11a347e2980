"""A kept quote found again in its article, with the sentences around it (the Context button's search)."""

from __future__ import annotations

from bot.core.quoting import QuoteSpan
from bot.search.context import quote_context, quote_span
from bot.search.index import ArticleRef

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
