"""The Context button under an answer: each quote with the sentence before and after it from its stored article,
privately, after a restart too, never another server's, within Discord's limits whatever the articles."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakediscord import DEFERRED_CHANNEL_MESSAGE, BotReply, FakeDiscord, FakeFile
from tests.helpers import start_newsbot, stop_newsbot

# isort: split
from bot.core.config import Settings, load_settings
from bot.present.style import escape_markdown

QUESTION = "What did Amazon pitch to ICE?"
PITCHED = (
    "Amazon.com Inc. pitched its facial-recognition system in the summer to Immigration and Customs Enforcement "
    "officials as a way for the agency to target or identify immigrants, a move that could shove the tech giant "
    "further into a growing debate over the technology industry’s work with the government."
)
OFFICIAL = (
    "An Amazon Web Service official specializing in federal sales contracts, whose name was redacted in the emails, "
    "wrote that the conversation involved “predictive analytics” and “Rekognition Video tagging/analysis” that "
    "could possibly enable ICE to identify people’s faces from afar — a type of technology that immigration "
    "officials have voiced interest in for its potential enforcement use on the nation’s southern border."
)
LETTER = (
    "Hundreds of anonymous Amazon workers wrote Bezos a letter in June, roughly one week after the meeting, saying: "
    "“We refuse to build the platform that powers ICE, and we refuse to contribute to tools that violate human "
    "rights.”"
)
POST = (
    "— **Washington Post**, 23 Oct 2018 (also in LA Times) · *Amazon met with ICE officials over facial\\-recognition "
    "system that could identify immigrants*"
)
CONTEXT = [  # two messages: both quotes in their context, attributed as in the answer, pass 2,000 characters
    f"(the article starts here)\n> {escape_markdown(PITCHED)}\n{escape_markdown(OFFICIAL)}\n{POST}",
    f"{escape_markdown(PITCHED)}\n> {escape_markdown(OFFICIAL)}\n{escape_markdown(LETTER)}\n{POST}",
]


def settings_for(data_dir: Path) -> Settings:
    return load_settings(data_dir=data_dir, ask_cooldown_rate=100)


async def asked(fake: FakeDiscord, question: str = QUESTION) -> BotReply:
    ix = await fake.slash("ask", {"question": question})
    await ix.callback()
    return await ix.followup(timeout=15)


async def context_of(
    fake: FakeDiscord, answer: BotReply | dict[str, Any], messages: int = 1, **click: Any
) -> list[BotReply]:
    """Press Context under ``answer``; the ``messages`` private messages it brought, in order (and no more)."""
    components = answer.components if isinstance(answer, BotReply) else answer["components"]
    [context] = [c for row in components for c in row["components"] if c.get("label") == "Context"]
    ix = await fake.click(answer, context["custom_id"], **click)
    first = await ix.callback()
    assert (first.type, first.ephemeral) == (DEFERRED_CHANNEL_MESSAGE, True)
    replies = [await ix.followup(i, timeout=15) for i in range(messages)]
    await asyncio.sleep(0.5)
    assert len(ix.followups) == messages
    return replies


@pytest.mark.asyncio
async def test_context_shows_each_quote_between_its_neighbours_privately(fake: FakeDiscord, clean_env: Path) -> None:
    bot = await start_newsbot(fake, settings_for(clean_env))
    try:
        answer = await asked(fake)
        assert answer.button("Context")["custom_id"] == "ans:ctx:1"
        replies = await context_of(fake, answer, messages=2, user=fake.member)  # anyone who sees it may look
        assert [(r.content, r.ephemeral, r.allowed_mentions) for r in replies] == [
            (message, True, {"parse": []}) for message in CONTEXT
        ]
        assert len("\n\n".join(CONTEXT)) > 2000
        assert [line for line in answer.content.split("\n") if line.startswith("— ")] == [POST, POST]  # the same
    finally:
        await stop_newsbot(fake, bot)


@pytest.mark.asyncio
async def test_context_works_after_a_restart_and_under_a_mention(fake: FakeDiscord, clean_env: Path) -> None:
    bot = await start_newsbot(fake, settings_for(clean_env))
    sent = await fake.send_message(QUESTION, mentions_bot=True)
    reply = await fake.wait_for_bot_message(after=sent)
    await stop_newsbot(fake, bot)

    again = await start_newsbot(fake, settings_for(clean_env))  # nothing of the first process is left
    try:
        assert [r.content for r in await context_of(fake, reply, messages=2)] == CONTEXT
    finally:
        await stop_newsbot(fake, again)


@pytest.mark.asyncio
async def test_context_of_another_servers_answer_opens_nothing(fake: FakeDiscord, clean_env: Path) -> None:
    other = fake.add_guild("Beta")
    bot = await start_newsbot(fake, settings_for(clean_env))
    try:
        answer = await asked(fake)
        replies = await context_of(fake, answer, guild=other, user=other.owner)
        assert [(r.content, r.ephemeral) for r in replies] == [
            ("newsbot no longer keeps this answer: ask the question again", True)
        ]
    finally:
        await stop_newsbot(fake, bot)


@pytest.mark.asyncio
async def test_context_of_a_removed_article_says_so(fake: FakeDiscord, clean_env: Path) -> None:
    bot = await start_newsbot(fake, settings_for(clean_env))
    try:
        answer = await asked(fake)
        removed = await fake.slash("corpus remove", {"article": "amazon-met-with-ice-officials-over-173ada"})
        await removed.callback()
        assert (await removed.followup()).content.startswith("Removed")
        gone = "This article is no longer in the coverage, so its context cannot be shown."
        assert [r.content for r in await context_of(fake, answer)] == [
            f"> {escape_markdown(PITCHED)}\n{gone}\n\n> {escape_markdown(OFFICIAL)}\n{gone}"
        ]
    finally:
        await stop_newsbot(fake, bot)


@pytest.mark.asyncio
async def test_context_of_long_sentences_is_shortened_and_split_within_discords_limits(
    fake: FakeDiscord, clean_env: Path
) -> None:
    """Three quotes whose neighbours are ~1,400 characters: one message a quote, each under 2,000 characters (the
    fake refuses more), the quote whole, the sentence before cut at its start and the one after at its end."""
    filler = " ".join(["the harbour board met again and talked at length about tides"] * 22)
    sentences = []
    for n in ("first", "second", "third"):
        sentences += [f"Before the {n} vote {filler}.", f"The lighthouse keeper Zorbin voted {n} in Quillport.",
                      f"After the {n} vote {filler}."]  # fmt: skip
    article = {"title": "Quillport lighthouse votes", "source": "Harbour Gazette", "date": "2020-05-01",
               "url": "https://gazette.example/quillport", "body": " ".join(sentences)}  # fmt: skip
    bot = await start_newsbot(fake, settings_for(clean_env))
    try:
        added = await fake.slash("corpus add", {"file": FakeFile("story.json", json.dumps(article).encode())})
        await added.callback()
        assert (await added.followup()).content.startswith("Added")
        answer = await asked(fake, "How did the lighthouse keeper Zorbin vote in Quillport?")
        assert answer.content.count("> The lighthouse keeper Zorbin voted") == 3
        replies = await context_of(fake, answer, messages=3)
        for reply, n in zip(replies, ("first", "second", "third"), strict=True):
            lines = reply.content.split("\n")
            assert len(reply.content) <= 2000 and reply.ephemeral
            assert lines[0].startswith("…") and lines[0].endswith("at length about tides.")
            assert lines[1] == f"> The lighthouse keeper Zorbin voted {n} in Quillport."
            assert lines[2].startswith(f"After the {n} vote the harbour board") and lines[2].endswith("…")
            assert lines[3] == (
                "— **Harbour Gazette**, 1 May 2020 · [Quillport lighthouse votes](<https://gazette.example/quillport>)"
            )
    finally:
        await stop_newsbot(fake, bot)
