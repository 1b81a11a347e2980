"""The fake's world: one guild with its roles, channels, members and messages, more guilds, the files users and
the bot uploaded, and the log of what the bot did; plus waiting for that state to change.

The world is state only: who may do what is decided above it (``access``), how it is sent on the wire
(``payloads``), and the layers above those (gateway, REST, interactions) read and change it. None of it speaks HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from aiohttp import web

from tests.fakediscord.objects import FakeChannel, FakeFile, FakeGuild, FakeRole, FakeUser
from tests.fakediscord.protocol import (
    ACKNOWLEDGE_WITHIN,
    API_PREFIX,
    DM_CHANNEL,
    EPHEMERAL,
    TOKEN_VALID_FOR,
    Snowflakes,
)
from tests.fakediscord.records import RecordedFile, RecordedRequest

with warnings.catch_warnings():
    # discord.py imports the stdlib ``audioop`` (deprecated in 3.11+) for voice; under
    # ``filterwarnings = ["error"]`` that is an import error unless the config ignores it.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord as discord  # re-exported: the layers above import it from here, after the filter

T = TypeVar("T")


class World:
    """The guild, its people and messages, and what the bot did (the state every layer shares)."""

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
        # Seconds, for Discord's deadlines: an interaction is acknowledged within ``acknowledge_within``
        # of its creation or never; its token takes followups for 15 minutes. Tests of those rules pass
        # a clock they move by hand.
        self.clock = clock
        self.acknowledge_within = acknowledge_within
        self.token_valid_for = TOKEN_VALID_FOR
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.emulate_message_content = emulate_message_content
        self.echo_bot_messages = echo_bot_messages
        self._snowflake = Snowflakes()

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
        self.guilds: list[FakeGuild] = []  # guilds after the first (add_guild)
        self.owner = self.add_user("alice", global_name="Alice", roles=[self.mod_role])
        self.owner_id = self.owner.id
        self.member = self.add_user("bob", global_name="Bob")

        self.channels: dict[int, FakeChannel] = {}
        self.dm_channels: dict[int, FakeChannel] = {}  # user id -> their DM channel with the bot
        self.channel_id = self._put_channel(FakeChannel(self._snowflake(), "general", position=0)).id
        self.other_channel_id = self._put_channel(FakeChannel(self._snowflake(), "news", position=1)).id

        # What the bot did.
        self.requests: list[RecordedRequest] = []
        self.unhandled_requests: list[RecordedRequest] = []
        self.server_errors: list[Exception] = []  # exceptions raised inside the fake's handlers

        self._messages: dict[int, dict[str, Any]] = {}
        self._deleted: set[int] = set()
        self._files: dict[int, tuple[bytes, str]] = {}
        self._changed = asyncio.Event()
        self._bots: dict[discord.Client, asyncio.Task[None]] = {}
        self.port = 0

    # ---------------------------------------------------------------- addresses

    @property
    def http_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.http_base + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def _add_routes(self, app: web.Application) -> None:
        """Each layer adds its routes (and calls ``super()``)."""

    # ---------------------------------------------------------------- waiting

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(
        self, predicate: Callable[[], T | None], timeout: float = 5.0, *, description: str | None = None
    ) -> T:
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

    # ---------------------------------------------------------------- more guilds

    def add_guild(self, name: str = "Other Guild", *, shard: tuple[int, int] | None = None) -> FakeGuild:
        """Another guild with the bot in it (add it before the bot connects: it arrives in READY and GUILD_CREATE):
        ``@everyone`` with the same permissions as the first guild's, a Moderator role (Manage Messages), one
        text channel, its owner ``carol`` (who holds that role) and a plain member ``dave``. ``guild.join(...)``
        is :meth:`join`. ``shard=(shard_id, num_shards)`` picks an id that puts the guild on that shard."""
        guild_id = self._snowflake() if shard is None else self._snowflake.on_shard(*shard)
        perms = discord.Permissions
        everyone = FakeRole(guild_id, "@everyone", self.everyone_role.permissions)
        mod = FakeRole(self._snowflake(), "Moderator", perms(manage_messages=True).value, position=2, hoist=True)
        bot_role = FakeRole(
            self._snowflake(), self.bot_user.username, perms(embed_links=True, attach_files=True,
                                                           send_messages=True).value,
            position=1, managed=True, tags={"bot_id": str(self.bot_id)},
        )  # fmt: skip
        channel = FakeChannel(self._snowflake(), "general", position=0)
        owner = FakeUser(self._snowflake(), "carol", global_name="Carol")
        member = FakeUser(self._snowflake(), "dave", global_name="Dave")
        guild = FakeGuild(
            id=guild_id, name=name, roles={r.id: r for r in (everyone, mod, bot_role)}, everyone_role=everyone,
            mod_role=mod, owner=owner, member=member, channels={channel.id: channel}, channel_id=channel.id,
            users={self.bot_id: self.bot_user, owner.id: owner, member.id: member},
            role_ids={self.bot_id: [bot_role.id], owner.id: [mod.id], member.id: []},
        )  # fmt: skip
        for user in (owner, member):
            self.users.setdefault(user.id, user)
        self.guilds.append(guild)
        return guild

    def join(self, guild: FakeGuild, user: FakeUser, roles: Iterable[FakeRole] = ()) -> None:
        """``user`` (of any guild) becomes a member of ``guild``, holding ``roles`` of that guild there."""
        guild.users[user.id] = user
        guild.role_ids[user.id] = [r.id for r in roles]

    @contextlib.contextmanager
    def in_guild(self, guild: FakeGuild | None) -> Iterator[None]:
        """Build payloads as ``guild`` (None: the first guild) sees things: its id, name, roles, channels, owner,
        members and the roles each holds there."""
        if guild is None:
            yield
            return
        names = ("guild_id", "guild_name", "roles", "everyone_role", "mod_role", "mod_role_id", "owner", "owner_id",
                 "member", "channels", "channel_id", "users")  # fmt: skip
        saved = {n: getattr(self, n) for n in names}
        saved_roles = {u.id: list(u.role_ids) for u in guild.users.values()}
        try:
            self.guild_id, self.guild_name, self.roles = guild.id, guild.name, guild.roles
            self.everyone_role, self.mod_role, self.mod_role_id = guild.everyone_role, guild.mod_role, guild.mod_role.id
            self.owner, self.owner_id, self.member = guild.owner, guild.owner.id, guild.member
            self.channels, self.channel_id, self.users = guild.channels, guild.channel_id, guild.users
            for user in guild.users.values():
                user.role_ids[:] = guild.role_ids.get(user.id, [])
            yield
        finally:
            for user in guild.users.values():
                user.role_ids[:] = saved_roles[user.id]
            for n, value in saved.items():
                setattr(self, n, value)

    # ---------------------------------------------------------------- world building

    def _put_role(self, role: FakeRole) -> FakeRole:
        self.roles[role.id] = role
        return role

    def _put_channel(self, channel: FakeChannel) -> FakeChannel:
        self.channels[channel.id] = channel
        return channel

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The direct-message channel between ``user`` and the bot (made on first use)."""
        channel = self.dm_channels.get(user.id)
        if channel is None:
            channel = self.dm_channels[user.id] = FakeChannel(self._snowflake(), "", type=DM_CHANNEL)
        return channel

    def guild_of_channel(self, channel_id: int | str) -> int:
        """The id of the guild a channel is in: one of ``add_guild``'s, else the first guild."""
        return next((g.id for g in self.guilds if int(channel_id) in g.channels), self.guild_id)

    def is_dm(self, channel_id: int | str) -> bool:
        return any(c.id == int(channel_id) for c in self.dm_channels.values())

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

    def _user(self, user: FakeUser | int | None) -> FakeUser:
        if user is None:
            return self.owner
        if isinstance(user, FakeUser):
            return user
        return self.users[int(user)]

    # ---------------------------------------------------------------- messages

    def message(self, message_id: int | str) -> dict[str, Any] | None:
        """Current state of a message (``None`` if unknown or deleted)."""
        mid = int(message_id)
        if mid in self._deleted or mid not in self._messages:
            return None
        return copy.deepcopy(self._messages[mid])

    def messages_in(self, channel_id: int | None = None, *, include_ephemeral: bool = False) -> list[dict[str, Any]]:
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

    def _attachment(
        self, channel_id: int, upload: FakeFile | RecordedFile, *, ephemeral: bool = False
    ) -> dict[str, Any]:
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
