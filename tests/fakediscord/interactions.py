"""Interactions: users running slash commands, typing into autocomplete, clicking components and
submitting modals; and the bot's answers (interaction callbacks, followups and edits through the
interaction webhook) with Discord's rules for each."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from typing import Any, Literal

from aiohttp import web

from tests.fakediscord.limits import autocomplete_errors, modal_errors
from tests.fakediscord.objects import FakeChannel, FakeFile, FakeGuild, FakeRole, FakeUser
from tests.fakediscord.protocol import (
    ALREADY_ACKNOWLEDGED,
    API_PREFIX,
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    COMPONENTS_V2,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    EPHEMERAL,
    INVALID_FORM_BODY,
    INVALID_WEBHOOK_TOKEN,
    LOADING,
    MESSAGE_COMPONENT,
    MODAL,
    MODAL_SUBMIT,
    SELECT_TYPES,
    SUPPRESS_EMBEDS,
    SUPPRESS_NOTIFICATIONS,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    UPDATE_MESSAGE,
    ApiError,
    field_error,
    invalid_form_body,
    json_response,
)
from tests.fakediscord.records import BotReply, FakeInteraction, RecordedRequest, walk_components
from tests.fakediscord.rest import RECORD, Rest
from tests.fakediscord.world import discord


class Interactions(Rest):
    """The interactions layer: what users do with the bot's commands and components, and its answers."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.interactions: dict[int, FakeInteraction] = {}
        self._synthetic_command_ids: dict[tuple[str, int | None], int] = {}

    def _add_routes(self, app: web.Application) -> None:
        super()._add_routes(app)
        r = app.router
        p = API_PREFIX
        r.add_post(p + "/interactions/{interaction_id}/{token}/callback", self._h_interaction_callback)
        r.add_post(p + "/webhooks/{app_id}/{token}", self._h_followup)
        r.add_get(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self._h_webhook_message_get)
        r.add_patch(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self._h_webhook_message_edit)
        r.add_delete(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self._h_webhook_message_delete)

    # ---------------------------------------------------------------- interaction responses

    def _interaction_for(self, interaction_id: str | None, token: str) -> FakeInteraction:
        if interaction_id is not None:
            ix = self.interactions.get(int(interaction_id))
            if ix is None or ix.token != token:
                raise ApiError(404, "Unknown interaction", UNKNOWN_INTERACTION)
            return ix
        for ix in self.interactions.values():
            if ix.token == token:
                return ix
        raise ApiError(404, "Unknown Webhook", UNKNOWN_WEBHOOK)

    async def _h_interaction_callback(self, request: web.Request) -> web.Response:
        ix = self._interaction_for(request.match_info["interaction_id"], request.match_info["token"])
        record: RecordedRequest = request[RECORD]
        body = record.json if isinstance(record.json, dict) else {}
        ctype = int(body.get("type", 0))
        data = body.get("data") or {}
        if ix.responded:
            raise ApiError(400, "Interaction has already been acknowledged.", ALREADY_ACKNOWLEDGED)
        elapsed = self.clock() - ix.created_at
        if elapsed > self.acknowledge_within:
            # Discord forgets an interaction nobody acknowledged in 3 s; the user saw "This interaction failed".
            ix.refused_after = elapsed
            raise ApiError(404, "Unknown interaction", UNKNOWN_INTERACTION)
        allowed = {
            APPLICATION_COMMAND: {4, 5, 9},
            MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
            AUTOCOMPLETE: {8},
            MODAL_SUBMIT: {4, 5, 6} | ({7} if ix.source_message_id is not None else set()),
        }[ix.type]
        if ctype not in allowed:
            raise invalid_form_body(
                {"type": field_error("INTERACTION_CALLBACK_TYPE_INVALID", f"Invalid callback type {ctype}")}
            )
        try:
            response = await self._answer_callback(ix, ctype, data, record)
            ix.acknowledged_after = elapsed
            return response
        except ApiError as exc:
            if exc.body.get("code") == INVALID_FORM_BODY and "errors" in exc.body:
                exc.body["errors"] = {"data": exc.body["errors"]}  # the callback's message is its "data"
            raise

    async def _answer_callback(
        self, ix: FakeInteraction, ctype: int, data: dict[str, Any], record: RecordedRequest
    ) -> web.Response:
        channel_id = int(ix.payload["channel_id"])
        message: dict[str, Any] | None = None
        if ctype == CHANNEL_MESSAGE:
            mtype = 20 if ix.type == APPLICATION_COMMAND else 0
            message = self._new_bot_message(
                channel_id, data, record.files, flags_mask=0xFFFF & ~LOADING, interaction=ix, mtype=mtype
            )
            ix.original_message_id = int(message["id"])
        elif ctype == DEFERRED_CHANNEL_MESSAGE:
            ephemeral = int(data.get("flags") or 0) & EPHEMERAL
            message = self._new_bot_message(
                channel_id, {}, [], interaction=ix, mtype=20 if ix.type == APPLICATION_COMMAND else 0,
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
                    raise ApiError(404, "Unknown Message", UNKNOWN_MESSAGE)
                message = self._apply_edit(current, data, record.files)
            else:
                message = self.message(ix.source_message_id)
        elif ctype == MODAL:
            errors = modal_errors(data)
            if errors:
                raise invalid_form_body(errors)
            ix.modal = copy.deepcopy(data)
        elif ctype == AUTOCOMPLETE_RESULT:
            errors = autocomplete_errors(data)
            if errors:
                raise invalid_form_body(errors)

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
        return json_response({"interaction": callback, "resource": resource})

    def _webhook_interaction(self, request: web.Request) -> FakeInteraction:
        if int(request.match_info["app_id"]) != self.application_id:
            raise ApiError(404, "Unknown Webhook", UNKNOWN_WEBHOOK)
        ix = self._interaction_for(None, request.match_info["token"])
        if not ix.responded:
            raise ApiError(404, "Unknown Webhook", UNKNOWN_WEBHOOK)  # like Discord before the first callback
        if self.clock() - ix.created_at > self.token_valid_for:
            raise ApiError(401, "Invalid Webhook Token", INVALID_WEBHOOK_TOKEN)
        return ix

    def _webhook_message(self, ix: FakeInteraction, raw_id: str) -> tuple[bool, dict[str, Any]]:
        original = raw_id == "@original" or (
            ix.original_message_id is not None and raw_id == str(ix.original_message_id)
        )
        mid = ix.original_message_id if original else int(raw_id)
        if mid is None or (not original and mid not in ix.followup_message_ids):
            raise ApiError(404, "Unknown Message", UNKNOWN_MESSAGE)
        message = self.message(mid)
        if message is None:
            raise ApiError(404, "Unknown Message", UNKNOWN_MESSAGE)
        return original, message

    async def _h_followup(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        record: RecordedRequest = request[RECORD]
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
                flags_mask=EPHEMERAL | SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | COMPONENTS_V2,
                interaction=ix,
            )
            await self._echo("MESSAGE_CREATE", message)
        ix.followup_message_ids.append(int(message["id"]))
        ix.replies.append(BotReply("followup", None, copy.deepcopy(body), record.files, copy.deepcopy(message)))
        if request.query.get("wait", "false").lower() in ("0", "false"):
            return web.Response(status=204)
        return json_response(message)

    async def _h_webhook_message_get(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        return json_response(self._webhook_message(ix, request.match_info["message_id"])[1])

    async def _h_webhook_message_edit(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        original, message = self._webhook_message(ix, request.match_info["message_id"])
        record: RecordedRequest = request[RECORD]
        body = record.json if isinstance(record.json, dict) else {}
        if original:
            ix._deferred_loading = False
        updated = self._apply_edit(message, body, record.files)
        kind = "edit" if original else "edit_followup"
        ix.replies.append(BotReply(kind, None, copy.deepcopy(body), record.files, copy.deepcopy(updated)))
        await self._echo("MESSAGE_UPDATE", updated)
        return json_response(updated)

    async def _h_webhook_message_delete(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        original, message = self._webhook_message(ix, request.match_info["message_id"])
        self._deleted.add(int(message["id"]))
        kind = "delete" if original else "delete_followup"
        ix.replies.append(BotReply(kind, None, {}, [], copy.deepcopy(message)))
        await self._echo_delete(message)
        return web.Response(status=204)

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
