"""Processes that share one store: hearing of each other's changes, and doing once-only work once.

Several processes may share a store: shards on one host over one SQLite file, or (issue 15) processes on several
hosts over one PostgreSQL database. Two things need them to work together:

- **Changes.** A change committed by any process must be answerable in every other. On SQLite every read checks
  the change log's newest number (a local read); a long-running process on a store that announces its commits (the
  store's change feed, PostgreSQL's LISTEN) follows them instead (:meth:`CoordinationPart.follow_changes`): its
  loaded indexes catch up as changes are committed, and a read asks nothing of the store (see
  :mod:`bot.search.keeper`).
- **Once-only work.** A background job such as the feed poll is run by one process per period: the first to ask
  once it is due takes its lease in the store (:mod:`bot.storage.leases`; :mod:`bot.feeds.schedule` runs it).
"""

from __future__ import annotations

import os
import socket
import uuid

from bot.service.part import ServicePart

__all__ = ["CoordinationPart", "holder_name"]


def holder_name() -> str:
    """This process, as the holder of a lease: host, process id and a random part (a pid is reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class CoordinationPart(ServicePart):
    """Following the other processes' changes, and leases on once-only work."""

    def follow_changes(self) -> None:
        """For a long-running process (the bot): hear of every other process's changes as they are committed, so
        they are answerable here at once without asking the store before each question (nothing to start on
        SQLite, whose reads check the change log locally)."""
        self._change_feed.start(self._indexes)

    def claim_job(self, name: str, *, every: float, ttl: float) -> bool:
        """Take job ``name`` for this process if it is due (last started ``every`` seconds ago) and no other
        process holds it; the lease lasts ``ttl`` seconds unless renewed."""
        return self._store.claim_lease(name, self._holder, every=every, ttl=ttl)

    def renew_job(self, name: str, *, ttl: float) -> bool:
        """Keep job ``name`` for ``ttl`` more seconds; False when another process has taken it over."""
        return self._store.renew_lease(name, self._holder, ttl=ttl)

    def release_job(self, name: str) -> None:
        """Job ``name`` is done: the next process to ask once it is due again may run it."""
        self._store.release_lease(name, self._holder)
