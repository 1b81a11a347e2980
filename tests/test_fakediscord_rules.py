"""The fake Discord refuses what Discord refuses, with Discord's status and error JSON.

Each rule is exercised at its limit (accepted) and one past it (refused with the exact errors tree of
Discord's ``ErrorDetails`` schema), with raw REST calls so that nothing on the client side hides it; one
test goes through discord.py to show how a bot sees the refusal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import discord
import pytest
import pytest_asyncio
from discord.ext import commands

from tests.fakediscord import (
    DEFERRED_CHANNEL_MESSAGE,
    EPHEMERAL,
    FakeDiscord,
    FakeInteraction,
    InteractionFailed,
    bot_running,
)


class Clock:
    """A clock the test moves by hand (the fake's deadlines read it)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class SilentBot(commands.Bot):
    """A bot whose /wait never answers, so that the test answers the interaction itself over REST."""

    def __init__(self) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default())
        self.sent_error: discord.HTTPException | None = None

    async def setup_hook(self) -> None:
        @self.tree.command(description="Never answers")
        async def wait(interaction: discord.Interaction, x: str = "") -> None:
            return None

        @self.tree.command(description="Sends an embed with a long link")
        async def link(interaction: discord.Interaction, size: int) -> None:
            embed = discord.Embed(title="Article", url="https://example.com/" + "a" * (size - 20))
            try:
                await interaction.response.send_message(embed=embed)
            except discord.HTTPException as exc:
                self.sent_error = exc


@pytest_asyncio.fixture
async def clock() -> Clock:
    return Clock()


@pytest_asyncio.fixture
async def fake(clock: Clock) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(clock=clock) as server:
        yield server


@pytest_asyncio.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[SilentBot]:
    client = SilentBot()
    async with bot_running(fake, client):
        yield client


@pytest_asyncio.fixture
async def http(fake: FakeDiscord) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession(base_url=fake.http_base, headers=headers) as session:
        yield session


async def post(http: aiohttp.ClientSession, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    async with http.post("/api/v10" + path, json=body) as response:
        return response.status, await response.json() if response.status != 204 else None


def refused(errors: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return 400, {"message": "Invalid Form Body", "code": 50035, "errors": errors}


def max_length(limit: int) -> dict[str, Any]:
    return {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": f"Must be {limit} or fewer in length."}]}


def bad_length(low: int, high: int) -> dict[str, Any]:
    return {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": f"Must be between {low} and {high} in length."}]}


async def send(fake: FakeDiscord, http: aiohttp.ClientSession, body: dict[str, Any]) -> tuple[int, Any]:
    return await post(http, f"/channels/{fake.channel_id}/messages", body)


# ------------------------------------------------------------------------------------------- content


@pytest.mark.asyncio
async def test_content_over_2000_characters_is_refused(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    status, _ = await send(fake, http, {"content": "x" * 2000})
    assert status == 200
    assert await send(fake, http, {"content": "x" * 2001}) == refused({"content": max_length(2000)})
    assert len(fake.messages_in()) == 1


# -------------------------------------------------------------------------------------------- embeds

Embed = dict[str, Any]


def fields(count: int, name: int = 1, value: int = 1) -> list[dict[str, Any]]:
    return [{"name": "n" * name, "value": "v" * value} for _ in range(count)]


EMBED_RULES: list[tuple[str, Callable[[int], list[Embed]], int, dict[str, Any]]] = [
    ("title", lambda n: [{"title": "t" * n}], 256, {"embeds": {"0": {"title": max_length(256)}}}),
    (
        "description",
        lambda n: [{"description": "d" * n}],
        4096,
        {"embeds": {"0": {"description": max_length(4096)}}},
    ),
    ("fields", lambda n: [{"fields": fields(n)}], 25, {"embeds": {"0": {"fields": max_length(25)}}}),
    (
        "field name",
        lambda n: [{"fields": fields(2, name=1) + fields(1, name=n)}],
        256,
        {"embeds": {"0": {"fields": {"2": {"name": max_length(256)}}}}},
    ),
    (
        "field value",
        lambda n: [{"fields": fields(1, value=n)}],
        1024,
        {"embeds": {"0": {"fields": {"0": {"value": max_length(1024)}}}}},
    ),
    (
        "footer",
        lambda n: [{"footer": {"text": "f" * n}}],
        2048,
        {"embeds": {"0": {"footer": {"text": max_length(2048)}}}},
    ),
    (
        "author",
        lambda n: [{"author": {"name": "a" * n}}],
        256,
        {"embeds": {"0": {"author": {"name": max_length(256)}}}},
    ),
    (
        "url",
        lambda n: [{"title": "t"}, {"title": "t", "url": "https://example.com/" + "u" * (n - 20)}],
        2048,
        {"embeds": {"1": {"url": max_length(2048)}}},
    ),
    ("count", lambda n: [{"title": "t"}] * n, 10, {"embeds": max_length(10)}),
    (
        "total",
        lambda n: [{"description": "d" * 4000}, {"description": "d" * (n - 4000)}],
        6000,
        {
            "embeds": {
                "_errors": [{"code": "MAX_EMBED_SIZE_EXCEEDED", "message": "Embed size exceeds maximum size of 6000"}]
            }
        },
    ),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("rule", "embeds", "limit", "errors"), EMBED_RULES, ids=[r[0] for r in EMBED_RULES])
async def test_embeds_over_their_limits_are_refused(
    fake: FakeDiscord,
    http: aiohttp.ClientSession,
    rule: str,
    embeds: Callable[[int], list[Embed]],
    limit: int,
    errors: dict[str, Any],
) -> None:
    status, message = await send(fake, http, {"embeds": embeds(limit)})
    assert status == 200, message
    assert await send(fake, http, {"embeds": embeds(limit + 1)}) == refused(errors)


@pytest.mark.asyncio
async def test_an_embed_url_must_be_a_web_address(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    not_a_url = {"_errors": [{"code": "URL_TYPE_INVALID_URL", "message": "Not a well formed URL."}]}
    assert await send(fake, http, {"embeds": [{"title": "t", "url": "example.com/a"}]}) == refused(
        {"embeds": {"0": {"url": not_a_url}}}
    )


# ---------------------------------------------------------------------------------------- components


def button(custom_id: str, label: str = "Go") -> dict[str, Any]:
    return {"type": 2, "style": 1, "custom_id": custom_id, "label": label}


def row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def select(options: int, text: int = 5) -> dict[str, Any]:
    return {
        "type": 3,
        "custom_id": "pick",
        "options": [{"label": f"{i:0{text}d}", "value": f"{i:0{text}d}"} for i in range(options)],
    }


COMPONENT_RULES: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]] = [
    (
        "rows",
        [row(button(f"b{i}")) for i in range(5)],
        [row(button(f"b{i}")) for i in range(6)],
        {"components": max_length(5)},
    ),
    (
        "buttons in a row",
        [row(*(button(f"b{i}") for i in range(5)))],
        [row(*(button(f"b{i}") for i in range(6)))],
        {"components": {"0": {"components": bad_length(1, 5)}}},
    ),
    (
        "custom_id",
        [row(button("c" * 100))],
        [row(button("c" * 101))],
        {"components": {"0": {"components": {"0": {"custom_id": bad_length(1, 100)}}}}},
    ),
    (
        "label",
        [row(button("b", "l" * 80))],
        [row(button("b", "l" * 81))],
        {"components": {"0": {"components": {"0": {"label": max_length(80)}}}}},
    ),
    (
        "select options",
        [row(select(25))],
        [row(select(26))],
        {"components": {"0": {"components": {"0": {"options": bad_length(1, 25)}}}}},
    ),
    (
        "option text",
        [row(select(1, text=100))],
        [row(select(1, text=101))],
        {
            "components": {
                "0": {
                    "components": {"0": {"options": {"0": {"label": bad_length(1, 100), "value": bad_length(1, 100)}}}}
                }
            }
        },
    ),
    (
        "duplicate custom_id",
        [row(button("prev"), button("next"))],
        [row(button("page"), button("page"))],
        {
            "components": {
                "0": {
                    "components": {
                        "1": {
                            "custom_id": {
                                "_errors": [
                                    {
                                        "code": "COMPONENT_CUSTOM_ID_DUPLICATED",
                                        "message": "Component custom id was already specified",
                                    }
                                ]
                            }
                        }
                    }
                }
            }
        },
    ),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("rule", "ok", "bad", "errors"), COMPONENT_RULES, ids=[r[0] for r in COMPONENT_RULES])
async def test_components_over_their_limits_are_refused(
    fake: FakeDiscord,
    http: aiohttp.ClientSession,
    rule: str,
    ok: list[dict[str, Any]],
    bad: list[dict[str, Any]],
    errors: dict[str, Any],
) -> None:
    status, message = await send(fake, http, {"content": "x", "components": ok})
    assert status == 200, message
    assert await send(fake, http, {"content": "x", "components": bad}) == refused(errors)


# -------------------------------------------------------------------------------------- interactions


async def command(fake: FakeDiscord) -> FakeInteraction:
    return await fake.slash("wait")


async def callback(http: aiohttp.ClientSession, ix: FakeInteraction, body: dict[str, Any]) -> tuple[int, Any]:
    return await post(http, f"/interactions/{ix.id}/{ix.token}/callback", body)


def choices(count: int, name: int = 5, value: int = 5) -> dict[str, Any]:
    return {"choices": [{"name": f"{i:0{name}d}", "value": f"{i:0{value}d}"} for i in range(count)]}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("ok", "bad", "errors"),
    [
        (choices(25), choices(26), {"choices": max_length(25)}),
        (choices(1, name=100), choices(1, name=101), {"choices": {"0": {"name": bad_length(1, 100)}}}),
        (choices(1, value=100), choices(1, value=101), {"choices": {"0": {"value": max_length(100)}}}),
    ],
    ids=["choices", "name", "value"],
)
async def test_autocomplete_over_its_limits_is_refused(
    fake: FakeDiscord,
    bot: SilentBot,
    http: aiohttp.ClientSession,
    ok: dict[str, Any],
    bad: dict[str, Any],
    errors: dict[str, Any],
) -> None:
    first = await fake.autocomplete("wait", {"x": "a"}, focused="x")
    assert (await callback(http, first, {"type": 8, "data": ok}))[0] == 200
    second = await fake.autocomplete("wait", {"x": "a"}, focused="x")
    assert await callback(http, second, {"type": 8, "data": bad}) == refused({"data": errors})
    assert not second.responded


@pytest.mark.asyncio
async def test_a_callback_message_is_checked_under_data(
    fake: FakeDiscord, bot: SilentBot, http: aiohttp.ClientSession
) -> None:
    ix = await command(fake)
    assert await callback(http, ix, {"type": 4, "data": {"content": "x" * 2001}}) == refused(
        {"data": {"content": max_length(2000)}}
    )


@pytest.mark.asyncio
async def test_a_modal_title_over_45_is_refused(fake: FakeDiscord, bot: SilentBot, http: aiohttp.ClientSession) -> None:
    text_input = {"type": 4, "custom_id": "t", "label": "Text", "style": 1}
    modal = {"custom_id": "m", "title": "t" * 46, "components": [row(text_input)]}
    ix = await command(fake)
    assert await callback(http, ix, {"type": 9, "data": modal}) == refused({"data": {"title": bad_length(1, 45)}})


@pytest.mark.asyncio
async def test_an_acknowledgement_after_3_seconds_fails(
    fake: FakeDiscord, bot: SilentBot, http: aiohttp.ClientSession, clock: Clock
) -> None:
    in_time = await command(fake)
    clock.now += 2.9
    assert (await callback(http, in_time, {"type": 5}))[0] == 200

    late = await command(fake)
    clock.now += 3.01
    assert late.failed  # the user already sees "This interaction failed"
    assert await callback(http, late, {"type": 5}) == (404, {"message": "Unknown interaction", "code": 10062})
    with pytest.raises(InteractionFailed, match=r"acknowledged after 3\.01 s"):
        await late.callback()
    assert not in_time.failed


@pytest.mark.asyncio
async def test_an_interaction_is_acknowledged_only_once(
    fake: FakeDiscord, bot: SilentBot, http: aiohttp.ClientSession
) -> None:
    ix = await command(fake)
    assert (await callback(http, ix, {"type": 5}))[0] == 200
    assert await callback(http, ix, {"type": 4, "data": {"content": "again"}}) == (
        400,
        {"message": "Interaction has already been acknowledged.", "code": 40060},
    )


@pytest.mark.asyncio
@pytest.mark.parametrize("defer_flags", [0, EPHEMERAL])
async def test_the_first_followup_keeps_the_defers_visibility(
    fake: FakeDiscord, bot: SilentBot, http: aiohttp.ClientSession, defer_flags: int
) -> None:
    ix = await command(fake)
    assert (await callback(http, ix, {"type": DEFERRED_CHANNEL_MESSAGE, "data": {"flags": defer_flags}}))[0] == 200
    followup_flags = EPHEMERAL - defer_flags  # asks for the opposite visibility
    path = f"/webhooks/{fake.application_id}/{ix.token}?wait=true"
    assert (await post(http, path, {"content": "first", "flags": followup_flags}))[0] == 200
    assert (await post(http, path, {"content": "second", "flags": followup_flags}))[0] == 200
    first, second = ix.followups
    assert first.ephemeral == bool(defer_flags)  # the defer decided, whatever the followup said
    assert second.ephemeral == bool(followup_flags)  # a later followup is a new message with its own flags


@pytest.mark.asyncio
async def test_discord_py_reports_the_refusal_with_its_path(fake: FakeDiscord, bot: SilentBot) -> None:
    ix = await fake.slash("link", {"size": 2049})
    await fake.wait_for(lambda: bot.sent_error is not None, description="the bot's HTTPException")
    assert bot.sent_error is not None and bot.sent_error.code == 50035
    assert bot.sent_error.text == "Invalid Form Body\nIn data.embeds.0.url: Must be 2048 or fewer in length."
    assert not ix.responded


@pytest.mark.asyncio
async def test_a_bot_posts_only_where_its_channel_permissions_allow(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    """The bot's permissions in a channel: its roles, then the channel's @everyone, role and member overwrites."""
    news = fake.channels[fake.other_channel_id]
    path = f"/channels/{news.id}/messages"
    embed = {"embeds": [{"title": "New article"}]}
    assert (await post(http, path, embed))[0] == 200  # the bot's role may send and embed links
    fake.set_overwrite(news, fake.bot_role, deny=discord.Permissions(embed_links=True))
    missing = (403, {"message": "Missing Permissions", "code": 50013})
    assert await post(http, path, embed) == missing  # embeds only, and no Embed Links
    assert (await post(http, path, {**embed, "content": "text"}))[
        0
    ] == 200  # with text it is accepted (Discord then hides the embed)
    fake.set_overwrite(news, fake.everyone_role, deny=discord.Permissions(view_channel=True))
    assert await post(http, path, {"content": "x"}) == (403, {"message": "Missing Access", "code": 50001})
    fake.set_overwrite(news, fake.bot_user, allow=discord.Permissions(view_channel=True, embed_links=True))
    assert (await post(http, path, embed))[0] == 200  # a member overwrite wins over the role and @everyone ones
    fake.set_overwrite(news, fake.bot_role, deny=discord.Permissions(send_messages=True))
    assert await post(http, path, {"content": "x"}) == missing


# ---------------------------------------------------------------------------------------------- nonces


@pytest.mark.asyncio
async def test_a_nonce_enforced_within_the_window_returns_the_first_message(
    fake: FakeDiscord, clock: Clock, http: aiohttp.ClientSession
) -> None:
    """Discord's Create Message: with ``enforce_nonce``, a nonce the same author used "in the past few minutes"
    returns that message and creates none; up to 25 characters; a nonce of a message deleted since answers 404."""
    status, first = await send(fake, http, {"content": "one", "nonce": "n1", "enforce_nonce": True})
    assert status == 200 and first["nonce"] == "n1"
    assert await send(fake, http, {"content": "one again", "nonce": "n1", "enforce_nonce": True}) == (200, first)
    assert [m["content"] for m in fake.messages_in()] == ["one"]
    status, unenforced = await send(fake, http, {"content": "two", "nonce": "n1"})
    assert status == 200 and unenforced["id"] != first["id"]  # without enforce_nonce a nonce only echoes
    clock.now += fake.nonce_window + 1
    status, later = await send(fake, http, {"content": "three", "nonce": "n1", "enforce_nonce": True})
    assert status == 200 and later["id"] not in (first["id"], unenforced["id"])  # the window has passed
    assert await send(fake, http, {"content": "x", "nonce": "n" * 26, "enforce_nonce": True}) == refused(
        {"nonce": max_length(25)}
    )
    status, kept = await send(fake, http, {"content": "four", "nonce": "n" * 25, "enforce_nonce": True})
    assert status == 200
    async with http.delete(f"/api/v10/channels/{fake.channel_id}/messages/{kept['id']}") as deleted:
        assert deleted.status == 204
    assert await send(fake, http, {"content": "four", "nonce": "n" * 25, "enforce_nonce": True}) == (
        404,
        {"message": "Unknown Message", "code": 10008},
    )
    assert [m["content"] for m in fake.messages_in()] == ["one", "two", "three"]


@pytest.mark.asyncio
async def test_history_needs_read_message_history(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    """Discord's Get Channel Messages: 50001 without View Channel; no messages without Read Message History."""
    news = fake.channels[fake.other_channel_id]
    assert (await post(http, f"/channels/{news.id}/messages", {"content": "x"}))[0] == 200
    path = f"/api/v10/channels/{news.id}/messages"
    async with http.get(path) as response:
        assert [m["content"] for m in await response.json()] == ["x"]
    fake.set_overwrite(news, fake.bot_role, deny=discord.Permissions(read_message_history=True))
    async with http.get(path) as response:
        assert (response.status, await response.json()) == (200, [])
    fake.set_overwrite(news, fake.bot_role, deny=discord.Permissions(view_channel=True))
    async with http.get(path) as response:
        assert (response.status, await response.json()) == (403, {"message": "Missing Access", "code": 50001})


@pytest.mark.asyncio
async def test_a_limited_channel_answers_with_its_bucket_and_429_past_it(
    fake: FakeDiscord, clock: Clock, http: aiohttp.ClientSession
) -> None:
    """``fake.limit_channel``: every post's answer carries the bucket's headers; one past the limit gets 429 with
    ``retry_after`` and is not made; after the window, posts go through again. Other channels are not limited."""
    news = fake.channels[fake.other_channel_id]
    fake.limit_channel(news.id, limit=2, per=5.0)
    path = f"/api/v10/channels/{news.id}/messages"
    seen = []
    for n in range(3):
        async with http.post(path, json={"content": f"post {n}"}) as response:
            body = await response.json()
            seen.append((response.status, response.headers.get("X-RateLimit-Remaining"), body.get("retry_after")))
            assert response.headers["X-RateLimit-Bucket"] == f"channel-messages-{news.id}"
        clock.now += 1.0
    assert seen == [(200, "1", None), (200, "0", None), (429, "0", 3.0)]
    assert [m["content"] for m in fake.messages_in(news.id)] == ["post 0", "post 1"]
    clock.now += 3.0  # the window (opened by the first post) is over
    assert (await post(http, f"/channels/{news.id}/messages", {"content": "post 3"}))[0] == 200
    for _ in range(3):
        assert (await send(fake, http, {"content": "elsewhere"}))[0] == 200
    assert fake.channel_limits.refused == [news.id]
