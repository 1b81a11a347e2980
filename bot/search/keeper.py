"""Keeping each coverage's search index: loaded from its saved copy or built, caught up from the change log, saved,
and unloaded when its server has not been asked for a while.

The store is the truth; an index is derived from it. A coverage's index reflects the store up to a *version* (the
newest change it has applied). Before every use it is caught up: the changes made since, by this process or another
one, are replayed in order, so an article added by the command line is answerable in the bot at once. An index
that belongs to another history (a restored backup) or is too far behind is built again.

A server's coverage is the default collection, minus what it removed, plus what it added. Its index is its own
(each server's BM25 has its own idf and average length: exact, as rank-bm25 would score that server's passages
alone), so a server that changed anything costs an index of its own while it is loaded; a server that never did
reads the default collection's index (``index/``), which is always loaded. Server indexes are saved to
``server-index/<id>/`` when they are unloaded: the least recently used beyond ``max_loaded``, and any not used
for ``idle_seconds``, so an idle server costs no memory.

Replaying a change of the default collection in a server: the server sees it unless it has made that article id
its own (added or removed it) before that change; ``overrides`` holds from which change on it did.

**Told, or asking.** On SQLite every read first asks the store for the coverage's newest change (a local read).
On PostgreSQL that would be a round trip per question, so :class:`Indexes` is also a change subscriber
(:class:`bot.storage.protocol.ChangeSubscriber`): while the store's change feed is listening, every committed
change is notified to every process, the loaded indexes catch up at once, and a read takes the coverage's newest
change from memory. When the feed is lost (the connection broke: notifications may be missed), the indexes are
possibly stale, and every read asks the store again, as on SQLite, until the feed is back and has caught up.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.core.models import Article
from bot.core.text import TEXT_VERSION
from bot.search.generations import current
from bot.search.index import CoverageIndex
from bot.storage.protocol import ChangeRecord, CoverageStore

__all__ = ["DEFAULT", "IndexKeeper", "Indexes"]

DEFAULT = 0  # the default collection's id
REPLAY_LIMIT = 20_000  # changes a saved index catches up with by replaying; beyond that it is rebuilt
SAVE_AFTER_CHANGES = 200  # a replay longer than this saves the index again at once
# An index of this many passages or more is set aside from the garbage collector once loaded (gc.freeze): a full
# collection scans every object it tracks (~270,000 at 1M sentences, most of them numba's and the index's), 100-180
# ms of CPU every few hundred answers; frozen, the p99 of a whole answer at 100k sentences goes from 123 to 48 ms.
FREEZE_FROM = 100_000

log = logging.getLogger(__name__)


class IndexKeeper:
    """One coverage's index and the store version it reflects. Thread-safe (one lock)."""

    def __init__(
        self,
        store: CoverageStore,
        server: int,
        directory: Path | None,
        on_replayed: Callable[[Sequence[Article]], None] | None = None,
        *,
        saves: bool = True,
    ) -> None:
        self.source = store  # the coverage store (the service's) the index is derived from
        self.on_replayed = on_replayed  # told of the articles a catch-up added (the embedding worker)
        self.server = server
        self.directory = directory
        self.saves = saves  # False in an answering worker: it loads the saved index, the bot alone writes it
        self.version = 0  # the newest change (of the default collection or the server) the index reflects
        self.used = time.monotonic()
        self._lock = threading.RLock()
        self._index: CoverageIndex | None = None
        self._unsaved = 0  # changes applied since the index was last saved

    @property
    def loaded(self) -> bool:
        return self._index is not None

    def _loader(self, ids: Any) -> dict[str, str]:
        return self.source.bodies(self.server, ids)

    def current(self, version: int | None = None) -> CoverageIndex:
        """The index, loaded or built on first use and caught up with the store (``version``: the coverage's
        newest change, when the caller just read it)."""
        with self._lock:
            self.used = time.monotonic()
            if self._index is None:
                self._index = self._open()
                if self._index.size("sentence") + self._index.size("headline") >= FREEZE_FROM:
                    gc.freeze()  # what is alive now lives as long as the process, or nearly: never scanned again
            elif version is None or version != self.version:
                self._catch_up()
            return self._index

    def _open(self) -> CoverageIndex:
        """The saved index if it belongs to this store, with the changes since replayed; else built and saved."""
        directory = self.directory
        if directory is not None and current(directory) is not None:
            try:
                index, meta = CoverageIndex.load(directory, self._loader)
            except ValueError as exc:
                log.warning("rebuilding the index%s: %s", _of(self.server), exc)
            else:
                replay = self._replayable(meta)
                if replay is not None:
                    self.version = int(meta["version"])
                    self._index = index
                    self._apply(replay)
                    if self._unsaved > SAVE_AFTER_CHANGES:
                        self.save()
                    return index
                log.info("rebuilding the index%s: it does not match the store", _of(self.server))
        return self._build()

    def _build(self) -> CoverageIndex:
        index = CoverageIndex(self._loader)
        self.version = max(self.source.versions(self.server))
        index.add_articles(self.source.iter_all(self.server))
        self._index = index
        self._unsaved = 1
        self.save()
        return index

    def _replayable(self, meta: dict[str, Any]) -> list[ChangeRecord] | None:
        """The changes since a saved index's version, or None if the index belongs to another history (a
        restored backup, another database, another server) or is too far behind to catch up by replaying."""
        version = int(meta.get("version", -1))
        if meta.get("store_id") != self.source.store_id() or version > self.source.version():
            return None
        if meta.get("text_version") != TEXT_VERSION or int(meta.get("server", DEFAULT)) != self.server:
            return None
        if version and self.source.change_at(version) != meta.get("change"):
            return None
        changes = self._changes_since(version)
        return None if changes is None else changes

    def _changes_since(self, version: int) -> list[ChangeRecord] | None:
        servers = (DEFAULT,) if self.server == DEFAULT else (DEFAULT, self.server)
        changes = self.source.changes(limit=REPLAY_LIMIT + 1, since=version, servers=servers)
        return None if len(changes) > REPLAY_LIMIT else sorted(changes, key=lambda c: c.seq)

    def _catch_up(self) -> None:
        changes = self._changes_since(self.version)
        if changes is None:  # too far behind (a big import elsewhere): build it again
            self._index = None
            self._build()
        elif changes:
            self._apply(changes)

    def _apply(self, changes: list[ChangeRecord]) -> None:
        """Replay logged changes on the index, in order (see the module docstring for the default collection's)."""
        index = self._index
        assert index is not None
        ids = [c.article_id for c in changes if c.article_id is not None]
        own = self.source.rows_of(self.server, ids)
        base = own if self.server == DEFAULT else self.source.rows_of(DEFAULT, ids)
        taken = {} if self.server == DEFAULT else self.source.overrides(self.server, ids)
        pending: dict[str, Article] = {}
        for change in changes:
            article_id = change.article_id
            if article_id is None:
                continue
            if change.server_id != self.server and taken.get(article_id, change.seq + 1) < change.seq:
                continue  # the server made this article its own before the default collection changed it
            if change.action == "remove":
                index.add_articles(pending.values())
                pending = {}
                index.remove_article(article_id)
            elif article_id not in index and article_id not in pending:
                article = (own if change.server_id == self.server else base).get(article_id)
                if article is not None:  # else added, then removed again, later in the log
                    pending[article_id] = article
            self.version = max(self.version, change.seq)
        index.add_articles(pending.values())
        self._unsaved += len(changes)
        if self.on_replayed is not None and pending:
            self.on_replayed(list(pending.values()))

    def save(self) -> None:
        """Write the index to its directory if it changed since it was saved (so the next start loads it)."""
        with self._lock:
            if not self.saves or self.directory is None or self._index is None or not self._unsaved:
                return
            meta = {
                "store_id": self.source.store_id(),
                "version": self.version,
                "change": self.source.change_at(self.version),
                "text_version": TEXT_VERSION,
                "server": self.server,
            }
            try:
                self._index.save(self.directory, meta)
            except OSError as exc:
                log.warning("could not save the index to %s: %s", self.directory, exc)
                return
            self._unsaved = 0

    def unload(self) -> None:
        """Save the index if it changed, and let it go."""
        with self._lock:
            self.save()
            self._index = None


class Indexes:
    """Every coverage's index: the default collection's (always kept), and the servers' that changed anything,
    loaded on demand and unloaded when idle. Thread-safe."""

    def __init__(
        self,
        store: CoverageStore,
        directory: Path | None,
        servers_directory: Path | None = None,
        *,
        max_loaded: int = 64,
        idle_seconds: float = 1800.0,
        on_replayed: Callable[[Sequence[Article]], None] | None = None,
        saves: bool = True,
    ) -> None:
        self.source = store  # the coverage store (the service's) the index is derived from
        self.on_replayed = on_replayed
        self.saves = saves  # False: indexes are loaded and caught up, never written (see IndexKeeper.saves)
        self.directory = servers_directory
        self.max_loaded = max(max_loaded, 1)
        self.idle_seconds = idle_seconds
        self._lock = threading.RLock()
        self.default = IndexKeeper(store, DEFAULT, directory, on_replayed, saves=saves)  # index/, where it always was
        self._servers: OrderedDict[int, IndexKeeper] = OrderedDict()  # least recently used first
        # While a change feed listens: each coverage's newest change as told (DEFAULT: the default collection's).
        # A value read from the store is kept only if no notification, loss or own write came meanwhile (the
        # generation did not move), so a slow read can never put an older number over a newer one.
        self._listening = False
        self._generation = 0
        self._told: dict[int, int] = {}

    # --- the change feed's subscriber (see the module docstring) ----------------------------------------------

    def listening(self) -> None:
        """The change feed is (again) in place: forget what was told before, catch the loaded indexes up from the
        store, then trust what is told."""
        with self._lock:
            self._generation += 1
            self._told.clear()
            self._listening = True
        self._catch_up_loaded(None)

    def committed(self, versions: Mapping[int, int] | None) -> None:
        """Another process (or this one) committed changes: note each coverage's newest, and catch up now the
        loaded indexes they touch (None: catch every loaded index up from the store)."""
        with self._lock:
            self._generation += 1
            if versions is None:
                self._told.clear()
            else:
                for server, seq in versions.items():
                    self._told[server] = max(self._told.get(server, 0), seq)
        self._catch_up_loaded(versions)

    def lost(self) -> None:
        """Notifications may be missed: every read asks the store again until :meth:`listening`."""
        with self._lock:
            self._generation += 1
            self._listening = False
            self._told.clear()

    def wrote(self, server: int) -> None:
        """This process changed ``server``'s coverage: its next read asks the store (the notification of the
        change may not be here yet), so what this process added is answerable in it at once."""
        with self._lock:
            self._generation += 1
            self._told.pop(server, None)

    def versions(self, server: int) -> tuple[int, int]:
        """The newest change of the default collection and of ``server``'s own (see the store's ``versions``):
        from memory while the change feed listens and has told it, else from the store."""
        with self._lock:
            listening, generation = self._listening, self._generation
            base, own = self._told.get(DEFAULT), (self._told.get(server) if server != DEFAULT else 0)
        if listening and base is not None and own is not None:
            return base, own
        stored = self.source.versions(server)
        if not listening:
            return stored
        with self._lock:
            if self._generation == generation:  # nothing told meanwhile: the store's numbers are current
                self._told[DEFAULT] = max(self._told.get(DEFAULT, 0), stored[0])
                if server != DEFAULT:
                    self._told[server] = max(self._told.get(server, 0), stored[1])
        return stored

    def _catch_up_loaded(self, versions: Mapping[int, int] | None) -> None:
        """Catch up, now, the loaded indexes that ``versions`` touch: every one for a change of the default
        collection (or None), else those of the servers changed. A failure is logged: the next read retries."""
        with self._lock:
            keepers = [self.default, *self._servers.values()]
        touched = None if versions is None or DEFAULT in versions else set(versions)
        for keeper in keepers:
            if not keeper.loaded or (touched is not None and keeper.server not in touched):
                continue
            try:
                keeper.current(max(self.versions(keeper.server)))
            except Exception as exc:  # noqa: BLE001 - the store is unreachable: the next read catches up
                log.warning("could not catch the index%s up: %s", _of(keeper.server), exc)

    # --- the indexes -----------------------------------------------------------------------------------------

    def keeper(self, server: int) -> IndexKeeper:
        """The keeper of ``server``'s index (the default collection's when the server changed nothing)."""
        return self._keeper(server, self.versions(server)[1])

    def _keeper(self, server: int, own: int) -> IndexKeeper:
        if server == DEFAULT or not own:
            return self.default
        with self._lock:
            keeper = self._servers.pop(server, None)
            if keeper is None:
                where = None if self.directory is None else self.directory / str(server)
                keeper = IndexKeeper(self.source, server, where, self.on_replayed, saves=self.saves)
            self._servers[server] = keeper
            evict = self._evictable(keep=server)
        for old in evict:
            old.unload()
        return keeper

    def index(self, server: int) -> tuple[CoverageIndex, int]:
        """``server``'s index, up to date, and the version it reflects (a key for caches of derived results)."""
        base, own = self.versions(server)
        keeper = self._keeper(server, own)
        index = keeper.current(max(base, own))
        return index, keeper.version

    def _evictable(self, keep: int) -> list[IndexKeeper]:
        """Keepers to unload: the least recently used beyond ``max_loaded``, and those idle too long."""
        now = time.monotonic()
        evict: list[IndexKeeper] = []
        for server, keeper in list(self._servers.items()):
            if server == keep:
                continue
            if len(self._servers) > self.max_loaded or now - keeper.used > self.idle_seconds:
                evict.append(self._servers.pop(server))
        return evict

    def unload_idle(self) -> int:
        """Unload the indexes of servers not asked for ``idle_seconds``; how many were unloaded."""
        with self._lock:
            evict = self._evictable(keep=DEFAULT)
        for keeper in evict:
            keeper.unload()
        return len(evict)

    def loaded(self) -> list[int]:
        """The servers whose own index is in memory, least recently used first."""
        with self._lock:
            return [s for s, k in self._servers.items() if k.loaded]

    def save_all(self) -> None:
        with self._lock:
            keepers = [self.default, *self._servers.values()]
        for keeper in keepers:
            keeper.save()


def _of(server: int) -> str:
    """`` of server N`` for a server's index, nothing for the default collection's (as logged before servers)."""
    return "" if server == DEFAULT else f" of server {server}"
