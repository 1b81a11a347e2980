"""NewsService: the one object the command line, the Discord bot, the feed poller and the operator's tools talk to.

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
Discord's permissions say (:meth:`~bot.service.part.ServicePart.writes`).

**Layout.** One part per area, composed in :mod:`bot.service.news`:

- :mod:`~bot.service.part`: the shared state and the coverage rules every part goes through;
- :mod:`~bot.service.articles`: adding, removing, importing, exporting and looking up articles;
- :mod:`~bot.service.questions`: answers, timelines and charts, outlets, stats;
- :mod:`~bot.service.vectors`: sentence vectors for the semantic reader;
- :mod:`~bot.service.feeds`: feed subscriptions' records;
- :mod:`~bot.service.servers`: the Discord servers the bot is in;
- :mod:`~bot.service.operations`: backup, health, the slash commands' sync state;
- :mod:`~bot.service.seeding`: the shipped corpus, loaded into a new store.

A new operation is a method of the part of its area, or a new part (a module with one ``ServicePart`` subclass)
added to ``NewsService``'s bases; see DEVELOPING.md.
"""

from __future__ import annotations

from bot.service.news import NewsService
from bot.service.operations import command_signature
from bot.service.part import DEFAULT, CoverageMode, check_server_id
from bot.service.seeding import shipped_corpus_dir

__all__ = ["DEFAULT", "CoverageMode", "NewsService", "check_server_id", "command_signature", "shipped_corpus_dir"]
