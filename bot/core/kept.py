"""What newsbot keeps of what people asked: knowledge gaps (questions the coverage could not answer), as the
renderer and the JSON output see them.

Kept per Discord server (0: the default collection, which direct messages and the command line read) and only for
the days the operator allows (NEWSBOT_KEEP_GAPS). A gap holds no user id: only the question's text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["GapReport", "GapTally", "KnowledgeGap", "OpenGap", "kept_since"]


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
    gaps: list[KnowledgeGap] = Field(default_factory=list)

    @property
    def open(self) -> list[KnowledgeGap]:
        return [g for g in self.gaps if g.answered_at is None]

    @property
    def answered(self) -> list[KnowledgeGap]:
        return [g for g in self.gaps if g.answered_at is not None]

    def to_json(self) -> dict[str, Any]:
        return {"server_id": self.server_id, "keep_days": self.keep_days, "gaps": [g.to_json() for g in self.gaps]}


def kept_since(days: int, now: dt.datetime | None = None) -> str:
    """The ISO time ``days`` days before ``now`` (default: the present): what is older is not kept."""
    moment = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")
