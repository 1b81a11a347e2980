"""``FakeDiscord``: the world with its gateway, REST API and interactions, served on 127.0.0.1, with
discord.py pointed at it while it runs; and the pytest helpers that start it and a bot."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest_asyncio
import yarl
from aiohttp import web

from tests.fakediscord.interactions import Interactions
from tests.fakediscord.protocol import ACKNOWLEDGE_WITHIN
from tests.fakediscord.world import discord


class FakeDiscord(Interactions):
    """A fake Discord server. Use as ``async with FakeDiscord() as fake:``."""

    def __init__(
        self,
        *,
        token: str = "fake-token",
        guild_name: str = "Fake Guild",
        bot_name: str = "NewsBot",
        heartbeat_interval_ms: int = 41250,
        emulate_message_content: bool = True,
        echo_bot_messages: bool = True,
        clock: Callable[[], float] = time.monotonic,
        acknowledge_within: float = ACKNOWLEDGE_WITHIN,
    ) -> None:
        super().__init__(
            token=token,
            guild_name=guild_name,
            bot_name=bot_name,
            heartbeat_interval_ms=heartbeat_interval_ms,
            emulate_message_content=emulate_message_content,
            echo_bot_messages=echo_bot_messages,
            clock=clock,
            acknowledge_within=acknowledge_within,
        )
        self._runner: web.AppRunner | None = None
        self._saved_patches: tuple[str, yarl.URL] | None = None

    # ---------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        await self.stop()
        if self.server_errors and exc_type is None:
            raise RuntimeError(f"fakediscord handlers raised: {self.server_errors!r}")

    async def start(self) -> None:
        """Start the server and point discord.py at it."""
        if self._runner is not None:
            raise RuntimeError("FakeDiscord already started")
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        self._add_routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]

        self._saved_patches = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

    async def stop(self) -> None:
        """Stop any bot still running, close connections, stop the server and undo the patches."""
        for bot in list(self._bots):
            await self.stop_bot(bot)
        for conn in self._connections:
            if not conn.ws.closed:
                await conn.close(1001, b"")
        self._connections.clear()
        self._end_sessions()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._saved_patches is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved_patches
            self._saved_patches = None

    async def start_bot(
        self,
        bot: discord.Client,
        token: str | None = None,
        *,
        timeout: float = 60.0,  # generous: a loaded CI machine; a bot that never gets ready still fails
        guild_ready_timeout: float | None = 0.05,
    ) -> None:
        """Run ``bot.start(token)`` in a task and wait until the bot is ready.

        discord.py waits ``guild_ready_timeout`` (2 s by default) after the last GUILD_CREATE before
        firing ``on_ready``; this lowers it on the bot's connection state to keep tests fast
        (pass ``None`` to keep the bot's own value).
        """
        if guild_ready_timeout is not None:
            bot._connection.guild_ready_timeout = guild_ready_timeout
        task = asyncio.create_task(bot.start(token or self.token), name="fakediscord-bot")
        self._bots[bot] = task
        deadline = asyncio.get_running_loop().time() + timeout
        while not bot.is_ready():
            if task.done():
                self._bots.pop(bot, None)
                await bot.close()  # discord.py does not close its HTTP session when start() fails
                exc = task.exception()
                raise RuntimeError(
                    f"bot.start() ended before the bot became ready; requests: {self.requests[-10:]}"
                ) from exc
            if asyncio.get_running_loop().time() > deadline:
                await self.stop_bot(bot)
                raise TimeoutError(f"bot not ready after {timeout}s; requests: {self.requests[-10:]}")
            await asyncio.sleep(0.01)

    async def stop_bot(self, bot: discord.Client, *, timeout: float = 5.0) -> None:
        """Close the bot (HTTP session, gateway, heartbeat thread) and wait for its task to end."""
        task = self._bots.pop(bot, None)
        sessions = _session_ids(bot)
        await bot.close()
        # Its sessions end (discord.py closes with 4000, which would leave them resumable), other bots' go on.
        self._end_sessions(None if not self._bots else sessions)
        if task is not None:
            try:
                await asyncio.wait_for(task, timeout)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                raise


def _session_ids(bot: discord.Client) -> set[str]:
    """The ids of the gateway sessions ``bot`` holds (one a shard of an auto-sharded client)."""
    if isinstance(bot, discord.AutoShardedClient):
        sockets = [info._parent.ws for info in bot.shards.values()]
    else:
        sockets = [bot.ws]
    return {ws.session_id for ws in sockets if ws is not None and ws.session_id is not None}


# --------------------------------------------------------------------------------------------
# pytest helpers (import them into conftest.py)
# --------------------------------------------------------------------------------------------


async def fake_discord_fixture() -> AsyncIterator[FakeDiscord]:
    """Plain async generator behind the ``fake_discord`` fixture, to wrap in your own fixture."""
    async with FakeDiscord() as fake:
        yield fake


fake_discord = pytest_asyncio.fixture(fake_discord_fixture, name="fake_discord")
fake_discord.__doc__ = """Fixture: a started ``FakeDiscord`` (stopped, with any bot it runs, after the test).
In conftest.py: ``from tests.fakediscord import fake_discord  # noqa: F401``."""


@contextlib.asynccontextmanager
async def bot_running(fake: FakeDiscord, bot: discord.Client, **kwargs: Any) -> AsyncIterator[discord.Client]:
    """``async with bot_running(fake, bot):`` start ``bot`` against ``fake`` and always stop it."""
    await fake.start_bot(bot, **kwargs)
    try:
        yield bot
    finally:
        await fake.stop_bot(bot)
