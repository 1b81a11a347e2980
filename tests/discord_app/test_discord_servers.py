"""Two Discord servers, end to end (the real discord.py client against the fake Discord): what server A's moderator
adds, removes and subscribes never reaches server B, by any path; and shared mode's editor servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import pytest_asyncio
from rank_bm25 import BM25Okapi

from tests.discord_app.test_discord import _modal_values, article_file, news_site  # noqa: F401 - news_site is a fixture
from tests.fakediscord import MODAL, FakeDiscord, FakeGuild
from tests.feeds.test_subscriptions import LIGHTHOUSE, OUTLET, Site, publish_first_edition
from tests.helpers import start_newsbot, stop_newsbot

# isort: split
from bot.core.config import Settings, load_settings
from bot.core.text import split_sentences, tokenize
from bot.discord_app.client import NewsBot
from bot.feeds.subscriptions import Subscriptions
from bot.intake.ingest import fetch_policy

QUESTION = "What did Amazon pitch to ICE?"
ORLANDO = "Did Orlando end the Rekognition pilot?"
ORLANDO_BODY = "Orlando police ended their second pilot of Amazon's Rekognition software on Thursday."
SHIPPED_ID = "amazon-met-with-ice-officials-over-173ada"


def settings_for(data_dir: Path, **extra: Any) -> Settings:
    return load_settings(data_dir=data_dir, ask_cooldown_rate=100, allow_private_urls=True, **extra)


def second_guild(fake: FakeDiscord) -> FakeGuild:
    """Server B: its owner carol moderates it; A's owner alice (a moderator in A) is a plain member there."""
    other = fake.add_guild("Beta")
    fake.join(other, fake.owner)
    return other


@pytest_asyncio.fixture
async def two(fake: FakeDiscord, clean_env: Path) -> AsyncIterator[tuple[NewsBot, FakeGuild]]:
    other = second_guild(fake)
    running = await start_newsbot(fake, settings_for(clean_env))
    yield running, other
    await stop_newsbot(fake, running)


async def answer(fake: FakeDiscord, question: str, guild: FakeGuild | None = None) -> str:
    ix = await fake.slash("ask", {"question": question}, guild=guild, user=None if guild is None else guild.member)
    await ix.callback()
    return (await ix.followup(timeout=15)).content or ""


async def reply_text(ix: Any) -> str:
    """What the user was told: the first response, or the follow-up of a deferred one (always private here)."""
    first = await ix.callback()
    assert first.ephemeral
    if first.content:
        return str(first.content)
    return str((await ix.followup(timeout=15)).content or "")


def check_b_is_rank_bm25_over_its_own(bot: NewsBot, server: int) -> None:
    """B's sentence scores equal a fresh rank-bm25 over B's passages alone."""
    sentences = [s for a in bot.service.articles(server=server) for s in split_sentences(a.body)]
    reference = BM25Okapi([tokenize(s) for s in sentences])
    collection = bot.service.index_of(server)._collections["sentence"]
    for question in (QUESTION, ORLANDO, "lighthouse keepers return"):
        terms = tokenize(question)
        assert collection.get_scores(terms).tobytes() == np.asarray(reference.get_scores(terms)).tobytes()


@pytest.mark.asyncio
async def test_what_a_moderator_of_a_adds_removes_and_subscribes_never_reaches_b(
    fake: FakeDiscord, two: tuple[NewsBot, FakeGuild], site: Site
) -> None:
    bot, b = two
    b_before = await answer(fake, QUESTION, b)
    # A's moderator (alice) adds an article, removes a shipped one, and subscribes a feed that is then polled
    ix = await fake.slash("corpus add", {"file": article_file(body=ORLANDO_BODY)})
    await ix.callback()
    assert (await ix.followup()).content.startswith("Added `rekognition-pilot-ends-in-orlando-")
    removed = await fake.slash("corpus remove", {"article": SHIPPED_ID})
    await removed.callback()
    assert (await removed.followup()).content.startswith(f"Removed `{SHIPPED_ID}`")
    feed = await fake.slash("feeds add", {"url": publish_first_edition(site), "outlet": OUTLET})
    await feed.callback()
    assert (await feed.followup(timeout=15)).content.startswith("Subscribed feed `1`")
    report = await Subscriptions(bot.service, server=fake.guild_id).poll(policy=fetch_policy(bot.settings))
    assert report.count("added") == 3

    # A sees all of it
    assert (await answer(fake, ORLANDO)).startswith("> " + "Orlando police ended their second pilot")
    assert LIGHTHOUSE[0][:40] in await answer(fake, "What did the Port Elspeth harbour authority approve?")
    # B sees none of it: /ask, /timeline, /sources, autocomplete, /corpus list, /feeds list
    assert await answer(fake, QUESTION, b) == b_before
    assert (await answer(fake, ORLANDO, b)).startswith("The coverage doesn't say.")
    assert (await answer(fake, "What did the Port Elspeth harbour authority approve?", b)).startswith(
        "The coverage doesn't say."
    )
    timeline = await fake.slash("timeline", {"topic": "Rekognition"}, guild=b, user=b.member)
    await timeline.callback()
    shown = str((await timeline.followup(timeout=15)).embeds)
    assert "Orlando" not in shown and "Elspeth" not in shown
    sources = await fake.slash("sources", {}, guild=b, user=b.member)
    await sources.callback()
    listed = str((await sources.followup(timeout=15)).embeds)
    assert "Orlando Sentinel" not in listed and OUTLET not in listed and "Washington Post" in listed
    outlets = await fake.autocomplete("timeline", {"outlet": "o"}, focused="outlet", guild=b, user=b.member)
    assert not {"Orlando Sentinel", OUTLET} & {c["value"] for c in await outlets.choices()}
    articles = await fake.autocomplete("corpus remove", {"article": ""}, focused="article", guild=b, user=b.owner)
    values = {c["value"] for c in await articles.choices()}
    assert SHIPPED_ID in values and not any(v.startswith(("rekognition-pilot", "port-elspeth")) for v in values)
    listing = await fake.slash("corpus list", {}, guild=b, user=b.owner)
    await listing.callback()
    embed = (await listing.followup()).embeds[0]
    assert embed["title"].startswith("31 articles") and "Orlando" not in embed["description"]
    feeds = await fake.slash("feeds list", {}, guild=b, user=b.owner)
    await feeds.callback()
    assert "No feeds are subscribed" in str((await feeds.followup()).embeds)
    # and B's scores are rank-bm25's over B's own passages, as before A's changes
    assert bot.service.count(server=b.id) == 31 and bot.service.count(server=fake.guild_id) == 34
    check_b_is_rank_bm25_over_its_own(bot, b.id)
    log = await fake.slash("corpus log", {}, guild=b, user=b.owner)
    await log.callback()
    assert "No changes yet" in str((await log.followup()).embeds)


@pytest.mark.asyncio
async def test_a_moderator_of_a_cannot_change_b_by_any_path(
    fake: FakeDiscord,
    clean_env: Path,
    news_site: str,  # noqa: F811 - the fixture
) -> None:
    b = second_guild(fake)
    bot = await start_newsbot(fake, settings_for(clean_env))
    try:
        version = bot.service.version()
        # commands in B, as the plain member of B that alice is there, and crafted with A's roles and permissions
        alice = fake.owner  # A's owner, who holds A's moderator role; a plain member of B
        for crafted in (None, "home"):
            add = await fake.slash("corpus add", {"file": article_file()}, guild=b, user=alice, member_from=crafted)
            assert "only moderators can change the corpus" in await reply_text(add)
            remove = await fake.slash(
                "corpus remove", {"article": SHIPPED_ID}, guild=b, user=alice, member_from=crafted
            )
            assert "only moderators" in await reply_text(remove)
            feed = await fake.slash("feeds add", {"url": news_site}, guild=b, user=alice, member_from=crafted)
            assert "only moderators" in await reply_text(feed)
            typed = await fake.autocomplete(
                "corpus remove", {"article": "amazon"}, focused="article", guild=b, user=alice, member_from=crafted
            )
            assert await typed.choices() == []
        # a preview opened in A, confirmed by a click that names B
        ix = await fake.slash("corpus add", {"url": news_site, "outlet": "Gazette"})
        await ix.callback()
        preview = await ix.followup()
        crafted_click = await fake.click(preview, preview.custom_ids()[0], guild=b, user=alice, member_from="home")
        assert await reply_text(crafted_click) == "This preview is not yours."
        # a form opened in A, submitted naming B
        form = await fake.slash("corpus add", {})
        modal = await form.callback()
        assert modal.type == MODAL
        submitted = await fake.submit_modal(modal, _modal_values(modal), guild=b, user=alice, member_from="home")
        assert "nothing was added" in await reply_text(submitted)
        assert bot.service.version() == version  # nothing changed, in A or in B
        # B's own moderator may change B, and that reaches B only
        own = await fake.slash("corpus add", {"file": article_file(body=ORLANDO_BODY)}, guild=b, user=b.owner)
        await own.callback()
        assert (await own.followup()).content.startswith("Added `")
        assert bot.service.count(server=b.id) == 32 and bot.service.count(server=fake.guild_id) == 31
    finally:
        await stop_newsbot(fake, bot)


@pytest.mark.asyncio
async def test_shared_mode_an_editor_server_changes_every_server_and_another_is_refused(
    fake: FakeDiscord, clean_env: Path
) -> None:
    b = second_guild(fake)
    bot = await start_newsbot(fake, settings_for(clean_env, coverage="shared", editor_guild_ids=[fake.guild_id]))
    try:
        refused = await fake.slash("corpus add", {"file": article_file(body=ORLANDO_BODY)}, guild=b, user=b.owner)
        assert "not one of those that edit it" in await reply_text(refused)
        assert bot.service.count(server=b.id) == 31
        ix = await fake.slash("corpus add", {"file": article_file(body=ORLANDO_BODY)})
        await ix.callback()
        assert (await ix.followup()).content.startswith("Added `")
        for guild in (None, b):
            assert (await answer(fake, ORLANDO, guild)).startswith("> Orlando police ended their second pilot")
    finally:
        await stop_newsbot(fake, bot)
