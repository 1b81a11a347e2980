"""What every part of :class:`~bot.service.NewsService` shares: its state and the rules of which coverage a
request reads or changes.

The service is one object made of several parts (a mixin class per area: articles, questions, vectors, feeds,
servers, operations), each in a module of its own, so that adding an operation adds a small module or a method to
the right part instead of growing one file. Every part derives from :class:`ServicePart`, which declares the state
:class:`~bot.service.news.NewsService` sets up (the store, the indexes, the reader) and the coverage rules
(:meth:`ServicePart.reads`, :meth:`ServicePart.writes`) that every reading and changing method goes through. Parts
do not import each other: what two parts need lives here.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from bot.core.errors import InvalidInput, PermissionDenied
from bot.core.models import Article
from bot.search.embedding import EmbeddingWorker
from bot.search.index import CoverageIndex
from bot.search.keeper import DEFAULT, Indexes
from bot.search.semantic import NO_READER, EmbeddingReader, Reader
from bot.storage.protocol import ChangeFeed, NewsStore

__all__ = ["DEFAULT", "CoverageMode", "ServicePart", "check_server_id"]

CoverageMode = Literal["per-server", "shared"]
_MAX_SNOWFLAKE = 2**63 - 1


def check_server_id(server: int) -> int:
    """A Discord server id as the store keeps it (a positive 64-bit snowflake); InvalidInput otherwise."""
    if isinstance(server, bool) or not isinstance(server, int) or not 0 < server <= _MAX_SNOWFLAKE:
        raise InvalidInput(f"{server!r} is not a Discord server id (a positive number of up to 19 digits)")
    return server


class ServicePart:
    """The state of the service (set up by :class:`~bot.service.news.NewsService`) and its coverage rules."""

    _store: NewsStore  # private: callers use the service's methods (the one door to the data)
    _indexes: Indexes
    _lock: threading.RLock
    _reader: EmbeddingReader | None
    _embedder: EmbeddingWorker | None
    _embed_replayed: bool  # embed what other processes add too (the bot; see start_embedding)
    _allow_future_dates: bool
    _change_feed: ChangeFeed  # how this process hears of the others' changes (see bot.service.coordination)
    _holder: str  # this process, as a holder of leases
    coverage: CoverageMode
    editor_guild_ids: frozenset[int]
    _keep_gaps: int  # days a question the coverage could not answer is kept (0: none)
    _keep_answers: int  # days a sent answer and its votes are kept (0: none, and answers carry no buttons)
    _gap_checks: ThreadPoolExecutor | None  # the thread that asks open gaps again after an add (bot.service.gaps)

    def _articles_added(self, where: int, articles: Sequence[Article]) -> None:
        """Articles were stored in the coverage ``where`` (the gaps part asks its open gaps again)."""

    def _article_removed(self, where: int, article_id: str) -> None:
        """An article was taken out of the coverage ``where`` (the gaps part asks again the gaps it answered)."""

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

    # --- the indexes (derived from the store; bot.search.keeper keeps them in step) -------------------------

    @property
    def index(self) -> CoverageIndex:
        """The default collection's index, up to date (loaded, or built, on first use)."""
        return self._indexes.index(DEFAULT)[0]

    def index_of(self, server: int | None) -> CoverageIndex:
        """The index of the coverage ``server`` reads, up to date."""
        return self._indexes.index(self.reads(server))[0]

    @property
    def reader(self) -> Reader:
        """The semantic reader answers use (:data:`NO_READER` without the ``semantic`` extra or when it is off)."""
        return self._reader if self._reader is not None else NO_READER
