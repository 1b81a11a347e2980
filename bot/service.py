"""NewsService: the one object the command line and the Discord bot talk to.

It owns the store (the truth) and the search index (derived from it), and keeps the two in step: every change
goes to the store first, in one transaction, and then to the index; before every read it checks the store's
version, so an article added by another process is picked up too. Its methods are synchronous and thread-safe;
the Discord layer calls them through ``asyncio.to_thread`` so the event loop never waits on SQLite or BM25.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import Counter
from pathlib import Path

from .answers import answer_question
from .config import Settings
from .corpus import load_corpus_dir
from .errors import ArticleNotFound, ConfigError
from .index import ArticleRef, CoverageIndex
from .models import Answer, Article, ArticleIn, Stats, Timeline, date_sort_key
from .sources import Sources, outlet_coverage
from .store import Store
from .timeline import build_timeline

__all__ = ["NewsService", "shipped_corpus_dir"]

log = logging.getLogger(__name__)


def shipped_corpus_dir() -> Path:
    """The coverage that ships with newsbot: corpus/ of a checkout, or its installed copy ``bot._corpus``."""
    package = Path(__file__).resolve().parent
    for candidate in (package.parent / "corpus", package / "_corpus"):
        if (candidate / "articles").is_dir():
            return candidate
    raise ConfigError("the shipped corpus is missing; set NEWSBOT_CORPUS_DIR to a corpus directory")


class NewsService:
    """Coverage questions, timelines and corpus changes over one data directory."""

    def __init__(self, store: Store, *, corpus_dir: Path | None = None) -> None:
        self.store = store
        self._lock = threading.RLock()
        self._charts: dict[tuple[object, ...], bytes] = {}
        if corpus_dir is not None:
            self.seed(corpus_dir)
        self.index = CoverageIndex()
        self._version = self.store.version()
        self.index.add_articles(self.store.iter_all())

    @classmethod
    def open(cls, settings: Settings, *, seed: bool = True) -> NewsService:
        """Open (creating and seeding on first use) the store in ``settings.data_dir``."""
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the data directory {settings.data_dir}: {exc.strerror}") from None
        store = Store(settings.database_path)
        corpus = (settings.corpus_dir or shipped_corpus_dir()) if seed else None
        return cls(store, corpus_dir=corpus)

    def close(self) -> None:
        self.store.close()

    # --- the corpus ------------------------------------------------------------------------------------------

    def seed(self, corpus_dir: Path) -> int:
        """Load ``corpus_dir`` into the store once per corpus version; idempotent. Returns how many were added.

        An article already stored, or removed by a moderator at some time, is not added again."""
        articles = load_corpus_dir(corpus_dir)
        fingerprint = hashlib.sha256("\n".join(a.model_dump_json() for a in articles).encode()).hexdigest()
        if self.store.get_meta("corpus_fingerprint") == fingerprint:
            return 0
        removed = self.store.removed_ids()
        fresh = [a for a in articles if a.id not in removed]
        added = self.store.add_many(
            fresh,
            actor="corpus",
            action="seed",
            allow_same_text=True,
            skip_existing_ids=True,
            meta={"corpus_fingerprint": fingerprint, "corpus_dir": str(corpus_dir)},
        )
        if added:
            log.info("seeded %d articles from %s", len(added), corpus_dir)
        return len(added)

    def refresh(self) -> bool:
        """Bring the index up to date with changes made by other processes; True if anything changed."""
        with self._lock:
            version = self.store.version()
            if version == self._version:
                return False
            for change in sorted(self.store.changes(limit=1_000_000, since=self._version), key=lambda c: c.seq):
                if change.article_id is None:
                    continue
                if change.action == "remove":
                    self.index.remove_article(change.article_id)
                elif change.article_id not in self.index:
                    try:
                        self.index.add_article(self.store.get(change.article_id))
                    except ArticleNotFound:
                        pass  # added, then removed again, later in the log
            self._version = version
            return True

    def add(self, article: ArticleIn, *, actor: str, allow_same_text: bool = False) -> Article:
        """Store an article and make it answerable at once."""
        with self._lock:
            self.refresh()
            stored = self.store.add(article, actor=actor, allow_same_text=allow_same_text)
            self.index.add_article(stored)
            self._version = self.store.version()
            return stored

    def add_many(self, articles: list[ArticleIn], *, actor: str, action: str = "import") -> list[Article]:
        """Store many articles in one transaction (all or none), then index them."""
        with self._lock:
            self.refresh()
            stored = self.store.add_many(articles, actor=actor, action=action)
            self.index.add_articles(stored)
            self._version = self.store.version()
            return stored

    def remove(self, article_id: str, *, actor: str, reason: str | None = None) -> Article:
        with self._lock:
            self.refresh()
            removed = self.store.remove(article_id, actor=actor, reason=reason)
            self.index.remove_article(article_id)
            self._version = self.store.version()
            return removed

    # --- reading ---------------------------------------------------------------------------------------------

    def ask(self, question: str) -> Answer:
        self.refresh()
        return answer_question(self.index, question)

    def timeline(
        self,
        topic: str | None = None,
        *,
        since: str | None = None,
        until: str | None = None,
        outlet: str | None = None,
    ) -> Timeline:
        self.refresh()
        return build_timeline(self.index, topic, since=since, until=until, outlet=outlet)

    def timeline_chart(
        self, topic: str | None = None, *, since: str | None = None, until: str | None = None, outlet: str | None = None
    ) -> bytes:
        """A PNG of the timeline's coverage per period, stacked by outlet; cached per corpus version and query.

        Raises :class:`bot.errors.InvalidInput` when there is nothing dated to chart."""
        from .chart import ChartItem, chart_png
        from .timeline import matching_articles

        self.refresh()
        key = (self._version, topic, since, until, outlet)
        with self._lock:
            cached = self._charts.get(key)
        if cached is not None:
            return cached
        timeline = build_timeline(self.index, topic, since=since, until=until, outlet=outlet)
        relevance = matching_articles(self.index, topic) if topic and topic.strip() else {}
        items = [ChartItem(e.date, e.source, e.title, relevance.get(e.article_id, 0.0)) for e in timeline.entries]
        png = chart_png(items, topic=timeline.topic)
        with self._lock:
            if len(self._charts) >= 32:
                self._charts.pop(next(iter(self._charts)))
            self._charts[key] = png
        return png

    def sources(self, topic: str | None = None) -> Sources:
        """Which outlets covered ``topic`` (or anything), best first."""
        self.refresh()
        return outlet_coverage(self.index, topic)

    def get(self, article_id: str) -> Article:
        return self.store.get(article_id)

    def articles(self) -> list[Article]:
        return self.store.all()

    def find_articles(self, text: str, limit: int = 25) -> list[ArticleRef]:
        """Articles whose headline, outlet or id contains ``text`` (for autocomplete), newest first."""
        self.refresh()
        needle = text.casefold().strip()
        refs = [
            r
            for r in self.index.articles()
            if not needle or needle in r.title.casefold() or needle in r.source.casefold() or needle in r.id
        ]
        refs.sort(key=lambda r: (date_sort_key(r.date)[0], r.date or ""), reverse=True)
        return refs[:limit]

    def outlets(self) -> list[tuple[str, int]]:
        """Outlets with their article counts, most articles first."""
        self.refresh()
        counts = Counter(r.source for r in self.index.articles())
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))

    def stats(self) -> Stats:
        self.refresh()
        refs = self.index.articles()
        dated = sorted(r.date for r in refs if r.date)
        headline_only = sum(1 for r in refs if len(self.index.passages_of(r.id)) == 1)
        changes = self.store.changes(limit=1)
        return Stats(
            articles=len(refs),
            with_text=len(refs) - headline_only,
            headlines_only=headline_only,
            sentences=self.index.size("sentence"),
            outlets=len({r.source for r in refs}),
            first_date=dated[0] if dated else None,
            last_date=dated[-1] if dated else None,
            undated=len(refs) - len(dated),
            last_change=changes[0].at if changes else None,
        )
