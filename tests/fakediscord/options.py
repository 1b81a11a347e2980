"""What an interaction a user starts carries: its payload (the member with their permissions, the channel, a
fresh token), and a command's data with each option encoded as Discord encodes it, typed by the command's
definition (as the bot synced it, else as its command tree has it) or else by the Python value, with ``resolved``
users, roles, channels and attachments.

Apart from the user's actions (``interactions``) because building the payload is the same for each of them, and is
where a test's mistake (an unknown option, a missing required one) is caught before the bot sees it.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from tests.fakediscord.callbacks import Callbacks
from tests.fakediscord.objects import FakeChannel, FakeFile, FakeGuild, FakeRole, FakeUser
from tests.fakediscord.records import FakeInteraction
from tests.fakediscord.world import discord


class InteractionPayloads(Callbacks):
    """Interaction payloads and command data, as Discord builds them."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._synthetic_command_ids: dict[tuple[str, int | None], int] = {}

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

    def _member_from(self, payload: dict[str, Any], user: FakeUser, guild: FakeGuild | Literal["home"] | None) -> None:
        """Craft ``payload``: its member (roles, permissions) as ``guild`` has them, whatever guild it names."""
        if guild is None:
            return
        with self.in_guild(None if guild == "home" else guild):
            member = self.member_payload(user, permissions=True)
        payload["member"] = member
        payload["channel"]["permissions"] = member["permissions"]

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
