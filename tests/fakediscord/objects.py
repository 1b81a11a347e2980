"""Discord's objects as the fake holds them: users, roles, channels, the files users attach, and the guilds after
the first; each knows how Discord sends it (``to_user``, ``to_dict``).

Plain data with no behaviour of their own: the world (``world``) owns them and the rules (``access``) read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.fakediscord.protocol import now_iso

__all__ = ["FakeChannel", "FakeFile", "FakeGuild", "FakeRole", "FakeUser"]


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
