"""/help through the fake Discord: what the bot does, every command, and what it keeps, privately."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fakediscord import FakeDiscord
from tests.helpers import start_newsbot, stop_newsbot

# isort: split
from bot.core.config import load_settings

INTRO = (
    "**newsbot** answers questions about the news coverage of this server with the reporters' own sentences, each "
    "with its outlet, date and headline. It quotes; it never paraphrases or invents, and when the coverage does not "
    "answer a question it says so.\n"
    "\n"
    "**Ask**: mention me with a question (“@newsbot What did Amazon pitch to ICE?”), send me a direct message "
    "(answered from the default collection), or use `/ask`.\n"
    "\n"
    "**Commands**\n"
)
KEPT = (
    "**What is kept**\n"
    "• Questions the coverage could not answer: their text only, never who asked, for 90 days, so that moderators "
    "see what to add (`/corpus gaps`).\n"
    "• Answers given here: the question and its quotes, never who asked, for 90 days, so that the buttons under "
    "them keep working; with them the Helpful / Not helpful votes, each under a keyed hash of the voter (never the "
    "user id). The vote counts per quote stay (`/corpus feedback`); votes never change how answers are ranked.\n"
    "• Changes to the coverage, with the moderator who made them (`/corpus log`)."
)


def command_lines(payload: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Everyone's and the moderators' lines, from the command payload Discord receives (not from the help code)."""
    everyone: list[str] = []
    moderators: list[str] = []
    for command in payload:
        subcommands = [o for o in command.get("options", []) if o["type"] == 1]
        entries = [(f"{command['name']} {o['name']}", o["description"]) for o in subcommands] or [
            (command["name"], command["description"])
        ]
        lines = [f"`/{name}`: {description}" for name, description in entries]
        (moderators if command.get("default_member_permissions") not in (None, "0") else everyone).extend(lines)
    return everyone, moderators


async def help_reply(fake: FakeDiscord, data_dir: Path, **settings: Any) -> tuple[str, list[dict[str, Any]]]:
    bot = await start_newsbot(fake, load_settings(data_dir=data_dir, **settings))
    try:
        ix = await fake.slash("help", {}, user=fake.member)
        reply = await ix.callback()
        assert reply.ephemeral
        request = fake.requests_to("POST", "/interactions/*/*/callback")[-1]
        assert request.json["data"]["allowed_mentions"]["parse"] == []
        return str(reply.embeds[0]["description"]), bot.command_payload()
    finally:
        await stop_newsbot(fake, bot)


@pytest.mark.asyncio
async def test_help_says_what_the_bot_does_every_command_and_what_it_keeps(fake: FakeDiscord, clean_env: Path) -> None:
    text, payload = await help_reply(fake, clean_env)
    everyone, moderators = command_lines(payload)
    assert "`/help`: What newsbot does, its commands, and what it keeps of what you ask (and for how long)." in everyone
    assert "`/corpus gaps`: Questions this server's coverage could not answer, most asked first." in moderators
    expected = (
        INTRO
        + "\n".join(everyone)
        + "\n\n**Moderators** (Manage Messages, or a moderator role)\n"
        + "\n".join(moderators)
        + "\n\n"
        + KEPT
    )
    assert text == expected
    assert len(text) <= 4096


@pytest.mark.asyncio
async def test_help_says_when_nothing_is_kept(fake: FakeDiscord, clean_env: Path) -> None:
    text, _ = await help_reply(fake, clean_env, keep_gaps=0, keep_answers=0)
    assert text.endswith(
        "**What is kept**\n"
        "• Questions the coverage could not answer: not kept (turned off).\n"
        "• Answers given here: not kept (their buttons are turned off).\n"
        "• Changes to the coverage, with the moderator who made them (`/corpus log`)."
    )
