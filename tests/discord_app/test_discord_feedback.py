"""Helpful / Not helpful under answers, end to end (the real client against the fake Discord, two servers): one vote
per person per answer, changeable, told privately; the buttons work after a restart; counts per quote; `/corpus
feedback` shows a server's moderators their server's only; no user id is stored; NEWSBOT_KEEP_ANSWERS."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.discord_app.test_discord import settings_for
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.helpers import start_newsbot, stop_newsbot

# isort: split
from bot.present.style import escape_markdown

QUESTION = "What did Amazon pitch to ICE?"
FIRST = "Amazon.com Inc. pitched its facial\\-recognition system in the summer to Immigration and Customs"


async def ask(fake: FakeDiscord, guild: FakeGuild | None = None) -> Any:
    ix = await fake.slash(
        "ask", {"question": QUESTION}, guild=guild, user=fake.member if guild is None else guild.member
    )
    await ix.callback()
    return await ix.followup(timeout=15)


async def click(fake: FakeDiscord, reply: Any, label: str, user: Any, guild: FakeGuild | None = None) -> str:
    ix = await fake.click(reply, reply.button(label)["custom_id"], user=user, guild=guild)
    first = await ix.callback()
    assert first.ephemeral
    told = await ix.followup(timeout=15)
    assert told.ephemeral
    return str(told.content)


async def feedback(fake: FakeDiscord, guild: FakeGuild | None = None, **options: Any) -> str:
    ix = await fake.slash("corpus feedback", options, guild=guild, user=None if guild is None else guild.owner)
    await ix.callback()
    reply = await ix.followup(timeout=15)
    assert reply.ephemeral and reply.embeds[0]["title"] == "Feedback"
    return str(reply.embeds[0]["description"])


@pytest.mark.asyncio
async def test_one_vote_per_person_changeable_counted_per_quote_after_a_restart(
    fake: FakeDiscord, clean_env: Path
) -> None:
    b = fake.add_guild("Beta")
    bot = await start_newsbot(fake, settings_for(clean_env))
    try:
        reply = await ask(fake)
        buttons = [(c["label"], c["custom_id"]) for row in reply.message["components"] for c in row["components"]]
        assert [label for label, _ in buttons] == ["Helpful", "Not helpful", "Context"]
        answer_id = buttons[0][1].rsplit(":", 1)[1]
        assert [cid for _, cid in buttons] == [f"ans:up:{answer_id}", f"ans:down:{answer_id}", f"ans:ctx:{answer_id}"]

        assert await click(fake, reply, "Not helpful", fake.member) == "Thanks: your vote (not helpful) is counted."
        assert await click(fake, reply, "Not helpful", fake.member) == "Your vote (not helpful) is already counted."
        assert await click(fake, reply, "Helpful", fake.owner) == "Thanks: your vote (helpful) is counted."
    finally:
        await stop_newsbot(fake, bot)

    again = await start_newsbot(fake, settings_for(clean_env))
    try:
        assert await click(fake, reply, "Helpful", fake.member) == "Your vote is changed to helpful."
        assert await click(fake, reply, "Not helpful", fake.owner) == "Your vote is changed to not helpful."
        text = await feedback(fake)
        lines = text.splitlines()
        assert lines[0] == "Quotes readers voted on, the least helpful first:"
        assert lines[1] == (
            "• **1 not helpful, 1 helpful** · Washington Post · *Amazon met with ICE officials over "
            "facial\\-recognition system that could identify immigrants*"
        )
        assert lines[2].startswith("> " + FIRST)
        assert lines[3] == "  asked: “What did Amazon pitch to ICE?”"
        assert len(text) <= 4096
        # server B: its moderator sees none of A's votes, and a click there on A's answer counts for nothing
        assert await feedback(fake, b) == "No votes yet: every answer in Discord carries Helpful / Not helpful buttons."
    finally:
        await stop_newsbot(fake, again)

    with closing(sqlite3.connect(clean_env / "newsbot.sqlite3")) as db:
        dump = "\n".join(db.iterdump())
    assert str(fake.member.id) not in dump and str(fake.owner.id) not in dump
    assert dump.count('INSERT INTO "answer_votes"') == 2


@pytest.mark.asyncio
async def test_a_click_from_another_server_on_an_answer_counts_nothing(fake: FakeDiscord, clean_env: Path) -> None:
    b = fake.add_guild("Beta")
    bot = await start_newsbot(fake, settings_for(clean_env))
    try:
        a_reply = await ask(fake)
        # a crafted interaction: the button of A's answer, pressed in an interaction that names server B
        told = await click(fake, a_reply, "Not helpful", b.member, guild=b)
        assert told == "newsbot no longer keeps this answer: ask the question again"
        for guild in (None, b):
            assert await feedback(fake, guild) == (
                "No votes yet: every answer in Discord carries Helpful / Not helpful buttons."
            )
        b_reply = await ask(fake, b)
        assert await click(fake, b_reply, "Not helpful", b.member, guild=b) == (
            "Thanks: your vote (not helpful) is counted."
        )
    finally:
        await stop_newsbot(fake, bot)


@pytest.mark.asyncio
async def test_an_expired_answer_says_so_and_keep_answers_0_sends_no_buttons(
    fake: FakeDiscord, clean_env: Path
) -> None:
    bot = await start_newsbot(fake, settings_for(clean_env))
    try:
        reply = await ask(fake)
        with closing(sqlite3.connect(clean_env / "newsbot.sqlite3")) as db, db:
            db.execute("UPDATE answers SET at = '2020-01-01T00:00:00Z'")
        assert bot.service.prune_answers() == 1
        told = await click(fake, reply, "Helpful", fake.member)
        assert told == "newsbot no longer keeps this answer: ask the question again"
    finally:
        await stop_newsbot(fake, bot)

    off = await start_newsbot(fake, settings_for(clean_env, keep_answers=0))
    try:
        reply = await ask(fake)
        assert reply.content.startswith("> " + FIRST)
        assert not reply.message.get("components")
        assert await feedback(fake) == "Feedback is off (NEWSBOT_KEEP_ANSWERS=0): answers carry no vote buttons."
    finally:
        await stop_newsbot(fake, off)


@pytest.mark.asyncio
async def test_corpus_feedback_limit_lists_the_least_helpful_and_says_how_many_more(
    fake: FakeDiscord, clean_env: Path
) -> None:
    bot = await start_newsbot(fake, settings_for(clean_env, dev_guild_id=fake.guild_id))
    try:
        corpus = next(c for c in fake.registered_commands(fake.guild_id) if c["name"] == "corpus")
        [limit] = next(o for o in corpus["options"] if o["name"] == "feedback")["options"]
        assert (limit["name"], limit["type"], limit["min_value"], limit["max_value"]) == ("limit", 4, 1, 25)
        reply = await ask(fake)  # two quotes: both get the vote
        assert await click(fake, reply, "Not helpful", fake.member) == "Thanks: your vote (not helpful) is counted."
        answer = await asyncio.to_thread(bot.service.ask, QUESTION, server=fake.guild_id)
        assert await feedback(fake, limit=1) == (
            "Quotes readers voted on, the least helpful first:\n"
            "• **1 not helpful, 0 helpful** · Washington Post · *Amazon met with ICE officials over "
            "facial\\-recognition system that could identify immigrants*\n"
            f"> {escape_markdown(answer.quotes[0].text)}\n"
            "  asked: “What did Amazon pitch to ICE?”\n"
            "… and 1 more"
        )
        assert (await feedback(fake)).count("• **1 not helpful, 0 helpful**") == 2
    finally:
        await stop_newsbot(fake, bot)
