"""A quote in its article: where it stands in the stored text, and the sentences just before and after it.

What the Context button shows. A sent quote is kept as the span of the stored body it is (:func:`quote_span`), so
its neighbours are found again in the same text later (:func:`quote_context`); both sentences are verbatim slices
of the body, cut where the index cuts sentences (:func:`bot.core.text.sentence_spans`). Its attribution names the
other outlets that printed the same sentence, as the answer's did (:func:`reprint_outlets`)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from bot.core.models import Attribution, date_sort_key
from bot.core.quoting import QuoteContext, QuoteSpan
from bot.core.text import copy_key, sentence_spans
from bot.search.index import ArticleRef, CoverageIndex

__all__ = ["quote_context", "quote_span", "reprint_outlets"]

_FIRST_HITS = 16  # sentences asked of BM25 for a quote's copies at first (doubled while copies may lie beyond)
_MOST_HITS = 4096  # and at most: a sentence printed more often than that (boilerplate) names the copies found


def quote_span(article_id: str, body: str, text: str) -> QuoteSpan | None:
    """Where ``text`` (a quote: one sentence or several contiguous ones) stands in ``body``: the first place it
    starts a sentence, else its first occurrence; None when the body does not hold it."""
    starts = {start for start, _ in sentence_spans(body)}
    first = None
    at = body.find(text)
    while at >= 0:
        if at in starts:
            return QuoteSpan(article_id, at, at + len(text), text)
        first = at if first is None else first
        at = body.find(text, at + 1)
    return None if first is None else QuoteSpan(article_id, first, first + len(text), text)


def quote_context(
    span: QuoteSpan, article: ArticleRef | None, body: str | None, *, index: CoverageIndex | None = None
) -> QuoteContext:
    """The quote with the sentence before and after it in ``body`` (its article's stored text now), attributed as
    an answer attributes it: with the other outlets of ``index`` (the coverage now) that printed the same sentence.

    ``article`` None (or no body): the article is no longer in the coverage. A body edited since the quote was sent
    is searched for the quote again; when it no longer holds it, the context says so rather than show other text."""
    if article is None or body is None:
        return QuoteContext(text=span.text, status="removed")
    attribution = Attribution(
        article_id=article.id, title=article.title, source=article.source, date=article.date, url=article.url
    )
    start, end = span.start, span.end
    if body[start:end] != span.text:
        found = quote_span(span.article_id, body, span.text)
        if found is None:
            return QuoteContext(text=span.text, status="changed", article=attribution)
        start, end = found.start, found.end
    if index is not None:
        attribution.also_in = reprint_outlets(index, article, end)
    spans = sentence_spans(body)
    ends = [e for _, e in spans]
    starts = [s for s, _ in spans]
    before_at = bisect_right(ends, start) - 1  # the last sentence that ends at or before the quote starts
    after_at = bisect_left(starts, end)  # the first sentence that starts at or after the quote ends
    before = body[slice(*spans[before_at])] if before_at >= 0 else None
    after = body[slice(*spans[after_at])] if after_at < len(spans) else None
    return QuoteContext(text=span.text, status="found", article=attribution, before=before, after=after)


def reprint_outlets(index: CoverageIndex, article: ArticleRef, end: int) -> list[str]:
    """The other outlets, oldest copy first, whose articles in ``index`` print the sentence of ``article`` that
    ends at ``end`` (a quote's last sentence): an answer's "also in" (:mod:`bot.search.quoting` groups a quote's
    copies by that sentence, its words compared case-blind). Its copies have the very terms of that sentence, so
    they tie with it in BM25 for those terms: the search widens until the hits go below it (or reach
    :data:`_MOST_HITS`)."""
    if article.id not in index:
        return []
    first = index.first_pid(article.id)
    pids = [p for p in range(first + 1, first + index.passage_count(article.id)) if index.span(p)[1] == end]
    if not pids:
        return []
    own = index.passages_at(pids)[pids[0]]
    terms = sorted(own.terms)
    k = _FIRST_HITS
    while True:
        hits = index.search(terms, "sentence", k)
        score = next((h.score for h in hits if h.passage.pid == own.pid), None)
        if len(hits) < k or (score is not None and hits[-1].score < score) or k >= _MOST_HITS:
            break
        k *= 2
    key = copy_key(own.text)
    copies = sorted(
        (h.passage.article for h in hits if h.passage.pid != own.pid and copy_key(h.passage.text) == key),
        key=lambda ref: (date_sort_key(ref.date), ref.order),
    )
    return list(dict.fromkeys(ref.source for ref in copies if ref.source != article.source))
