"""Knowledge gaps in Discord (the real client against the fake Discord, two servers): refused questions asked by
/ask, by mention and in a direct message are kept where they were asked, and `/corpus gaps` shows a server's
moderators their own server's only, privately, escaped, after a restart too."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.discord_app.test_discord import article_file, settings_for
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.helpers import start_newsbot, stop_newsbot

# isort: split
from bot.cli.main import cli
from bot.core.models import ArticleIn
from bot.discord_app.client import NewsBot
from bot.service import NewsService

CUP = "Who won the 2022 World Cup?"
ORLANDO = "Did Orlando police end the Rekognition pilot?"
HOSTILE = "@everyone <@123> **who** won [the cup](https://evil.example) in 2022?"


async def kept(bot: NewsBot, server: int | None, count: int) -> None:
    """Wait until ``count`` askings are kept for ``server`` (they are written just after the reply)."""
    for _ in range(200):
        report = await asyncio.to_thread(bot.service.gaps, server=server)
        if sum(g.count for g in report.gaps) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} gaps were not kept for {server}")


async def ask(fake: FakeDiscord, question: str, guild: FakeGuild | None = None) -> str:
    ix = await fake.slash(
        "ask", {"question": question}, guild=guild, user=fake.member if guild is None else guild.member
    )
    await ix.callback()
    return str((await ix.followup(timeout=15)).content)


async def corpus_gaps(fake: FakeDiscord, guild: FakeGuild | None = None, **options: Any) -> Any:
    ix = await fake.slash("corpus gaps", options, guild=guild, user=None if guild is None else guild.owner)
    first = await ix.callback()
    assert first.ephemeral
    reply = await ix.followup(timeout=15)
    assert reply.ephemeral
    return reply


@pytest.mark.asyncio
async def test_moderators_see_their_own_servers_gaps_only(fake: FakeDiscord, clean_env: Path) -> None:
    b = fake.add_guild("Beta")
    bot = await start_newsbot(fake, settings_for(clean_env))
    try:
        assert (await ask(fake, CUP)).startswith("The coverage doesn't say.")
        sent = await fake.send_message(CUP, mentions_bot=True)
        await fake.wait_for_bot_message(after=sent)
        await ask(fake, "What did Amazon pitch to ICE?")  # answered: not a gap
        await ask(fake, ORLANDO, b)
        await kept(bot, fake.guild_id, 2)
        await kept(bot, b.id, 1)

        a_reply = await corpus_gaps(fake)
        assert a_reply.embeds[0]["title"] == "Knowledge gaps"
        assert a_reply.embeds[0]["description"] == (
            "Questions the coverage could not answer, most asked first (kept 90 days):\n"
            "• **2×** “Who won the 2022 World Cup?” · terms: 2022 cup win world · last asked today"
        )
        b_reply = await corpus_gaps(fake, b)
        assert b_reply.embeds[0]["description"] == (
            "Questions the coverage could not answer, most asked first (kept 90 days):\n"
            "• **1×** “Did Orlando police end the Rekognition pilot?” · terms: end orlando pilot polic rekognit · "
            "last asked today"
        )
        request = fake.requests_to("POST", "/webhooks/*/*")[-1]
        assert request.json["allowed_mentions"] == {"parse": []}
    finally:
        await stop_newsbot(fake, bot)


@pytest.mark.asyncio
async def test_a_member_cannot_list_gaps(fake: FakeDiscord, clean_env: Path) -> None:
    bot = await start_newsbot(fake, settings_for(clean_env))
    try:
        await ask(fake, CUP)
        ix = await fake.slash("corpus gaps", {}, user=fake.member)
        refused = await ix.callback()
        assert refused.ephemeral
        assert refused.content == (
            "only moderators can change the corpus: you need the Manage Messages permission or a moderator role"
        )
    finally:
        await stop_newsbot(fake, bot)


@pytest.mark.asyncio
async def test_gaps_are_escaped_survive_a_restart_and_are_answered_by_a_later_article(
    fake: FakeDiscord, clean_env: Path
) -> None:
    bot = await start_newsbot(fake, settings_for(clean_env))
    try:
        await ask(fake, HOSTILE)
        await ask(fake, ORLANDO)
        await kept(bot, fake.guild_id, 2)
    finally:
        await stop_newsbot(fake, bot)

    again = await start_newsbot(fake, settings_for(clean_env))
    try:
        description = (await corpus_gaps(fake)).embeds[0]["description"]
        assert description == (
            "Questions the coverage could not answer, most asked first (kept 90 days):\n"
            "• **1×** “Did Orlando police end the Rekognition pilot?” · terms: end orlando pilot polic rekognit · "
            "last asked today\n"
            "• **1×** “\\@everyone \\<\\@123\\> \\*\\*who\\*\\* won \\[the cup\\]\\(https\\://evil.example\\) in "
            "2022?” · terms: 123 2022 cup everyon evil exampl https win · last asked today"
        )
        body = "Orlando police ended their second pilot of Amazon's Rekognition software on Thursday."
        added = await fake.slash("corpus add", {"file": article_file(body=body)})
        await added.callback()
        await added.followup()
        for _ in range(200):  # the re-check runs in the background
            report = await asyncio.to_thread(again.service.gaps, server=fake.guild_id)
            if report.answered:
                break
            await asyncio.sleep(0.05)
        description = (await corpus_gaps(fake)).embeds[0]["description"]
        assert description.endswith(
            "Answered since by a new article:\n"
            "• **1×** “Did Orlando police end the Rekognition pilot?” · answered today by Rekognition pilot ends in "
            "Orlando"
        )
    finally:
        await stop_newsbot(fake, again)


@pytest.mark.asyncio
async def test_a_direct_message_gap_is_the_default_collections(fake: FakeDiscord, clean_env: Path) -> None:
    bot = await start_newsbot(fake, settings_for(clean_env))
    try:
        sent = await fake.send_dm(CUP, author=fake.member)
        reply = await fake.wait_for_bot_message(after=sent, channel_id=fake.dm_channel(fake.member).id)
        assert reply["content"].startswith("The coverage doesn't say.")
        await kept(bot, None, 1)
        assert (await asyncio.to_thread(bot.service.gaps, server=fake.guild_id)).gaps == []
    finally:
        await stop_newsbot(fake, bot)


@pytest.mark.asyncio
async def test_the_bot_deletes_expired_gaps_when_it_starts(fake: FakeDiscord, clean_env: Path) -> None:
    service = NewsService.open(settings_for(clean_env))
    service.record_gap(service.ask(CUP), server=fake.guild_id)
    service.record_gap(service.ask(ORLANDO), server=fake.guild_id)
    service.close()
    with closing(sqlite3.connect(clean_env / "newsbot.sqlite3")) as db, db:
        db.execute("UPDATE gaps SET asked_at = '2020-01-01T00:00:00Z' WHERE question = ?", (CUP,))
    bot = await start_newsbot(fake, settings_for(clean_env))
    try:
        for _ in range(200):
            with closing(sqlite3.connect(clean_env / "newsbot.sqlite3")) as db:
                left = [r[0] for r in db.execute("SELECT question FROM gaps")]
            if left == [ORLANDO]:
                break
            await asyncio.sleep(0.05)
        assert left == [ORLANDO]
    finally:
        await stop_newsbot(fake, bot)


async def until_answered(bot: NewsBot, server: int, answered: int) -> None:
    """Wait until ``answered`` of ``server``'s gaps are marked answered (the check runs in the background)."""
    for _ in range(200):
        if len((await asyncio.to_thread(bot.service.gaps, server=server)).answered) == answered:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{server} never had {answered} answered gaps")


@pytest.mark.asyncio
async def test_removing_the_answering_article_reopens_the_gap_and_the_limit_option(
    fake: FakeDiscord, clean_env: Path
) -> None:
    b = fake.add_guild("Beta")
    bot = await start_newsbot(fake, settings_for(clean_env, dev_guild_id=fake.guild_id))
    try:
        corpus = next(c for c in fake.registered_commands(fake.guild_id) if c["name"] == "corpus")
        [limit] = next(o for o in corpus["options"] if o["name"] == "gaps")["options"]
        assert (limit["name"], limit["type"], limit["min_value"], limit["max_value"]) == ("limit", 4, 1, 25)
        for question, guild in ((CUP, None), (ORLANDO, None), (ORLANDO, b)):
            await ask(fake, question, guild)
        await kept(bot, fake.guild_id, 2)
        await kept(bot, b.id, 1)
        body = "Orlando police ended their second pilot of Amazon's Rekognition software on Thursday."
        for guild in (None, b):  # each server adds its own copy
            added = await fake.slash(
                "corpus add",
                {"file": article_file(body=body)},
                guild=guild,
                user=None if guild is None else guild.owner,
            )
            await added.callback()
            assert (await added.followup()).content.startswith("Added")
        await until_answered(bot, fake.guild_id, 1)
        await until_answered(bot, b.id, 1)
        [story] = {g.answered_by for g in (await asyncio.to_thread(bot.service.gaps, server=fake.guild_id)).answered}
        removed = await fake.slash("corpus remove", {"article": story})
        await removed.callback()
        assert (await removed.followup()).content.startswith("Removed")
        await until_answered(bot, fake.guild_id, 0)
    finally:
        await stop_newsbot(fake, bot)

    again = await start_newsbot(fake, settings_for(clean_env))  # what the check wrote survives a restart
    try:
        assert (await corpus_gaps(fake)).embeds[0]["description"] == (
            "Questions the coverage could not answer, most asked first (kept 90 days):\n"
            "• **1×** “Did Orlando police end the Rekognition pilot?” · terms: end orlando pilot polic rekognit · "
            "last asked today\n"
            "• **1×** “Who won the 2022 World Cup?” · terms: 2022 cup win world · last asked today"
        )
        assert (await corpus_gaps(fake, limit=1)).embeds[0]["description"] == (
            "Questions the coverage could not answer, most asked first (kept 90 days):\n"
            "• **1×** “Did Orlando police end the Rekognition pilot?” · terms: end orlando pilot polic rekognit · "
            "last asked today\n"
            "… and 1 more"
        )
        assert (await corpus_gaps(fake, b)).embeds[0]["description"] == (  # B's copy still answers B's gap
            "Answered since by a new article:\n"
            "• **1×** “Did Orlando police end the Rekognition pilot?” · answered today by Rekognition pilot ends in "
            "Orlando"
        )
    finally:
        await stop_newsbot(fake, again)


#: Questions and a headline ending in ":" with markdown in them: entries of the listing like any other.
CUP_COLON = "Who won the **2022** World Cup:"
ORLANDO_COLON = "Did Orlando end the `Rekognition` pilot:"
PILOT_COLON = ArticleIn(
    title="Rekognition *pilot* ends in Orlando:",
    source="Orlando Sentinel",
    date="2019-07-18",
    body="Orlando police ended their second pilot of Amazon's Rekognition software on Thursday.",
)


def ward(i: int) -> str:
    """A long question the shipped coverage cannot answer, the ``i``th of its kind (distinct search terms)."""
    return (
        f"What did the tax board of Elmwood decide about parking fees in ward {i}, and who voted against the plan "
        f"at the meeting on the evening of day {i} of the month, after the residents of the ward complained:"
    )


@pytest.mark.asyncio
async def test_a_listing_too_long_for_discord_counts_every_entry_left_out_whatever_its_text_ends_with(
    fake: FakeDiscord, clean_env: Path
) -> None:
    service = NewsService.open(settings_for(clean_env))
    try:
        for question in (CUP_COLON, ORLANDO_COLON, *(ward(i) for i in range(10, 24))):
            assert service.record_gap(service.ask(question, server=fake.guild_id), server=fake.guild_id)
        service.add(PILOT_COLON, actor="cli:test")  # the default collection, which the server reads
        service.wait_for_gap_checks()
    finally:
        service.close()
    term_line = "board complain day decid elmwood evening fee meet month park plan resid tax vote ward"
    wards = [  # the open gaps, each asked once: the latest first
        f"• **1×** “{ward(i)}” · terms: {i} {term_line} · last asked today" for i in range(23, 9, -1)
    ]
    bot = await start_newsbot(fake, settings_for(clean_env))
    try:
        description = (await corpus_gaps(fake, limit=25)).embeds[0]["description"]
    finally:
        await stop_newsbot(fake, bot)
    assert len(description) <= 4096
    shown = description.splitlines()[1:-1]
    assert description == "\n".join(
        [
            "Questions the coverage could not answer, most asked first (kept 90 days):",
            *wards[: len(shown)],
            # the wards not shown, the cup's gap and the one the headline ending in ":" answered
            f"… and {len(wards) - len(shown) + 2} more",
        ]
    )
    assert len(shown) == 12  # as many as 4096 characters hold with the last line

    runner = CliRunner()  # the command line shows them all, with the same text
    result = runner.invoke(cli, ["gaps", "--server", str(fake.guild_id), "--limit", "25"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "\n".join(
        [
            "Questions the coverage could not answer, most asked first (kept 90 days):",
            *(line.replace("**1×**", "1×") for line in wards),
            "• 1× “Who won the **2022** World Cup:” · terms: 2022 cup win world · last asked today",
            "Answered since by a new article:",
            "• 1× “Did Orlando end the `Rekognition` pilot:” · answered today by Rekognition *pilot* ends in Orlando:",
            "",
        ]
    )
    limited = runner.invoke(cli, ["gaps", "--server", str(fake.guild_id), "--limit", "1"])
    assert limited.stdout == "\n".join([*result.stdout.splitlines()[:2], "… and 15 more", ""])
