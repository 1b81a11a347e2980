"""The fake Discord's sharded gateway, against Discord's documented rules (tests/fakediscord/shards.py): a session per
shard, each sent its own guilds only (READY, GUILD_CREATE and every event after), DMs on shard 0 alone, and an
IDENTIFY Discord refuses closed with its code (4010 invalid shard, 4011 sharding required).

The bots are the real discord.py clients (``discord.Client(shard_id=..., shard_count=...)`` and
``discord.AutoShardedClient``); the refusals are also checked on a bare websocket, which sees the close code itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from tests.fakediscord import FakeDiscord, bot_running
from tests.fakediscord.shards import shard_of

GUILDS = 1 << 0
ABSENT = object()


class Listener(discord.Client):
    """A client that keeps the id of each message it is sent, with the guild it came from (None: a DM)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(intents=discord.Intents.default(), **options)
        self.heard: list[tuple[int | None, int]] = []

    async def on_message(self, message: discord.Message) -> None:
        self.heard.append((message.guild.id if message.guild else None, message.id))


@contextlib.asynccontextmanager
async def gateway(fake: FakeDiscord) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """A bare websocket to the fake's gateway, its HELLO read."""
    async with aiohttp.ClientSession() as http, http.ws_connect(fake.gateway_url + "?v=10&encoding=json") as ws:
        assert (await ws.receive_json())["op"] == 10
        yield ws


async def identify(ws: aiohttp.ClientWebSocketResponse, fake: FakeDiscord, shard: Any = ABSENT) -> None:
    data: dict[str, Any] = {"token": fake.token, "intents": GUILDS, "properties": {}}
    if shard is not ABSENT:
        data["shard"] = shard
    await ws.send_json({"op": 2, "d": data})


async def ready_and_guilds(ws: aiohttp.ClientWebSocketResponse) -> tuple[dict[str, Any], list[int]]:
    """READY, and the ids of the GUILD_CREATEs that follow it (one per guild READY lists)."""
    ready = await ws.receive_json()
    assert ready["t"] == "READY"
    created = [await ws.receive_json() for _ in ready["d"]["guilds"]]
    assert [f["t"] for f in created] == ["GUILD_CREATE"] * len(created)
    return ready["d"], [int(f["d"]["id"]) for f in created]


def two_shard_world(fake: FakeDiscord) -> dict[int, list[int]]:
    """Two more guilds, so that each of two shards holds some: shard -> its guild ids, in the fake's order."""
    home = shard_of(fake.guild_id, 2)
    fake.add_guild("Other shard", shard=(1 - home, 2))
    fake.add_guild("Same shard", shard=(home, 2))
    on: dict[int, list[int]] = {0: [], 1: []}
    for guild_id in fake.guild_ids():
        on[shard_of(guild_id, 2)].append(guild_id)
    return on


@pytest.mark.asyncio
async def test_a_guild_put_on_a_shard_is_on_it() -> None:
    async with FakeDiscord() as fake:
        for shard in [(0, 2), (1, 2), (2, 3), (0, 16), (15, 16)]:
            assert shard_of(fake.add_guild(shard=shard).id, shard[1]) == shard[0]


@pytest.mark.asyncio
async def test_each_shard_is_sent_its_guilds_only_and_dms_go_to_shard_0() -> None:
    async with FakeDiscord() as fake:
        on = two_shard_world(fake)
        guilds = {g.id: g for g in fake.guilds}
        shards = [Listener(shard_id=0, shard_count=2), Listener(shard_id=1, shard_count=2)]
        async with bot_running(fake, shards[0]), bot_running(fake, shards[1]):
            assert fake.sessions.keys() == {(0, 2), (1, 2)}
            for shard, client in enumerate(shards):
                assert sorted(g.id for g in client.guilds) == sorted(on[shard])

            sent: dict[int, list[tuple[int | None, int]]] = {0: [], 1: []}
            for round_ in range(2):
                for guild_id in fake.guild_ids():
                    message = await fake.send_message(f"in {guild_id}", guild=guilds.get(guild_id))
                    sent[shard_of(guild_id, 2)].append((guild_id, int(message["id"])))
                dm = await fake.send_dm("a direct message", author=fake.member)
                sent[0].append((None, int(dm["id"])))
                if round_ == 0:
                    await fake.reconnect()  # each session RESUMEs its own: nothing is lost or crosses over
            assert fake.resume_count == 2

            # The last message of each shard is its marker: the events of one session arrive in order.
            for shard, client in enumerate(shards):
                last = sent[shard][-1]
                await fake.wait_for(lambda: last in client.heard, description=f"shard {shard}'s last message")  # noqa: B023
                assert client.heard == sent[shard]

            await fake.stop_bot(shards[1])  # it closes with 1000: its session ends, shard 0's goes on
            assert fake.sessions.keys() == {(0, 2)}


@pytest.mark.asyncio
async def test_ready_lists_the_shards_guilds_and_guild_create_follows_for_each() -> None:
    async with FakeDiscord() as fake:
        on = two_shard_world(fake)
        for shard in (0, 1):
            async with gateway(fake) as ws:
                await identify(ws, fake, [shard, 2])
                ready, created = await ready_and_guilds(ws)
            assert ready["shard"] == [shard, 2]
            assert [int(g["id"]) for g in ready["guilds"]] == created == on[shard]
        async with gateway(fake) as ws:  # unsharded: every guild
            await identify(ws, fake)
            ready, created = await ready_and_guilds(ws)
        assert created == fake.guild_ids() and "shard" not in ready


@pytest.mark.asyncio
@pytest.mark.parametrize(("code", "resumable"), [(4000, True), (1000, False), (1001, False)])
async def test_a_session_its_client_closed_with_1000_or_1001_cannot_be_resumed(code: int, resumable: bool) -> None:
    async with FakeDiscord() as fake:
        async with gateway(fake) as ws:
            await identify(ws, fake, [0, 1])
            ready, _ = await ready_and_guilds(ws)
            await ws.close(code=code)
        await fake.wait_for(lambda: not fake._connections, description="the fake to see the close")
        assert bool(fake.sessions) == resumable
        async with gateway(fake) as ws:
            await ws.send_json({"op": 6, "d": {"token": fake.token, "session_id": ready["session_id"], "seq": 1}})
            if resumable:  # the GUILD_CREATE after READY is replayed, then RESUMED
                assert [(f["t"], f["s"]) for f in [await ws.receive_json(), await ws.receive_json()]] == [
                    ("GUILD_CREATE", 2),
                    ("RESUMED", 3),
                ]
            else:
                assert await ws.receive_json() == {"op": 9, "s": None, "t": None, "d": False}


@pytest.mark.asyncio
@pytest.mark.parametrize("shard", [[2, 2], [-1, 2], [0, 0], [1], [0, 1, 2], "0,2", [0.0, 2], None])
async def test_an_invalid_shard_is_closed_with_4010(shard: Any) -> None:
    async with FakeDiscord() as fake, gateway(fake) as ws:
        await identify(ws, fake, shard)
        if shard is None:  # "shard": null is no shard at all: one session of every guild
            assert (await ws.receive_json())["t"] == "READY"
            return
        closing = await ws.receive()
        assert (closing.type, closing.data, closing.extra) == (aiohttp.WSMsgType.CLOSE, 4010, "Invalid shard.")
        assert fake.sessions == {} and fake.gateway_closes == [(4010, "Invalid shard.")]


@pytest.mark.asyncio
async def test_a_discord_py_client_on_a_shard_beyond_the_count_is_refused_with_4010() -> None:
    async with FakeDiscord() as fake:
        client = Listener(shard_id=2, shard_count=2)
        with pytest.raises(RuntimeError, match="ended before the bot became ready") as failed:
            await fake.start_bot(client, timeout=30)
        closed = failed.value.__cause__
        assert isinstance(closed, discord.ConnectionClosed) and closed.code == 4010
        assert fake.gateway_closes == [(4010, "Invalid shard.")] and not fake.connected


@pytest.mark.asyncio
async def test_a_session_over_the_guild_limit_is_closed_with_4011_and_sharding_admits_it() -> None:
    async with FakeDiscord() as fake:
        on = two_shard_world(fake)
        fake.max_guilds_per_shard = max(len(on[0]), len(on[1]))  # every guild is over it; each shard's are not
        async with gateway(fake) as ws:
            await identify(ws, fake)
            closing = await ws.receive()
            assert (closing.type, closing.data, closing.extra) == (aiohttp.WSMsgType.CLOSE, 4011, "Sharding required.")
        for shard in (0, 1):
            async with gateway(fake) as ws:
                await identify(ws, fake, [shard, 2])
                assert (await ready_and_guilds(ws))[1] == on[shard]
        assert fake.gateway_closes == [(4011, "Sharding required.")]


@pytest.mark.asyncio
async def test_gateway_bot_recommends_shards_and_an_auto_sharded_bot_opens_that_many() -> None:
    async with FakeDiscord() as fake:
        on = two_shard_world(fake)
        async with aiohttp.ClientSession(headers={"Authorization": f"Bot {fake.token}"}) as http:
            async with http.get(fake.api_base + "/gateway/bot") as answer:
                assert (await answer.json())["shards"] == 1  # three guilds: one shard per 1,000
            fake.guilds_per_recommended_shard = 2
            async with http.get(fake.api_base + "/gateway/bot") as answer:
                assert (await answer.json())["shards"] == 2
        bot = discord.AutoShardedClient(intents=discord.Intents.default())
        async with bot_running(fake, bot):
            assert fake.sessions.keys() == {(0, 2), (1, 2)}
            assert sorted(g.id for g in bot.guilds) == sorted(on[0] + on[1])
