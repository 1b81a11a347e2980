"""NewsService: the parts of the service composed into the one object callers hold, and its life (open, warm up,
close).

Each area's operations are a part of their own (:mod:`bot.service.articles`, :mod:`~bot.service.questions`,
:mod:`~bot.service.vectors`, :mod:`~bot.service.feeds`, :mod:`~bot.service.servers`,
:mod:`~bot.service.operations`, :mod:`~bot.service.answer_records`, :mod:`~bot.service.alerts`); this module sets
up the state they share (:class:`bot.service.part.ServicePart`) and is the only one that opens a store.
"""

from __future__ import annotations

import threading
from pathlib import Path

from bot.core.config import Settings
from bot.core.errors import ConfigError
from bot.core.models import StoreCopy
from bot.search.embedding import EmbeddingWorker
from bot.search.keeper import Indexes
from bot.search.semantic import EmbeddingReader, open_reader
from bot.service.alerts import AlertsPart
from bot.service.answer_records import AnswerRecordsPart
from bot.service.articles import ArticlesPart
from bot.service.coordination import CoordinationPart, holder_name
from bot.service.feedback import FeedbackPart
from bot.service.feeds import FeedsPart
from bot.service.gaps import GapsPart
from bot.service.operations import OperationsPart
from bot.service.part import CoverageMode
from bot.service.questions import QuestionsPart
from bot.service.seeding import shipped_corpus_dir
from bot.service.servers import ServersPart
from bot.service.vectors import VectorsPart
from bot.storage.protocol import NewsStore
from bot.storage.store import check_store, copy_store, open_store, restore_store

__all__ = ["NewsService"]


class NewsService(
    ArticlesPart,
    QuestionsPart,
    VectorsPart,
    FeedsPart,
    ServersPart,
    OperationsPart,
    AnswerRecordsPart,
    GapsPart,
    FeedbackPart,
    AlertsPart,
    CoordinationPart,
):
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
        keep_gaps: int = 90,
        keep_answers: int = 90,
        save_indexes: bool = True,
    ) -> None:
        self._store = store
        self._allow_future_dates = allow_future_dates
        self._keep_gaps, self._gap_checks = keep_gaps, None
        self._keep_answers = keep_answers
        self._reader = reader
        self._embedder = EmbeddingWorker(reader) if reader is not None else None
        self._embed_replayed = False
        self.coverage = coverage
        self.editor_guild_ids = frozenset(editor_guild_ids)
        servers_dir = None if index_dir is None else index_dir.with_name("server-index")
        self._indexes = Indexes(
            store,
            index_dir,
            servers_dir,
            max_loaded=max_loaded_indexes,
            idle_seconds=index_idle_seconds,
            on_replayed=self._embed_replayed_articles,
            saves=save_indexes,
        )
        self._change_feed = store.change_feed()  # started by follow_changes (a long-running process)
        self._holder = holder_name()
        self._lock = threading.RLock()
        if corpus_dir is not None:
            self.seed(corpus_dir)

    @classmethod
    def open(cls, settings: Settings, *, seed: bool = True, save_indexes: bool = True) -> NewsService:
        """Open (creating and seeding on first use) the store ``settings`` select: SQLite in ``settings.data_dir``,
        or PostgreSQL at ``settings.database_url``; the indexes are kept in the data directory either way.
        ``save_indexes=False`` (an answering worker, :mod:`bot.service.workers`) loads them and never writes them."""
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the data directory {settings.data_dir}: {exc.strerror}") from None
        store = open_store(settings)
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
            keep_gaps=settings.keep_gaps,
            keep_answers=settings.keep_answers,
            save_indexes=save_indexes,
        )

    @staticmethod
    def verify_database(settings: Settings) -> None:
        """Refuse a damaged database (:class:`bot.core.errors.StoreDamaged`) after SQLite's quick check of every
        page, so that the bot never starts on one; nothing to check if there is none yet."""
        check_store(settings)

    @staticmethod
    def restore(settings: Settings, source: Path) -> tuple[int, Path | None]:
        """Replace the data directory's database with the backup at ``source`` (checked first); the number of
        articles restored, and where a damaged database was moved aside. Run it while no service is open."""
        return restore_store(settings, source)

    @staticmethod
    def migrate_store(settings: Settings, url: str) -> StoreCopy:
        """Copy the data directory's SQLite store into the PostgreSQL store at ``url``, every table, verified;
        safe to run again (see :mod:`bot.storage.store_copy`)."""
        return copy_store(settings, url)

    def warm_up(self) -> None:
        """Load (or build) the default index and the compiled search loops before the first question: what a
        long-running process does at start, so no one's question waits for either (about 1 s for numba)."""
        from bot.search.kernels import kernels

        self.index  # noqa: B018 - loads it
        kernels()

    def loaded_indexes(self) -> list[int]:
        """The servers whose own index is in memory now, least recently used first."""
        return self._indexes.loaded()

    def unload_idle_indexes(self) -> int:
        """Unload (after saving) the indexes of servers not asked for a while; how many were unloaded."""
        return self._indexes.unload_idle()

    def close(self) -> None:
        """Stop embedding (after the batch in hand: the rest waits for the next catch-up), finish the checks of the
        knowledge gaps, save the indexes that changed since they were saved (so the next start loads them), then
        close the store."""
        self._change_feed.close()
        if self._embedder is not None:
            self._embedder.close()
        self.wait_for_gap_checks()
        with self._lock:
            self._indexes.save_all()
            self._store.close()
            if self._reader is not None:
                self._reader.close()
