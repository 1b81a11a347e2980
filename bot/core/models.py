"""The data newsbot holds and returns, validated in one place (pydantic); no I/O here.

Dates are kept at the precision that is known: ``"2018-10-23"`` (a day), ``"2017-10"`` (a month), ``"2017"`` (a
year) or ``None``. A month is never silently turned into its first day: :func:`date_bounds` gives the range a
partial date stands for, :func:`format_date` shows it as it is known ("Oct 2017").
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.core.errors import UnsafeURL
from bot.core.sanitize import clean_line, clean_text
from bot.core.urls import check_stored_url

__all__ = [
    "Answer",
    "Article",
    "Attribution",
    "AuditEntry",
    "ArticleIn",
    "DatePrecision",
    "FeedLogEntry",
    "FeedPoll",
    "FeedRecord",
    "FeedStatus",
    "Headline",
    "PollReport",
    "OutletCoverage",
    "Quote",
    "QuoteReason",
    "ReaderUse",
    "ServerSummary",
    "Sources",
    "Stats",
    "StoreCopy",
    "Timeline",
    "TimelineEntry",
    "TimelineQuery",
    "date_bounds",
    "date_precision",
    "date_sort_key",
    "format_date",
    "future_date_problem",
    "make_article_id",
    "now_iso",
    "parse_partial_date",
]

DatePrecision = Literal["day", "month", "year"]
MAX_BODY_CHARS = 1_000_000
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_partial_date(value: str) -> str:
    """Check ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` and return it unchanged; ValueError says what is wrong."""
    match = _DATE.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not a date: use YYYY-MM-DD, YYYY-MM or YYYY")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if year < 1800 or year > 2200:
        raise ValueError(f"{value!r}: year {year} is out of range")
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"{value!r}: there is no month {month}")
    if month is not None and day is not None:
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise ValueError(f"{value!r}: {_MONTHS[month - 1]} {year} has no day {day}")
    return value.strip()


def future_date_problem(date: str | None, today: dt.date | None = None) -> str | None:
    """Why ``date`` cannot be an article's date, or None: it starts after tomorrow (UTC; a day's grace, since it
    is already tomorrow somewhere). A month or a year counts from its first day, so "2026-12" is fine in Dec 2026."""
    if date is None:
        return None
    today = today or dt.datetime.now(dt.UTC).date()
    first, _ = date_bounds(date)
    if first <= today + dt.timedelta(days=1):
        return None
    return (
        f"field 'date': {date} is in the future (today is {today.isoformat()}, UTC); an operator can allow future "
        "dates with NEWSBOT_ALLOW_FUTURE_DATES=1"
    )


def date_precision(date: str | None) -> DatePrecision | None:
    """How precisely ``date`` is known, or None when undated."""
    if date is None:
        return None
    return {4: "year", 7: "month", 10: "day"}[len(date)]  # type: ignore[return-value]


def date_bounds(date: str) -> tuple[dt.date, dt.date]:
    """The first and last day that a partial date can stand for."""
    parts = [int(p) for p in date.split("-")]
    if len(parts) == 3:
        day = dt.date(*parts)
        return day, day
    if len(parts) == 2:
        year, month = parts
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)


def date_sort_key(date: str | None) -> tuple[int, str]:
    """Oldest first; a month sorts at its start; undated entries last."""
    return (1, "") if date is None else (0, date)


def format_date(date: str | None) -> str:
    """``23 Oct 2018``, ``Oct 2017``, ``2017`` or ``undated``: never more precise than what is known."""
    if date is None:
        return "undated"
    parts = [int(p) for p in date.split("-")]
    if len(parts) == 3:
        return f"{parts[2]} {_MONTHS[parts[1] - 1]} {parts[0]}"
    if len(parts) == 2:
        return f"{_MONTHS[parts[1] - 1]} {parts[0]}"
    return str(parts[0])


def make_article_id(source: str, title: str, date: str | None, url: str | None = None) -> str:
    """A stable, readable id: the headline's first words and a short hash of outlet, headline, date and URL
    (two wire versions of one headline on one day are two articles when their URLs differ)."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", folded)
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 40:
            break
        slug = f"{slug}-{word}" if slug else word
    key = f"{source}\n{title}\n{date or ''}" + (f"\n{url}" if url else "")
    digest = hashlib.sha256(key.encode()).hexdigest()[:6]
    return f"{slug or 'article'}-{digest}"


def now_iso() -> str:
    """The current UTC time, to the second, ISO 8601: how every change and poll is timestamped."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class ArticleIn(BaseModel):
    """An article as a person or a file supplies it: the ``add`` format. Title and source are required."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{2,80}$")] | None = None
    title: Annotated[str, Field(min_length=1, max_length=500)]
    source: Annotated[str, Field(min_length=1, max_length=100)]
    date: str | None = None
    url: str | None = None
    authors: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(default_factory=list, max_length=50)
    body: Annotated[str, Field(max_length=MAX_BODY_CHARS)] = ""

    @field_validator("title", "source")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return clean_line(value)  # the one sanitiser: no control characters, something visible

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, int) and not isinstance(value, bool):
            if not 0 < value < 10_000:
                raise ValueError("must be a year, or a string YYYY-MM-DD, YYYY-MM or YYYY")
            value = str(value)
        if not isinstance(value, str):
            raise ValueError("must be a string YYYY-MM-DD, YYYY-MM or YYYY")
        return parse_partial_date(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            return check_stored_url(value)  # nothing that could end a markdown link, and a duplicate key
        except UnsafeURL as exc:
            raise ValueError(str(exc)) from None

    @field_validator("authors", mode="before")
    @classmethod
    def _authors(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            return [a.strip() for a in re.split(r",| and ", value) if a.strip()]
        return value

    @field_validator("authors")
    @classmethod
    def _each_author(cls, value: list[str]) -> list[str]:
        return [clean_line(author) for author in value]

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        return clean_text(value)


class Article(ArticleIn):
    """A stored article. ``body`` is empty for a headline-only entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    added_at: str
    added_by: str

    @property
    def precision(self) -> DatePrecision | None:
        return date_precision(self.date)


class Attribution(BaseModel):
    """Where a quote or headline comes from: its article, and the other outlets that ran the same text."""

    article_id: str
    title: str
    source: str
    date: str | None
    url: str | None
    also_in: list[str] = Field(default_factory=list)


class QuoteReason(BaseModel):
    """Why a quote was chosen (``ask --json``): what ranked it and which words of the question it holds."""

    bm25_rank: int | None  # rank of the sentence in sentence-level BM25 (1 = best); None: found via its article
    article_rank: int  # rank of its article among the candidate articles (1 = best)
    semantic: float | None  # the reader's similarity, when there is a reader and the sentence is embedded
    answer_type: str | None  # what of the asked kind it states: "date", "quantity", "person", "reason", "place"
    answer_type_in: Literal["sentence", "previous sentence"] | None
    supports: dict[str, str]  # question word -> the word that stands for it and where ("workers, sentence")
    with_previous: bool  # the sentence before it is quoted too (it starts with "He", "The company", ...)
    score: float


class Quote(Attribution):
    """A sentence (or two contiguous ones) quoted verbatim from a stored article, with that article's attribution."""

    text: str
    score: float = Field(default=0.0, exclude=True)
    why: QuoteReason | None = None


class Headline(Attribution):
    """A related headline; syndicated copies of one story are grouped, the other outlets in ``also_in``."""


class ReaderUse(BaseModel):
    """How the semantic reader took part in an answer (``ask --json``): its model, how many candidate passages it
    was asked about, and how many of them it could not score (no stored vector yet: just added and still being
    embedded, or the model still loading). Those were judged by BM25 and the lexical checks alone."""

    model: str
    candidates: int
    unscored: int


class Answer(BaseModel):
    """What newsbot says to a question. ``answered`` is False when the coverage does not address it."""

    question: str
    answered: bool
    quotes: list[Quote] = Field(default_factory=list)
    headlines: list[Headline] = Field(default_factory=list)
    reader: ReaderUse | None = None  # None: no semantic reader (BM25 and the lexical checks alone)


class TimelineEntry(BaseModel):
    article_id: str
    date: str | None
    title: str
    source: str
    url: str | None


class Timeline(BaseModel):
    topic: str | None
    entries: list[TimelineEntry] = Field(default_factory=list)


@dataclass(frozen=True)
class TimelineQuery:
    """What a timeline (or its chart) is of: a topic (None: all the coverage) and the since / until / outlet
    filters, as the user gave them (YYYY, YYYY-MM or YYYY-MM-DD dates; checked when the timeline is built).

    One value from the command's options to the search and back to the renderer, which says what was filtered."""

    topic: str | None = None
    since: str | None = None
    until: str | None = None
    outlet: str | None = None


class OutletCoverage(BaseModel):
    """One outlet's share of a topic: how many articles, first and last dates, and its earliest headline."""

    source: str
    articles: int
    first_date: str | None
    last_date: str | None
    earliest_title: str
    earliest_article_id: str
    earliest_url: str | None


class Sources(BaseModel):
    """Who covered a topic (or anything, when ``topic`` is None), best first."""

    topic: str | None
    articles: int
    outlets: list[OutletCoverage]


class Stats(BaseModel):
    articles: int
    with_text: int
    headlines_only: int
    sentences: int
    outlets: int
    first_date: str | None
    last_date: str | None
    undated: int
    last_change: str | None


FeedStatus = Literal["added", "skipped", "failed"]


@dataclass(frozen=True)
class FeedRecord:
    """A subscribed feed, with how many of its entries were added, skipped and failed so far."""

    id: int
    url: str
    title: str
    outlet: str
    added_at: str
    added_by: str
    last_polled_at: str | None
    last_error: str | None
    added: int = 0
    skipped: int = 0
    failed: int = 0
    server_id: int = 0  # the coverage its entries go to: 0 the default collection, else a Discord server's

    @property
    def name(self) -> str:
        """How the feed is shown: its title, else its outlet."""
        return self.title or self.outlet

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FeedLogEntry:
    """What became of one feed entry. ``article_id`` is the article added, or (skipped) the one already stored."""

    feed_id: int
    entry_key: str
    url: str | None
    title: str
    status: FeedStatus
    article_id: str | None
    reason: str
    at: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FeedPoll:
    """One feed's poll: the entries taken (in feed order), or the error that stopped it.

    ``seen`` counts entries left alone because an earlier poll took them; ``waiting`` the new entries left for the
    next poll by ``max_new_per_feed``.
    """

    feed: FeedRecord
    entries: list[FeedLogEntry] = field(default_factory=list)
    error: str | None = None
    seen: int = 0
    waiting: int = 0

    def count(self, status: FeedStatus) -> int:
        return sum(1 for e in self.entries if e.status == status)


@dataclass(frozen=True)
class PollReport:
    """The outcome of one poll over one or all feeds, in feed id order."""

    feeds: list[FeedPoll]

    def count(self, status: FeedStatus) -> int:
        return sum(f.count(status) for f in self.feeds)

    @property
    def errors(self) -> list[FeedPoll]:
        return [f for f in self.feeds if f.error is not None]

    @property
    def waiting(self) -> int:
        return sum(f.waiting for f in self.feeds)


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail: who changed which coverage, when, and from which Discord server.

    ``server_id`` is the coverage changed (0: the default collection); ``guild_id`` the Discord server the change
    was made from (None: the command line, a feed, seeding). They differ only in shared mode, where an editor
    server changes the default collection. Feed changes (subscriptions and alerts) have a ``feed_id``, the feed's
    outlet as ``title`` and its URL as ``detail``; article changes an ``article_id`` and, for a removal, its reason.
    An alert change also names the Discord channel (``channel_id``) and topic (None: every new article) the feed
    posts in from then on (``alert``), or posted in until then (``alert-off``)."""

    at: str
    server_id: int
    guild_id: int | None
    actor: str
    action: str  # seed, add, import, remove, subscribe, unsubscribe, alert, alert-off
    article_id: str | None
    feed_id: int | None
    title: str | None
    detail: str | None
    channel_id: int | None
    topic: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ServerSummary:
    """One coverage as ``newsbot servers`` lists it. Id 0 is the default collection."""

    id: int
    name: str | None  # the Discord server's name, when the bot has seen it
    articles: int  # in its coverage: the default collection's it keeps, plus its own
    own_articles: int  # added in that server
    feeds: int
    last_change: str | None  # of its own coverage (None: it reads the default collection unchanged)
    left_at: str | None  # when the bot left the server

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StoreCopy:
    """What ``newsbot migrate-store`` did: ``tables`` are (name, rows in the SQLite store, rows in PostgreSQL)."""

    source: str
    target: str
    store_id: str
    copied: bool  # False: the target held this store already (verified, nothing written)
    tables: tuple[tuple[str, int, int], ...]
    newer_changes: int  # changes (of articles, feeds) the target has beyond the source's, made there since a copy
    seconds: float

    @property
    def verified(self) -> bool:
        """Every table holds as many rows in PostgreSQL as in SQLite (or the target went on from the copy)."""
        return self.newer_changes > 0 or all(a == b for _, a, b in self.tables)
