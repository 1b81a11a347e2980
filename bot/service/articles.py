"""The articles part of the service: adding, removing, looking up, importing and exporting a coverage's articles.

Every change goes to the store first, in one transaction, through :meth:`ServicePart.writes` (which coverage the
request may change); the indexes catch up on the next read. Added articles are handed to the embedding worker
(:mod:`bot.service.vectors`) so that they are answerable by BM25 at once and by the semantic reader soon after.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.errors import DuplicateArticle, InvalidArticle
from bot.core.models import Article, ArticleIn, AuditEntry, date_sort_key, future_date_problem
from bot.search.index import ArticleRef
from bot.search.keeper import DEFAULT
from bot.service.part import ServicePart
from bot.service.seeding import seed_default_collection
from bot.storage.keys import DuplicateKeys
from bot.storage.protocol import NewsStore

if TYPE_CHECKING:
    from bot.intake.bulk import ImportPlan

__all__ = ["ArticlesPart"]


class _Coverage:
    """One coverage of the store, as an import plan looks things up in it (:class:`bot.intake.bulk.StoredArticles`)."""

    def __init__(self, store: NewsStore, server: int) -> None:
        self._store, self._server = store, server

    def articles_by_id(self, ids: Collection[str]) -> dict[str, Article]:
        return self._store.articles_by_id(self._server, ids)

    def duplicate_ids(self, keys: Collection[DuplicateKeys]) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
        return self._store.duplicate_ids(self._server, keys)


class ArticlesPart(ServicePart):
    """A coverage's articles: changes (checked against who may make them) and lookups."""

    # --- changes ---------------------------------------------------------------------------------------------

    def seed(self, corpus_dir: Path) -> int:
        """Load ``corpus_dir`` into the default collection once per corpus version (see
        :mod:`bot.service.seeding`); how many were added."""
        added = seed_default_collection(self._store, corpus_dir)
        self._indexes.wrote(DEFAULT)
        return added

    def add(
        self, article: ArticleIn, *, actor: str, allow_same_text: bool = False, server: int | None = None
    ) -> Article:
        """Store an article in the coverage ``server`` changes; answerable at once (the next read catches up)."""
        self._check_dates([article])
        where = self.writes(server)
        stored = self._store.add(where, article, actor=actor, allow_same_text=allow_same_text, guild_id=server)
        self._indexes.wrote(where)  # answerable here at once, before the change's notification arrives
        self._embed([stored])
        self._articles_added(where, [stored])
        return stored

    def add_many(
        self, articles: list[ArticleIn], *, actor: str, action: str = "import", server: int | None = None
    ) -> list[Article]:
        """Store many articles in one transaction (all or none)."""
        self._check_dates(articles)
        where = self.writes(server)
        stored = self._store.add_many(where, articles, actor=actor, action=action, guild_id=server)
        self._indexes.wrote(where)
        self._embed(stored)
        self._articles_added(where, stored)
        return stored

    def _check_dates(self, articles: Sequence[ArticleIn]) -> None:
        """Refuse an article dated in the future, unless the operator allows it (NEWSBOT_ALLOW_FUTURE_DATES)."""
        if self._allow_future_dates:
            return
        for article in articles:
            problem = future_date_problem(article.date)
            if problem is not None:
                raise InvalidArticle(f"{article.title[:80]!r}: {problem}")

    def _embed(self, articles: Sequence[Article]) -> None:
        """Hand added articles to the background worker: the add returns at once, answerable by BM25 until their
        vectors are stored."""
        if self._embedder is not None:
            self._embedder.submit(articles)

    def remove(self, article_id: str, *, actor: str, reason: str | None = None, server: int | None = None) -> Article:
        """Take an article out of the coverage ``server`` changes (a default-collection article is only hidden
        from that server's coverage)."""
        where = self.writes(server)
        removed = self._store.remove(where, article_id, actor=actor, reason=reason, guild_id=server)
        self._indexes.wrote(where)
        self._article_removed(where, removed.id)
        return removed

    def find_duplicate(self, article: ArticleIn, *, server: int | None = None) -> DuplicateArticle | None:
        """The error that adding ``article`` from ``server`` would raise as a duplicate, or None (checked before a
        preview); PermissionDenied when that server may not change any coverage."""
        return self._store.find_duplicate(self.writes(server), article)

    def plan_import(
        self, items: list[tuple[str, ArticleIn]], errors: list[str], *, server: int | None = None
    ) -> ImportPlan:
        """What importing ``items`` from ``server`` would do (see :func:`bot.intake.bulk.plan_import`)."""
        from bot.intake.bulk import plan_import

        return plan_import(
            _Coverage(self._store, self.writes(server)), items, errors, allow_future_dates=self._allow_future_dates
        )

    # --- lookups ---------------------------------------------------------------------------------------------

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

    def article_with_url(self, url: str, *, server: int | None = None) -> Article | None:
        """The article of the coverage ``server`` reads whose URL normalises like ``url``, if any."""
        return self._store.article_with_url(self.reads(server), url)

    def count(self, *, server: int | None = None) -> int:
        """How many articles the coverage ``server`` reads holds."""
        return self._store.count(self.reads(server))

    def version(self) -> int:
        """The number of the newest change to any coverage, in any process (it only grows)."""
        return self._store.version()

    def log(self, limit: int = 50, *, server: int | None = None, every_server: bool = False) -> list[AuditEntry]:
        """The audit trail, newest first: of the coverage ``server`` reads (its own changes, or the default
        collection's), or with ``every_server`` of every coverage."""
        return self._store.audit(limit, None if every_server else (self.reads(server),))

    def export(self, directory: Path, *, server: int | None = None, replace: bool = False) -> int:
        """Write every article of the coverage ``server`` reads to ``directory`` in the corpus/ format: an empty
        folder, or, with ``replace``, replacing what it holds."""
        from bot.intake.bulk import export_corpus

        return export_corpus(self._store.iter_all(self.reads(server)), directory, replace=replace)
