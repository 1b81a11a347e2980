"""The fake's gateway: HELLO, IDENTIFY (READY, GUILD_CREATE), heartbeats, RESUME with replay of missed events, op 7
RECONNECT, and DISPATCH of any event to the sessions Discord would send it to.

A bot may hold several sessions at once, one per shard (``shards``): each IDENTIFY with ``shard: [id, count]`` is a
session of its own, with its own sequence numbers and replay buffer, sent READY and GUILD_CREATE for its shard's
guilds only and, after that, only its guilds' events (DMs on shard 0). A session lives until the client closes it with
1000 or 1001 (Discord's rule: such a close invalidates the session), its bot is stopped (``stop_bot``: discord.py
itself closes with 4000), or another IDENTIFY takes its shard; a connection that drops otherwise leaves its session to
be RESUMEd, its events buffered meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import uuid
import zlib
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakediscord.payloads import Payloads
from tests.fakediscord.protocol import INTENT_GUILDS
from tests.fakediscord.shards import (
    GUILDS_PER_RECOMMENDED_SHARD,
    INVALID_SHARD,
    MAX_GUILDS_PER_SHARD,
    SHARDING_REQUIRED,
    Shard,
    event_guild,
    parse_shard,
    receives,
)

#: What a session is sent of an event, given its intents: the event's data, or None (not sent).
Shape = Callable[[int], dict[str, Any] | None]


class _GatewayConnection:
    """One websocket: the frames it is sent (zlib-stream compressed when asked for) and the session it carries."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.lock = asyncio.Lock()
        self.compressor = zlib.compressobj() if compress == "zlib-stream" else None
        self.session: _Session | None = None
        self.closed_by_fake = False

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

    async def close(self, code: int, message: bytes) -> None:
        self.closed_by_fake = True
        await self.ws.close(code=code, message=message)


class _Session:
    """One identified session: its shard and intents, its sequence, the frames it was sent (replayed on RESUME),
    and the connection it is on (None while its client reconnects)."""

    def __init__(self, shard: Shard, intents: int, conn: _GatewayConnection) -> None:
        self.id = uuid.uuid4().hex
        self.shard = shard
        self.intents = intents
        self.seq = 0
        self.frames: list[dict[str, Any]] = []
        self.conn: _GatewayConnection | None = conn


class Gateway(Payloads):
    """The gateway layer: the bot's sessions, one per shard, their sequence numbers and replay buffers."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.identify_payloads: list[dict[str, Any]] = []
        self.gateway_connects: list[dict[str, str]] = []  # query of every gateway connection
        self.gateway_closes: list[tuple[int, str]] = []  # (code, reason) of every connection the fake closed
        self.presence_updates: list[dict[str, Any]] = []
        self.dispatched: list[dict[str, Any]] = []  # every DISPATCH frame sent, in order, to whichever session
        self.heartbeats = 0
        self.resume_count = 0
        self.replayed_frames = 0  # DISPATCH frames re-sent on RESUME
        # Discord's limit on the guilds of one session (4011 past it), and the guilds per shard it recommends.
        self.max_guilds_per_shard = MAX_GUILDS_PER_SHARD
        self.guilds_per_recommended_shard = GUILDS_PER_RECOMMENDED_SHARD

        self._connections: list[_GatewayConnection] = []
        self._sessions: dict[str, _Session] = {}
        self._dispatch_lock = asyncio.Lock()

    def _add_routes(self, app: web.Application) -> None:
        super()._add_routes(app)
        app.router.add_get("/gateway", self._ws_handler)

    # ---------------------------------------------------------------- sessions

    @property
    def connected(self) -> bool:
        """Whether a bot has an identified gateway session (events sent while it is reconnecting are
        buffered and replayed when it RESUMEs)."""
        return bool(self._sessions)

    @property
    def sessions(self) -> dict[Shard, str]:
        """The live sessions: shard (``(0, 1)`` for an unsharded one) -> session id."""
        return {s.shard: s.id for s in self._sessions.values()}

    def guild_ids(self) -> list[int]:
        """Every guild the bot is in: the first, then those of ``add_guild``."""
        return [self.guild_id, *(g.id for g in self.guilds)]

    def _end_sessions(self, ids: set[str] | None = None) -> None:
        """Forget the sessions ``ids`` (None: all of them): their bot stopped, a RESUME of them is refused."""
        for session_id in list(self._sessions) if ids is None else ids:
            self._sessions.pop(session_id, None)

    # ---------------------------------------------------------------- the websocket

    async def _ws_handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        self.gateway_connects.append(dict(request.query))
        conn = _GatewayConnection(ws, request.query.get("compress"))
        if request.query.get("encoding", "json") != "json":
            await self._close(conn, 4002, "only encoding=json is supported")
            return ws
        self._connections.append(conn)
        await conn.send({"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_gateway_frame(conn, json.loads(msg.data))
                elif msg.type == WSMsgType.BINARY:
                    await self._close(conn, 4002, "binary frames are not supported")
        finally:
            if conn in self._connections:
                self._connections.remove(conn)
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
                if not conn.closed_by_fake and ws.close_code in (1000, 1001):
                    self._sessions.pop(session.id, None)  # the client ended its session: no RESUME
            self._notify()
        return ws

    async def _close(self, conn: _GatewayConnection, code: int, reason: str) -> None:
        self.gateway_closes.append((code, reason))
        await conn.close(code, reason.encode())

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
            await self._close(conn, 4004, "Authentication failed.")
            return
        self.identify_payloads.append(data)
        shard = parse_shard(data.get("shard"))
        if shard is None:
            await self._close(conn, INVALID_SHARD, "Invalid shard.")
            return
        guilds = [g for g in self.guild_ids() if receives(shard, g)]
        if len(guilds) > self.max_guilds_per_shard:
            await self._close(conn, SHARDING_REQUIRED, "Sharding required.")
            return
        async with self._dispatch_lock:
            for old in [s for s in self._sessions.values() if s.shard == shard]:
                del self._sessions[old.id]  # a new IDENTIFY of a shard: its old session is dead to the bot
            session = conn.session = _Session(shard, int(data.get("intents") or 0), conn)
            self._sessions[session.id] = session
            ready: dict[str, Any] = {
                "v": 10,
                "user": self._self_user_payload(),
                "guilds": [{"id": str(g), "unavailable": True} for g in guilds],
                "session_id": session.id,
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
                ready["shard"] = list(shard)
            await self._send(session, "READY", ready)
            if session.intents & INTENT_GUILDS:
                for payload in [self._guild_payload(), *self.guild_payloads()]:
                    if receives(shard, int(payload["id"])):
                        await self._send(session, "GUILD_CREATE", payload)

    async def _on_resume(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await self._close(conn, 4004, "Authentication failed.")
            return
        async with self._dispatch_lock:
            session = self._sessions.get(str(data.get("session_id")))
            if session is None:
                await conn.send({"op": 9, "s": None, "t": None, "d": False})
                return
            session.conn, conn.session = conn, session
            seq = int(data.get("seq") or 0)
            for frame in session.frames:
                if frame["s"] > seq:
                    self.replayed_frames += 1
                    await conn.send(frame)
            await self._send(session, "RESUMED", {"_trace": ["fakediscord"]})
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

    # ---------------------------------------------------------------- dispatch

    async def _send(self, session: _Session, event: str, data: dict[str, Any]) -> None:
        """One DISPATCH frame to one session (kept for RESUME; sent now if its client is connected)."""
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.frames.append(frame)
        del session.frames[:-2000]
        self.dispatched.append(frame)
        if session.conn is not None:
            await session.conn.send(frame)

    async def _dispatch_shaped(self, event: str, guild_id: int | None, shape: Shape) -> None:
        """Send ``event`` of ``guild_id`` to every session whose shard receives that guild's events, each with what
        ``shape`` makes of it for that session's intents."""
        async with self._dispatch_lock:
            for session in list(self._sessions.values()):
                if receives(session.shard, guild_id):
                    data = shape(session.intents)
                    if data is not None:
                        await self._send(session, event, data)
        self._notify()

    async def _dispatch_needing(self, event: str, data: dict[str, Any], intents: int) -> None:
        """Send ``event`` to the sessions of its guild's shard that hold one of ``intents``."""
        await self._dispatch_shaped(event, event_guild(event, data), lambda held: data if held & intents else None)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send any DISPATCH event to the session(s) of its guild's shard (its ``guild_id``; shard 0 for an event
        of no guild), buffered and replayed on RESUME if that session is reconnecting."""
        if not self._sessions:
            raise RuntimeError("no bot has identified with the fake gateway (use start_bot first)")
        await self._dispatch_shaped(event, event_guild(event, data), lambda _intents: data)

    async def reconnect(self, *, timeout: float = 5.0) -> None:
        """Send op 7 RECONNECT on every connected session; wait until each client has RESUMEd and been sent
        RESUMED."""
        before = self.resume_count
        async with self._dispatch_lock:
            connected = [s for s in self._sessions.values() if s.conn is not None]
            if not connected:
                raise RuntimeError("no bot connected")
            for session in connected:
                conn, session.conn = session.conn, None  # events from now on are buffered and replayed on RESUME
                assert conn is not None
                await conn.send({"op": 7, "s": None, "t": None, "d": None})
        wanted = before + len(connected)
        await self.wait_for(lambda: self.resume_count >= wanted, timeout, description="RESUME after op 7")
