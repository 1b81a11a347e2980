"""The PostgreSQL store: the same rows classes as the SQLite store, over :class:`PgConnection`.

For processes on several hosts that answer from one coverage (``NEWSBOT_DATABASE_URL``). What differs from SQLite is
only what the server does for itself: backups are the operator's ``pg_dump`` (the server's tools, consistent while
newsbot writes, and what its replicas build on), so :meth:`PgStore.backup_file` says so instead of copying a file.
"""

from __future__ import annotations

from pathlib import Path

from bot.core.errors import InvalidInput
from bot.storage.alerts import AlertRows
from bot.storage.answers import AnswerRows
from bot.storage.articles import ArticleRows
from bot.storage.changes import ChangeLog
from bot.storage.feedback import FeedbackRows
from bot.storage.feeds import FeedRows
from bot.storage.gaps import GapRows
from bot.storage.leases import LeaseRows
from bot.storage.pg_connection import PgConnection
from bot.storage.pg_listen import ChangeListener
from bot.storage.servers import ServerRows
from bot.storage.store import POSTGRESQL_BACKUPS

__all__ = ["PgStore"]


class PgStore(
    ArticleRows, ChangeLog, FeedRows, LeaseRows, ServerRows, AnswerRows, GapRows, FeedbackRows, AlertRows, PgConnection
):
    """Articles in PostgreSQL. Thread-safe: a small pool of connections (callers run it off the event loop)."""

    def change_feed(self) -> ChangeListener:
        """Every committed change, as the server notifies it (a connection of its own, LISTENing)."""
        return ChangeListener(self.url)

    def backup_file(self, target: Path) -> int:
        raise InvalidInput(POSTGRESQL_BACKUPS)
