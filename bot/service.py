"""NewsService: the one object the command line and the Discord bot talk to.

It owns the store (the truth) and the search indexes derived from it (:mod:`bot.search.keeper` keeps them in
step: every change goes to the store first, in one transaction, and every read first catches its index up with the
store's change log, so an article added by another process is answerable too). Nothing else touches the store.
Its methods are synchronous and thread-safe; the Discord layer calls them through ``asyncio.to_thread`` so the
event loop never waits on SQLite or BM25.

**Coverages.** Every reading and changing method takes ``server``: the Discord server (guild) id the request comes
from, or None for the default collection (the command line without ``--server``, direct messages). With
``coverage="per-server"`` (the default) each server has its own coverage: the default collection (the shipped
corpus and what the command line adds) minus what its moderators removed, plus what they added; a change made in
one server never reaches another. With ``coverage="shared"`` every server reads the default collection, and only
the servers in ``editor_guild_ids`` may change it: any other server's change is refused here, in code, whatever
Discord's permissions say.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from bot.core.config import Settings
from bot.core.errors import ConfigError, DuplicateArticle, InvalidArticle, InvalidInput, PermissionDenied
from bot.core.models import (
    Answer,
    Article,
    ArticleIn,
    AuditEntry,
    FeedLogEntry,
    FeedRecord,
    ServerSummary,
    Sources,
    Stats,
    Timeline,
    TimelineQuery,
    date_sort_key,
    future_date_problem,
)
from bot.intake.article_files import load_corpus_dir
from bot.search.answers import answer_question
from bot.search.embedding import EmbeddingProgress, EmbeddingWorker
from bot.search.index import ArticleRef, CoverageIndex
from bot.search.keeper import DEFAULT, Indexes
from bot.search.semantic import NO_READER, EmbeddingReader, Reader, open_reader
from bot.search.sources import outlet_coverage
from bot.search.timeline import build_timeline
from bot.storage.keys import DuplicateKeys
from bot.storage.protocol import HealthRecord, NewsStore
from bot.storage.store import Store, restore_database

if TYPE_CHECKING:
    from bot.intake.bulk import ImportPlan

__all__ = ["DEFAULT", "CoverageMode", "NewsService", "check_server_id", "command_signature", "shipped_corpus_dir"]

CoverageMode = Literal["per-server", "shared"]
_MAX_SNOWFLAKE = 2**63 - 1

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


def check_server_id(server: int) -> int:
    """A Discord server id as the store keeps it (a positive 64-bit snowflake); InvalidInput otherwise."""
    if isinstance(server, bool) or not isinstance(server, int) or not 0 < server <= _MAX_SNOWFLAKE:
        raise InvalidInput(f"{server!r} is not a Discord server id (a positive number of up to 19 digits)")
    return server


def _timeline_query(
    query: TimelineQuery | str | None, since: str | None, until: str | None, outlet: str | None
) -> TimelineQuery:
    """A :class:`TimelineQuery` from either one, or a topic and its filters (not both)."""
    if not isinstance(query, TimelineQuery):
        return TimelineQuery(topic=query, since=since, until=until, outlet=outlet)
    if since is not None or until is not None or outlet is not None:
        raise TypeError("give a TimelineQuery or a topic with since/until/outlet, not both")
    return query


class _Coverage:
    """One coverage of the store, as an import plan looks things up in it (:class:`bot.intake.bulk.StoredArticles`)."""

    def __init__(self, store: NewsStore, server: int) -> None:
        self._store, self._server = store, server

    def articles_by_id(self, ids: Collection[str]) -> dict[str, Article]:
        return self._store.articles_by_id(self._server, ids)

    def duplicate_ids(self, keys: Collection[DuplicateKeys]) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
        return self._store.duplicate_ids(self._server, keys)


class NewsService:
    """Coverage questions, timelines and corpus changes over one data directory, per Discord server."""

    def __init__(
        self,
        store: NewsStore,
        *,
        corpus_dir: Path | None = None,
        index_dir: Path | None = None,
        coverage: CoverageMode = "per-server",
        editor_guild_ids: tuple[int, ...] | list[int] = (),
        max_loaded_indexes: int = 64,
        index_idle_seconds: float = 1800.0,
        reader: EmbeddingReader | None = None,
        allow_future_dates: bool = False,
    ) -> None:
        self._store = store  # private: callers use the service's methods (the one door to the data)
        self._allow_future_dates = allow_future_dates
        self._reader = reader
        self._embedder = EmbeddingWorker(reader) if reader is not None else None
        self._embed_replayed = False  # embed what other processes add too (the bot; see start_embedding)
        self.coverage: CoverageMode = coverage
        self.editor_guild_ids = frozenset(editor_guild_ids)
        servers_dir = None if index_dir is None else index_dir.with_name("server-index")
        self._indexes = Indexes(
            store,
            index_dir,
            servers_dir,
            max_loaded=max_loaded_indexes,
            idle_seconds=index_idle_seconds,
            on_replayed=self._embed_replayed_articles,
        )
        self._lock = threading.RLock()
        self._charts: dict[tuple[object, ...], bytes] = {}
        if corpus_dir is not None:
            self.seed(corpus_dir)

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
        return cls(
            store,
            corpus_dir=corpus,
            index_dir=settings.data_dir / "index",
            coverage=settings.coverage,
            editor_guild_ids=settings.editor_guild_ids,
            max_loaded_indexes=settings.loaded_indexes,
            index_idle_seconds=settings.index_idle_minutes * 60,
            reader=reader,
            allow_future_dates=settings.allow_future_dates,
        )

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
        """Stop embedding (after the batch in hand: the rest waits for the next catch-up), save the indexes that
        changed since they were saved (so the next start loads them), then close the store."""
        if self._embedder is not None:
            self._embedder.close()
        with self._lock:
            self._indexes.save_all()
            self._store.close()
            if self._reader is not None:
                self._reader.close()

    # --- which coverage --------------------------------------------------------------------------------------

    def reads(self, server: int | None) -> int:
        """The coverage a request from ``server`` reads: its own (per-server), or the default collection."""
        if server is None or self.coverage == "shared":
            return DEFAULT
        return check_server_id(server)

    def writes(self, server: int | None) -> int:
        """The coverage a change made from ``server`` goes to; :class:`PermissionDenied` when that server may
        not change any (shared mode, not an editor server)."""
        if server is None:
            return DEFAULT
        check_server_id(server)
        if self.coverage == "shared":
            if server not in self.editor_guild_ids:
                raise PermissionDenied(
                    "this bot shares one coverage between its servers, and this server is not one of those that "
                    "edit it (NEWSBOT_EDITOR_GUILD_IDS): ask the bot's operator"
                )
            return DEFAULT
        return server

    def describe_coverage(self, server: int | None) -> str:
        """What a reply in ``server`` is drawn from, in words (for footers and help)."""
        if server is None:
            return "the default collection"
        return "the shared coverage" if self.coverage == "shared" else "this server's coverage"

    def require_known_server(self, server: int) -> int:
        """``server`` if the bot has been in it or it has a coverage; else InvalidInput (a typo in --server)."""
        check_server_id(server)
        if not self._store.known_server(server):
            raise InvalidInput(
                f"no server {server} is known: the bot records each server it is in (see `newsbot servers`)"
            )
        return server

    # --- the index -------------------------------------------------------------------------------------------

    @property
    def index(self) -> CoverageIndex:
        """The default collection's index, up to date (loaded, or built, on first use)."""
        return self._indexes.index(DEFAULT)[0]

    def warm_up(self) -> None:
        """Load (or build) the default index and the compiled search loops before the first question: what a
        long-running process does at start, so no one's question waits for either (about 1 s for numba)."""
        from bot.search.kernels import kernels

        self.index  # noqa: B018 - loads it
        kernels()

    def index_of(self, server: int | None) -> CoverageIndex:
        """The index of the coverage ``server`` reads, up to date."""
        return self._indexes.index(self.reads(server))[0]

    def loaded_indexes(self) -> list[int]:
        """The servers whose own index is in memory now, least recently used first."""
        return self._indexes.loaded()

    def unload_idle_indexes(self) -> int:
        """Unload (after saving) the indexes of servers not asked for a while; how many were unloaded."""
        return self._indexes.unload_idle()

    # --- the corpus ------------------------------------------------------------------------------------------

    def seed(self, corpus_dir: Path) -> int:
        """Load ``corpus_dir`` into the default collection once per corpus version; idempotent. Returns how many
        were added. An article already stored, or removed at some time, is not added again."""
        articles = load_corpus_dir(corpus_dir)
        fingerprint = hashlib.sha256("\n".join(a.model_dump_json() for a in articles).encode()).hexdigest()
        if self._store.get_meta("corpus_fingerprint") == fingerprint:
            return 0
        self._store.verify()  # never seed over a damaged database: its articles would be lost for good
        removed = self._store.removed_ids()
        fresh = [a for a in articles if a.id not in removed]
        added = self._store.add_many(
            DEFAULT,
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

    def add(
        self, article: ArticleIn, *, actor: str, allow_same_text: bool = False, server: int | None = None
    ) -> Article:
        """Store an article in the coverage ``server`` changes; answerable at once (the next read catches up)."""
        self._check_dates([article])
        where = self.writes(server)
        stored = self._store.add(where, article, actor=actor, allow_same_text=allow_same_text, guild_id=server)
        self._embed([stored])
        return stored

    def add_many(
        self, articles: list[ArticleIn], *, actor: str, action: str = "import", server: int | None = None
    ) -> list[Article]:
        """Store many articles in one transaction (all or none)."""
        self._check_dates(articles)
        where = self.writes(server)
        stored = self._store.add_many(where, articles, actor=actor, action=action, guild_id=server)
        self._embed(stored)
        return stored

    def _check_dates(self, articles: Sequence[ArticleIn]) -> None:
        """Refuse an article dated in the future, unless the operator allows it (NEWSBOT_ALLOW_FUTURE_DATES)."""
        if self._allow_future_dates:
            return
        for article in articles:
            problem = future_date_problem(article.date)
            if problem is not None:
                raise InvalidArticle(f"{article.title[:80]!r}: {problem}")

    def remove(self, article_id: str, *, actor: str, reason: str | None = None, server: int | None = None) -> Article:
        """Take an article out of the coverage ``server`` changes (a default-collection article is only hidden
        from that server's coverage)."""
        where = self.writes(server)
        return self._store.remove(where, article_id, actor=actor, reason=reason, guild_id=server)

    # --- sentence vectors (the semantic reader; content-addressed, so shared by every coverage) ---------------

    @property
    def reader(self) -> Reader:
        """The semantic reader answers use (:data:`NO_READER` without the ``semantic`` extra or when it is off)."""
        return self._reader if self._reader is not None else NO_READER

    def _embed(self, articles: Sequence[Article]) -> None:
        """Hand added articles to the background worker: the add returns at once, answerable by BM25 until their
        vectors are stored."""
        if self._embedder is not None:
            self._embedder.submit(articles)

    def _embed_replayed_articles(self, articles: Sequence[Article]) -> None:
        """What an index caught up with (added by another process): embedded too, in the bot."""
        if self._embed_replayed and self._embedder is not None and articles:
            self._embedder.submit(articles)

    def start_embedding(self) -> None:
        """For a long-running process (the bot): load the model in the background, embed every stored article
        (of every coverage) that has no vectors yet, and from now on also what other processes add."""
        if self._reader is None or self._embedder is None:
            return
        self._embed_replayed = True
        self._reader.wait_for_model = False  # questions asked before the model is loaded rest on BM25
        self._reader.load_in_background()
        self._embedder.catch_up(self._store.iter_every)

    def embed_missing(self, progress: Callable[[EmbeddingProgress], None] | None = None) -> EmbeddingProgress:
        """Embed, now, every stored article's texts that have no vector (``newsbot embed``), reporting progress."""
        if self._embedder is None:
            return EmbeddingProgress(0, 0)
        self._embedder.catch_up(self._store.iter_every)
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

    def ask(self, question: str, *, server: int | None = None) -> Answer:
        if self._reader is not None:
            self._reader.load_in_background()  # the model loads while the index does (a command line's first answer)
        return answer_question(self.index_of(server), question, reader=self.reader)

    def timeline(
        self,
        query: TimelineQuery | str | None = None,
        *,
        since: str | None = None,
        until: str | None = None,
        outlet: str | None = None,
        server: int | None = None,
    ) -> Timeline:
        """The coverage of ``query`` in date order: a :class:`TimelineQuery`, or its topic and filters."""
        return build_timeline(self.index_of(server), _timeline_query(query, since, until, outlet))

    def timeline_chart(
        self,
        query: TimelineQuery | str | None = None,
        *,
        since: str | None = None,
        until: str | None = None,
        outlet: str | None = None,
        server: int | None = None,
    ) -> bytes:
        """A PNG of the timeline's coverage per period, stacked by outlet; cached per coverage, version and query.

        Raises :class:`bot.core.errors.InvalidInput` when there is nothing dated to chart."""
        from bot.present.chart import ChartItem, chart_png
        from bot.search.query import matching_articles

        coverage = self.reads(server)
        index, version = self._indexes.index(coverage)
        wanted = _timeline_query(query, since, until, outlet)
        key = (coverage, version, wanted)
        with self._lock:
            cached = self._charts.get(key)
        if cached is not None:
            return cached
        timeline = build_timeline(index, wanted)
        topic = wanted.topic
        relevance = matching_articles(index, topic) if topic and topic.strip() else {}
        items = [ChartItem(e.date, e.source, e.title, relevance.get(e.article_id, 0.0)) for e in timeline.entries]
        png = chart_png(items, topic=timeline.topic)
        with self._lock:
            if len(self._charts) >= 32:
                self._charts.pop(next(iter(self._charts)))
            self._charts[key] = png
        return png

    def sources(self, topic: str | None = None, *, server: int | None = None) -> Sources:
        """Which outlets covered ``topic`` (or anything), best first."""
        return outlet_coverage(self.index_of(server), topic)

    def get(self, article_id: str, *, server: int | None = None) -> Article:
        return self._store.get(self.reads(server), article_id)

    def articles(self, *, server: int | None = None) -> list[Article]:
        return self._store.all(self.reads(server))

    def find_articles(self, text: str, limit: int = 25, *, server: int | None = None) -> list[ArticleRef]:
        """Articles whose headline, outlet or id contains ``text`` (for autocomplete), newest first."""
        needle = text.casefold().strip()
        refs = [
            r
            for r in self.index_of(server).articles()
            if not needle or needle in r.title.casefold() or needle in r.source.casefold() or needle in r.id
        ]
        refs.sort(key=lambda r: (date_sort_key(r.date)[0], r.date or ""), reverse=True)
        return refs[:limit]

    def outlets(self, *, server: int | None = None) -> list[tuple[str, int]]:
        """Outlets with their article counts, most articles first."""
        counts = Counter(r.source for r in self.index_of(server).articles())
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))

    def stats(self, *, server: int | None = None) -> Stats:
        coverage = self.reads(server)
        index = self._indexes.index(coverage)[0]
        refs = index.articles()
        dated = sorted(r.date for r in refs if r.date)
        headline_only = sum(1 for r in refs if index.passage_count(r.id) == 1)
        changes = self._store.changes(limit=1, servers=(DEFAULT,) if coverage == DEFAULT else (DEFAULT, coverage))
        return Stats(
            articles=len(refs),
            with_text=len(refs) - headline_only,
            headlines_only=headline_only,
            sentences=index.size("sentence"),
            outlets=len({r.source for r in refs}),
            first_date=dated[0] if dated else None,
            last_date=dated[-1] if dated else None,
            undated=len(refs) - len(dated),
            last_change=changes[0].at if changes else None,
        )

    def version(self) -> int:
        """The number of the newest change to any coverage, in any process (it only grows)."""
        return self._store.version()

    def count(self, *, server: int | None = None) -> int:
        """How many articles the coverage ``server`` reads holds."""
        return self._store.count(self.reads(server))

    def log(self, limit: int = 50, *, server: int | None = None, every_server: bool = False) -> list[AuditEntry]:
        """The audit trail, newest first: of the coverage ``server`` reads (its own changes, or the default
        collection's), or with ``every_server`` of every coverage."""
        return self._store.audit(limit, None if every_server else (self.reads(server),))

    def find_duplicate(self, article: ArticleIn, *, server: int | None = None) -> DuplicateArticle | None:
        """The error that adding ``article`` from ``server`` would raise as a duplicate, or None (checked before a
        preview); PermissionDenied when that server may not change any coverage."""
        return self._store.find_duplicate(self.writes(server), article)

    def article_with_url(self, url: str, *, server: int | None = None) -> Article | None:
        """The article of the coverage ``server`` reads whose URL normalises like ``url``, if any."""
        return self._store.article_with_url(self.reads(server), url)

    def plan_import(
        self, items: list[tuple[str, ArticleIn]], errors: list[str], *, server: int | None = None
    ) -> ImportPlan:
        """What importing ``items`` from ``server`` would do (see :func:`bot.intake.bulk.plan_import`)."""
        from bot.intake.bulk import plan_import

        return plan_import(
            _Coverage(self._store, self.writes(server)), items, errors, allow_future_dates=self._allow_future_dates
        )

    def export(self, directory: Path, *, server: int | None = None, replace: bool = False) -> int:
        """Write every article of the coverage ``server`` reads to ``directory`` in the corpus/ format: an empty
        folder, or, with ``replace``, replacing what it holds."""
        from bot.intake.bulk import export_corpus

        return export_corpus(self._store.iter_all(self.reads(server)), directory, replace=replace)

    # --- servers ---------------------------------------------------------------------------------------------

    def record_servers(self, servers: list[tuple[int, str | None]]) -> None:
        """The Discord servers the bot is in, with their names (for ``newsbot servers``)."""
        self._store.record_servers([(check_server_id(i), name) for i, name in servers])

    def server_left(self, server: int) -> None:
        """The bot left a server: its coverage is kept, in case it is invited back."""
        self._store.server_left(check_server_id(server))

    def servers(self) -> list[ServerSummary]:
        """The default collection and every server's coverage: articles, feeds, last change."""
        return self._store.servers()

    # --- feed subscriptions (the records; fetching and polling are bot/feeds/subscriptions.py) ---------------

    def feeds(self, *, server: int | None = None) -> list[FeedRecord]:
        """The feeds of the coverage ``server`` reads."""
        return self._store.feeds(self.reads(server))

    def feeds_to_poll(self) -> list[FeedRecord]:
        """Every feed whose coverage someone reads: all of them, or in shared mode the default collection's."""
        return self._store.feeds(DEFAULT if self.coverage == "shared" else None)

    def feed(self, feed_id: int, *, server: int | None = None) -> FeedRecord | None:
        """The feed with this id, if it belongs to the coverage ``server`` reads (another server's is None)."""
        found = self._store.feed(feed_id)
        return found if found is not None and found.server_id == self.reads(server) else None

    def feed_by_url_key(self, key: str, *, server: int | None = None) -> FeedRecord | None:
        return self._store.feed_by_url_key(self.reads(server), key)

    def subscribe_feed(
        self, url: str, key: str, title: str, outlet: str, *, actor: str, server: int | None = None
    ) -> int | None:
        """Store a subscription (logged with its actor); its id, or None when that URL key is subscribed."""
        where = self.writes(server)
        return self._store.add_feed(where, url, key, title, outlet, actor, guild_id=server)

    def unsubscribe_feed(self, feed: FeedRecord, *, actor: str, server: int | None = None) -> bool:
        """Drop a subscription of the coverage ``server`` changes, and its log; False when it was gone already
        (or belongs to another coverage)."""
        if feed.server_id != self.writes(server):
            return False
        return self._store.remove_feed(feed, actor, guild_id=server)

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

    def health(self) -> HealthRecord:
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
