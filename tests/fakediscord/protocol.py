"""Discord's wire vocabulary as the fake speaks it: callback and interaction types, message flags,
gateway intents, snowflakes, and the JSON error body Discord answers a rejected request with."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

# Interaction callback types (what the bot answered with).
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9
# Message flags.
EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_EMBEDS = 1 << 2
SUPPRESS_NOTIFICATIONS = 1 << 12
COMPONENTS_V2 = 1 << 15

# Interaction types (what the user did).
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# Gateway intents the fake honours.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
DM_CHANNEL = 1

DISCORD_EPOCH_MS = 1420070400000
API_PREFIX = "/api/v10"

# JSON error codes (discord.com/developers/docs/topics/opcodes-and-status-codes#json).
UNKNOWN_MESSAGE = 10008
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
CANNOT_SEND_EMPTY_MESSAGE = 50006
INVALID_FORM_BODY = 50035
ALREADY_ACKNOWLEDGED = 40060
INVALID_WEBHOOK_TOKEN = 50027
# How long a bot has to acknowledge an interaction (the initial response).
ACKNOWLEDGE_WITHIN = 3.0
# How long an interaction's token takes followups and edits.
TOKEN_VALID_FOR = 15 * 60.0
SELECT_TYPES = (3, 5, 6, 7, 8)
MENTION_RE = re.compile(r"<@!?(\d+)>")
ROLE_MENTION_RE = re.compile(r"<@&(\d+)>")


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class Snowflakes:
    """Real-looking, strictly increasing snowflakes (so ``id`` order is creation order)."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        value = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        if value <= self._last:
            value = self._last + 1
        self._last = value
        return value

    def on_shard(self, shard_id: int, num_shards: int) -> int:
        """The next snowflake that, as a guild's id, puts the guild on shard ``shard_id`` of ``num_shards`` (its
        timestamp moved on to the next millisecond that does: the shard is ``(id >> 22) % num_shards``)."""
        value = self()
        ms = value >> 22
        ahead = (shard_id - ms) % num_shards
        if ahead:
            value = self._last = (ms + ahead) << 22
        return value


class ApiError(Exception):
    """A request Discord refuses: ``status`` and the JSON body ``{"message", "code"[, "errors"]}``."""

    def __init__(self, status: int, message: str, code: int = 0, errors: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors:
            self.body["errors"] = errors


def field_error(code: str, message: str) -> dict[str, Any]:
    """One leaf of an errors tree: ``{"_errors": [{"code": ..., "message": ...}]}``."""
    return {"_errors": [{"code": code, "message": message}]}


def invalid_form_body(errors: dict[str, Any]) -> ApiError:
    """Discord's 400 / 50035 with the tree of what was wrong where."""
    return ApiError(400, "Invalid Form Body", INVALID_FORM_BODY, errors)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py only parses bodies whose Content-Type is *exactly* "application/json".
    # web.json_response would add "; charset=utf-8".
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json", headers=headers)
