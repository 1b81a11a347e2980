"""``/compare`` in Discord: how each outlet put it, side by side (inline embed fields), within Discord's limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakediscord import FakeDiscord
from tests.helpers import start_newsbot, stop_newsbot

# isort: split
from bot.core.config import Settings, load_settings
from bot.core.models import ArticleIn
from bot.service import NewsService


def settings_for(data_dir: Path) -> Settings:
    return load_settings(data_dir=data_dir, ask_cooldown_rate=100)


@pytest.mark.asyncio
async def test_compare_shows_each_outlet_side_by_side(fake: FakeDiscord, clean_env: Path) -> None:
    bot = await start_newsbot(fake, settings_for(clean_env))
    try:
        ix = await fake.slash("compare", {"topic": "police face recognition"})
        await ix.callback()
        reply = await ix.followup(timeout=15)
        (embed,) = reply.embeds
        assert not reply.ephemeral and reply.allowed_mentions == {"parse": []}
        assert embed["title"] == "How the outlets put it: police face recognition"
        assert [(f["name"], f["value"], f["inline"]) for f in embed["fields"]] == [
            ("Associated Press (also in The Hindu) · 2 articles on this",
             "> Amazon bans police use of its face recognition for a year\n— 10 Jun 2020 · its headline", True),
            ("Slate", "> Amazon Is Working With Police to Provide Facial Recognition Surveillance\n— 22 May 2018 · its "
             "headline", True),
            ("NPR", "> Orlando Police Testing Amazon's Real\\-Time Facial Recognition\n— 22 May 2018 · its headline · "
             "[the article](<https://www.npr.org/2018/05/22/613115969/orlando-police-testing-amazons-real-time-"
             "facial-recognition>)", True),
            ("Washington Post (also in LA Times)",
             "> Last week, a person identified as an Amazon employee published a piece on Medium calling on Amazon to "
             "stop selling facial\\-recognition technology to police.\n— 23 Oct 2018 · *Amazon met with ICE officials "
             "over facial\\-recognition system that could identify immigrants*", True),
            ("Firstpost · 4 articles on this",
             "> Amazon will sell facial recognition tech to police despite employee protests\n— 9 Nov 2018 · its "
             "headline", True),
            ("Al Jazeera", "> Amazon pauses police use of its facial recognition software\n— 11 Jun 2020 · its "
             "headline", True),
        ]  # fmt: skip
        assert "footer" not in embed
    finally:
        await stop_newsbot(fake, bot)


@pytest.mark.asyncio
async def test_compare_refuses_plainly_and_a_wordless_topic_privately(fake: FakeDiscord, clean_env: Path) -> None:
    bot = await start_newsbot(fake, settings_for(clean_env))
    try:
        ix = await fake.slash("compare", {"topic": "Who won the World Cup?"})
        await ix.callback()
        reply = await ix.followup(timeout=15)
        assert (reply.content, reply.embeds, reply.ephemeral) == (
            "No outlet's coverage holds “Who won the World Cup?”: there is nothing to compare. Try other words, or "
            "see who covered what with `/sources`.",
            [],
            False,
        )
        wordless = await fake.slash("compare", {"topic": "what is the"})
        await wordless.callback()
        private = await wordless.followup(timeout=15)
        assert private.ephemeral and private.content.startswith("'what is the' has no word to search for")
    finally:
        await stop_newsbot(fake, bot)


@pytest.mark.asyncio
async def test_many_outlets_with_long_sentences_fit_one_embed_and_say_how_many_more(
    fake: FakeDiscord, clean_env: Path
) -> None:
    """Fourteen outlets, each with a 900-character sentence on the topic: nine fields (the fake refuses an embed
    over Discord's limits), every quote cut at a word and marked "…", and "… and 5 more outlets"."""
    settings = settings_for(clean_env)
    service = NewsService.open(settings)
    filler = " ".join(["and the harbour board talked about tides"] * 20)
    for n in range(14):
        body = f"The Quillport lighthouse vote number {n} was held {filler}. Nothing else happened."
        service.add(ArticleIn(title=f"Story {n}", source=f"Outlet {n:02d}", date="2021-03-05", body=body), actor="t")
    service.close()
    bot = await start_newsbot(fake, settings)
    try:
        ix = await fake.slash("compare", {"topic": "Quillport lighthouse vote"})
        await ix.callback()
        (embed,) = (await ix.followup(timeout=15)).embeds
        fields = embed["fields"]
        assert [f["name"] for f in fields] == [f"Outlet {n:02d}" for n in range(9)]
        assert embed["footer"]["text"] == "… and 5 more outlets"
        for n, field in enumerate(fields):
            quote, attribution = field["value"].split("\n")
            assert quote.startswith(f"> The Quillport lighthouse vote number {n} was held and the harbour")
            assert quote.endswith("…") and len(quote) > 300
            assert attribution == f"— 5 Mar 2021 · *Story {n}*"
        size = (
            len(embed["title"]) + len(embed["footer"]["text"]) + sum(len(f["name"]) + len(f["value"]) for f in fields)
        )
        assert 5500 < size <= 6000
    finally:
        await stop_newsbot(fake, bot)
