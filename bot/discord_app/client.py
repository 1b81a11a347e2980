"""NewsBot, the discord.py client, and the two ways to start it: ``run_bot`` and ``sync_commands``.

Resources are built once and passed in (discord.py's advanced_startup example): the service and the settings go
into the bot, and the cogs take them from it. The bot subscribes only to the intents it uses (:func:`intents`); a
message that mentions it, or a DM, carries its content without the privileged message-content intent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.core.config import Settings
from bot.core.errors import ConfigError, DiscordUnreachable
from bot.discord_app.replies import NO_PINGS, report_error
from bot.service import NewsService, command_signature
from bot.service.workers import AnswerWorkers

__all__ = ["NewsBot", "build_bot", "command_payload", "intents", "run_bot", "sync_commands"]

log = logging.getLogger("newsbot")
T = TypeVar("T")

ANSWER_THREADS = 2  # questions answered at once (one a core); the others wait their turn, already acknowledged


class NewsTree(app_commands.CommandTree["NewsBot"]):
    """Errors of every slash command end here and are told to the user privately (:func:`report_error`)."""

    async def on_error(self, interaction: discord.Interaction[NewsBot], error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)


def intents() -> discord.Intents:
    """Only what the bot uses: guilds (its servers and channels), guild messages (mentions) and direct messages
    (questions in DMs). No typing, presences, reactions, voice, invites, polls or scheduled events; nothing
    privileged (a message that mentions the bot, and any DM, carries its text without Message Content)."""
    return discord.Intents(guilds=True, guild_messages=True, dm_messages=True)


class NewsBot(commands.AutoShardedBot):
    """The bot: slash commands in cogs, answers to mentions, nothing that pings.

    Sharded (discord.py's AutoShardedBot): one process runs every shard Discord recommends, or, with
    NEWSBOT_SHARD_COUNT and NEWSBOT_SHARD_IDS, only its share of them, so several processes can split a big bot."""

    def __init__(
        self,
        *,
        service: NewsService,
        settings: Settings,
        sync_dev_guild: bool = True,
        background_tasks: bool = True,
        **options: Any,
    ) -> None:
        options.setdefault("intents", intents())
        if settings.shard_count is not None:
            options.setdefault("shard_count", settings.shard_count)
            if settings.shard_ids:
                options.setdefault("shard_ids", settings.shard_ids)
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            allowed_mentions=NO_PINGS,
            tree_cls=NewsTree,
            **options,
        )
        self.service = service
        self.settings = settings
        self.started = time.monotonic()
        # Answers run in a few threads of their own: with one thread per pending question (the default
        # executor's), dozens of answerers take turns at the GIL with the event loop, which then wakes late and
        # acknowledges interactions late; two keep both cores busy and the loop's wait for the GIL short.
        self.answering = ThreadPoolExecutor(max_workers=ANSWER_THREADS, thread_name_prefix="newsbot-answer")
        # With NEWSBOT_ANSWER_PROCESSES (the default), answers run in worker processes instead, which hold no GIL of
        # the loop's at all (bot.service.workers); only a running bot starts them, not `newsbot sync`.
        processes = settings.answer_processes if background_tasks else 0
        self.answer_workers = AnswerWorkers(settings, processes) if processes else None
        self._sync_dev_guild = sync_dev_guild
        self.background_tasks = background_tasks  # the feed poller; off when the bot only computes its commands
        self.stopping = False  # set on SIGTERM: replies in flight finish, new questions are turned away
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.asynccontextmanager
    async def reply_in_flight(self) -> AsyncIterator[None]:
        """Marks a reply being prepared, so that a shutdown waits for it (see :meth:`drain`)."""
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def drain(self, timeout: float) -> bool:
        """Stop taking questions and wait for the replies in flight; False if some were still running."""
        self.stopping = True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("stopping with %d replies still in flight", self._in_flight)
            return False
        return True

    async def answer(self, work: Callable[..., T], *args: Any) -> T:
        """``work(service, *args)`` off the event loop: in an answering worker process (with its own service over
        the same store), or in one of the answering threads with this bot's service. ``work`` must be a
        module-level function, so that a worker can be sent it by name."""
        if self.answer_workers is not None:
            return await asyncio.wrap_future(self.answer_workers.submit(work, *args))
        return await asyncio.get_running_loop().run_in_executor(self.answering, work, self.service, *args)

    async def add_cogs(self) -> None:
        """Every feature's cog; done in setup_hook, and without logging in to compute the command payload."""
        from bot.discord_app.ask import AskCog
        from bot.discord_app.compare import CompareCog
        from bot.discord_app.corpus import CorpusCog
        from bot.discord_app.feeds import FeedsCog
        from bot.discord_app.help import HelpCog
        from bot.discord_app.sources import SourcesCog
        from bot.discord_app.timeline import TimelineCog

        for cog in (
            AskCog(self),
            TimelineCog(self),
            SourcesCog(self),
            CompareCog(self),
            CorpusCog(self),
            FeedsCog(self),
            HelpCog(self),
        ):
            await self.add_cog(cog)

    def command_payload(self) -> list[dict[str, Any]]:
        """The slash commands as Discord receives them when they are synced."""
        return [command.to_dict(self.tree) for command in self.tree.get_commands()]

    async def sync_to(self, guild_id: int | None) -> list[str]:
        """Sync the commands to one guild, or globally; remember what was synced (``newsbot doctor`` reads it)."""
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        signature = command_signature(self.command_payload())
        target = f"guild {guild_id}" if guild_id else "global"
        await asyncio.to_thread(self.service.record_command_sync, signature, target)
        return [command.name for command in synced]

    async def clear_from(self, guild_id: int | None) -> list[str]:
        """Remove every slash command from one guild, or the global ones; the names that were there. Other scopes
        keep theirs (a guild copy and the global copy show every command twice in that guild)."""
        guild = discord.Object(id=guild_id) if guild_id is not None else None
        there = await self.tree.fetch_commands(guild=guild)
        self.tree.clear_commands(guild=guild)
        await self.tree.sync(guild=guild)
        target = f"guild {guild_id}" if guild_id else "global"
        await asyncio.to_thread(self.service.record_command_clear, target)
        return [command.name for command in there]

    async def setup_hook(self) -> None:
        # Load (or build) the search index and the compiled search loops before the first question, in a worker
        # thread, so that no one's question waits for them and the event loop keeps serving the gateway meanwhile.
        await asyncio.to_thread(self.service.warm_up)
        if self.answer_workers is not None:  # after the warm-up, which saved the index the workers load
            pids = await asyncio.to_thread(self.answer_workers.start)
            log.info("answering in %d worker processes (%s)", len(pids), ", ".join(map(str, pids)))
        # The semantic reader's model loads, and missing sentence vectors are computed, in background threads:
        # until then answers rest on BM25 (returns at once; nothing happens without the semantic extra).
        self.service.start_embedding()
        await self.add_cogs()
        if self.background_tasks:
            # Other processes' changes (other shards, other hosts, the command line) are heard of as they are
            # committed, on PostgreSQL; on SQLite every read checks the change log as before.
            self.service.follow_changes()
            self.unload_idle_indexes.start()
            self.prune_kept.start()
        if self._sync_dev_guild and self.settings.dev_guild_id:
            names = await self.sync_to(self.settings.dev_guild_id)
            log.info("synced %d commands to the development guild %s", len(names), self.settings.dev_guild_id)

    @tasks.loop(minutes=5.0)
    async def unload_idle_indexes(self) -> None:
        """Every few minutes, the indexes of servers not asked for NEWSBOT_INDEX_IDLE_MINUTES are saved and let go,
        even when no question comes to trigger it: an idle server costs no memory."""
        try:
            unloaded = await asyncio.to_thread(self.service.unload_idle_indexes)
        except Exception:  # noqa: BLE001 - a failed unload must not stop the loop; the next round tries again
            log.warning("could not unload idle indexes", exc_info=True)
        else:
            if unloaded:
                log.info("unloaded the indexes of %d idle servers", unloaded)

    @tasks.loop(hours=1.0)
    async def prune_kept(self) -> None:
        """At start and every hour, what is kept of people's questions beyond its days is deleted: knowledge gaps
        (NEWSBOT_KEEP_GAPS), sent answers and their votes (NEWSBOT_KEEP_ANSWERS)."""
        for what, prune in (("knowledge gaps", self.service.prune_gaps), ("answers", self.service.prune_answers)):
            try:
                pruned = await asyncio.to_thread(prune)
            except Exception:  # noqa: BLE001 - a failed pruning must not stop the loop; the next round tries again
                log.warning("could not delete the expired %s", what, exc_info=True)
            else:
                if pruned:
                    log.info("deleted %d expired %s", pruned, what)

    async def close(self) -> None:
        self.unload_idle_indexes.cancel()
        self.prune_kept.cancel()
        await super().close()
        self.answering.shutdown(wait=False, cancel_futures=True)
        if self.answer_workers is not None:
            await asyncio.to_thread(self.answer_workers.close)  # waits for the workers to exit: none is left

    async def on_ready(self) -> None:
        user = self.user
        log.info("ready as %s (%s) in %d guilds", user, user.id if user else "?", len(self.guilds))
        await self._record_servers(self.guilds)

    async def _record_servers(self, guilds: Sequence[discord.Guild]) -> None:
        """Remember the servers the bot is in, with their names (``newsbot servers``, ``--server`` checks)."""
        known = [(g.id, None if g.unavailable else g.name) for g in guilds]
        try:
            await asyncio.to_thread(self.service.record_servers, known)
        except Exception:  # noqa: BLE001 - a listing's names must never stop the bot
            log.warning("could not record the servers the bot is in", exc_info=True)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """A new server starts from the default collection: nothing to copy, only its name to remember."""
        log.info("joined guild %s", guild.id)
        await self._record_servers([guild])

    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self._record_servers([guild])

    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        if before.name != after.name:
            await self._record_servers([after])

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Left (or removed from) a server: its coverage is kept, in case the bot is invited back."""
        log.info("left guild %s", guild.id)
        try:
            await asyncio.to_thread(self.service.server_left, guild.id)
        except Exception:  # noqa: BLE001
            log.warning("could not record leaving guild %s", guild.id, exc_info=True)

    async def on_message(self, message: discord.Message) -> None:
        """Mentions are questions (handled by the ask cog); there are no prefix commands to process."""
        return None


def build_bot(settings: Settings, *, sync_dev_guild: bool = True, service: NewsService | None = None) -> NewsBot:
    """The bot as ``newsbot run`` builds it (tests start it the same way)."""
    service = service or NewsService.open(settings)
    return NewsBot(service=service, settings=settings, sync_dev_guild=sync_dev_guild)


def _token(settings: Settings) -> str:
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        raise ConfigError("DISCORD_TOKEN is not set: put the bot's token in the environment (see the README)")
    return settings.discord_token.get_secret_value().strip()


async def _run(settings: Settings) -> None:
    token = _token(settings)
    bot = build_bot(settings)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def stop() -> None:
        log.info("stopping: finishing the replies in flight")
        bot.stopping = True  # at once: questions that arrive from now on are turned away
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not on this platform
            pass
    async with bot:
        runner = asyncio.create_task(bot.start(token))
        waiter = asyncio.create_task(stopping.wait())
        done, _ = await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if runner in done:
            waiter.cancel()
            runner.result()  # a login failure or a crash: raise it
        else:
            await bot.drain(timeout=20)
            await bot.close()
            await asyncio.wait_for(asyncio.shield(runner), timeout=10)
    bot.service.close()


LOG_FORMAT = "[{asctime}] [{levelname:<8}] {name}: {message}"  # the documented format, plain in any terminal


def log_formatter() -> logging.Formatter:
    """Plain log lines. discord.py's own default colours them when it thinks the terminal can (and always inside
    Docker, where it finds ``/.dockerenv``), which puts escape codes into log files and journald."""
    return logging.Formatter(LOG_FORMAT, "%Y-%m-%d %H:%M:%S", style="{")


@contextlib.contextmanager
def discord_errors() -> Iterator[None]:
    """A refused token or an unreachable Discord as one line that says what to do, not a traceback."""
    try:
        yield
    except discord.LoginFailure:
        raise ConfigError(
            "Discord refused the token in DISCORD_TOKEN: copy it again from the developer portal (your application, "
            "Bot, Reset Token) and set it without quotes or spaces"
        ) from None
    except discord.PrivilegedIntentsRequired:  # pragma: no cover - newsbot asks for no privileged intent
        raise ConfigError("Discord refused an intent the bot asked for: see the README's setup") from None
    except (aiohttp.ClientConnectionError, OSError, TimeoutError) as exc:
        raise DiscordUnreachable(
            f"cannot reach Discord ({type(exc).__name__}: {exc}): check the network connection, a proxy or "
            "firewall, and https://discordstatus.com, then try again"
        ) from None


def run_bot(settings: Settings) -> None:
    """Start the bot and run until SIGTERM/SIGINT; then close the gateway and the database and return."""
    _token(settings)
    NewsService.verify_database(settings)  # a damaged database stops the start, saying what to do
    discord.utils.setup_logging(level=getattr(logging, settings.log_level), formatter=log_formatter())
    with discord_errors():
        asyncio.run(_run(settings))


async def _sync(settings: Settings, guild_id: int | None, *, clear: bool = False) -> list[str]:
    token = _token(settings)
    service = NewsService.open(settings)
    bot = NewsBot(service=service, settings=settings, sync_dev_guild=False, background_tasks=False)
    async with bot:
        await bot.login(token)
        names = await (bot.clear_from(guild_id) if clear else bot.sync_to(guild_id))
    bot.service.close()
    return names


async def _payload(settings: Settings, service: NewsService) -> list[dict[str, Any]]:
    bot = NewsBot(service=service, settings=settings, sync_dev_guild=False, background_tasks=False)
    await bot.add_cogs()
    return bot.command_payload()


def command_payload(settings: Settings, service: NewsService) -> list[dict[str, Any]]:
    """The slash commands' definitions, computed offline (for ``newsbot doctor``)."""
    return asyncio.run(_payload(settings, service))


def sync_commands(settings: Settings, guild_id: int | None = None, *, clear: bool = False) -> list[str]:
    """Register the slash commands with Discord, in one guild (at once) or globally (may take up to an hour); with
    ``clear``, remove them from that scope instead. The names synced (or removed)."""
    with discord_errors():
        return asyncio.run(_sync(settings, guild_id, clear=clear))
