"""NewsService: the one object the command line and the Discord bot talk to.

It owns the store (the truth) and the search index (derived from it), and keeps the two in step: every change
goes to the store first, in one transaction, and then to the index; before every read it checks the store's
version, so an article added by another process is picked up too. Its methods are synchronous and thread-safe;
the Discord layer calls them through ``asyncio.to_thread`` so the event loop never waits on SQLite or BM25.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.config import Settings
from bot.core.errors import ArticleNotFound, ConfigError, DuplicateArticle
from bot.core.models import (
    Answer,
    Article,
    ArticleIn,
    FeedLogEntry,
    FeedRecord,
    Sources,
    Stats,
    Timeline,
    TimelineQuery,
    date_sort_key,
)
from bot.core.text import TEXT_VERSION
from bot.intake.corpus import load_corpus_dir
from bot.search.answers import answer_question
from bot.search.embedding import EmbeddingProgress, EmbeddingWorker
from bot.search.index import ArticleRef, CoverageIndex
from bot.search.semantic import NO_READER, EmbeddingReader, Reader, open_reader
from bot.search.sources import outlet_coverage
from bot.search.timeline import build_timeline
from bot.storage.store import Change, Health, Store, restore_database

if TYPE_CHECKING:
    from bot.intake.bulk import ImportPlan

__all__ = ["NewsService", "command_signature", "shipped_corpus_dir"]

REPLAY_LIMIT = 20_000  # changes a saved index catches up with by replaying; beyond that it is rebuilt
SAVE_AFTER_CHANGES = 200  # a replay longer than this saves the index again at once

log = logging.getLogger(__name__)


def command_signature(payload: list[dict[str, Any]]) -> str:
    """A fingerprint of the slash commands' definitions, to tell whether Discord has the current ones."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def shipped_corpus_dir() -> Path:
    """The coverage that ships with newsbot: corpus/ of a checkout, or its installed copy ``bot._corpus``."""
    package = Path(__file__).resolve().parent
    for candidate in (package.parent / "corpus", package / "_corpus"):
        if (candidate / "articles").is_dir():
            return candidate
    raise ConfigError("the shipped corpus is missing; set NEWSBOT_CORPUS_DIR to a corpus directory")


def _timeline_query(
    query: TimelineQuery | str | None, since: str | None, until: str | None, outlet: str | None
) -> TimelineQuery:
    """A :class:`TimelineQuery` from either one, or a topic and its filters (not both)."""
    if not isinstance(query, TimelineQuery):
        return TimelineQuery(topic=query, since=since, until=until, outlet=outlet)
    if since is not None or until is not None or outlet is not None:
        raise TypeError("give a TimelineQuery or a topic with since/until/outlet, not both")
    return query


class NewsService:
    """Coverage questions, timelines and corpus changes over one data directory."""

    def __init__(
        self,
        store: Store,
        *,
        corpus_dir: Path | None = None,
        index_dir: Path | None = None,
        reader: EmbeddingReader | None = None,
    ) -> None:
        self._store = store  # private: callers use the service's methods (the one door to the data)
        self._reader = reader
        self._embedder = EmbeddingWorker(reader) if reader is not None else None
        self._embed_replayed = False  # embed what other processes add too (the bot; see start_embedding)
        self._lock = threading.RLock()
        self._charts: dict[tuple[object, ...], bytes] = {}
        self._index: CoverageIndex | None = None
        self._index_dir = index_dir
        self._version = 0  # the store version the index reflects
        self._unsaved = 0  # changes applied to the index since it was last saved
        if corpus_dir is not None:
            self.seed(corpus_dir)

    @property
    def index(self) -> CoverageIndex:
        """The search index, loaded (or built) on first use: commands that only write never pay for it."""
        with self._lock:
            if self._index is None:
                self._index = self._open_index()
            return self._index

    def _open_index(self) -> CoverageIndex:
        """Load the saved index if it belongs to this store, and replay the changes made since it was saved;
        otherwise build it from the store and save it."""
        directory = self._index_dir
        if directory is not None and directory.exists():
            try:
                index, meta = CoverageIndex.load(directory, self._store.bodies)
            except ValueError as exc:
                log.warning("rebuilding the index: %s", exc)
            else:
                replay = self._replayable(meta)
                if replay is not None:
                    self._version = int(meta["version"])
                    self._index = index
                    self._apply(replay)
                    if self._unsaved > SAVE_AFTER_CHANGES:
                        self._save_index()
                    return index
                log.info("rebuilding the index: it does not match the store")
        index = CoverageIndex(self._store.bodies)
        self._version = self._store.version()
        index.add_articles(self._store.iter_all())
        self._index = index
        self._unsaved = 1
        self._save_index()
        return index

    def _replayable(self, meta: dict[str, Any]) -> list[Change] | None:
        """The changes since a saved index's version, or None if the index belongs to another history (a
        restored backup, another database) or is too far behind to catch up by replaying."""
        version = int(meta.get("version", -1))
        if meta.get("store_id") != self._store.store_id() or version > self._store.version():
            return None
        if meta.get("text_version") != TEXT_VERSION:
            return None  # built with other sentence or token rules
        if version and self._store.change_at(version) != meta.get("change"):
            return None
        changes = self._store.changes(limit=REPLAY_LIMIT + 1, since=version)
        return None if len(changes) > REPLAY_LIMIT else sorted(changes, key=lambda c: c.seq)

    def _save_index(self) -> None:
        if self._index_dir is None or self._index is None or not self._unsaved:
            return
        meta = {
            "store_id": self._store.store_id(),
            "version": self._version,
            "change": self._store.change_at(self._version),
            "text_version": TEXT_VERSION,
        }
        try:
            self._index.save(self._index_dir, meta)
        except OSError as exc:
            log.warning("could not save the index to %s: %s", self._index_dir, exc)
            return
        self._unsaved = 0

    @classmethod
    def open(cls, settings: Settings, *, seed: bool = True) -> NewsService:
        """Open (creating and seeding on first use) the store in ``settings.data_dir``."""
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the data directory {settings.data_dir}: {exc.strerror}") from None
        store = Store(settings.database_path)
        try:
            reader = open_reader(settings.reader, settings.data_dir / "vectors")
        except BaseException:
            store.close()
            raise
        corpus = (settings.corpus_dir or shipped_corpus_dir()) if seed else None
        return cls(store, corpus_dir=corpus, index_dir=settings.data_dir / "index", reader=reader)

    @staticmethod
    def verify_database(settings: Settings) -> None:
        """Refuse a damaged database (:class:`bot.core.errors.StoreDamaged`) after SQLite's quick check of every
        page, so that the bot never starts on one; nothing to check if there is none yet."""
        if not settings.database_path.exists():
            return
        store = Store(settings.database_path)
        try:
            store.verify()
        finally:
            store.close()

    @staticmethod
    def restore(settings: Settings, source: Path) -> tuple[int, Path | None]:
        """Replace the data directory's database with the backup at ``source`` (checked first); the number of
        articles restored, and where a damaged database was moved aside. Run it while no service is open."""
        return restore_database(settings.database_path, source)

    def close(self) -> None:
        """Stop embedding (after the batch in hand: the rest waits for the next catch-up), save the index if it
        changed since it was saved (so the next start loads it), then close the store."""
        if self._embedder is not None:
            self._embedder.close()
        with self._lock:
            self._save_index()
            self._store.close()
            if self._reader is not None:
                self._reader.cache.close()

    # --- the corpus ------------------------------------------------------------------------------------------

    def seed(self, corpus_dir: Path) -> int:
        """Load ``corpus_dir`` into the store once per corpus version; idempotent. Returns how many were added.

        An article already stored, or removed by a moderator at some time, is not added again."""
        articles = load_corpus_dir(corpus_dir)
        fingerprint = hashlib.sha256("\n".join(a.model_dump_json() for a in articles).encode()).hexdigest()
        if self._store.get_meta("corpus_fingerprint") == fingerprint:
            return 0
        self._store.verify()  # never seed over a damaged database: its articles would be lost for good
        removed = self._store.removed_ids()
        fresh = [a for a in articles if a.id not in removed]
        added = self._store.add_many(
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
            if self._index is None:
                return False  # loaded on first use, up to date then
            version = self._store.version()
            if version == self._version:
                return False
            changes = self._store.changes(limit=REPLAY_LIMIT + 1, since=self._version)
            if len(changes) > REPLAY_LIMIT:
                self._index = None  # too far behind (a big import elsewhere): build it again
                self._open_index()
            else:
                self._apply(sorted(changes, key=lambda c: c.seq))
            return True

    def _apply(self, changes: list[Change]) -> None:
        """Replay logged changes on the index, in order."""
        assert self._index is not None
        pending: list[Article] = []
        for change in changes:
            if change.article_id is None:
                continue
            if change.action == "remove":
                self._index.add_articles(pending)
                pending = []
                self._index.remove_article(change.article_id)
            elif change.article_id not in self._index and all(a.id != change.article_id for a in pending):
                try:
                    pending.append(self._store.get(change.article_id))
                except ArticleNotFound:
                    pass  # added, then removed again, later in the log
            self._version = change.seq
        self._index.add_articles(pending)
        self._unsaved += len(changes)
        if self._embed_replayed and self._embedder is not None:
            self._embedder.submit(pending)

    def _indexed(self, version: int, add: Sequence[Article] = (), remove: str | None = None) -> None:
        """After this process changed the store: bring a loaded index along (an unloaded one replays later)."""
        if self._index is None:
            return
        if remove is not None:
            self._index.remove_article(remove)
        if add:
            self._index.add_articles(add)
        self._version = version
        self._unsaved += 1

    def add(self, article: ArticleIn, *, actor: str, allow_same_text: bool = False) -> Article:
        """Store an article and make it answerable at once."""
        with self._lock:
            self.refresh()
            stored = self._store.add(article, actor=actor, allow_same_text=allow_same_text)
            self._indexed(self._store.version(), add=[stored])
            self._embed([stored])
            return stored

    def add_many(self, articles: list[ArticleIn], *, actor: str, action: str = "import") -> list[Article]:
        """Store many articles in one transaction (all or none), then index them."""
        with self._lock:
            self.refresh()
            stored = self._store.add_many(articles, actor=actor, action=action)
            self._indexed(self._store.version(), add=stored)
            self._embed(stored)
            return stored

    def remove(self, article_id: str, *, actor: str, reason: str | None = None) -> Article:
        with self._lock:
            self.refresh()
            removed = self._store.remove(article_id, actor=actor, reason=reason)
            self._indexed(self._store.version(), remove=article_id)
            return removed

    # --- sentence vectors (the semantic reader) ---------------------------------------------------------------

    @property
    def reader(self) -> Reader:
        """The semantic reader answers use (:data:`NO_READER` without the ``semantic`` extra or when it is off)."""
        return self._reader if self._reader is not None else NO_READER

    def _embed(self, articles: Sequence[Article]) -> None:
        """Hand added articles to the background worker: the add returns at once, answerable by BM25 until their
        vectors are stored."""
        if self._embedder is not None:
            self._embedder.submit(articles)

    def start_embedding(self) -> None:
        """For a long-running process (the bot): load the model in the background, embed every stored article
        that has no vectors yet, and from now on also what other processes add. Returns at once."""
        if self._reader is None or self._embedder is None:
            return
        self._embed_replayed = True
        self._reader.load_in_background()
        self._embedder.catch_up(self._store.iter_all)

    def embed_missing(self, progress: Callable[[EmbeddingProgress], None] | None = None) -> EmbeddingProgress:
        """Embed, now, every stored article's texts that have no vector (``newsbot embed``), reporting progress."""
        if self._embedder is None:
            return EmbeddingProgress(0, 0)
        self._embedder.catch_up(self._store.iter_all)
        return self.wait_for_vectors(progress)

    def wait_for_vectors(
        self, progress: Callable[[EmbeddingProgress], None] | None = None, *, timeout: float | None = None
    ) -> EmbeddingProgress:
        """Wait for the vectors of what was added (a command line, before it exits); what was embedded so far."""
        if self._embedder is None:
            return EmbeddingProgress(0, 0)
        self._embedder.drain(progress, timeout=timeout)
        return self._embedder.progress

    def embedding_failure(self) -> str | None:
        """Why vectors are not being computed (the model would not load, the vector cache is damaged), if so."""
        if self._reader is None or self._embedder is None:
            return None
        return self._reader.failure or self._embedder.last_error

    def vector_count(self) -> int:
        """How many sentence vectors are stored (0 without the semantic reader)."""
        return len(self._reader.cache) if self._reader is not None else 0

    # --- reading ---------------------------------------------------------------------------------------------

    def ask(self, question: str) -> Answer:
        self.refresh()
        return answer_question(self.index, question, reader=self.reader)

    def timeline(
        self,
        query: TimelineQuery | str | None = None,
        *,
        since: str | None = None,
        until: str | None = None,
        outlet: str | None = None,
    ) -> Timeline:
        """The coverage of ``query`` in date order: a :class:`TimelineQuery`, or its topic and filters."""
        self.refresh()
        return build_timeline(self.index, _timeline_query(query, since, until, outlet))

    def timeline_chart(
        self,
        query: TimelineQuery | str | None = None,
        *,
        since: str | None = None,
        until: str | None = None,
        outlet: str | None = None,
    ) -> bytes:
        """A PNG of the timeline's coverage per period, stacked by outlet; cached per corpus version and query.

        Raises :class:`bot.core.errors.InvalidInput` when there is nothing dated to chart."""
        from bot.present.chart import ChartItem, chart_png
        from bot.search.query import matching_articles

        self.refresh()
        wanted = _timeline_query(query, since, until, outlet)
        key = (self._version, wanted)
        with self._lock:
            cached = self._charts.get(key)
        if cached is not None:
            return cached
        timeline = build_timeline(self.index, wanted)
        topic = wanted.topic
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
        return self._store.get(article_id)

    def articles(self) -> list[Article]:
        return self._store.all()

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
        headline_only = sum(1 for r in refs if self.index.passage_count(r.id) == 1)
        changes = self._store.changes(limit=1)
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

    def version(self) -> int:
        """The number of the newest change to the coverage, in any process (it only grows)."""
        return self._store.version()

    def count(self) -> int:
        """How many articles are stored."""
        return self._store.count()

    def changes(self, limit: int = 50) -> list[Change]:
        """The newest ``limit`` lines of the audit log of article changes, newest first."""
        return self._store.changes(limit=limit)

    def find_duplicate(self, article: ArticleIn) -> DuplicateArticle | None:
        """The error that adding ``article`` would raise as a duplicate, or None (checked before a preview)."""
        return self._store.find_duplicate(article)

    def article_with_url(self, url: str) -> Article | None:
        """The stored article whose URL normalises like ``url``, if any."""
        return self._store.article_with_url(url)

    def plan_import(self, items: list[tuple[str, ArticleIn]], errors: list[str]) -> ImportPlan:
        """What importing ``items`` would do (see :func:`bot.intake.bulk.plan_import`); nothing is written."""
        from bot.intake.bulk import plan_import

        return plan_import(self._store.all, items, errors)

    def export(self, directory: Path) -> int:
        """Write every article to ``directory`` in the corpus/ format; returns how many."""
        from bot.intake.bulk import export_corpus

        return export_corpus(self._store.iter_all(), directory)

    # --- feed subscriptions (the records; fetching and polling are bot/feeds/subscriptions.py) ---------------

    def feeds(self) -> list[FeedRecord]:
        return self._store.feeds()

    def feed(self, feed_id: int) -> FeedRecord | None:
        return self._store.feed(feed_id)

    def feed_by_url_key(self, key: str) -> FeedRecord | None:
        return self._store.feed_by_url_key(key)

    def subscribe_feed(self, url: str, key: str, title: str, outlet: str, *, actor: str) -> int | None:
        """Store a subscription (logged with its actor); its id, or None when that URL key is subscribed."""
        return self._store.add_feed(url, key, title, outlet, actor)

    def unsubscribe_feed(self, feed: FeedRecord, *, actor: str) -> bool:
        """Drop a subscription and its log (logged with its actor); False when it was gone already."""
        return self._store.remove_feed(feed, actor)

    def feed_entry_keys(self, feed_id: int) -> set[str]:
        return self._store.feed_entry_keys(feed_id)

    def feed_log(self, feed_id: int, limit: int = 50) -> list[FeedLogEntry]:
        return self._store.feed_log(feed_id, limit)

    def record_feed_entry(self, entry: FeedLogEntry) -> None:
        self._store.record_feed_entry(entry)

    def feed_polled(self, feed_id: int, title: str | None, error: str | None) -> None:
        self._store.feed_polled(feed_id, title, error)

    # --- operations ------------------------------------------------------------------------------------------

    def backup(self, target: Path) -> int:
        """Copy the database to ``target`` with SQLite's online backup (consistent while the bot writes)."""
        return self._store.backup_file(target)

    def health(self) -> Health:
        """The database's path, schema, quick check and command-sync state, for ``newsbot doctor``."""
        return self._store.health()

    def record_command_sync(self, signature: str, target: str) -> None:
        """Remember which slash commands were synced, and where (``newsbot doctor`` compares them)."""
        self._store.set_meta("commands_signature", signature)
        self._store.set_meta("commands_synced_to", target)
        self._store.set_meta("commands_scopes", json.dumps(sorted({*self.command_scopes(), target})))

    def record_command_clear(self, target: str) -> None:
        """Remember that the slash commands were removed from ``target`` ("global" or "guild ID")."""
        self._store.set_meta("commands_scopes", json.dumps([s for s in self.command_scopes() if s != target]))

    def command_scopes(self) -> list[str]:
        """Where the slash commands were synced and not cleared since: "global" and "guild ID" entries."""
        try:
            scopes = json.loads(self._store.get_meta("commands_scopes") or "[]")
        except ValueError:
            return []
        return [str(scope) for scope in scopes] if isinstance(scopes, list) else []
