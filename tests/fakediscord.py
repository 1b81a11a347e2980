"""A local fake Discord (REST + gateway) for end-to-end tests of a discord.py bot.

``FakeDiscord`` runs an aiohttp server on ``127.0.0.1`` (random port) that speaks enough of the
Discord HTTP API (v10) and gateway protocol for a real, unmodified :class:`discord.ext.commands.Bot`
to log in, receive ``READY``/``GUILD_CREATE``, get messages and interactions, answer them, sync
application commands, survive 429s and resume after an op 7 RECONNECT. While it runs it points
``discord.http.Route.BASE`` (also used by the interaction/webhook adapter) and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` at itself and restores them on exit.

Nothing leaves ``127.0.0.1``. The fake keeps a record of every REST call (``fake.requests``), every
message (``fake.messages_in(channel_id)``) and every interaction response, so tests can assert on
exactly what the bot did.

Example::

    import discord
    import pytest
    from discord.ext import commands

    from tests.fakediscord import CHANNEL_MESSAGE, FakeDiscord, bot_running


    @pytest.mark.asyncio
    async def test_ping_and_mention() -> None:
        bot = commands.Bot(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
        )

        @bot.tree.command(description="Replies pong")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

        @bot.listen("on_message")
        async def on_message(message: discord.Message) -> None:
            if bot.user in message.mentions:
                await message.reply("hi!")

        async with FakeDiscord() as fake, bot_running(fake, bot):
            ix = await fake.slash("ping", user=fake.member)
            reply = await ix.callback()  # the initial response
            assert (reply.type, reply.content, reply.ephemeral) == (CHANNEL_MESSAGE, "pong", True)

            sent = await fake.send_message("hello", mentions_bot=True)
            answer = await fake.wait_for_bot_message(after=sent)
            assert answer["content"] == "hi!"
            assert answer["message_reference"]["message_id"] == sent["id"]

Default world: one guild (``fake.guild_id``) with text channels ``#general`` (``fake.channel_id``)
and ``#news`` (``fake.other_channel_id``); users ``fake.owner`` (guild owner, also holds
``fake.mod_role`` which has MANAGE_MESSAGES), ``fake.member`` (plain member) and the bot itself
(``fake.bot_user``). Interactions and messages default to ``fake.owner`` as the acting user.

Behaviour worth knowing (it mirrors real Discord):

* Without the MESSAGE_CONTENT intent, MESSAGE_CREATE for user messages that do not mention the bot
  carries empty ``content``/``embeds``/``attachments``/``components`` (``emulate_message_content``).
* Messages the bot posts are echoed back to it as MESSAGE_CREATE / MESSAGE_UPDATE / MESSAGE_DELETE
  (ephemeral ones are not), like Discord does (``echo_bot_messages``).
* After a deferred response (callback type 5) the *first* followup replaces the "thinking" message:
  it keeps the defer's ephemerality, whatever the followup's own flags say.
* An interaction can be acknowledged only once (a second callback gets 400 / code 40060); messages
  over 2000 characters, with more than 10 embeds, or empty get 400 like on Discord.
* A route the fake does not know answers 404 and is listed in ``fake.unhandled_requests``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import time
import uuid
import warnings
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest_asyncio
import yarl
from aiohttp import BodyPartReader, WSMsgType, web

with warnings.catch_warnings():
    # discord.py imports the stdlib ``audioop`` (deprecated in 3.11+) for voice; under
    # ``filterwarnings = ["error"]`` that is an import error unless the config ignores it.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    import discord.gateway
    import discord.http

__all__ = [
    "AUTOCOMPLETE_RESULT",
    "CHANNEL_MESSAGE",
    "DEFERRED_CHANNEL_MESSAGE",
    "DEFERRED_UPDATE_MESSAGE",
    "EPHEMERAL",
    "LOADING",
    "MODAL",
    "UPDATE_MESSAGE",
    "BotReply",
    "FakeChannel",
    "FakeDiscord",
    "FakeFile",
    "FakeInteraction",
    "FakeRole",
    "FakeUser",
    "RecordedFile",
    "RecordedRequest",
    "bot_running",
    "fake_discord",
    "fake_discord_fixture",
]

# Interaction callback types (what the bot answered with).
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9
# Message flags.
EPHEMERAL = 1 << 6
LOADING = 1 << 7
_SUPPRESS_EMBEDS = 1 << 2
_SUPPRESS_NOTIFICATIONS = 1 << 12
_COMPONENTS_V2 = 1 << 15

# Interaction types (what the user did).
_APPLICATION_COMMAND = 2
_MESSAGE_COMPONENT = 3
_AUTOCOMPLETE = 4
_MODAL_SUBMIT = 5

# Gateway intents the fake honours.
_INTENT_GUILDS = 1 << 0
_INTENT_GUILD_MESSAGES = 1 << 9
_INTENT_MESSAGE_CONTENT = 1 << 15

_DISCORD_EPOCH_MS = 1420070400000
_API_PREFIX = "/api/v10"
_SELECT_TYPES = (3, 5, 6, 7, 8)
_MENTION_RE = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION_RE = re.compile(r"<@&(\d+)>")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class _Snowflakes:
    """Real-looking, strictly increasing snowflakes (so ``id`` order is creation order)."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        value = (int(time.time() * 1000) - _DISCORD_EPOCH_MS) << 22
        if value <= self._last:
            value = self._last + 1
        self._last = value
        return value


# --------------------------------------------------------------------------------------------
# World objects
# --------------------------------------------------------------------------------------------


@dataclass(eq=False)
class FakeUser:
    """A Discord user who is a member of the fake guild."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=_now_iso)

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def to_user(self) -> dict[str, Any]:
        """The user object as Discord sends it."""
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }


@dataclass(eq=False)
class FakeRole:
    """A guild role; ``permissions`` is the integer permission bit set."""

    id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    tags: dict[str, Any] | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.tags is not None:
            data["tags"] = self.tags
        return data


@dataclass(eq=False)
class FakeChannel:
    """A guild channel (``type`` 0 = text, 2 = voice, 4 = category, 5 = news...)."""

    id: int
    name: str
    type: int = 0
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def to_dict(self, guild_id: int) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "nsfw": self.nsfw,
            "topic": self.topic,
            "parent_id": None if self.parent_id is None else str(self.parent_id),
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }


@dataclass
class FakeFile:
    """A file a *user* attaches (to a message, or to an attachment option of a slash command)."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"
    description: str | None = None


@dataclass
class RecordedFile:
    """A file the *bot* uploaded in a multipart request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """One REST request the bot made. ``json`` is the JSON body, or ``payload_json`` for multipart."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    files: list[RecordedFile] = field(default_factory=list)
    status: int | None = None

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


def _walk_components(components: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for comp in components or ():
        yield comp
        if "components" in comp:
            yield from _walk_components(comp["components"])
        if "component" in comp:
            yield from _walk_components([comp["component"]])
        if "accessory" in comp:
            yield from _walk_components([comp["accessory"]])


@dataclass
class BotReply:
    """Something the bot did in answer to an interaction.

    ``kind`` is ``"callback"`` (the initial response; ``type`` is the callback type),
    ``"followup"``, ``"edit"`` (edit of the original response), ``"edit_followup"``, ``"delete"``
    or ``"delete_followup"``. ``payload`` is the callback's ``data`` / the webhook JSON body, and
    ``message`` a snapshot of the resulting message (``None`` when no message is involved).
    """

    kind: str
    type: int | None
    payload: dict[str, Any]
    files: list[RecordedFile] = field(default_factory=list)
    message: dict[str, Any] | None = None

    @property
    def content(self) -> str | None:
        if self.message is not None:
            return self.message.get("content")
        return self.payload.get("content")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        if self.message is not None:
            return self.message.get("embeds", [])
        return self.payload.get("embeds") or []

    @property
    def components(self) -> list[dict[str, Any]]:
        if self.message is not None:
            return self.message.get("components", [])
        return self.payload.get("components") or []

    @property
    def flags(self) -> int:
        if self.message is not None:
            return int(self.message.get("flags", 0))
        return int(self.payload.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        return self.payload.get("allowed_mentions")

    @property
    def attachments(self) -> list[dict[str, Any]]:
        if self.message is not None:
            return self.message.get("attachments", [])
        return self.payload.get("attachments") or []

    @property
    def choices(self) -> list[dict[str, Any]]:
        """Autocomplete choices (callback type 8)."""
        return self.payload.get("choices") or []

    @property
    def custom_id(self) -> str | None:
        """The modal's custom_id (callback type 9)."""
        return self.payload.get("custom_id")

    @property
    def title(self) -> str | None:
        """The modal's title (callback type 9)."""
        return self.payload.get("title")

    @property
    def message_id(self) -> int | None:
        return None if self.message is None else int(self.message["id"])

    def custom_ids(self) -> list[str]:
        """Every component custom_id in the reply (message components, or modal fields)."""
        return [c["custom_id"] for c in _walk_components(self.components) if "custom_id" in c]

    def component(self, custom_id: str) -> dict[str, Any]:
        for comp in _walk_components(self.components):
            if comp.get("custom_id") == custom_id:
                return comp
        raise KeyError(f"no component {custom_id!r}; have {self.custom_ids()}")


class FakeInteraction:
    """An interaction the fake sent to the bot, plus everything the bot answered to it."""

    def __init__(
        self, fake: FakeDiscord, payload: dict[str, Any], user: FakeUser, source_message_id: int | None
    ) -> None:
        self.fake = fake
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.user = user
        self.replies: list[BotReply] = []
        self.source_message_id = source_message_id
        self.original_message_id: int | None = None
        self.followup_message_ids: list[int] = []
        self.modal: dict[str, Any] | None = None
        self._deferred_loading = False

    def __repr__(self) -> str:
        return f"<FakeInteraction id={self.id} type={self.type} replies={[r.kind for r in self.replies]}>"

    @property
    def responded(self) -> bool:
        return any(r.kind == "callback" for r in self.replies)

    def _of_kind(self, kind: str) -> list[BotReply]:
        return [r for r in self.replies if r.kind == kind]

    @property
    def followups(self) -> list[BotReply]:
        return self._of_kind("followup")

    @property
    def edits(self) -> list[BotReply]:
        return self._of_kind("edit")

    async def callback(self, timeout: float = 5.0) -> BotReply:
        """Wait for the initial response (types 4 message, 5 defer, 6 deferred update, 7 update,
        8 autocomplete result, 9 modal)."""
        return await self.fake.wait_for(
            lambda: next(iter(self._of_kind("callback")), None),
            timeout,
            description=f"a response to interaction {self.id}",
        )

    response = callback

    async def followup(self, index: int = 0, timeout: float = 5.0) -> BotReply:
        """Wait for the ``index``-th followup message (``interaction.followup.send``)."""
        return await self.fake.wait_for(
            lambda: self.followups[index] if len(self.followups) > index else None,
            timeout,
            description=f"followup #{index} to interaction {self.id}",
        )

    async def edit(self, index: int = 0, timeout: float = 5.0) -> BotReply:
        """Wait for the ``index``-th edit of the original response (``edit_original_response``)."""
        return await self.fake.wait_for(
            lambda: self.edits[index] if len(self.edits) > index else None,
            timeout,
            description=f"edit #{index} of the original response to interaction {self.id}",
        )

    async def choices(self, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait for the autocomplete result and return its choices (``[{"name":..., "value":...}]``)."""
        reply = await self.callback(timeout)
        if reply.type != AUTOCOMPLETE_RESULT:
            raise AssertionError(f"expected an autocomplete result, got callback type {reply.type}")
        return reply.choices

    @property
    def original_message(self) -> dict[str, Any] | None:
        """Current state of the original response message (or the clicked message for components)."""
        if self.original_message_id is None:
            return None
        return self.fake.message(self.original_message_id)

    async def wait_for(self, predicate: Callable[[FakeInteraction], Any], timeout: float = 5.0) -> Any:
        """Wait until ``predicate(self)`` is truthy and return its value."""
        return await self.fake.wait_for(lambda: predicate(self), timeout, description=f"{self!r} condition")


# --------------------------------------------------------------------------------------------
# Internal helpers
# --------------------------------------------------------------------------------------------


class _ApiError(Exception):
    def __init__(self, status: int, message: str, code: int = 0, errors: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors:
            self.body["errors"] = errors


def _json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py only parses bodies whose Content-Type is *exactly* "application/json".
    # web.json_response would add "; charset=utf-8".
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json", headers=headers)


def _pattern_to_regex(pattern: str | re.Pattern[str]) -> re.Pattern[str]:
    if isinstance(pattern, re.Pattern):
        return pattern
    regex = ""
    for token in re.split(r"(\*\*|\*|\{[^}]*\})", pattern):
        if token == "**":
            regex += ".*"
        elif token == "*" or (token.startswith("{") and token.endswith("}")):
            regex += "[^/]+"
        else:
            regex += re.escape(token)
    return re.compile(regex + r"\Z")


@dataclass
class _Fault:
    method: str
    regex: re.Pattern[str]
    remaining: int
    status: int
    body: dict[str, Any]
    headers: dict[str, str]

    def matches(self, method: str, path: str) -> bool:
        return self.remaining > 0 and self.method in ("*", method) and bool(self.regex.match(path))


_RECORD = web.RequestKey("fake_record", RecordedRequest)


class _GatewayConnection:
    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.lock = asyncio.Lock()
        self.compressor = zlib.compressobj() if compress == "zlib-stream" else None
        self.intents = 0
        self.session_id: str | None = None

    async def send(self, frame: dict[str, Any]) -> None:
        if self.ws.closed:
            return
        raw = json.dumps(frame)
        async with self.lock:
            try:
                if self.compressor is not None:
                    data = self.compressor.compress(raw.encode()) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(raw)
            except ConnectionError:
                pass


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------


class FakeDiscord:
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
    ) -> None:
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.emulate_message_content = emulate_message_content
        self.echo_bot_messages = echo_bot_messages
        self._snowflake = _Snowflakes()

        self.application_id = self._snowflake()
        self.guild_id = self._snowflake()
        self.guild_name = guild_name
        self.bot_user = FakeUser(self._snowflake(), bot_name, bot=True)
        self.bot_id = self.bot_user.id

        perms = discord.Permissions
        everyone = perms(
            view_channel=True,
            send_messages=True,
            send_messages_in_threads=True,
            create_public_threads=True,
            read_message_history=True,
            embed_links=True,
            attach_files=True,
            add_reactions=True,
            use_external_emojis=True,
            use_application_commands=True,
            change_nickname=True,
            connect=True,
            speak=True,
        )
        self.roles: dict[int, FakeRole] = {}
        self.everyone_role = self._put_role(FakeRole(self.guild_id, "@everyone", everyone.value))
        self.mod_role = self._put_role(
            FakeRole(
                self._snowflake(),
                "Moderator",
                perms(manage_messages=True, kick_members=True, moderate_members=True, manage_threads=True).value,
                position=2,
                hoist=True,
            )
        )
        self.bot_role = self._put_role(
            FakeRole(
                self._snowflake(),
                bot_name,
                perms(manage_messages=True, embed_links=True, attach_files=True, send_messages=True).value,
                position=1,
                managed=True,
                tags={"bot_id": str(self.bot_id)},
            )
        )
        self.mod_role_id = self.mod_role.id
        self.bot_user.role_ids.append(self.bot_role.id)

        self.users: dict[int, FakeUser] = {self.bot_id: self.bot_user}
        self.owner = self.add_user("alice", global_name="Alice", roles=[self.mod_role])
        self.owner_id = self.owner.id
        self.member = self.add_user("bob", global_name="Bob")

        self.channels: dict[int, FakeChannel] = {}
        self.channel_id = self._put_channel(FakeChannel(self._snowflake(), "general", position=0)).id
        self.other_channel_id = self._put_channel(FakeChannel(self._snowflake(), "news", position=1)).id

        # What the bot did.
        self.requests: list[RecordedRequest] = []
        self.unhandled_requests: list[RecordedRequest] = []
        self.server_errors: list[Exception] = []  # exceptions raised inside the fake's handlers
        self.identify_payloads: list[dict[str, Any]] = []
        self.gateway_connects: list[dict[str, str]] = []  # query of every gateway connection
        self.presence_updates: list[dict[str, Any]] = []
        self.dispatched: list[dict[str, Any]] = []  # every DISPATCH frame sent, in order
        self.heartbeats = 0
        self.resume_count = 0
        self.replayed_frames = 0  # DISPATCH frames re-sent on RESUME
        self.interactions: dict[int, FakeInteraction] = {}

        self._messages: dict[int, dict[str, Any]] = {}
        self._deleted: set[int] = set()
        self._files: dict[int, tuple[bytes, str]] = {}
        self._commands: dict[int | None, list[dict[str, Any]]] = {}
        self._synthetic_command_ids: dict[tuple[str, int | None], int] = {}
        self._faults: list[_Fault] = []

        # Gateway session.
        self._conn: _GatewayConnection | None = None
        self._connections: list[_GatewayConnection] = []
        self._session_id: str | None = None
        self._session_intents = 0
        self._seq = 0
        self._session_frames: list[dict[str, Any]] = []
        self._dispatch_lock = asyncio.Lock()

        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._bots: dict[discord.Client, asyncio.Task[None]] = {}
        self._saved_patches: tuple[str, yarl.URL] | None = None
        self.port = 0

    # ---------------------------------------------------------------- lifecycle

    @property
    def http_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.http_base + _API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

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
                await conn.ws.close(code=1001)
        self._connections.clear()
        self._conn = None
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
        timeout: float = 10.0,
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
        await bot.close()
        self._session_id = None
        self._conn = None
        if task is not None:
            try:
                await asyncio.wait_for(task, timeout)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                raise

    # ---------------------------------------------------------------- waiting

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 5.0, *, description: str | None = None
    ) -> Any:
        """Wait until ``predicate()`` returns something truthy (re-checked after every request and
        gateway event) and return it. Raises ``TimeoutError`` with recent requests on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {description or predicate!r}; "
                    f"last requests: {self.requests[-8:]}"
                    + (f"; fake errors: {self.server_errors!r}" if self.server_errors else "")
                )
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.25))

    # ---------------------------------------------------------------- world building

    def _put_role(self, role: FakeRole) -> FakeRole:
        self.roles[role.id] = role
        return role

    def _put_channel(self, channel: FakeChannel) -> FakeChannel:
        self.channels[channel.id] = channel
        return channel

    def add_user(
        self,
        username: str,
        *,
        global_name: str | None = None,
        roles: Iterable[FakeRole | int] = (),
        bot: bool = False,
        nick: str | None = None,
    ) -> FakeUser:
        """Add a guild member (not announced over the gateway: the default intents lack GUILD_MEMBERS)."""
        user = FakeUser(
            self._snowflake(),
            username,
            global_name=global_name,
            bot=bot,
            role_ids=[r.id if isinstance(r, FakeRole) else int(r) for r in roles],
            nick=nick,
        )
        self.users[user.id] = user
        return user

    def add_role(self, name: str, permissions: discord.Permissions | int = 0, **kwargs: Any) -> FakeRole:
        """Create a role (before the bot connects, or the bot will not know it from GUILD_CREATE)."""
        value = permissions.value if isinstance(permissions, discord.Permissions) else int(permissions)
        return self._put_role(FakeRole(self._snowflake(), name, value, **kwargs))

    def add_channel(self, name: str, *, type: int = 0, topic: str | None = None) -> FakeChannel:
        """Create a channel (before the bot connects, or use ``dispatch('CHANNEL_CREATE', ...)``)."""
        position = len(self.channels)
        return self._put_channel(FakeChannel(self._snowflake(), name, type=type, position=position, topic=topic))

    def give_role(self, user: FakeUser, role: FakeRole | int) -> None:
        """Give ``user`` a role; later messages/interactions carry it (``fake.mod_role_id``...)."""
        role_id = role.id if isinstance(role, FakeRole) else int(role)
        if role_id not in self.roles:
            raise KeyError(f"unknown role {role_id}")
        if role_id not in user.role_ids:
            user.role_ids.append(role_id)

    def take_role(self, user: FakeUser, role: FakeRole | int) -> None:
        role_id = role.id if isinstance(role, FakeRole) else int(role)
        if role_id in user.role_ids:
            user.role_ids.remove(role_id)

    def permissions_of(self, user: FakeUser) -> int:
        """Guild-level permissions of ``user`` (owner and administrators get everything)."""
        if user.id == self.owner_id:
            return discord.Permissions.all().value
        value = self.everyone_role.permissions
        for role_id in user.role_ids:
            role = self.roles.get(role_id)
            if role is not None:
                value |= role.permissions
        if value & discord.Permissions(administrator=True).value:
            return discord.Permissions.all().value
        return value

    def member_payload(self, user: FakeUser, *, with_user: bool = True, permissions: bool = False) -> dict:
        data: dict[str, Any] = {
            "roles": [str(r) for r in user.role_ids],
            "nick": user.nick,
            "avatar": None,
            "banner": None,
            "joined_at": user.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = user.to_user()
        if permissions:
            data["permissions"] = str(self.permissions_of(user))
        return data

    def _user(self, user: FakeUser | int | None) -> FakeUser:
        if user is None:
            return self.owner
        if isinstance(user, FakeUser):
            return user
        return self.users[int(user)]

    def _guild_payload(self) -> dict[str, Any]:
        members = [self.member_payload(u) for u in self.users.values()]
        return {
            "id": str(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": str(self.channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "features": [],
            "roles": [r.to_dict() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "channels": [c.to_dict(self.guild_id) for c in self.channels.values()],
            "threads": [],
            "members": members,
            "member_count": len(members),
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "large": False,
            "lazy": True,
            "unavailable": False,
            "joined_at": self.bot_user.joined_at,
            "max_members": 500000,
            "max_video_channel_users": 25,
        }

    def _application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": self.owner.to_user(),
            "team": None,
            "bot": self.bot_user.to_user(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "integration_types_config": {"0": {}},
        }

    def _self_user_payload(self) -> dict[str, Any]:
        data = self.bot_user.to_user()
        data.update({"verified": True, "mfa_enabled": True, "locale": "en-US", "email": None})
        return data

    # ---------------------------------------------------------------- HTTP plumbing

    def _add_routes(self, app: web.Application) -> None:
        r = app.router
        p = _API_PREFIX
        r.add_get("/gateway", self._ws_handler)
        r.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._h_cdn)
        r.add_get(p + "/gateway", self._h_gateway)
        r.add_get(p + "/gateway/bot", self._h_gateway_bot)
        r.add_get(p + "/users/@me", self._h_me)
        r.add_get(p + "/users/{user_id}", self._h_user)
        r.add_get(p + "/oauth2/applications/@me", self._h_application)
        r.add_get(p + "/applications/@me", self._h_application)
        for base in ("/applications/{app_id}/commands", "/applications/{app_id}/guilds/{guild_id}/commands"):
            r.add_get(p + base, self._h_commands_list)
            r.add_put(p + base, self._h_commands_put)
            r.add_post(p + base, self._h_command_post)
            r.add_get(p + base + "/{command_id:\\d+}", self._h_command_get)
            r.add_patch(p + base + "/{command_id:\\d+}", self._h_command_patch)
            r.add_delete(p + base + "/{command_id:\\d+}", self._h_command_delete)
        r.add_get(p + "/guilds/{guild_id}", self._h_guild)
        r.add_get(p + "/guilds/{guild_id}/channels", self._h_guild_channels)
        r.add_get(p + "/guilds/{guild_id}/members/{user_id}", self._h_guild_member)
        r.add_get(p + "/channels/{channel_id}", self._h_channel)
        r.add_post(p + "/channels/{channel_id}/typing", self._h_no_content)
        r.add_get(p + "/channels/{channel_id}/messages", self._h_history)
        r.add_post(p + "/channels/{channel_id}/messages", self._h_create_message)
        r.add_get(p + "/channels/{channel_id}/messages/{message_id}", self._h_get_message)
        r.add_patch(p + "/channels/{channel_id}/messages/{message_id}", self._h_edit_message)
        r.add_delete(p + "/channels/{channel_id}/messages/{message_id}", self._h_delete_message)
        r.add_put(p + "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._h_no_content)
        r.add_delete(p + "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._h_no_content)
        r.add_post(p + "/interactions/{interaction_id}/{token}/callback", self._h_interaction_callback)
        r.add_post(p + "/webhooks/{app_id}/{token}", self._h_followup)
        r.add_get(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self._h_webhook_message_get)
        r.add_patch(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self._h_webhook_message_edit)
        r.add_delete(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self._h_webhook_message_delete)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(_API_PREFIX + "/"):
            return await handler(request)
        record = await self._record(request)
        request[_RECORD] = record
        response: web.StreamResponse
        fault = next((f for f in self._faults if f.matches(record.method, record.path)), None)
        if fault is not None:
            fault.remaining -= 1
            response = _json_response(fault.body, fault.status, fault.headers)
        else:
            try:
                self._check_auth(request, record)
                response = await handler(request)
            except _ApiError as exc:
                response = _json_response(exc.body, exc.status)
            except web.HTTPNotFound:
                self.unhandled_requests.append(record)
                response = _json_response({"message": "404: Not Found", "code": 0}, 404)
            except web.HTTPMethodNotAllowed:
                self.unhandled_requests.append(record)
                response = _json_response({"message": "405: Method Not Allowed", "code": 0}, 405)
            except Exception as exc:  # a bug in the fake: fail fast (a 500 makes discord.py retry slowly)
                self.server_errors.append(exc)
                response = _json_response({"message": f"fakediscord internal error: {exc!r}", "code": 0}, 400)
        record.status = response.status
        self._notify()
        return response

    def _check_auth(self, request: web.Request, record: RecordedRequest) -> None:
        # Interaction callbacks and interaction webhooks are authenticated by their token only.
        if record.path.startswith(("/interactions/", "/webhooks/")):
            return
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise _ApiError(401, "401: Unauthorized", 0)

    async def _record(self, request: web.Request) -> RecordedRequest:
        record = RecordedRequest(
            method=request.method,
            path=request.path[len(_API_PREFIX) :],
            query=dict(request.query),
            headers=dict(request.headers),
        )
        self.requests.append(record)
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue
                data = await part.read()
                name = part.name
                if name == "payload_json":
                    record.json = json.loads(data.decode())
                else:
                    record.files.append(
                        RecordedFile(
                            field=name or "",
                            filename=part.filename,
                            content_type=part.headers.get("Content-Type"),
                            data=bytes(data),
                        )
                    )
        elif request.can_read_body:
            raw = await request.read()
            if raw:
                try:
                    record.json = json.loads(raw)
                except ValueError:
                    record.json = raw.decode(errors="replace")
        return record

    def rate_limit(
        self,
        method: str,
        path: str | re.Pattern[str],
        *,
        count: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
        bucket: str = "fake-bucket",
    ) -> None:
        """Answer the next ``count`` requests matching ``method`` (or ``"*"``) and ``path`` with a 429.

        ``path`` is relative to ``/api/v10``; ``*`` and ``{name}`` match one path segment,
        ``**`` anything (e.g. ``"/channels/*/messages"``), or pass a compiled regex.
        """
        headers = {
            "Retry-After": str(max(1, int(retry_after + 0.999))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Scope": "global" if is_global else "user",
            "Via": "1.1 google",  # without it discord.py treats the 429 as a Cloudflare ban
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
        self._faults.append(_Fault(method.upper(), _pattern_to_regex(path), count, 429, body, headers))

    def fail(
        self,
        method: str,
        path: str | re.Pattern[str],
        *,
        status: int,
        code: int = 0,
        message: str = "injected failure",
        count: int = 1,
    ) -> None:
        """Answer the next ``count`` matching requests with ``status`` (e.g. 403 / code 50013).
        Note that discord.py retries 500/502/504 after sleeping 1 s, 3 s..."""
        body = {"message": message, "code": code}
        self._faults.append(_Fault(method.upper(), _pattern_to_regex(path), count, status, body, {}))

    def requests_to(self, method: str, path: str | re.Pattern[str]) -> list[RecordedRequest]:
        """Recorded requests matching ``method`` (or ``"*"``) and a ``rate_limit``-style path pattern."""
        regex = _pattern_to_regex(path)
        return [r for r in self.requests if method.upper() in ("*", r.method) and regex.match(r.path)]

    # ---------------------------------------------------------------- simple REST handlers

    async def _h_gateway(self, request: web.Request) -> web.Response:
        return _json_response({"url": self.gateway_url})

    async def _h_gateway_bot(self, request: web.Request) -> web.Response:
        return _json_response(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14400000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _h_me(self, request: web.Request) -> web.Response:
        return _json_response(self._self_user_payload())

    async def _h_user(self, request: web.Request) -> web.Response:
        user = self.users.get(int(request.match_info["user_id"]))
        if user is None:
            raise _ApiError(404, "Unknown User", 10013)
        return _json_response(user.to_user())

    async def _h_application(self, request: web.Request) -> web.Response:
        return _json_response(self._application_payload())

    def _check_guild(self, request: web.Request) -> None:
        if int(request.match_info["guild_id"]) != self.guild_id:
            raise _ApiError(404, "Unknown Guild", 10004)

    async def _h_guild(self, request: web.Request) -> web.Response:
        self._check_guild(request)
        data = self._guild_payload()
        for key in ("channels", "members", "threads", "presences", "voice_states", "joined_at", "large"):
            data.pop(key, None)
        return _json_response(data)

    async def _h_guild_channels(self, request: web.Request) -> web.Response:
        self._check_guild(request)
        return _json_response([c.to_dict(self.guild_id) for c in self.channels.values()])

    async def _h_guild_member(self, request: web.Request) -> web.Response:
        self._check_guild(request)
        user = self.users.get(int(request.match_info["user_id"]))
        if user is None:
            raise _ApiError(404, "Unknown Member", 10007)
        return _json_response(self.member_payload(user))

    def _channel(self, request: web.Request) -> FakeChannel:
        channel = self.channels.get(int(request.match_info["channel_id"]))
        if channel is None:
            raise _ApiError(404, "Unknown Channel", 10003)
        return channel

    async def _h_channel(self, request: web.Request) -> web.Response:
        return _json_response(self._channel(request).to_dict(self.guild_id))

    async def _h_no_content(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def _h_cdn(self, request: web.Request) -> web.Response:
        entry = self._files.get(int(request.match_info["attachment_id"]))
        if entry is None:
            raise web.HTTPNotFound()
        data, content_type = entry
        return web.Response(body=data, content_type=content_type)

    # ---------------------------------------------------------------- application commands

    def _command_scope(self, request: web.Request) -> int | None:
        if int(request.match_info["app_id"]) != self.application_id:
            raise _ApiError(403, "Missing Access", 50001)
        if "guild_id" in request.match_info:
            self._check_guild(request)
            return self.guild_id
        return None

    def _normalise_command(self, scope: int | None, payload: dict[str, Any], old_id: int | None) -> dict:
        if not isinstance(payload, dict) or not payload.get("name"):
            raise _ApiError(400, "Invalid Form Body", 50035, {"name": "required"})
        command = copy.deepcopy(payload)
        command["id"] = str(old_id or self._snowflake())
        command["application_id"] = str(self.application_id)
        command["version"] = str(self._snowflake())
        command.setdefault("type", 1)
        command.setdefault("description", "")
        command.setdefault("options", [])
        perms = command.get("default_member_permissions")
        command["default_member_permissions"] = None if perms is None else str(perms)
        command.setdefault("nsfw", False)
        if scope is not None:
            command["guild_id"] = str(scope)
        return command

    def _find_command(self, scope: int | None, name: str, ctype: int) -> dict[str, Any] | None:
        for command in self._commands.get(scope, []):
            if command["name"] == name and command.get("type", 1) == ctype:
                return command
        return None

    async def _h_commands_list(self, request: web.Request) -> web.Response:
        return _json_response(self._commands.get(self._command_scope(request), []))

    async def _h_commands_put(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        payload = request[_RECORD].json or []
        stored = []
        for item in payload:
            old = self._find_command(scope, item.get("name"), item.get("type", 1))
            stored.append(self._normalise_command(scope, item, None if old is None else int(old["id"])))
        self._commands[scope] = stored
        return _json_response(stored)

    async def _h_command_post(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        item = request[_RECORD].json or {}
        old = self._find_command(scope, item.get("name"), item.get("type", 1))
        command = self._normalise_command(scope, item, None if old is None else int(old["id"]))
        commands = [c for c in self._commands.get(scope, []) if c is not old]
        self._commands[scope] = [*commands, command]
        return _json_response(command, 200 if old else 201)

    def _command_by_id(self, request: web.Request) -> tuple[int | None, dict[str, Any]]:
        scope = self._command_scope(request)
        command_id = request.match_info["command_id"]
        for command in self._commands.get(scope, []):
            if command["id"] == command_id:
                return scope, command
        raise _ApiError(404, "Unknown application command", 10063)

    async def _h_command_get(self, request: web.Request) -> web.Response:
        return _json_response(self._command_by_id(request)[1])

    async def _h_command_patch(self, request: web.Request) -> web.Response:
        scope, command = self._command_by_id(request)
        updated = self._normalise_command(scope, {**command, **(request[_RECORD].json or {})}, int(command["id"]))
        self._commands[scope] = [updated if c is command else c for c in self._commands[scope]]
        return _json_response(updated)

    async def _h_command_delete(self, request: web.Request) -> web.Response:
        scope, command = self._command_by_id(request)
        self._commands[scope] = [c for c in self._commands[scope] if c is not command]
        return web.Response(status=204)

    def registered_commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """Commands the bot registered: global ones (``guild_id=None``) or for ``guild_id``."""
        return copy.deepcopy(self._commands.get(guild_id, []))

    # ---------------------------------------------------------------- messages

    def message(self, message_id: int | str) -> dict[str, Any] | None:
        """Current state of a message (``None`` if unknown or deleted)."""
        mid = int(message_id)
        if mid in self._deleted or mid not in self._messages:
            return None
        return copy.deepcopy(self._messages[mid])

    def messages_in(self, channel_id: int | None = None, *, include_ephemeral: bool = False) -> list[dict]:
        """Current (non-deleted) messages in a channel, oldest first; ephemeral ones only on request."""
        channel = str(channel_id or self.channel_id)
        return [
            copy.deepcopy(m)
            for mid, m in self._messages.items()
            if m["channel_id"] == channel
            and mid not in self._deleted
            and (include_ephemeral or not int(m.get("flags", 0)) & EPHEMERAL)
        ]

    def bot_messages_in(self, channel_id: int | None = None) -> list[dict[str, Any]]:
        """Non-ephemeral messages authored by the bot in a channel."""
        return [m for m in self.messages_in(channel_id) if m["author"]["id"] == str(self.bot_id)]

    async def wait_for_bot_message(
        self,
        *,
        after: dict[str, Any] | int | None = None,
        channel_id: int | None = None,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """Wait for a (non-ephemeral) bot message in ``channel_id`` newer than ``after``."""
        after_id = 0 if after is None else int(after["id"] if isinstance(after, dict) else after)

        def find() -> dict[str, Any] | None:
            for message in self.bot_messages_in(channel_id):
                if int(message["id"]) > after_id and (predicate is None or predicate(message)):
                    return message
            return None

        return await self.wait_for(find, timeout, description="a bot message")

    def _attachment(self, channel_id: int, upload: FakeFile | RecordedFile, *, ephemeral: bool = False) -> dict:
        attachment_id = self._snowflake()
        filename = upload.filename or "file"
        content_type = upload.content_type or "application/octet-stream"
        self._files[attachment_id] = (upload.data, content_type)
        url = f"{self.http_base}/attachments/{channel_id}/{attachment_id}/{filename}"
        data: dict[str, Any] = {
            "id": str(attachment_id),
            "filename": filename,
            "size": len(upload.data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }
        if getattr(upload, "description", None):
            data["description"] = upload.description  # type: ignore[union-attr]
        if ephemeral:
            data["ephemeral"] = True
        return data

    def attachment_bytes(self, attachment: dict[str, Any] | int | str) -> bytes:
        """The bytes behind an attachment dict/id (bot uploads and user uploads alike)."""
        attachment_id = int(attachment["id"] if isinstance(attachment, dict) else attachment)
        return self._files[attachment_id][0]

    def _attachments_from(
        self,
        channel_id: int,
        body: dict[str, Any],
        files: list[RecordedFile],
        existing: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        uploads: dict[str, RecordedFile] = {}
        for f in files:
            m = re.fullmatch(r"files\[(\d+)\]", f.field) or re.fullmatch(r"file(\d*)", f.field)
            uploads[(m.group(1) or "0") if m else str(len(uploads))] = f
        if "attachments" not in body:
            if uploads:
                return existing + [self._attachment(channel_id, f) for f in uploads.values()]
            return existing
        by_id = {a["id"]: a for a in existing}
        result = []
        for entry in body["attachments"] or []:
            key = str(entry.get("id"))
            if key in uploads:
                upload = uploads.pop(key)
                attachment = self._attachment(channel_id, upload)
                if entry.get("filename"):
                    attachment["filename"] = entry["filename"]
                if entry.get("description"):
                    attachment["description"] = entry["description"]
                result.append(attachment)
            elif key in by_id:
                result.append(by_id[key])
            else:
                raise _ApiError(400, "Invalid Form Body", 50035, {"attachments": f"unknown attachment {key}"})
        return result

    def _validate_message(self, message: dict[str, Any]) -> None:
        content = message.get("content") or ""
        if len(content) > 2000:
            raise _ApiError(400, "Invalid Form Body", 50035, {"content": "Must be 2000 or fewer in length."})
        if len(message.get("embeds") or []) > 10:
            raise _ApiError(400, "Invalid Form Body", 50035, {"embeds": "Must be 10 or fewer in length."})
        if not (
            content
            or message.get("embeds")
            or message.get("attachments")
            or message.get("components")
            or message.get("sticker_items")
            or message.get("poll")
            or int(message.get("flags", 0)) & LOADING
        ):
            raise _ApiError(400, "Cannot send an empty message", 50006)

    def _new_bot_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        files: list[RecordedFile],
        *,
        flags_mask: int = _SUPPRESS_EMBEDS | _SUPPRESS_NOTIFICATIONS | _COMPONENTS_V2,
        interaction: FakeInteraction | None = None,
        mtype: int = 0,
        extra_flags: int = 0,
    ) -> dict[str, Any]:
        message_id = self._snowflake()
        flags = (int(body.get("flags") or 0) & flags_mask) | extra_flags
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "guild_id": str(self.guild_id),
            "author": self.bot_user.to_user(),
            "content": body.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments_from(channel_id, body, files, []),
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "reactions": [],
            "pinned": False,
            "type": mtype,
            "flags": flags,
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if body.get("poll"):
            message["poll"] = body["poll"]
        reference = body.get("message_reference")
        if reference:
            ref_id = int(reference["message_id"])
            referenced = self.message(ref_id)
            if referenced is None and reference.get("fail_if_not_exists", True):
                raise _ApiError(400, "Invalid Form Body", 50035, {"message_reference": "Unknown message"})
            message["message_reference"] = {
                "type": reference.get("type", 0),
                "message_id": str(ref_id),
                "channel_id": str(reference.get("channel_id") or channel_id),
                "guild_id": str(self.guild_id),
            }
            if referenced is not None:
                message["referenced_message"] = referenced
                message["type"] = 19  # REPLY
        if interaction is not None:
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
            message["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.user.to_user(),
                "authorizing_integration_owners": {"0": str(self.guild_id)},
            }
            if interaction.source_message_id is not None:
                message["interaction_metadata"]["interacted_message_id"] = str(interaction.source_message_id)
        self._validate_message(message)
        self._messages[message_id] = message
        return message

    def _apply_edit(self, message: dict[str, Any], body: dict[str, Any], files: list[RecordedFile]) -> dict:
        updated = copy.deepcopy(message)
        for key in ("content", "embeds", "components"):
            if key in body:
                updated[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if "flags" in body and body["flags"] is not None:
            keep = int(updated.get("flags", 0)) & ~_SUPPRESS_EMBEDS
            updated["flags"] = keep | (int(body["flags"]) & _SUPPRESS_EMBEDS)
        updated["flags"] = int(updated.get("flags", 0)) & ~LOADING
        updated["attachments"] = self._attachments_from(
            int(updated["channel_id"]), body, files, updated.get("attachments", [])
        )
        updated["edited_timestamp"] = _now_iso()
        self._validate_message(updated)
        self._messages[int(updated["id"])] = updated
        return updated

    async def _echo(self, event: str, message: dict[str, Any]) -> None:
        if not self.echo_bot_messages or int(message.get("flags", 0)) & EPHEMERAL:
            return
        if not self._intents & _INTENT_GUILD_MESSAGES:
            return
        data = copy.deepcopy(message)
        if event == "MESSAGE_CREATE":
            data["member"] = self.member_payload(self.bot_user, with_user=False)
        await self._dispatch_if_connected(event, data)

    async def _echo_delete(self, message: dict[str, Any]) -> None:
        if not self.echo_bot_messages or int(message.get("flags", 0)) & EPHEMERAL:
            return
        if self._intents & _INTENT_GUILD_MESSAGES:
            data = {"id": message["id"], "channel_id": message["channel_id"], "guild_id": str(self.guild_id)}
            await self._dispatch_if_connected("MESSAGE_DELETE", data)

    def _stored_message(self, request: web.Request) -> dict[str, Any]:
        channel = self._channel(request)
        message = self.message(request.match_info["message_id"])
        if message is None or message["channel_id"] != str(channel.id) or int(message.get("flags", 0)) & EPHEMERAL:
            raise _ApiError(404, "Unknown Message", 10008)
        return message

    async def _h_create_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        record: RecordedRequest = request[_RECORD]
        body = record.json if isinstance(record.json, dict) else {}
        message = self._new_bot_message(channel.id, body, record.files)
        await self._echo("MESSAGE_CREATE", message)
        return _json_response(message)

    async def _h_get_message(self, request: web.Request) -> web.Response:
        return _json_response(self._stored_message(request))

    async def _h_history(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        limit = int(request.query.get("limit", 50))
        before = int(request.query.get("before", 1 << 63))
        after = int(request.query.get("after", 0))
        messages = [m for m in self.messages_in(channel.id) if after < int(m["id"]) < before]
        messages.reverse()  # newest first, like Discord
        return _json_response(messages[:limit])

    async def _h_edit_message(self, request: web.Request) -> web.Response:
        message = self._stored_message(request)
        if message["author"]["id"] != str(self.bot_id):
            raise _ApiError(403, "Cannot edit a message authored by another user", 50005)
        record: RecordedRequest = request[_RECORD]
        updated = self._apply_edit(message, record.json if isinstance(record.json, dict) else {}, record.files)
        await self._echo("MESSAGE_UPDATE", updated)
        return _json_response(updated)

    async def _h_delete_message(self, request: web.Request) -> web.Response:
        message = self._stored_message(request)
        self._deleted.add(int(message["id"]))
        await self._echo_delete(message)
        return web.Response(status=204)

    # ---------------------------------------------------------------- interaction responses

    def _interaction_for(self, interaction_id: str | None, token: str) -> FakeInteraction:
        if interaction_id is not None:
            ix = self.interactions.get(int(interaction_id))
            if ix is None or ix.token != token:
                raise _ApiError(404, "Unknown interaction", 10062)
            return ix
        for ix in self.interactions.values():
            if ix.token == token:
                return ix
        raise _ApiError(404, "Unknown Webhook", 10015)

    async def _h_interaction_callback(self, request: web.Request) -> web.Response:
        ix = self._interaction_for(request.match_info["interaction_id"], request.match_info["token"])
        record: RecordedRequest = request[_RECORD]
        body = record.json if isinstance(record.json, dict) else {}
        ctype = int(body.get("type", 0))
        data = body.get("data") or {}
        if ix.responded:
            raise _ApiError(400, "Interaction has already been acknowledged.", 40060)
        allowed = {
            _APPLICATION_COMMAND: {4, 5, 9},
            _MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
            _AUTOCOMPLETE: {8},
            _MODAL_SUBMIT: {4, 5, 6} | ({7} if ix.source_message_id is not None else set()),
        }[ix.type]
        if ctype not in allowed:
            raise _ApiError(400, f"Invalid callback type {ctype} for interaction type {ix.type}", 50035)

        channel_id = int(ix.payload["channel_id"])
        message: dict[str, Any] | None = None
        if ctype == CHANNEL_MESSAGE:
            mtype = 20 if ix.type == _APPLICATION_COMMAND else 0
            message = self._new_bot_message(
                channel_id, data, record.files, flags_mask=0xFFFF & ~LOADING, interaction=ix, mtype=mtype
            )
            ix.original_message_id = int(message["id"])
        elif ctype == DEFERRED_CHANNEL_MESSAGE:
            ephemeral = int(data.get("flags") or 0) & EPHEMERAL
            message = self._new_bot_message(
                channel_id, {}, [], interaction=ix, mtype=20 if ix.type == _APPLICATION_COMMAND else 0,
                extra_flags=LOADING | ephemeral,
            )  # fmt: skip
            ix.original_message_id = int(message["id"])
            ix._deferred_loading = True
        elif ctype == DEFERRED_UPDATE_MESSAGE and ix.source_message_id is None:
            pass  # a modal submitted from a slash command, acknowledged without any message
        elif ctype in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            assert ix.source_message_id is not None
            ix.original_message_id = ix.source_message_id
            if ctype == UPDATE_MESSAGE:
                current = self.message(ix.source_message_id)
                if current is None:
                    raise _ApiError(404, "Unknown Message", 10008)
                message = self._apply_edit(current, data, record.files)
            else:
                message = self.message(ix.source_message_id)
        elif ctype == MODAL:
            for key in ("custom_id", "title", "components"):
                if not data.get(key):
                    raise _ApiError(400, "Invalid Form Body", 50035, {key: "required"})
            ix.modal = copy.deepcopy(data)

        ix.replies.append(BotReply("callback", ctype, copy.deepcopy(data), record.files, copy.deepcopy(message)))
        if message is not None and ctype != DEFERRED_UPDATE_MESSAGE:
            await self._echo("MESSAGE_UPDATE" if ctype == UPDATE_MESSAGE else "MESSAGE_CREATE", message)

        callback: dict[str, Any] = {"id": str(ix.id), "type": ix.type}
        resource: dict[str, Any] = {"type": ctype}
        if message is not None:
            callback["response_message_id"] = message["id"]
            callback["response_message_loading"] = ctype == DEFERRED_CHANNEL_MESSAGE
            callback["response_message_ephemeral"] = bool(int(message.get("flags", 0)) & EPHEMERAL)
            resource["message"] = message
        return _json_response({"interaction": callback, "resource": resource})

    def _webhook_interaction(self, request: web.Request) -> FakeInteraction:
        if int(request.match_info["app_id"]) != self.application_id:
            raise _ApiError(404, "Unknown Webhook", 10015)
        ix = self._interaction_for(None, request.match_info["token"])
        if not ix.responded:
            raise _ApiError(404, "Unknown Webhook", 10015)  # like Discord before the first callback
        return ix

    def _webhook_message(self, ix: FakeInteraction, raw_id: str) -> tuple[bool, dict[str, Any]]:
        original = raw_id == "@original" or (
            ix.original_message_id is not None and raw_id == str(ix.original_message_id)
        )
        mid = ix.original_message_id if original else int(raw_id)
        if mid is None or (not original and mid not in ix.followup_message_ids):
            raise _ApiError(404, "Unknown Message", 10008)
        message = self.message(mid)
        if message is None:
            raise _ApiError(404, "Unknown Message", 10008)
        return original, message

    async def _h_followup(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        record: RecordedRequest = request[_RECORD]
        body = record.json if isinstance(record.json, dict) else {}
        original = self.message(ix.original_message_id) if ix.original_message_id else None
        if ix._deferred_loading and original is not None:
            # The first followup after a "thinking" defer replaces the loading message and keeps
            # the defer's ephemerality.
            ix._deferred_loading = False
            message = self._apply_edit(original, {k: v for k, v in body.items() if k != "flags"}, record.files)
            await self._echo("MESSAGE_UPDATE", message)
        else:
            message = self._new_bot_message(
                int(ix.payload["channel_id"]),
                body,
                record.files,
                flags_mask=EPHEMERAL | _SUPPRESS_EMBEDS | _SUPPRESS_NOTIFICATIONS | _COMPONENTS_V2,
                interaction=ix,
            )
            await self._echo("MESSAGE_CREATE", message)
        ix.followup_message_ids.append(int(message["id"]))
        ix.replies.append(BotReply("followup", None, copy.deepcopy(body), record.files, copy.deepcopy(message)))
        if request.query.get("wait", "false").lower() in ("0", "false"):
            return web.Response(status=204)
        return _json_response(message)

    async def _h_webhook_message_get(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        return _json_response(self._webhook_message(ix, request.match_info["message_id"])[1])

    async def _h_webhook_message_edit(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        original, message = self._webhook_message(ix, request.match_info["message_id"])
        record: RecordedRequest = request[_RECORD]
        body = record.json if isinstance(record.json, dict) else {}
        if original:
            ix._deferred_loading = False
        updated = self._apply_edit(message, body, record.files)
        kind = "edit" if original else "edit_followup"
        ix.replies.append(BotReply(kind, None, copy.deepcopy(body), record.files, copy.deepcopy(updated)))
        await self._echo("MESSAGE_UPDATE", updated)
        return _json_response(updated)

    async def _h_webhook_message_delete(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        original, message = self._webhook_message(ix, request.match_info["message_id"])
        self._deleted.add(int(message["id"]))
        kind = "delete" if original else "delete_followup"
        ix.replies.append(BotReply(kind, None, {}, [], copy.deepcopy(message)))
        await self._echo_delete(message)
        return web.Response(status=204)

    # ---------------------------------------------------------------- gateway

    @property
    def connected(self) -> bool:
        """Whether a bot has an identified gateway session (events sent while it is reconnecting are
        buffered and replayed when it RESUMEs)."""
        return self._session_id is not None

    @property
    def _intents(self) -> int:
        return self._session_intents

    async def _ws_handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        self.gateway_connects.append(dict(request.query))
        if request.query.get("encoding", "json") != "json":
            await ws.close(code=4002, message=b"only encoding=json is supported")
            return ws
        conn = _GatewayConnection(ws, request.query.get("compress"))
        self._connections.append(conn)
        await conn.send({"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_gateway_frame(conn, json.loads(msg.data))
                elif msg.type == WSMsgType.BINARY:
                    await ws.close(code=4002, message=b"binary frames are not supported")
        finally:
            if conn in self._connections:
                self._connections.remove(conn)
            if self._conn is conn:
                self._conn = None
            self._notify()
        return ws

    async def _on_gateway_frame(self, conn: _GatewayConnection, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == 1:
            self.heartbeats += 1
            await conn.send({"op": 11, "s": None, "t": None, "d": None})
        elif op == 2:
            await self._on_identify(conn, data or {})
        elif op == 6:
            await self._on_resume(conn, data or {})
        elif op == 3:
            self.presence_updates.append(data or {})
        elif op == 8:
            await self._on_request_members(data or {})
        self._notify()

    async def _on_identify(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identify_payloads.append(data)
        async with self._dispatch_lock:
            conn.intents = self._session_intents = int(data.get("intents") or 0)
            conn.session_id = self._session_id = uuid.uuid4().hex
            self._seq = 0
            self._session_frames = []
            self._conn = conn
            ready: dict[str, Any] = {
                "v": 10,
                "user": self._self_user_payload(),
                "guilds": [{"id": str(self.guild_id), "unavailable": True}],
                "session_id": self._session_id,
                "session_type": "normal",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(self.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "user_settings": {},
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "_trace": ["fakediscord"],
            }
            if data.get("shard") is not None:
                ready["shard"] = data["shard"]
            await self._dispatch_locked("READY", ready)
            if conn.intents & _INTENT_GUILDS:
                await self._dispatch_locked("GUILD_CREATE", self._guild_payload())

    async def _on_resume(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        async with self._dispatch_lock:
            if data.get("session_id") != self._session_id or self._session_id is None:
                await conn.send({"op": 9, "s": None, "t": None, "d": False})
                return
            conn.intents = self._session_intents
            conn.session_id = self._session_id
            self._conn = conn
            seq = int(data.get("seq") or 0)
            for frame in self._session_frames:
                if frame["s"] > seq:
                    self.replayed_frames += 1
                    await conn.send(frame)
            await self._dispatch_locked("RESUMED", {"_trace": ["fakediscord"]})
            self.resume_count += 1

    async def _on_request_members(self, data: dict[str, Any]) -> None:
        if str(data.get("guild_id")) != str(self.guild_id):
            return
        users = list(self.users.values())
        if data.get("user_ids"):
            wanted = {int(u) for u in data["user_ids"]}
            users = [u for u in users if u.id in wanted]
        elif data.get("query"):
            users = [u for u in users if u.username.startswith(data["query"])]
        chunk: dict[str, Any] = {
            "guild_id": str(self.guild_id),
            "members": [self.member_payload(u) for u in users],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def _dispatch_locked(self, event: str, data: dict[str, Any]) -> None:
        self._seq += 1
        frame = {"op": 0, "t": event, "s": self._seq, "d": data}
        self._session_frames.append(frame)
        del self._session_frames[:-2000]
        self.dispatched.append(frame)
        conn = self._conn
        if conn is not None:
            await conn.send(frame)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send any DISPATCH event to the bot (buffered and replayed on RESUME if it is reconnecting)."""
        if self._session_id is None:
            raise RuntimeError("no bot has identified with the fake gateway (use start_bot first)")
        async with self._dispatch_lock:
            await self._dispatch_locked(event, data)
        self._notify()

    async def _dispatch_if_connected(self, event: str, data: dict[str, Any]) -> None:
        if self._session_id is not None:
            await self.dispatch(event, data)

    async def reconnect(self, *, timeout: float = 5.0) -> None:
        """Send op 7 RECONNECT; wait until the client has RESUMEd and been sent RESUMED."""
        if self._conn is None:
            raise RuntimeError("no bot connected")
        before = self.resume_count
        async with self._dispatch_lock:
            conn = self._conn
            assert conn is not None
            self._conn = None  # events from now on are buffered and replayed on RESUME
            await conn.send({"op": 7, "s": None, "t": None, "d": None})
        await self.wait_for(lambda: self.resume_count > before, timeout, description="RESUME after op 7")

    # ---------------------------------------------------------------- user actions: messages

    async def send_message(
        self,
        content: str,
        *,
        author: FakeUser | int | None = None,
        channel_id: int | None = None,
        mentions_bot: bool = False,
        mentions: Sequence[FakeUser] = (),
        attachments: Sequence[FakeFile] = (),
        reply_to: dict[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """A user posts a message (MESSAGE_CREATE). ``mentions_bot`` prefixes ``<@bot_id> `` unless the
        content already mentions the bot. Returns the full stored message (the bot may get a copy
        with empty content if it lacks the MESSAGE_CONTENT intent)."""
        if not self.connected:
            raise RuntimeError("no bot connected")
        user = self._user(author)
        channel = int(channel_id or self.channel_id)
        if channel not in self.channels:
            raise KeyError(f"unknown channel {channel}")
        if mentions_bot and not re.search(rf"<@!?{self.bot_id}>", content):
            content = f"<@{self.bot_id}> {content}"
        mentioned: dict[int, FakeUser] = {u.id: u for u in mentions}
        for raw_id in _MENTION_RE.findall(content):
            if int(raw_id) in self.users:
                mentioned.setdefault(int(raw_id), self.users[int(raw_id)])
        mention_payloads = []
        for u in mentioned.values():
            payload = u.to_user()
            payload["member"] = self.member_payload(u, with_user=False)
            mention_payloads.append(payload)
        message_id = self._snowflake()
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel),
            "guild_id": str(self.guild_id),
            "author": user.to_user(),
            "member": self.member_payload(user, with_user=False),
            "content": content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": "@everyone" in content or "@here" in content,
            "mentions": mention_payloads,
            "mention_roles": [r for r in _ROLE_MENTION_RE.findall(content) if int(r) in self.roles],
            "attachments": [self._attachment(channel, f) for f in attachments],
            "embeds": [],
            "components": [],
            "reactions": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "nonce": str(message_id),
        }
        if reply_to is not None:
            ref_id = int(reply_to["id"] if isinstance(reply_to, dict) else reply_to)
            message["type"] = 19
            message["message_reference"] = {
                "type": 0,
                "message_id": str(ref_id),
                "channel_id": str(channel),
                "guild_id": str(self.guild_id),
            }
            message["referenced_message"] = self.message(ref_id)
        self._messages[message_id] = message

        if self._intents & _INTENT_GUILD_MESSAGES:
            event = copy.deepcopy(message)
            privileged = self._intents & _INTENT_MESSAGE_CONTENT or self.bot_id in mentioned
            if self.emulate_message_content and not privileged:
                event.update(content="", embeds=[], attachments=[], components=[])
            await self.dispatch("MESSAGE_CREATE", event)
        return copy.deepcopy(message)

    # ---------------------------------------------------------------- user actions: interactions

    def _interaction_payload(
        self,
        itype: int,
        data: dict[str, Any],
        user: FakeUser,
        channel_id: int,
        message: dict[str, Any] | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        interaction_id = self._snowflake()
        channel = self.channels[channel_id]
        member = self.member_payload(user, permissions=True)
        channel_payload = channel.to_dict(self.guild_id)
        channel_payload["permissions"] = member["permissions"]
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "guild_id": str(self.guild_id),
            "guild": {"id": str(self.guild_id), "locale": "en-US", "features": []},
            "channel_id": str(channel_id),
            "channel": channel_payload,
            "member": member,
            "token": f"fake-interaction-token-{interaction_id}-{uuid.uuid4().hex}",
            "version": 1,
            "app_permissions": str(self.permissions_of(self.bot_user)),
            "locale": locale,
            "guild_locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        return payload

    async def _send_interaction(
        self, payload: dict[str, Any], user: FakeUser, source_message_id: int | None = None
    ) -> FakeInteraction:
        if not self.connected:
            raise RuntimeError("no bot connected")
        ix = FakeInteraction(self, payload, user, source_message_id)
        self.interactions[ix.id] = ix
        await self.dispatch("INTERACTION_CREATE", payload)
        return ix

    def _command_definition(self, root: str) -> tuple[int, int | None, dict[str, Any] | None]:
        """(command id, guild id to put in the data, definition) for a chat-input command."""
        for scope in (self.guild_id, None):
            found = self._find_command(scope, root, 1)
            if found is not None:
                return int(found["id"]), scope, found
        for bot in self._bots:
            tree = getattr(bot, "tree", None)
            if tree is None:
                continue
            for scope in (self.guild_id, None):
                guild = None if scope is None else discord.Object(scope)
                command = tree.get_command(root, guild=guild, type=discord.AppCommandType.chat_input)
                if command is not None:
                    key = (root, scope)
                    cid = self._synthetic_command_ids.setdefault(key, self._snowflake())
                    return cid, scope, command.to_dict(tree)
        cid = self._synthetic_command_ids.setdefault((root, None), self._snowflake())
        return cid, None, None

    def _encode_option(
        self,
        name: str,
        value: Any,
        definition: dict[str, Any] | None,
        resolved: dict[str, dict[str, Any]],
        channel_id: int,
        *,
        focused: bool = False,
    ) -> dict[str, Any]:
        if definition is not None:
            otype = int(definition["type"])
        elif isinstance(value, bool):
            otype = 5
        elif isinstance(value, int):
            otype = 4
        elif isinstance(value, float):
            otype = 10
        elif isinstance(value, FakeUser):
            otype = 6
        elif isinstance(value, FakeChannel):
            otype = 7
        elif isinstance(value, FakeRole):
            otype = 8
        elif isinstance(value, FakeFile):
            otype = 11
        else:
            otype = 3
        option: dict[str, Any] = {"name": name, "type": otype}
        if focused:
            option["value"] = str(value)
            option["focused"] = True
            return option
        if otype == 3:
            option["value"] = str(value)
        elif otype == 4:
            option["value"] = int(value)
        elif otype == 5:
            option["value"] = bool(value)
        elif otype == 10:
            option["value"] = float(value)
        elif otype in (6, 7, 8, 9):
            target_id = int(getattr(value, "id", value))
            option["value"] = str(target_id)
            if target_id in self.users and otype in (6, 9):
                user = self.users[target_id]
                resolved.setdefault("users", {})[str(target_id)] = user.to_user()
                member = self.member_payload(user, with_user=False, permissions=True)
                resolved.setdefault("members", {})[str(target_id)] = member
            elif target_id in self.roles and otype in (8, 9):
                resolved.setdefault("roles", {})[str(target_id)] = self.roles[target_id].to_dict()
            elif target_id in self.channels and otype == 7:
                channel = self.channels[target_id]
                resolved.setdefault("channels", {})[str(target_id)] = {
                    "id": str(channel.id),
                    "name": channel.name,
                    "type": channel.type,
                    "permissions": str(self.permissions_of(self.owner)),
                    "parent_id": None if channel.parent_id is None else str(channel.parent_id),
                    "guild_id": str(self.guild_id),
                }
            else:
                raise ValueError(f"option {name!r}: {value!r} is not a known user/role/channel of the fake")
        elif otype == 11:
            if isinstance(value, tuple):
                value = FakeFile(*value)
            if not isinstance(value, FakeFile):
                raise TypeError(f"option {name!r} is an attachment: pass FakeFile(filename, data)")
            attachment = self._attachment(channel_id, value, ephemeral=True)
            resolved.setdefault("attachments", {})[attachment["id"]] = attachment
            option["value"] = attachment["id"]
        else:
            raise ValueError(f"option {name!r} has unsupported type {otype}")
        return option

    def _build_command_data(
        self,
        name: str,
        options: dict[str, Any] | None,
        subcommand: str | None,
        channel_id: int,
        focused: str | None = None,
    ) -> dict[str, Any]:
        path = name.split() + (subcommand.split() if subcommand else [])
        root, subpath = path[0], path[1:]
        command_id, scope, definition = self._command_definition(root)
        resolved: dict[str, dict[str, Any]] = {}
        data: dict[str, Any] = {"id": str(command_id), "name": root, "type": 1}
        if scope is not None:
            data["guild_id"] = str(scope)
        container = data
        level_defs = definition.get("options", []) if definition is not None else None
        for depth, part in enumerate(subpath):
            part_def = None
            if level_defs is not None:
                part_def = next((o for o in level_defs if o["name"] == part and o["type"] in (1, 2)), None)
                if part_def is None:
                    raise ValueError(f"/{' '.join(path[: depth + 1])} has no subcommand/group {part!r}")
            ptype = part_def["type"] if part_def else (2 if depth < len(subpath) - 1 else 1)
            node: dict[str, Any] = {"name": part, "type": ptype, "options": []}
            container.setdefault("options", []).append(node)
            container = node
            level_defs = part_def.get("options", []) if part_def else None
        if level_defs is not None and any(o["type"] in (1, 2) for o in level_defs):
            raise ValueError(f"/{' '.join(path)} needs a subcommand: {[o['name'] for o in level_defs]}")

        options = dict(options or {})
        defs = {o["name"]: o for o in level_defs or []}
        if level_defs is not None:
            unknown = set(options) - set(defs)
            if unknown:
                raise ValueError(f"/{' '.join(path)} has no option(s) {sorted(unknown)}; known: {sorted(defs)}")
            missing = [n for n, d in defs.items() if d.get("required") and n not in options]
            if missing and focused is None:
                raise ValueError(f"/{' '.join(path)} is missing required option(s) {missing}")
        encoded = [
            self._encode_option(n, v, defs.get(n), resolved, channel_id, focused=n == focused)
            for n, v in options.items()
        ]
        container.setdefault("options", []).extend(encoded)
        if resolved and focused is None:
            data["resolved"] = resolved
        return data

    async def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: FakeUser | int | None = None,
        subcommand: str | None = None,
        channel_id: int | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """A user runs ``/name [subcommand] option:value...`` (INTERACTION_CREATE type 2).

        ``name`` may contain the whole path (``"news search"``) or use ``subcommand``
        (``"search"`` or ``"group sub"``). Option types come from the commands the bot synced
        to the fake, else from the running bot's command tree, else from the Python values
        (``FakeUser``/``FakeRole``/``FakeChannel``/``FakeFile`` give user/role/channel/attachment
        options with ``resolved`` data). Unknown or missing required options raise ``ValueError``.
        """
        acting = self._user(user)
        channel = int(channel_id or self.channel_id)
        data = self._build_command_data(name, options, subcommand, channel)
        payload = self._interaction_payload(_APPLICATION_COMMAND, data, acting, channel, locale=locale)
        return await self._send_interaction(payload, acting)

    async def autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        *,
        focused: str,
        user: FakeUser | int | None = None,
        subcommand: str | None = None,
        channel_id: int | None = None,
    ) -> FakeInteraction:
        """The user is typing option ``focused`` of ``/name`` (INTERACTION_CREATE type 4).
        Use ``await ix.choices()`` to get what the bot suggested."""
        if focused not in options:
            raise ValueError(f"focused option {focused!r} must be in options")
        acting = self._user(user)
        channel = int(channel_id or self.channel_id)
        data = self._build_command_data(name, options, subcommand, channel, focused=focused)
        payload = self._interaction_payload(_AUTOCOMPLETE, data, acting, channel)
        return await self._send_interaction(payload, acting)

    def _resolve_message(self, message: BotReply | dict[str, Any] | int | str) -> dict[str, Any]:
        if isinstance(message, BotReply):
            if message.message is None:
                raise ValueError("that reply has no message")
            message = message.message["id"]
        elif isinstance(message, dict):
            message = message["id"]
        current = self.message(message)
        if current is None:
            raise ValueError(f"message {message} does not exist (deleted?)")
        return current

    async def click(
        self,
        message: BotReply | dict[str, Any] | int | str,
        custom_id: str,
        *,
        user: FakeUser | int | None = None,
        values: Sequence[str] | None = None,
    ) -> FakeInteraction:
        """A user clicks a button (or picks ``values`` in a select) on a message
        (INTERACTION_CREATE type 3, carrying the message's current state)."""
        current = self._resolve_message(message)
        component = next(
            (c for c in _walk_components(current.get("components", [])) if c.get("custom_id") == custom_id),
            None,
        )
        if component is None:
            available = [c["custom_id"] for c in _walk_components(current.get("components", [])) if "custom_id" in c]
            raise ValueError(f"message {current['id']} has no component {custom_id!r}; it has {available}")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled; a user cannot use it")
        ctype = int(component["type"])
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if "id" in component:
            data["id"] = component["id"]
        if ctype in _SELECT_TYPES:
            data["values"] = [str(v) for v in values or []]
        elif values is not None:
            raise ValueError("values are only for select menus")
        acting = self._user(user)
        channel = int(current["channel_id"])
        payload = self._interaction_payload(_MESSAGE_COMPONENT, data, acting, channel, message=current)
        return await self._send_interaction(payload, acting, source_message_id=int(current["id"]))

    async def submit_modal(
        self,
        source: FakeInteraction | BotReply,
        values: dict[str, Any],
        *,
        user: FakeUser | int | None = None,
    ) -> FakeInteraction:
        """Submit the modal the bot opened (callback type 9) in answer to ``source``; ``values`` maps
        text-input custom_ids to strings (select custom_ids to lists of values)."""
        if isinstance(source, FakeInteraction):
            reply = next((r for r in source.replies if r.kind == "callback" and r.type == MODAL), None)
            if reply is None:
                reply = await source.callback()
                if reply.type != MODAL:
                    raise ValueError(f"interaction {source.id} was answered with type {reply.type}, not a modal")
            acting = self._user(user) if user is not None else source.user
            source_message_id = source.source_message_id
            channel = int(source.payload["channel_id"])
        else:
            reply, acting, source_message_id, channel = source, self._user(user), None, self.channel_id
        modal = reply.payload
        remaining = dict(values)

        def mirror(component: dict[str, Any]) -> dict[str, Any]:
            ctype = int(component["type"])
            if ctype == 1:
                return {"type": 1, "components": [mirror(c) for c in component.get("components", [])]}
            if ctype == 18:
                out = {"type": 18, "component": mirror(component["component"])}
                if "id" in component:
                    out["id"] = component["id"]
                return out
            custom_id = component.get("custom_id")
            if ctype == 4:
                value = str(remaining.pop(custom_id, component.get("value") or ""))
                if component.get("required", True) and not value:
                    raise ValueError(f"text input {custom_id!r} is required")
                if component.get("min_length") and len(value) < component["min_length"]:
                    raise ValueError(f"text input {custom_id!r} needs at least {component['min_length']} chars")
                if component.get("max_length") and len(value) > component["max_length"]:
                    raise ValueError(f"text input {custom_id!r} allows at most {component['max_length']} chars")
                return {"type": 4, "custom_id": custom_id, "value": value}
            if ctype in _SELECT_TYPES:
                return {
                    "type": ctype,
                    "custom_id": custom_id,
                    "values": [str(v) for v in remaining.pop(custom_id, [])],
                }
            out = {"type": ctype}
            if "id" in component:
                out["id"] = component["id"]
            return out

        components = [mirror(c) for c in modal.get("components", [])]
        if remaining:
            raise ValueError(f"modal {modal.get('custom_id')!r} has no field(s) {sorted(remaining)}")
        data = {"custom_id": modal["custom_id"], "components": components}
        message = self.message(source_message_id) if source_message_id is not None else None
        payload = self._interaction_payload(_MODAL_SUBMIT, data, acting, channel, message=message)
        return await self._send_interaction(payload, acting, source_message_id=source_message_id)


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
