"""Answers as the bot keeps them after sending them, and quotes read in their article: the values passed between
the store, the search, the service and the renderer for the Context button and for comparing outlets.

A sent answer is kept as the spans of the stored bodies its quotes are (:class:`QuoteSpan`), so that a button
pressed days later, after a restart, finds the same sentences and the ones around them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.core.models import Attribution

__all__ = ["AnswerRecord", "ContextStatus", "OutletQuote", "OutletComparison", "QuoteContext", "QuoteSpan"]


@dataclass(frozen=True)
class QuoteSpan:
    """One quote of a sent answer: its article, and the characters of the stored body it is
    (``body[start:end] == text``)."""

    article_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class AnswerRecord:
    """An answer the bot sent with buttons under it; ``server_id`` is the coverage it was drawn from (0: the
    default collection)."""

    id: int
    server_id: int
    question: str
    at: str
    quotes: tuple[QuoteSpan, ...]


ContextStatus = Literal["found", "changed", "removed"]


@dataclass(frozen=True)
class QuoteContext:
    """A quote with the sentence before and after it in its article, verbatim (None at the article's start or end).

    ``status`` is "changed" when the article no longer holds the quote where it stood (nor anywhere), "removed"
    when the article is no longer in the coverage: then only ``text`` (the quote as it was sent) is known."""

    text: str
    status: ContextStatus
    article: Attribution | None = None
    before: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class OutletQuote:
    """How one outlet put it: its most relevant sentence on the topic, with that article's attribution."""

    text: str  # a sentence of the article, verbatim, or its headline (``headline``) when no sentence holds it
    article: Attribution  # ``also_in``: the outlets that printed the same sentence
    articles: int  # how many of the outlet's articles are on the topic
    headline: bool = False


@dataclass(frozen=True)
class OutletComparison:
    """The outlets that covered a topic, one quote each, the most relevant outlet first."""

    topic: str
    outlets: tuple[OutletQuote, ...]
