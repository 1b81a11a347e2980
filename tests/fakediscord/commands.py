"""Application commands over REST: a bot's global and guild commands, registered in bulk (PUT) or one by one
(POST, PATCH, DELETE), each checked against Discord's limits (``command_limits``) and stored as Discord stores them
(ids, versions, defaults); ``fake.registered_commands()`` is what a bot synced.

Apart from the other resources because the commands are the state the interactions layer reads back: the options a
``fake.slash(...)`` encodes come from here.
"""

from __future__ import annotations

import copy
from typing import Any

from aiohttp import web

from tests.fakediscord.command_limits import command_errors, commands_errors
from tests.fakediscord.protocol import (
    API_PREFIX,
    ApiError,
    field_error,
    invalid_form_body,
    json_response,
)
from tests.fakediscord.resources import Resources
from tests.fakediscord.rest import RECORD

# What the fake adds to a command it stores (never sent by a bot, so never checked as if it had been).
_SERVER_FIELDS = frozenset({"id", "application_id", "version", "guild_id", "nsfw"})


class Commands(Resources):
    """The bot's application commands, global and per guild."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._commands: dict[int | None, list[dict[str, Any]]] = {}

    def _add_routes(self, app: web.Application) -> None:
        super()._add_routes(app)
        r = app.router
        p = API_PREFIX
        for base in ("/applications/{app_id}/commands", "/applications/{app_id}/guilds/{guild_id}/commands"):
            r.add_get(p + base, self._h_commands_list)
            r.add_put(p + base, self._h_commands_put)
            r.add_post(p + base, self._h_command_post)
            r.add_get(p + base + "/{command_id:\\d+}", self._h_command_get)
            r.add_patch(p + base + "/{command_id:\\d+}", self._h_command_patch)
            r.add_delete(p + base + "/{command_id:\\d+}", self._h_command_delete)

    def _command_scope(self, request: web.Request) -> int | None:
        if int(request.match_info["app_id"]) != self.application_id:
            raise ApiError(403, "Missing Access", 50001)
        if "guild_id" in request.match_info:
            self._check_guild(request)
            return self.guild_id
        return None

    def _normalise_command(self, scope: int | None, payload: dict[str, Any], old_id: int | None) -> dict[str, Any]:
        if not isinstance(payload, dict) or not payload.get("name"):
            raise invalid_form_body({"name": field_error("BASE_TYPE_REQUIRED", "This field is required")})
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
        return json_response(self._commands.get(self._command_scope(request), []))

    async def _h_commands_put(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        payload = request[RECORD].json or []
        errors = commands_errors(payload)
        if errors:
            raise invalid_form_body(errors)
        stored = []
        for item in payload:
            old = self._find_command(scope, str(item.get("name", "")), item.get("type", 1))
            stored.append(self._normalise_command(scope, item, None if old is None else int(old["id"])))
        self._commands[scope] = stored
        return json_response(stored)

    async def _h_command_post(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        item = request[RECORD].json or {}
        errors = command_errors(item)
        if errors:
            raise invalid_form_body(errors)
        old = self._find_command(scope, str(item.get("name", "")), item.get("type", 1))
        command = self._normalise_command(scope, item, None if old is None else int(old["id"]))
        commands = [c for c in self._commands.get(scope, []) if c is not old]
        self._commands[scope] = [*commands, command]
        return json_response(command, 200 if old else 201)

    def _command_by_id(self, request: web.Request) -> tuple[int | None, dict[str, Any]]:
        scope = self._command_scope(request)
        command_id = request.match_info["command_id"]
        for command in self._commands.get(scope, []):
            if command["id"] == command_id:
                return scope, command
        raise ApiError(404, "Unknown application command", 10063)

    async def _h_command_get(self, request: web.Request) -> web.Response:
        return json_response(self._command_by_id(request)[1])

    async def _h_command_patch(self, request: web.Request) -> web.Response:
        scope, command = self._command_by_id(request)
        merged = {**command, **(request[RECORD].json or {})}
        errors = command_errors({k: v for k, v in merged.items() if k not in _SERVER_FIELDS})
        if errors:
            raise invalid_form_body(errors)
        updated = self._normalise_command(scope, merged, int(command["id"]))
        self._commands[scope] = [updated if c is command else c for c in self._commands[scope]]
        return json_response(updated)

    async def _h_command_delete(self, request: web.Request) -> web.Response:
        scope, command = self._command_by_id(request)
        self._commands[scope] = [c for c in self._commands[scope] if c is not command]
        return web.Response(status=204)

    def registered_commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """Commands the bot registered: global ones (``guild_id=None``) or for ``guild_id``."""
        return copy.deepcopy(self._commands.get(guild_id, []))
