"""The fake's REST API (v10): authentication, recording, injected faults and 429s, users, guild,
channels, application commands, and channel messages with Discord's validation."""

from __future__ import annotations

import copy
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from tests.fakediscord.command_limits import command_errors, commands_errors
from tests.fakediscord.gateway import Gateway
from tests.fakediscord.limits import message_errors
from tests.fakediscord.mentions import Pings, pings_of
from tests.fakediscord.nonces import NONCE_WINDOW, Nonces
from tests.fakediscord.objects import FakeChannel
from tests.fakediscord.protocol import (
    API_PREFIX,
    CANNOT_SEND_EMPTY_MESSAGE,
    COMPONENTS_V2,
    DM_CHANNEL,
    EPHEMERAL,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    LOADING,
    SUPPRESS_EMBEDS,
    SUPPRESS_NOTIFICATIONS,
    UNKNOWN_MESSAGE,
    ApiError,
    field_error,
    invalid_form_body,
    json_response,
    now_iso,
)
from tests.fakediscord.ratelimits import ChannelLimits
from tests.fakediscord.records import FakeInteraction, RecordedFile, RecordedRequest
from tests.fakediscord.world import discord

# What the fake adds to a command it stores (never sent by a bot, so never checked as if it had been).
_SERVER_FIELDS = frozenset({"id", "application_id", "version", "guild_id", "nsfw"})


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


RECORD = web.RequestKey("fake_record", RecordedRequest)


class Rest(Gateway):
    """The REST layer: every request is recorded, may meet an injected fault, then a handler."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._commands: dict[int | None, list[dict[str, Any]]] = {}
        self._faults: list[_Fault] = []
        self._nonces = Nonces(self.clock)
        self.nonce_window = NONCE_WINDOW  # how long a nonce returns its message (``enforce_nonce``)
        self.pings: list[tuple[int, Pings]] = []
        self.channel_limits = ChannelLimits(self.clock)

    def _add_routes(self, app: web.Application) -> None:
        super()._add_routes(app)
        r = app.router
        p = API_PREFIX
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

    # ---------------------------------------------------------------- HTTP plumbing

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            passed: web.StreamResponse = await handler(request)
            return passed
        record = await self._record(request)
        request[RECORD] = record
        response: web.StreamResponse
        fault = next((f for f in self._faults if f.matches(record.method, record.path)), None)
        if fault is not None:
            fault.remaining -= 1
            response = json_response(fault.body, fault.status, fault.headers)
        else:
            try:
                self._check_auth(request, record)
                response = await handler(request)
            except ApiError as exc:
                response = json_response(exc.body, exc.status)
            except web.HTTPNotFound:
                self.unhandled_requests.append(record)
                response = json_response({"message": "404: Not Found", "code": 0}, 404)
            except web.HTTPMethodNotAllowed:
                self.unhandled_requests.append(record)
                response = json_response({"message": "405: Method Not Allowed", "code": 0}, 405)
            except Exception as exc:  # a bug in the fake: fail fast (a 500 makes discord.py retry slowly)
                self.server_errors.append(exc)
                response = json_response({"message": f"fakediscord internal error: {exc!r}", "code": 0}, 400)
        record.status = response.status
        self._notify()
        return response

    def _check_auth(self, request: web.Request, record: RecordedRequest) -> None:
        # Interaction callbacks and interaction webhooks are authenticated by their token only.
        if record.path.startswith(("/interactions/", "/webhooks/")):
            return
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise ApiError(401, "401: Unauthorized", 0)

    async def _record(self, request: web.Request) -> RecordedRequest:
        record = RecordedRequest(
            method=request.method,
            path=request.path[len(API_PREFIX) :],
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
        return json_response({"url": self.gateway_url})

    async def _h_gateway_bot(self, request: web.Request) -> web.Response:
        return json_response(
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
        return json_response(self._self_user_payload())

    async def _h_user(self, request: web.Request) -> web.Response:
        user = self.users.get(int(request.match_info["user_id"]))
        if user is None:
            raise ApiError(404, "Unknown User", 10013)
        return json_response(user.to_user())

    async def _h_application(self, request: web.Request) -> web.Response:
        return json_response(self._application_payload())

    def _check_guild(self, request: web.Request) -> None:
        if int(request.match_info["guild_id"]) != self.guild_id:
            raise ApiError(404, "Unknown Guild", 10004)

    async def _h_guild(self, request: web.Request) -> web.Response:
        self._check_guild(request)
        data = self._guild_payload()
        for key in ("channels", "members", "threads", "presences", "voice_states", "joined_at", "large"):
            data.pop(key, None)
        return json_response(data)

    async def _h_guild_channels(self, request: web.Request) -> web.Response:
        self._check_guild(request)
        return json_response([c.to_dict(self.guild_id) for c in self.channels.values()])

    async def _h_guild_member(self, request: web.Request) -> web.Response:
        self._check_guild(request)
        user = self.users.get(int(request.match_info["user_id"]))
        if user is None:
            raise ApiError(404, "Unknown Member", 10007)
        return json_response(self.member_payload(user))

    def _channel(self, request: web.Request) -> FakeChannel:
        channel_id = int(request.match_info["channel_id"])
        channel = self.channels.get(channel_id) or next(
            (c for c in self.dm_channels.values() if c.id == channel_id), None
        )
        if channel is None:
            raise ApiError(404, "Unknown Channel", 10003)
        return channel

    async def _h_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if channel.type == DM_CHANNEL:
            user = next(self.users[uid] for uid, c in self.dm_channels.items() if c is channel)
            return json_response({"id": str(channel.id), "type": DM_CHANNEL, "recipients": [user.to_user()]})
        return json_response(channel.to_dict(self.guild_id))

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
                raise invalid_form_body(
                    {"attachments": {str(len(result)): field_error("ATTACHMENT_NOT_FOUND", "Unknown attachment")}}
                )
        return result

    def _validate_message(self, message: dict[str, Any], allowed_mentions: Any = None) -> None:
        errors = message_errors(message, allowed_mentions)
        if errors:
            raise invalid_form_body(errors)
        if not (
            message.get("content")
            or message.get("embeds")
            or message.get("attachments")
            or message.get("components")
            or message.get("sticker_items")
            or message.get("poll")
            or int(message.get("flags", 0)) & LOADING
        ):
            raise ApiError(400, "Cannot send an empty message", CANNOT_SEND_EMPTY_MESSAGE)

    def _new_bot_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        files: list[RecordedFile],
        *,
        flags_mask: int = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | COMPONENTS_V2,
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
            "timestamp": now_iso(),
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
                raise invalid_form_body(
                    {"message_reference": field_error("MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")}
                )
            message["message_reference"] = {
                "type": reference.get("type", 0),
                "message_id": str(ref_id),
                "channel_id": str(reference.get("channel_id") or channel_id),
                "guild_id": str(self.guild_id),
            }
            if referenced is not None:
                message["referenced_message"] = referenced
                message["type"] = 19  # REPLY
        if self.is_dm(channel_id):
            message.pop("guild_id")
            message.get("message_reference", {}).pop("guild_id", None)
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
        self._validate_message(message, body.get("allowed_mentions"))
        referenced = message.get("referenced_message")
        self._mark_pings(message, body, int(referenced["author"]["id"]) if referenced else None)
        self._messages[message_id] = message
        return message

    def _mark_pings(self, message: dict[str, Any], body: dict[str, Any], replied_author: int | None = None) -> None:
        """Fill ``mentions``, ``mention_roles`` and ``mention_everyone`` as Discord would (:mod:`mentions`), and
        remember a message that pinged anyone (``pinging_messages``)."""
        may_everyone = bool(self.permissions_of(self.bot_user) & discord.Permissions(mention_everyone=True).value)
        found = pings_of(
            message.get("content") or "",
            body.get("allowed_mentions") if "allowed_mentions" in body else None,
            known_users=self.users.keys(),
            mentionable_roles={r.id for r in self.roles.values() if r.mentionable},
            known_roles=self.roles.keys(),
            may_mention_everyone=may_everyone and not self.is_dm(message["channel_id"]),
            replied_author=replied_author,
        )
        message["mentions"] = [self.users[u].to_user() for u in found.users]
        message["mention_roles"] = [str(r) for r in found.roles]
        message["mention_everyone"] = found.everyone
        if found:
            self.pings.append((int(message["id"]), found))

    def pinging_messages(self) -> list[tuple[int, Pings]]:
        """Every message of the bot that pinged someone (its id and whom), whether it still stands or not."""
        return list(self.pings)

    def _apply_edit(self, message: dict[str, Any], body: dict[str, Any], files: list[RecordedFile]) -> dict[str, Any]:
        updated = copy.deepcopy(message)
        for key in ("content", "embeds", "components"):
            if key in body:
                updated[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if "flags" in body and body["flags"] is not None:
            keep = int(updated.get("flags", 0)) & ~SUPPRESS_EMBEDS
            updated["flags"] = keep | (int(body["flags"]) & SUPPRESS_EMBEDS)
        updated["flags"] = int(updated.get("flags", 0)) & ~LOADING
        updated["attachments"] = self._attachments_from(
            int(updated["channel_id"]), body, files, updated.get("attachments", [])
        )
        updated["edited_timestamp"] = now_iso()
        self._validate_message(updated, body.get("allowed_mentions"))
        if "content" in body:
            self._mark_pings(updated, body)
        self._messages[int(updated["id"])] = updated
        return updated

    async def _echo(self, event: str, message: dict[str, Any]) -> None:
        if not self.echo_bot_messages or int(message.get("flags", 0)) & EPHEMERAL:
            return
        in_dm = "guild_id" not in message
        if not self._intents & (INTENT_DIRECT_MESSAGES if in_dm else INTENT_GUILD_MESSAGES):
            return
        data = copy.deepcopy(message)
        if event == "MESSAGE_CREATE" and not in_dm:
            data["member"] = self.member_payload(self.bot_user, with_user=False)
        await self._dispatch_if_connected(event, data)

    async def _echo_delete(self, message: dict[str, Any]) -> None:
        if not self.echo_bot_messages or int(message.get("flags", 0)) & EPHEMERAL:
            return
        await self._announce_delete(message)

    def _stored_message(self, request: web.Request) -> dict[str, Any]:
        channel = self._channel(request)
        message = self.message(request.match_info["message_id"])
        if message is None or message["channel_id"] != str(channel.id) or int(message.get("flags", 0)) & EPHEMERAL:
            raise ApiError(404, "Unknown Message", UNKNOWN_MESSAGE)
        return message

    async def _h_create_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        record: RecordedRequest = request[RECORD]
        body = record.json if isinstance(record.json, dict) else {}
        headers, retry_after = self.channel_limits.take(channel.id)
        if retry_after is not None:
            limited = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
            return json_response(limited, 429, headers)
        if channel.type != DM_CHANNEL:
            self._check_may_post(channel, body)
        self._nonces.check(body)
        earlier = self._nonces.earlier(self.bot_id, body, self.nonce_window, self._deleted)
        if earlier is not None:  # a retry: Discord returns the message the nonce created, and creates none
            return json_response(self._messages[earlier], headers=headers)
        message = self._new_bot_message(channel.id, body, record.files)
        self._nonces.remember(self.bot_id, body, int(message["id"]))
        await self._echo("MESSAGE_CREATE", message)
        return json_response(message, headers=headers)

    def limit_channel(self, channel_id: int, *, limit: int = 5, per: float = 5.0) -> None:
        """Rate limit the bot's posts in ``channel_id`` as Discord does: ``limit`` a ``per`` seconds, with the
        bucket's headers on every answer (``ratelimits``)."""
        self.channel_limits.limit(channel_id, limit, per)

    def _check_may_post(self, channel: FakeChannel, body: dict[str, Any]) -> None:
        """Discord refuses a bot's message in a channel it cannot see (50001), cannot send in, or, for a message
        of embeds only, cannot embed links in (50013), from its permissions in that channel (overwrites too)."""
        have = discord.Permissions(self.channel_permissions(self.bot_user, channel))
        if not have.view_channel:
            raise ApiError(403, "Missing Access", 50001)
        if not have.send_messages or (body.get("embeds") and not body.get("content") and not have.embed_links):
            raise ApiError(403, "Missing Permissions", 50013)

    async def _h_get_message(self, request: web.Request) -> web.Response:
        return json_response(self._stored_message(request))

    async def _h_history(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if channel.type != DM_CHANNEL:  # Discord: 50001 without View Channel, no messages without Read History
            have = discord.Permissions(self.channel_permissions(self.bot_user, channel))
            if not have.view_channel:
                raise ApiError(403, "Missing Access", 50001)
            if not have.read_message_history:
                return json_response([])
        limit = int(request.query.get("limit", 50))
        before = int(request.query.get("before", 1 << 63))
        after = int(request.query.get("after", 0))
        messages = [m for m in self.messages_in(channel.id) if after < int(m["id"]) < before]
        messages.reverse()  # newest first, like Discord
        return json_response(messages[:limit])

    async def _h_edit_message(self, request: web.Request) -> web.Response:
        message = self._stored_message(request)
        if message["author"]["id"] != str(self.bot_id):
            raise ApiError(403, "Cannot edit a message authored by another user", 50005)
        record: RecordedRequest = request[RECORD]
        updated = self._apply_edit(message, record.json if isinstance(record.json, dict) else {}, record.files)
        await self._echo("MESSAGE_UPDATE", updated)
        return json_response(updated)

    async def _h_delete_message(self, request: web.Request) -> web.Response:
        message = self._stored_message(request)
        self._deleted.add(int(message["id"]))
        await self._echo_delete(message)
        return web.Response(status=204)
