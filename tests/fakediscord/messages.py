"""Channel messages over REST: the bot posts, reads, edits and deletes messages, each checked as Discord checks
it (its limits, an empty message, its permissions in the channel, a nonce, a channel's rate limit), stored with whom
it pings, and echoed back to the bot over the gateway as Discord echoes its own messages.

The interaction webhooks (``callbacks``) build their messages with the same ``_new_bot_message`` and
``_apply_edit``, so a followup is held to the same rules as a post.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from aiohttp import web

from tests.fakediscord.commands import Commands
from tests.fakediscord.limits import message_errors
from tests.fakediscord.mentions import INTERACTION_DEFAULT, Pings, pings_of
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
from tests.fakediscord.rest import RECORD
from tests.fakediscord.world import discord


class Messages(Commands):
    """The bot's messages in channels and DMs."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._nonces = Nonces(self.clock)
        self.nonce_window = NONCE_WINDOW  # how long a nonce returns its message (``enforce_nonce``)
        self.pings: list[tuple[int, Pings]] = []
        self.channel_limits = ChannelLimits(self.clock)

    def _add_routes(self, app: web.Application) -> None:
        super()._add_routes(app)
        r = app.router
        p = API_PREFIX
        r.add_get(p + "/channels/{channel_id}/messages", self._h_history)
        r.add_post(p + "/channels/{channel_id}/messages", self._h_create_message)
        r.add_get(p + "/channels/{channel_id}/messages/{message_id}", self._h_get_message)
        r.add_patch(p + "/channels/{channel_id}/messages/{message_id}", self._h_edit_message)
        r.add_delete(p + "/channels/{channel_id}/messages/{message_id}", self._h_delete_message)

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
        guild_id = self.guild_of_channel(channel_id)
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "guild_id": str(guild_id),
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
                "guild_id": str(guild_id),
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
        if "allowed_mentions" in body:
            allowed = body["allowed_mentions"]
        else:  # Discord's defaults: every kind in a bot's message, users only in an interaction's (its webhook's)
            allowed = INTERACTION_DEFAULT if "webhook_id" in message else None
        found = pings_of(
            message.get("content") or "",
            allowed,
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
        data = copy.deepcopy(message)
        if event == "MESSAGE_CREATE" and not in_dm:
            data["member"] = self.member_payload(self.bot_user, with_user=False)
        if self.connected:
            await self._dispatch_needing(event, data, INTENT_DIRECT_MESSAGES if in_dm else INTENT_GUILD_MESSAGES)

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
