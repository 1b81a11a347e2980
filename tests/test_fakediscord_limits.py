"""The fake Discord's further rules (beside test_fakediscord_rules.py): required embed fields, buttons, selects,
attachments, ``allowed_mentions``, who a message pings, a modal's text inputs, and the application commands a bot
registers. Each is accepted at its limit and refused one past it with Discord's errors tree, over raw REST."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
import pytest_asyncio

from tests.fakediscord import FakeDiscord, bot_running
from tests.fakediscord.mentions import Pings


@pytest_asyncio.fixture
async def http(fake: FakeDiscord) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession(base_url=fake.http_base, headers=headers) as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, path: str, body: Any) -> tuple[int, Any]:
    async with http.request(method, "/api/v10" + path, json=body) as response:
        return response.status, await response.json() if response.status != 204 else None


async def send(fake: FakeDiscord, http: aiohttp.ClientSession, body: dict[str, Any]) -> tuple[int, Any]:
    return await call(http, "POST", f"/channels/{fake.channel_id}/messages", body)


def refused(errors: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return 400, {"message": "Invalid Form Body", "code": 50035, "errors": errors}


def err(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


REQUIRED = err("BASE_TYPE_REQUIRED", "This field is required")


def max_length(limit: int) -> dict[str, Any]:
    return err("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def bad_length(low: int, high: int) -> dict[str, Any]:
    return err("BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def at(*path: str | int, error: dict[str, Any]) -> dict[str, Any]:
    tree = error
    for key in reversed(path):
        tree = {str(key): tree}
    return tree


def row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def in_row(error: dict[str, Any], *path: str | int) -> dict[str, Any]:
    return at("components", 0, "components", 0, *path, error=error)


MESSAGE_RULES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    (
        "field value blank",
        {"embeds": [{"fields": [{"name": "Outlet", "value": "x"}]}]},
        {"embeds": [{"fields": [{"name": "Outlet", "value": " "}]}]},
        at("embeds", 0, "fields", 0, "value", error=REQUIRED),
    ),
    (
        "field name empty",
        {"embeds": [{"fields": [{"name": "n", "value": "x"}]}]},
        {"embeds": [{"fields": [{"name": "", "value": "x"}]}]},
        at("embeds", 0, "fields", 0, "name", error=REQUIRED),
    ),
    (
        "colour",
        {"embeds": [{"title": "t", "color": 0xFFFFFF}]},
        {"embeds": [{"title": "t", "color": 0x1000000}]},
        at("embeds", 0, "color", error=err("NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.")),
    ),
    (
        "button without label or emoji",
        {"components": [row({"type": 2, "style": 2, "custom_id": "b", "emoji": {"name": "👍"}})]},
        {"components": [row({"type": 2, "style": 2, "custom_id": "b"})]},
        in_row(err("BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A label or emoji is required"), "label"),
    ),
    (
        "button style",
        {"components": [row({"type": 2, "style": 4, "custom_id": "b", "label": "Go"})]},
        {"components": [row({"type": 2, "style": 7, "custom_id": "b", "label": "Go"})]},
        in_row(err("BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}."), "style"),
    ),
    (
        "link button with a custom_id",
        {"components": [row({"type": 2, "style": 5, "url": "https://example.com", "label": "Read"})]},
        {"components": [row({"type": 2, "style": 5, "url": "https://example.com", "label": "Read", "custom_id": "x"})]},
        in_row(err("BUTTON_COMPONENT_CUSTOM_ID_INVALID", "A link has no custom id"), "custom_id"),
    ),
    (
        "emoji name",
        {"components": [row({"type": 2, "style": 2, "custom_id": "b", "emoji": {"name": "e" * 32}})]},
        {"components": [row({"type": 2, "style": 2, "custom_id": "b", "emoji": {"name": "e" * 33}})]},
        in_row(max_length(32), "emoji", "name"),
    ),
    (
        "select max_values",
        {
            "components": [
                row(
                    {
                        "type": 3,
                        "custom_id": "s",
                        "max_values": 2,
                        "options": [{"label": "a", "value": "a"}, {"label": "b", "value": "b"}],
                    }
                )
            ]
        },
        {
            "components": [
                row(
                    {
                        "type": 3,
                        "custom_id": "s",
                        "max_values": 3,
                        "options": [{"label": "a", "value": "a"}, {"label": "b", "value": "b"}],
                    }
                )
            ]
        },
        in_row(err("NUMBER_TYPE_MAX", "int value should be less than or equal to 2."), "max_values"),
    ),  # fmt: skip
    (
        "allowed_mentions parse",
        {"content": "x", "allowed_mentions": {"parse": ["users", "roles", "everyone"]}},
        {"content": "x", "allowed_mentions": {"parse": ["channels"]}},
        at(
            "allowed_mentions",
            "parse",
            0,
            error=err("BASE_TYPE_CHOICES", "Value must be one of ('users', 'roles', 'everyone')."),
        ),
    ),  # fmt: skip
    (
        "allowed_mentions users and parse users",
        {"content": "x", "allowed_mentions": {"parse": ["roles"], "users": ["1"]}},
        {"content": "x", "allowed_mentions": {"parse": ["users"], "users": ["1"]}},
        at(
            "allowed_mentions",
            error=err(
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", 'parse:["users"] and users: [ids] are mutually exclusive.'
            ),
        ),
    ),
    (
        "allowed_mentions users",
        {"content": "x", "allowed_mentions": {"users": [str(i) for i in range(100)]}},
        {"content": "x", "allowed_mentions": {"users": [str(i) for i in range(101)]}},
        at("allowed_mentions", "users", error=max_length(100)),
    ),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("rule", "ok", "bad", "errors"), MESSAGE_RULES, ids=[r[0] for r in MESSAGE_RULES])
async def test_a_message_over_a_limit_is_refused(
    fake: FakeDiscord,
    http: aiohttp.ClientSession,
    rule: str,
    ok: dict[str, Any],
    bad: dict[str, Any],
    errors: dict[str, Any],
) -> None:
    status, message = await send(fake, http, {"content": "x", **ok})
    assert status == 200, message
    assert await send(fake, http, {"content": "x", **bad}) == refused(errors)
    assert len(fake.messages_in()) == 1


@pytest.mark.asyncio
async def test_more_than_10_attachments_are_refused(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    async def upload(count: int) -> tuple[int, Any]:
        form = aiohttp.FormData()
        form.add_field("payload_json", json.dumps({"content": "charts"}), content_type="application/json")
        for i in range(count):
            form.add_field(f"files[{i}]", b"png", filename=f"chart{i}.png", content_type="image/png")
        async with http.post(f"/api/v10/channels/{fake.channel_id}/messages", data=form) as response:
            return response.status, await response.json()

    assert (await upload(10))[0] == 200
    assert await upload(11) == refused({"attachments": max_length(10)})


# ------------------------------------------------------------------------------------------------ pings


@pytest.mark.asyncio
async def test_a_message_pings_what_its_allowed_mentions_let_it(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    listener = discord.Client(intents=discord.Intents.default())  # users post only while a bot is connected
    loud = fake.add_role("Loud", mentionable=True)
    quiet = fake.add_role("Quiet")
    content = f"@everyone {fake.member.mention} {loud.mention} {quiet.mention} \\<@{fake.owner.id}>"
    _, default = await send(fake, http, {"content": content})  # no allowed_mentions: every kind is parsed
    assert (default["mentions"][0]["id"], default["mention_roles"], default["mention_everyone"]) == (
        str(fake.member.id),
        [str(loud.id)],  # a role that is not mentionable needs Mention Everyone, which the bot lacks; so does @everyone
        False,
    )
    assert len(default["mentions"]) == 1  # an escaped mention is text
    _, silent = await send(fake, http, {"content": content, "allowed_mentions": {"parse": []}})
    assert (silent["mentions"], silent["mention_roles"], silent["mention_everyone"]) == ([], [], False)
    _, listed = await send(fake, http, {"content": content, "allowed_mentions": {"roles": [str(quiet.id)]}})
    assert (listed["mentions"], listed["mention_roles"]) == ([], [])  # listed, but not mentionable
    async with bot_running(fake, listener):
        question = await fake.send_message("a question", author=fake.member)
    reference = {"message_id": question["id"]}
    _, reply = await send(fake, http, {"content": "an answer", "message_reference": reference})
    assert [u["id"] for u in reply["mentions"]] == [str(fake.member.id)]  # a reply pings its author by default
    quiet_reply = {"content": "an answer", "message_reference": reference, "allowed_mentions": {"parse": []}}
    assert (await send(fake, http, quiet_reply))[1]["mentions"] == []
    assert fake.pinging_messages() == [
        (int(default["id"]), Pings(users=(fake.member.id,), roles=(loud.id,))),
        (int(reply["id"]), Pings(users=(fake.member.id,))),
    ]


@pytest.mark.asyncio
async def test_an_interactions_message_without_allowed_mentions_pings_users_only(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    """Discord's default differs by route: a bot's message parses every kind, an interaction's only users."""
    loud = fake.add_role("Loud", mentionable=True)
    fake.bot_role.permissions |= discord.Permissions(mention_everyone=True).value
    content = f"@everyone {fake.member.mention} {loud.mention}"
    _, posted = await send(fake, http, {"content": content})
    assert ([u["id"] for u in posted["mentions"]], posted["mention_roles"], posted["mention_everyone"]) == (
        [str(fake.member.id)],
        [str(loud.id)],
        True,
    )
    async with bot_running(fake, discord.Client(intents=discord.Intents.default())):  # it leaves interactions alone
        ix = await fake.slash("ping")
        callback = {"type": 4, "data": {"content": content}}
        assert (await call(http, "POST", f"/interactions/{ix.id}/{ix.token}/callback", callback))[0] == 200
        _, followup = await call(
            http, "POST", f"/webhooks/{fake.application_id}/{ix.token}?wait=true", {"content": content}
        )
        loud_followup = {"content": content, "allowed_mentions": {"parse": ["roles", "everyone"]}}
        _, asked = await call(http, "POST", f"/webhooks/{fake.application_id}/{ix.token}?wait=true", loud_followup)
    original = ix.original_message
    assert original is not None
    for message in (original, followup):
        assert ([u["id"] for u in message["mentions"]], message["mention_roles"], message["mention_everyone"]) == (
            [str(fake.member.id)],
            [],
            False,
        )
    assert (asked["mentions"], asked["mention_roles"], asked["mention_everyone"]) == ([], [str(loud.id)], True)


CODE = [
    ("`{user}`", ()),
    ("``a `{user}` b``", ()),
    ("```\n{user} @everyone {role}\n```", ()),
    ("```py\nprint('{user}')```", ()),
    ("`{user}` {user}", ("user",)),  # the same mention outside the code pings
    ("\\`{user}`", ("user",)),  # an escaped backtick opens no code
    ("` {user}", ("user",)),  # nor does one never closed
    ("``{user}`", ("user",)),  # nor a run closed by a shorter one
    ("```{user}", ("user",)),
    ("`x` {role} `y`", ("role",)),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("content", "pinged"), CODE, ids=[c for c, _ in CODE])
async def test_a_mention_in_code_pings_no_one(
    fake: FakeDiscord, http: aiohttp.ClientSession, content: str, pinged: tuple[str, ...]
) -> None:
    """Discord shows code as text: a mention in inline code or a fenced block notifies no one (unlike the same
    mention outside it), for a bot's message as for a user's."""
    loud = fake.add_role("Loud", mentionable=True)
    text = content.format(user=fake.member.mention, role=loud.mention)
    expected = ([str(fake.member.id)] if "user" in pinged else [], [str(loud.id)] if "role" in pinged else [])
    _, sent = await send(fake, http, {"content": text})
    assert ([u["id"] for u in sent["mentions"]], sent["mention_roles"]) == expected
    async with bot_running(fake, discord.Client(intents=discord.Intents.default())):
        posted = await fake.send_message(text, author=fake.owner)
    assert ([u["id"] for u in posted["mentions"]], posted["mention_roles"]) == expected


# ------------------------------------------------------------------------------------------------ modals


@pytest.mark.asyncio
async def test_a_text_input_over_its_limits_is_refused(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    from tests.fakediscord.limits import modal_errors

    def modal(**text_input: Any) -> dict[str, Any]:
        field = {"type": 4, "custom_id": "t", "label": "Text", "style": 1, **text_input}
        return {"custom_id": "m", "title": "Add", "components": [row(field)]}

    assert modal_errors(modal(placeholder="p" * 100, min_length=4000, max_length=4000)) == {}
    field = ("components", 0, "components", 0)
    assert modal_errors(modal(placeholder="p" * 101)) == at(*field, "placeholder", error=max_length(100))
    assert modal_errors(modal(min_length=4001)) == at(
        *field, "min_length", error=err("NUMBER_TYPE_MAX", "int value should be less than or equal to 4000.")
    )
    assert modal_errors(modal(style=3)) == at(
        *field, "style", error=err("BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
    )


# ---------------------------------------------------------------------------------------------- commands


def option(name: str = "topic", description: str = "A topic", **extra: Any) -> dict[str, Any]:
    return {"type": 3, "name": name, "description": description, **extra}


def slash(name: str = "ask", description: str = "Ask", **extra: Any) -> dict[str, Any]:
    return {"type": 1, "name": name, "description": description, **extra}


def choices(count: int, value: int = 1) -> list[dict[str, Any]]:
    return [{"name": f"c{i}", "value": f"{i}".rjust(value, "v")} for i in range(count)]


INVALID_NAME = err("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
COMMAND_RULES: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]] = [
    ("name length", [slash("a" * 32)], [slash("a" * 33)], at(0, "name", error=bad_length(1, 32))),
    ("name case", [slash("ask-me_now")], [slash("Ask")], at(0, "name", error=INVALID_NAME)),
    ("name characters", [slash("l'été")], [slash("ask me")], at(0, "name", error=INVALID_NAME)),
    ("description", [slash(description="d" * 100)], [slash(description="d" * 101)],
     at(0, "description", error=bad_length(1, 100))),
    ("no description", [slash()], [slash(description="")], at(0, "description", error=REQUIRED)),
    ("options", [slash(options=[option(f"o{i}") for i in range(25)])],
     [slash(options=[option(f"o{i}") for i in range(26)])], at(0, "options", error=max_length(25))),
    ("option description", [slash(options=[option(description="d" * 100)])],
     [slash(options=[option(description="d" * 101)])], at(0, "options", 0, "description", error=bad_length(1, 100))),
    ("required first", [slash(options=[option("a", required=True), option("b")])],
     [slash(options=[option("a"), option("b", required=True)])],
     at(0, "options", 1, "required", error=err(
         "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options"
     ))),
    ("option names", [slash(options=[option("a"), option("b")])], [slash(options=[option("a"), option("a")])],
     at(0, "options", 1, "name", error=err("APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME", "Names must be unique"))),
    ("choices", [slash(options=[option(choices=choices(25))])], [slash(options=[option(choices=choices(26))])],
     at(0, "options", 0, "choices", error=max_length(25))),
    ("choice value", [slash(options=[option(choices=choices(1, 100))])],
     [slash(options=[option(choices=choices(1, 101))])], at(0, "options", 0, "choices", 0, "value", error=max_length(100))),
    ("choices with autocomplete", [slash(options=[option(choices=choices(2))])],
     [slash(options=[option(choices=choices(2), autocomplete=True)])],
     at(0, "options", 0, "autocomplete", error=err(
         "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE", "Autocomplete cannot be set with choices"
     ))),
    ("max_length", [slash(options=[option(max_length=6000)])], [slash(options=[option(max_length=6001)])],
     at(0, "options", 0, "max_length", error=err("NUMBER_TYPE_MAX", "int value should be less than or equal to 6000."))),
    ("group holds subcommands", [slash("corpus", options=[{"type": 2, "name": "g", "description": "G", "options": [
        {"type": 1, "name": "add", "description": "Add"}]}])],
     [slash("corpus", options=[{"type": 2, "name": "g", "description": "G", "options": [option()]}])],
     at(0, "options", 0, "options", 0, "type", error=err(
         "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Option type is invalid"
     ))),
    ("4,000 characters", [slash(options=[option(f"o{i}", "d" * 100, choices=choices(25, 50)) for i in range(2)])],
     [slash(options=[option(f"o{i}", "d" * 100, choices=choices(25, 100)) for i in range(2)])],
     at(0, error=err("APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (4000)"))),
    ("unique names", [slash("ask"), slash("help")], [slash("ask"), slash("ask")],
     at(1, "name", error=err("APPLICATION_COMMAND_ALREADY_EXISTS", "Application command names must be unique"))),
]  # fmt: skip


@pytest.mark.asyncio
@pytest.mark.parametrize(("rule", "ok", "bad", "errors"), COMMAND_RULES, ids=[r[0] for r in COMMAND_RULES])
async def test_commands_over_their_limits_are_refused(
    fake: FakeDiscord,
    http: aiohttp.ClientSession,
    rule: str,
    ok: list[dict[str, Any]],
    bad: list[dict[str, Any]],
    errors: dict[str, Any],
) -> None:
    path = f"/applications/{fake.application_id}/guilds/{fake.guild_id}/commands"
    status, stored = await call(http, "PUT", path, ok)
    assert status == 200, stored
    assert await call(http, "PUT", path, bad) == refused(errors)
    assert [c["name"] for c in fake.registered_commands(fake.guild_id)] == [c["name"] for c in ok]  # kept as it was
    if len(bad) == 1:  # one command created on its own is held to the same rules
        assert await call(http, "POST", path, bad[0]) == refused(errors["0"])
