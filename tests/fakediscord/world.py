"""The fake's world: one guild with its roles, channels, members and messages, the files users and
the bot uploaded, and the log of what the bot did; plus waiting for that state to change.

The layers above (gateway, REST, interactions) read and change this state; none of it speaks HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from tests.fakediscord.protocol import (
    ACKNOWLEDGE_WITHIN,
    API_PREFIX,
    DM_CHANNEL,
    EPHEMERAL,
    TOKEN_VALID_FOR,
    Snowflakes,
    now_iso,
)
from tests.fakediscord.records import RecordedFile, RecordedRequest

with warnings.catch_warnings():
    # discord.py imports the stdlib ``audioop`` (deprecated in 3.11+) for voice; under
    # ``filterwarnings = ["error"]`` that is an import error unless the config ignores it.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord as discord  # re-exported: the layers above import it from here, after the filter


# World objects
# --------------------------------------------------------------------------------------------


T = TypeVar("T")


@dataclass(eq=False)
class FakeUser:
    """A Discord user who is a member of the fake guild."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=now_iso)

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
    # Discord's permission overwrites: {"id": role or member id, "type": 0 role / 1 member, "allow", "deny"}
    overwrites: list[dict[str, Any]] = field(default_factory=list)

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
            "permission_overwrites": [
                {"id": str(o["id"]), "type": o["type"], "allow": str(o["allow"]), "deny": str(o["deny"])}
                for o in self.overwrites
            ],
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


@dataclass(eq=False)
class FakeGuild:
    """Another guild the bot is in (``fake.add_guild``): its own roles, channel and members, each member with the
    roles they hold there. ``with fake.in_guild(guild):`` makes every payload the fake builds (GUILD_CREATE,
    interactions, members' permissions) that guild's."""

    id: int
    name: str
    roles: dict[int, FakeRole]
    everyone_role: FakeRole
    mod_role: FakeRole
    owner: FakeUser
    member: FakeUser
    channels: dict[int, FakeChannel]
    channel_id: int
    users: dict[int, FakeUser]
    role_ids: dict[int, list[int]] = field(default_factory=dict)  # member id -> the roles they hold here

    @property
    def mod_role_id(self) -> int:
        return self.mod_role.id

    @property
    def owner_id(self) -> int:
        return self.owner.id

    @property
    def guild_id(self) -> int:
        return self.id


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

    # ---------------------------------------------------------------- world building

    # ---------------------------------------------------------------- more guilds

    def add_guild(self, name: str = "Other Guild") -> FakeGuild:
        """Another guild with the bot in it (add it before the bot connects: it arrives in READY and GUILD_CREATE):
        ``@everyone`` with the same permissions as the first guild's, a Moderator role (Manage Messages), one
        text channel, its owner ``carol`` (who holds that role) and a plain member ``dave``. ``guild.join(...)``
        is :meth:`join`."""
        guild_id = self._snowflake()
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

    def guild_payloads(self) -> list[dict[str, Any]]:
        """GUILD_CREATE of every guild after the first."""
        payloads = []
        for guild in self.guilds:
            with self.in_guild(guild):
                payloads.append(self._guild_payload())
        return payloads

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

    def set_overwrite(
        self,
        channel: FakeChannel,
        target: FakeRole | FakeUser,
        *,
        allow: discord.Permissions | int = 0,
        deny: discord.Permissions | int = 0,
    ) -> None:
        """Set ``channel``'s permission overwrite for a role or a member (replacing one it had). Announce it with
        ``await fake.dispatch("CHANNEL_UPDATE", channel.to_dict(fake.guild_id))`` once the bot is connected."""
        value = {
            "id": target.id,
            "type": 0 if isinstance(target, FakeRole) else 1,
            "allow": allow.value if isinstance(allow, discord.Permissions) else int(allow),
            "deny": deny.value if isinstance(deny, discord.Permissions) else int(deny),
        }
        channel.overwrites = [o for o in channel.overwrites if o["id"] != target.id] + [value]

    def channel_permissions(self, user: FakeUser, channel: FakeChannel) -> int:
        """``user``'s permissions in ``channel``, as Discord computes them: the guild's (owner and administrators
        get everything), then the channel's @everyone overwrite, its role overwrites together, its member one."""
        value = self.permissions_of(user)
        if value == discord.Permissions.all().value:
            return value
        overwrites = {int(o["id"]): o for o in channel.overwrites}
        everyone = overwrites.get(self.everyone_role.id)
        if everyone is not None:
            value = (value & ~everyone["deny"]) | everyone["allow"]
        allow = deny = 0
        for role_id in user.role_ids:
            role = overwrites.get(role_id)
            if role is not None and role["type"] == 0:
                allow, deny = allow | role["allow"], deny | role["deny"]
        value = (value & ~deny) | allow
        member = overwrites.get(user.id)
        if member is not None and member["type"] == 1:
            value = (value & ~member["deny"]) | member["allow"]
        return value

    def member_payload(self, user: FakeUser, *, with_user: bool = True, permissions: bool = False) -> dict[str, Any]:
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
