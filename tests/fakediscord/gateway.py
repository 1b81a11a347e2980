"""The fake's gateway: HELLO, IDENTIFY (READY, GUILD_CREATE), heartbeats, RESUME with replay of
missed events, op 7 RECONNECT, DISPATCH of any event, and users posting messages (MESSAGE_CREATE,
with the MESSAGE_CONTENT intent emulated)."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import uuid
import zlib
from collections.abc import Sequence
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakediscord.objects import FakeFile, FakeUser
from tests.fakediscord.payloads import Payloads
from tests.fakediscord.protocol import (
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
    MENTION_RE,
    ROLE_MENTION_RE,
    now_iso,
)


class _GatewayConnection:
    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.lock = asyncio.Lock()
        self.compressor = zlib.compressobj() if compress == "zlib-stream" else None
        self.intents = 0
        self.session_id: str | None = None

    async def send(self, frame: dict[str, Any]) -> None:
        if self.ws.closed:
            return
        raw = json.dumps(frame)
        async with self.lock:
            try:
                if self.compressor is not None:
                    data = self.compressor.compress(raw.encode()) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(raw)
            except ConnectionError:
                pass


class Gateway(Payloads):
    """The gateway layer: one bot session at a time, its sequence numbers and replay buffer."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.identify_payloads: list[dict[str, Any]] = []
        self.gateway_connects: list[dict[str, str]] = []  # query of every gateway connection
        self.presence_updates: list[dict[str, Any]] = []
        self.dispatched: list[dict[str, Any]] = []  # every DISPATCH frame sent, in order
        self.heartbeats = 0
        self.resume_count = 0
        self.replayed_frames = 0  # DISPATCH frames re-sent on RESUME

        # Gateway session.
        self._conn: _GatewayConnection | None = None
        self._connections: list[_GatewayConnection] = []
        self._session_id: str | None = None
        self._session_intents = 0
        self._seq = 0
        self._session_frames: list[dict[str, Any]] = []
        self._dispatch_lock = asyncio.Lock()

    def _add_routes(self, app: web.Application) -> None:
        super()._add_routes(app)
        app.router.add_get("/gateway", self._ws_handler)

    # ---------------------------------------------------------------- gateway

    @property
    def connected(self) -> bool:
        """Whether a bot has an identified gateway session (events sent while it is reconnecting are
        buffered and replayed when it RESUMEs)."""
        return self._session_id is not None

    @property
    def _intents(self) -> int:
        return self._session_intents

    async def _ws_handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        self.gateway_connects.append(dict(request.query))
        if request.query.get("encoding", "json") != "json":
            await ws.close(code=4002, message=b"only encoding=json is supported")
            return ws
        conn = _GatewayConnection(ws, request.query.get("compress"))
        self._connections.append(conn)
        await conn.send({"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_gateway_frame(conn, json.loads(msg.data))
                elif msg.type == WSMsgType.BINARY:
                    await ws.close(code=4002, message=b"binary frames are not supported")
        finally:
            if conn in self._connections:
                self._connections.remove(conn)
            if self._conn is conn:
                self._conn = None
            self._notify()
        return ws

    async def _on_gateway_frame(self, conn: _GatewayConnection, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == 1:
            self.heartbeats += 1
            await conn.send({"op": 11, "s": None, "t": None, "d": None})
        elif op == 2:
            await self._on_identify(conn, data or {})
        elif op == 6:
            await self._on_resume(conn, data or {})
        elif op == 3:
            self.presence_updates.append(data or {})
        elif op == 8:
            await self._on_request_members(data or {})
        self._notify()

    async def _on_identify(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identify_payloads.append(data)
        async with self._dispatch_lock:
            conn.intents = self._session_intents = int(data.get("intents") or 0)
            conn.session_id = self._session_id = uuid.uuid4().hex
            self._seq = 0
            self._session_frames = []
            self._conn = conn
            ready: dict[str, Any] = {
                "v": 10,
                "user": self._self_user_payload(),
                "guilds": [{"id": str(g), "unavailable": True} for g in (self.guild_id, *(x.id for x in self.guilds))],
                "session_id": self._session_id,
                "session_type": "normal",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(self.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "user_settings": {},
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "_trace": ["fakediscord"],
            }
            if data.get("shard") is not None:
                ready["shard"] = data["shard"]
            await self._dispatch_locked("READY", ready)
            if conn.intents & INTENT_GUILDS:
                await self._dispatch_locked("GUILD_CREATE", self._guild_payload())
                for payload in self.guild_payloads():
                    await self._dispatch_locked("GUILD_CREATE", payload)

    async def _on_resume(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        async with self._dispatch_lock:
            if data.get("session_id") != self._session_id or self._session_id is None:
                await conn.send({"op": 9, "s": None, "t": None, "d": False})
                return
            conn.intents = self._session_intents
            conn.session_id = self._session_id
            self._conn = conn
            seq = int(data.get("seq") or 0)
            for frame in self._session_frames:
                if frame["s"] > seq:
                    self.replayed_frames += 1
                    await conn.send(frame)
            await self._dispatch_locked("RESUMED", {"_trace": ["fakediscord"]})
            self.resume_count += 1

    async def _on_request_members(self, data: dict[str, Any]) -> None:
        if str(data.get("guild_id")) != str(self.guild_id):
            return
        users = list(self.users.values())
        if data.get("user_ids"):
            wanted = {int(u) for u in data["user_ids"]}
            users = [u for u in users if u.id in wanted]
        elif data.get("query"):
            users = [u for u in users if u.username.startswith(data["query"])]
        chunk: dict[str, Any] = {
            "guild_id": str(self.guild_id),
            "members": [self.member_payload(u) for u in users],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def _dispatch_locked(self, event: str, data: dict[str, Any]) -> None:
        self._seq += 1
        frame = {"op": 0, "t": event, "s": self._seq, "d": data}
        self._session_frames.append(frame)
        del self._session_frames[:-2000]
        self.dispatched.append(frame)
        conn = self._conn
        if conn is not None:
            await conn.send(frame)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send any DISPATCH event to the bot (buffered and replayed on RESUME if it is reconnecting)."""
        if self._session_id is None:
            raise RuntimeError("no bot has identified with the fake gateway (use start_bot first)")
        async with self._dispatch_lock:
            await self._dispatch_locked(event, data)
        self._notify()

    async def _dispatch_if_connected(self, event: str, data: dict[str, Any]) -> None:
        if self._session_id is not None:
            await self.dispatch(event, data)

    async def reconnect(self, *, timeout: float = 5.0) -> None:
        """Send op 7 RECONNECT; wait until the client has RESUMEd and been sent RESUMED."""
        if self._conn is None:
            raise RuntimeError("no bot connected")
        before = self.resume_count
        async with self._dispatch_lock:
            conn = self._conn
            assert conn is not None
            self._conn = None  # events from now on are buffered and replayed on RESUME
            await conn.send({"op": 7, "s": None, "t": None, "d": None})
        await self.wait_for(lambda: self.resume_count > before, timeout, description="RESUME after op 7")

    # ---------------------------------------------------------------- user actions: messages

    async def send_dm(self, content: str, *, author: FakeUser | int | None = None) -> dict[str, Any]:
        """A user sends the bot a direct message (MESSAGE_CREATE without a guild, with DIRECT_MESSAGES).
        DMs carry their content without the MESSAGE_CONTENT intent, as on Discord."""
        if not self.connected:
            raise RuntimeError("no bot connected")
        user = self._user(author)
        channel = self.dm_channel(user)
        message_id = self._snowflake()
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel.id),
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
        self._messages[message_id] = message
        if self._intents & INTENT_DIRECT_MESSAGES:
            await self.dispatch("MESSAGE_CREATE", copy.deepcopy(message))
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
        if self._intents & (INTENT_DIRECT_MESSAGES if in_dm else INTENT_GUILD_MESSAGES):
            data = {"id": message["id"], "channel_id": message["channel_id"]}
            if not in_dm:
                data["guild_id"] = str(self.guild_id)
            await self._dispatch_if_connected("MESSAGE_DELETE", data)

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
    ) -> dict[str, Any]:
        """A user posts a message (MESSAGE_CREATE). ``mentions_bot`` prefixes ``<@bot_id> `` unless the
        content already mentions the bot. Returns the full stored message (the bot may get a copy
        with empty content if it lacks the MESSAGE_CONTENT intent)."""
        if not self.connected:
            raise RuntimeError("no bot connected")
        user = self._user(author)
        channel = int(channel_id or self.channel_id)
        if channel not in self.channels:
            raise KeyError(f"unknown channel {channel}")
        if mentions_bot and not re.search(rf"<@!?{self.bot_id}>", content):
            content = f"<@{self.bot_id}> {content}"
        mentioned: dict[int, FakeUser] = {u.id: u for u in mentions}
        for raw_id in MENTION_RE.findall(content):
            if int(raw_id) in self.users:
                mentioned.setdefault(int(raw_id), self.users[int(raw_id)])
        mention_payloads = []
        for u in mentioned.values():
            payload = u.to_user()
            payload["member"] = self.member_payload(u, with_user=False)
            mention_payloads.append(payload)
        message_id = self._snowflake()
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel),
            "guild_id": str(self.guild_id),
            "author": user.to_user(),
            "member": self.member_payload(user, with_user=False),
            "content": content,
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": "@everyone" in content or "@here" in content,
            "mentions": mention_payloads,
            "mention_roles": [r for r in ROLE_MENTION_RE.findall(content) if int(r) in self.roles],
            "attachments": [self._attachment(channel, f) for f in attachments],
            "embeds": [],
            "components": [],
            "reactions": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "nonce": str(message_id),
        }
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
        self._messages[message_id] = message

        if self._intents & INTENT_GUILD_MESSAGES:
            event = copy.deepcopy(message)
            privileged = self._intents & INTENT_MESSAGE_CONTENT or self.bot_id in mentioned
            if self.emulate_message_content and not privileged:
                event.update(content="", embeds=[], attachments=[], components=[])
            await self.dispatch("MESSAGE_CREATE", event)
        return copy.deepcopy(message)
