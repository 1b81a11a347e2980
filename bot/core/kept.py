"""What newsbot keeps of what people asked: knowledge gaps (questions the coverage could not answer) and the
Helpful / Not helpful votes on answers, as the store, the renderer and the JSON output see them.

Both are kept per Discord server (0: the default collection, which direct messages and the command line read) and
only for the days the operator allows (NEWSBOT_KEEP_GAPS, NEWSBOT_KEEP_ANSWERS). Neither holds a user id: a gap is
the question's text, a vote is counted under a keyed hash of its voter (see :mod:`bot.service.feedback`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "FeedbackReport",
    "GapReport",
    "GapTally",
    "KnowledgeGap",
    "OpenGap",
    "QuoteFeedback",
    "QuoteTally",
    "VoteOutcome",
    "kept_since",
]


@dataclass(frozen=True)
class GapTally:
    """One distinct question of a server, with how often and when it was asked since the cut-off."""

    terms: str  # sorted, space-separated
    question: str
    asked: int
    open: int  # how many of those askings no later article has answered
    first_asked: str
    last_asked: str
    answered_at: str | None  # the latest answer's time and article, if any
    answered_by: str | None
    latest: int  # the row id of its latest asking: which of two askings in the same second came last


@dataclass(frozen=True)
class OpenGap:
    """A question still waiting for an article that answers it."""

    server_id: int
    question: str
    terms: str


class KnowledgeGap(BaseModel):
    """The questions of one server that share their search terms (the same tokenizer and stemmer as search,
    stopwords out), and what became of them."""

    terms: list[str]  # the normalized terms the group is keyed by, sorted
    questions: list[str]  # its distinct questions as asked, the most recently asked first
    count: int  # how many times they were asked (within the kept days)
    first_asked: str  # ISO times
    last_asked: str
    answered_at: str | None = None  # when a later article answered every one of them (None: still open)
    answered_by: str | None = None  # the id of that article
    answered_by_title: str | None = None  # its headline (None when it has been removed since)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump()


class GapReport(BaseModel):
    """A server's knowledge gaps: the open ones most asked first, then those answered since."""

    server_id: int  # 0: the default collection
    keep_days: int  # NEWSBOT_KEEP_GAPS (0: gaps are not kept)
    gaps: list[KnowledgeGap] = Field(default_factory=list)  # the first ``limit`` of them
    total: int = 0  # how many groups there are in all (more than ``gaps`` holds when the listing was limited)

    @property
    def open(self) -> list[KnowledgeGap]:
        return [g for g in self.gaps if g.answered_at is None]

    @property
    def answered(self) -> list[KnowledgeGap]:
        return [g for g in self.gaps if g.answered_at is not None]

    def to_json(self) -> dict[str, Any]:
        gaps = [g.to_json() for g in self.gaps]
        return {"server_id": self.server_id, "keep_days": self.keep_days, "total": self.total, "gaps": gaps}


#: What a click on Helpful / Not helpful did: a first vote, a changed one, or the same vote again.
VoteOutcome = Literal["counted", "changed", "already"]


@dataclass(frozen=True)
class QuoteTally:
    """The votes on one quote of an article in one server, as the store counts them."""

    article_id: str
    start: int  # the quote is the article's body[start:end]
    end: int
    text: str
    helpful: int
    not_helpful: int
    questions: tuple[str, ...]  # of the kept answers it was part of, most recent first


class QuoteFeedback(BaseModel):
    """The votes on one quoted sentence (or two contiguous ones) of an article, in one server."""

    article_id: str
    start: int  # the quote's place in the article's text: body[start:end]
    end: int
    text: str  # the quote as it was shown
    title: str | None  # the article's headline and outlet, None when it has been removed since
    source: str | None
    url: str | None
    helpful: int
    not_helpful: int
    questions: list[str] = Field(default_factory=list)  # the questions it answered, most recent first (kept days)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump()


class FeedbackReport(BaseModel):
    """A server's voted quotes, the least helpful first."""

    server_id: int
    keep_days: int  # NEWSBOT_KEEP_ANSWERS (0: answers carry no vote buttons)
    quotes: list[QuoteFeedback] = Field(default_factory=list)  # the first ``limit`` of them
    total: int = 0  # how many quotes were voted on in all (more than ``quotes`` holds when the listing was limited)

    def to_json(self) -> dict[str, Any]:
        quotes = [q.to_json() for q in self.quotes]
        return {"server_id": self.server_id, "keep_days": self.keep_days, "total": self.total, "quotes": quotes}


def kept_since(days: int, now: dt.datetime | None = None) -> str:
    """The ISO time ``days`` days before ``now`` (default: the present): what is older is not kept."""
    moment = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")
