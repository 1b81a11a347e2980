"""Users posting: a member's message in a guild channel (MESSAGE_CREATE, with the MESSAGE_CONTENT intent emulated), a
direct message to the bot, a message deleted by its author or a moderator.

Apart from the gateway because these are what a test makes users do; the gateway only decides which of the bot's
sessions is sent each event, and with what (its intents).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from tests.fakediscord.gateway import Gateway
from tests.fakediscord.mentions import outside_code
from tests.fakediscord.objects import FakeFile, FakeGuild, FakeUser
from tests.fakediscord.protocol import (
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    MENTION_RE,
    ROLE_MENTION_RE,
    now_iso,
)


class Posting(Gateway):
    """What users post, sent to the bot's sessions as Discord would."""

    async def send_dm(self, content: str, *, author: FakeUser | int | None = None) -> dict[str, Any]:
        """A user sends the bot a direct message (MESSAGE_CREATE without a guild, with DIRECT_MESSAGES).
        DMs carry their content without the MESSAGE_CONTENT intent, as on Discord."""
        if not self.connected:
            raise RuntimeError("no bot connected")
        user = self._user(author)
        channel = self.dm_channel(user)
        message_id = self._snowflake()
        message = _user_message(message_id, channel.id, user, content)
        self._messages[message_id] = message
        await self._dispatch_needing("MESSAGE_CREATE", copy.deepcopy(message), INTENT_DIRECT_MESSAGES)
        return copy.deepcopy(message)

    async def delete_message(self, message: dict[str, Any] | int | str) -> None:
        """A user (or a moderator) deletes a message (MESSAGE_DELETE)."""
        found = self.message(message["id"] if isinstance(message, dict) else message)
        if found is None:
            raise KeyError(f"no message {message!r}")
        self._deleted.add(int(found["id"]))
        await self._announce_delete(found)

    async def _announce_delete(self, message: dict[str, Any]) -> None:
        in_dm = "guild_id" not in message
        data = {"id": message["id"], "channel_id": message["channel_id"]}
        if not in_dm:
            data["guild_id"] = message["guild_id"]
        if self.connected:
            await self._dispatch_needing(
                "MESSAGE_DELETE", data, INTENT_DIRECT_MESSAGES if in_dm else INTENT_GUILD_MESSAGES
            )

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
        guild: FakeGuild | None = None,
    ) -> dict[str, Any]:
        """A user posts a message (MESSAGE_CREATE). ``mentions_bot`` prefixes ``<@bot_id> `` unless the
        content already mentions the bot. Returns the full stored message (the bot may get a copy
        with empty content if it lacks the MESSAGE_CONTENT intent). ``guild``: in another guild (``fake.add_guild``),
        in its channel unless ``channel_id`` says; the event goes to that guild's shard."""
        if not self.connected:
            raise RuntimeError("no bot connected")
        with self.in_guild(guild):
            message, mentioned = self._user_message(
                content, author, channel_id, mentions_bot, mentions, attachments, reply_to
            )
        self._messages[int(message["id"])] = message

        def shape(intents: int) -> dict[str, Any] | None:
            if not intents & INTENT_GUILD_MESSAGES:
                return None
            event = copy.deepcopy(message)
            privileged = intents & INTENT_MESSAGE_CONTENT or self.bot_id in mentioned
            if self.emulate_message_content and not privileged:
                event.update(content="", embeds=[], attachments=[], components=[])
            return event

        await self._dispatch_shaped("MESSAGE_CREATE", int(message["guild_id"]), shape)
        return copy.deepcopy(message)

    def _user_message(
        self,
        content: str,
        author: FakeUser | int | None,
        channel_id: int | None,
        mentions_bot: bool,
        mentions: Sequence[FakeUser],
        attachments: Sequence[FakeFile],
        reply_to: dict[str, Any] | int | None,
    ) -> tuple[dict[str, Any], dict[int, FakeUser]]:
        """A user's message in a channel of the current guild (``in_guild``), and whom it mentions."""
        user = self._user(author)
        channel = int(channel_id or self.channel_id)
        if channel not in self.channels:
            raise KeyError(f"unknown channel {channel}")
        if mentions_bot and not re.search(rf"<@!?{self.bot_id}>", outside_code(content)):
            content = f"<@{self.bot_id}> {content}"
        read = outside_code(content)  # a mention in code is text (``mentions``)
        mentioned: dict[int, FakeUser] = {u.id: u for u in mentions}
        for raw_id in MENTION_RE.findall(read):
            if int(raw_id) in self.users:
                mentioned.setdefault(int(raw_id), self.users[int(raw_id)])
        mention_payloads = []
        for u in mentioned.values():
            payload = u.to_user()
            payload["member"] = self.member_payload(u, with_user=False)
            mention_payloads.append(payload)
        message_id = self._snowflake()
        message = _user_message(message_id, channel, user, content)
        message.update(
            guild_id=str(self.guild_id),
            member=self.member_payload(user, with_user=False),
            mention_everyone="@everyone" in read or "@here" in read,
            mentions=mention_payloads,
            mention_roles=[r for r in ROLE_MENTION_RE.findall(read) if int(r) in self.roles],
            attachments=[self._attachment(channel, f) for f in attachments],
        )
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
        return message, mentioned


def _user_message(message_id: int, channel_id: int, user: FakeUser, content: str) -> dict[str, Any]:
    """A message ``user`` posts, as Discord sends it, with no guild, mentions or attachments (a guild's message
    adds them)."""
    return {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": user.to_user(),
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "reactions": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
        "nonce": str(message_id),
    }
