"""Interactions users start: running a slash command, typing into an autocomplete option, clicking a component
of a message, submitting a modal the bot opened. Each is dispatched to the bot as INTERACTION_CREATE and returned as a
``FakeInteraction`` to await the bot's answers on (``callbacks``).

The payloads are built below (``options``); ``guild=`` acts in another guild, ``member_from=`` crafts an interaction
whose member is another guild's (the cross-guild tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from tests.fakediscord.objects import FakeGuild, FakeUser
from tests.fakediscord.options import InteractionPayloads
from tests.fakediscord.protocol import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL,
    MODAL_SUBMIT,
    SELECT_TYPES,
)
from tests.fakediscord.records import BotReply, FakeInteraction, walk_components


class Interactions(InteractionPayloads):
    """What users do with the bot's commands and components."""

    async def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: FakeUser | int | None = None,
        subcommand: str | None = None,
        channel_id: int | None = None,
        locale: str = "en-US",
        guild: FakeGuild | None = None,
        member_from: FakeGuild | Literal["home"] | None = None,
    ) -> FakeInteraction:
        """A user runs ``/name [subcommand] option:value...`` (INTERACTION_CREATE type 2).

        ``name`` may contain the whole path (``"news search"``) or use ``subcommand``
        (``"search"`` or ``"group sub"``). Option types come from the commands the bot synced
        to the fake, else from the running bot's command tree, else from the Python values
        (``FakeUser``/``FakeRole``/``FakeChannel``/``FakeFile`` give user/role/channel/attachment
        options with ``resolved`` data). Unknown or missing required options raise ``ValueError``.

        ``guild``: in another guild (``fake.add_guild``); ``member_from``: a crafted interaction whose member
        (roles, permissions) is taken from that guild (``"home"``: the first) while ``guild_id`` names ``guild``.
        """
        with self.in_guild(guild):
            acting = self._user(user)
            channel = int(channel_id or self.channel_id)
            data = self._build_command_data(name, options, subcommand, channel)
            payload = self._interaction_payload(APPLICATION_COMMAND, data, acting, channel, locale=locale)
        self._member_from(payload, acting, member_from)
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
        guild: FakeGuild | None = None,
        member_from: FakeGuild | Literal["home"] | None = None,
    ) -> FakeInteraction:
        """The user is typing option ``focused`` of ``/name`` (INTERACTION_CREATE type 4).
        Use ``await ix.choices()`` to get what the bot suggested."""
        if focused not in options:
            raise ValueError(f"focused option {focused!r} must be in options")
        with self.in_guild(guild):
            acting = self._user(user)
            channel = int(channel_id or self.channel_id)
            data = self._build_command_data(name, options, subcommand, channel, focused=focused)
            payload = self._interaction_payload(AUTOCOMPLETE, data, acting, channel)
        self._member_from(payload, acting, member_from)
        return await self._send_interaction(payload, acting)

    def _resolve_message(self, message: BotReply | dict[str, Any] | int | str) -> dict[str, Any]:
        if isinstance(message, BotReply):
            if message.message is None:
                raise ValueError("that reply has no message")
            key: int | str = message.message["id"]
        elif isinstance(message, dict):
            key = message["id"]
        else:
            key = message
        current = self.message(key)
        if current is None:
            raise ValueError(f"message {key} does not exist (deleted?)")
        return current

    async def click(
        self,
        message: BotReply | dict[str, Any] | int | str,
        custom_id: str,
        *,
        user: FakeUser | int | None = None,
        values: Sequence[str] | None = None,
        guild: FakeGuild | None = None,
        member_from: FakeGuild | Literal["home"] | None = None,
    ) -> FakeInteraction:
        """A user clicks a button (or picks ``values`` in a select) on a message
        (INTERACTION_CREATE type 3, carrying the message's current state)."""
        current = self._resolve_message(message)
        component = next(
            (c for c in walk_components(current.get("components", [])) if c.get("custom_id") == custom_id),
            None,
        )
        if component is None:
            available = [c["custom_id"] for c in walk_components(current.get("components", [])) if "custom_id" in c]
            raise ValueError(f"message {current['id']} has no component {custom_id!r}; it has {available}")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled; a user cannot use it")
        ctype = int(component["type"])
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if "id" in component:
            data["id"] = component["id"]
        if ctype in SELECT_TYPES:
            data["values"] = [str(v) for v in values or []]
        elif values is not None:
            raise ValueError("values are only for select menus")
        with self.in_guild(guild):
            acting = self._user(user)
            channel = int(current["channel_id"]) if guild is None else self.channel_id
            payload = self._interaction_payload(MESSAGE_COMPONENT, data, acting, channel, message=current)
        self._member_from(payload, acting, member_from)
        return await self._send_interaction(payload, acting, source_message_id=int(current["id"]))

    async def submit_modal(
        self,
        source: FakeInteraction | BotReply,
        values: dict[str, Any],
        *,
        user: FakeUser | int | None = None,
        guild: FakeGuild | None = None,
        member_from: FakeGuild | Literal["home"] | None = None,
    ) -> FakeInteraction:
        """Submit the modal the bot opened (callback type 9) in answer to ``source``; ``values`` maps
        text-input custom_ids to strings (select custom_ids to lists of values). ``guild``/``member_from``: as
        for :meth:`slash` (the submission names ``guild``, whatever guild the form was opened in)."""
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
            custom_id: str = component.get("custom_id") or ""
            if ctype == 4:
                value = str(remaining.pop(custom_id, component.get("value") or ""))
                if component.get("required", True) and not value:
                    raise ValueError(f"text input {custom_id!r} is required")
                if component.get("min_length") and len(value) < component["min_length"]:
                    raise ValueError(f"text input {custom_id!r} needs at least {component['min_length']} chars")
                if component.get("max_length") and len(value) > component["max_length"]:
                    raise ValueError(f"text input {custom_id!r} allows at most {component['max_length']} chars")
                return {"type": 4, "custom_id": custom_id, "value": value}
            if ctype in SELECT_TYPES:
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
        with self.in_guild(guild):
            where = channel if guild is None else self.channel_id
            payload = self._interaction_payload(MODAL_SUBMIT, data, acting, where, message=message)
        self._member_from(payload, acting, member_from)
        return await self._send_interaction(payload, acting, source_message_id=source_message_id)
