"""Hostile content through the real discord.py client and the fake Discord, which refuses what Discord refuses:
headlines of 500 characters, outlet names of 100, sentences of 1,000, thirty outlets on one story, web addresses
of 2,000 characters with markdown in them, and markdown and mentions in every text newsbot shows. Every reply
must be accepted (the fake answers 400 on a broken limit), ping no one, and hold no markup but newsbot's own."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.fakediscord import BotReply, FakeDiscord, FakeInteraction
from tests.helpers import html_page, start_newsbot, stop_newsbot, web_site
from tests.markdown_check import constructs, link_targets

# isort: split
from bot.core.config import load_settings
from bot.core.models import ArticleIn
from bot.discord_app.client import NewsBot
from bot.present.style import link_target

# Markup an article could carry: each would be bold, a ping, a link, code, a spoiler, struck, underlined.
MARKUP = "**Zebra** @everyone @here <@&1> <@1> [x](https://evil.example) `c` ||s|| ~~t~~ __u__ # h"
RAW = ["**Zebra**", "<@&1>", "<@1>", "[x](", "`c`", "||s||", "~~t~~", "__u__"]  # never unescaped in a reply
UNESCAPED_EVERYONE = re.compile(r"(?<!\\)@(?:everyone|here)")
LAYOUT_CODE = re.compile(r"`/?[A-Za-z0-9][A-Za-z0-9 /-]*`")  # ids, dates and command names: newsbot's code spans
OUTLETS = 30


def hostile_articles() -> list[ArticleIn]:
    """Thirty outlets (names of 100 characters) on one story, each headline 500 characters, each sentence about
    1,000, each address 2,000 characters with markdown characters in it."""
    articles = []
    for i in range(OUTLETS):
        sentence = f"The zebra council voted {i} times on {MARKUP} " + " ".join(["zebra"] * 150) + "."
        articles.append(
            ArticleIn(
                title=(f"{i} zebra council {MARKUP} " * 10)[:500].strip(),
                source=(f"{i:02d} {MARKUP} " * 3)[:100].strip(),
                date=f"20{10 + i % 15}-0{1 + i % 9}-1{i % 9}",
                url=f"https://news.example/{i}/a_(b)*c*~d~?q=[e]&x=" + "y" * 1965,
                body=" ".join([sentence, f"The council said {MARKUP} the zebra vote was final.", sentence]),
            )
        )
    return articles


def targets(articles: list[ArticleIn]) -> set[str | None]:
    return {link_target(a.url) for a in articles}


def texts_of(reply: BotReply) -> Iterator[str]:
    """Every text of a reply a person reads: its content, and each embed's title, description, fields, footer."""
    yield reply.content
    for embed in reply.embeds:
        yield embed.get("title") or ""
        yield embed.get("description") or ""
        for item in embed.get("fields") or []:
            yield item["name"]
            yield item["value"]
        yield (embed.get("footer") or {}).get("text") or ""
        yield (embed.get("author") or {}).get("name") or ""


def assert_clean(reply: BotReply, allowed_targets: set[str | None]) -> None:
    """Nothing of the hostile markup survives as markup; links lead only to the articles' own addresses."""
    for text in texts_of(reply):
        for raw in RAW:
            assert raw not in text, (raw, text)
        assert not UNESCAPED_EVERYONE.search(text), text
        for kind, span in constructs(text):
            assert kind not in ("mention", "spoiler", "strike", "underline", "italic_", "heading", "autolink"), span
            if kind == "code":
                assert LAYOUT_CODE.fullmatch(span), span
        assert set(link_targets(text)) <= allowed_targets, text
    assert reply.allowed_mentions is None or reply.allowed_mentions.get("parse") == []


def assert_discord_took_everything(fake: FakeDiscord) -> None:
    refused = [(r.method, r.path, r.status, r.json) for r in fake.requests if r.status is not None and r.status >= 400]
    assert refused == []
    assert fake.pinging_messages() == []


@pytest_asyncio.fixture
async def bot(fake: FakeDiscord, clean_env: Path) -> AsyncIterator[NewsBot]:
    settings = load_settings(data_dir=clean_env, ask_cooldown_rate=1000, allow_private_urls=True)  # the page below
    running = await start_newsbot(fake, settings)
    running.service.add_many(hostile_articles(), actor="test", server=fake.guild_id)
    yield running
    await stop_newsbot(fake, running)


async def first_reply(ix: FakeInteraction) -> BotReply:
    callback = await ix.callback()
    return callback if callback.content or callback.embeds else await ix.followup(timeout=15)


@pytest.mark.asyncio
async def test_an_answer_its_buttons_and_a_mention_fit_and_stay_text(fake: FakeDiscord, bot: NewsBot) -> None:
    allowed = targets(hostile_articles())
    answer = await first_reply(await fake.slash("ask", {"question": "How many times did the zebra council vote?"}))
    assert len(answer.content) <= 2000 and answer.content.startswith("> The zebra council voted")
    assert_clean(answer, allowed)
    assert [b["label"] for b in answer.components[0]["components"]] == ["Helpful", "Not helpful", "Context"]
    context = await fake.click(answer, answer.button("Context")["custom_id"])
    await context.callback()
    shown = await context.followup(timeout=15)
    assert shown.ephemeral and len(shown.content) <= 2000 and "zebra" in shown.content
    assert_clean(shown, allowed)
    vote = await fake.click(answer, answer.button("Not helpful")["custom_id"], user=fake.member)
    assert (await vote.answer()).content == "Thanks: your vote (not helpful) is counted."

    question = await fake.send_message("What did the zebra council say about the vote?", mentions_bot=True)
    said = await fake.wait_for_bot_message(after=question, timeout=15)
    assert said["content"].startswith("> The council said") and len(said["content"]) <= 2000
    assert_discord_took_everything(fake)


@pytest.mark.asyncio
async def test_timeline_sources_and_compare_of_thirty_hostile_outlets_fit(fake: FakeDiscord, bot: NewsBot) -> None:
    allowed = targets(hostile_articles())
    timeline = await first_reply(await fake.slash("timeline", {"topic": "zebra council"}))
    assert timeline.embeds[0]["footer"]["text"] == "Page 1 of 3"
    assert_clean(timeline, allowed)
    turned = await fake.click(timeline, timeline.button("Next")["custom_id"])
    page = await turned.answer()
    assert page.embeds[0]["footer"]["text"] == "Page 2 of 3"
    assert_clean(page, allowed)

    outlet = (f"07 {MARKUP} " * 3)[:100].strip()
    mine = await first_reply(await fake.slash("timeline", {"topic": "zebra " + "council " * 20, "outlet": outlet}))
    assert "zebra" in mine.embeds[0]["description"]
    assert_clean(mine, allowed)

    sources = await first_reply(await fake.slash("sources", {"topic": "zebra council"}))
    assert len(sources.embeds[0]["description"]) <= 4096
    assert_clean(sources, allowed)

    compared = await first_reply(await fake.slash("compare", {"topic": "zebra council"}))
    embed = compared.embeds[0]
    shown = len(embed["fields"])  # as many of the nine as fit 6,000 characters with their headlines
    assert 1 < shown <= 9 and embed["footer"]["text"].startswith(f"… and {OUTLETS - shown} more outlets")
    assert_clean(compared, allowed)
    assert_discord_took_everything(fake)


@pytest.mark.asyncio
async def test_choices_of_hostile_outlets_and_headlines_fit(fake: FakeDiscord, bot: NewsBot) -> None:
    outlets = await (await fake.autocomplete("timeline", {"outlet": ""}, focused="outlet")).choices()
    assert len(outlets) == 25 and all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in outlets)
    articles = await (await fake.autocomplete("corpus remove", {"article": "zebra"}, focused="article")).choices()
    assert len(articles) == 25 and all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in articles)
    assert articles[0]["name"].endswith("…")
    assert_discord_took_everything(fake)


@pytest.mark.asyncio
async def test_the_moderators_listings_of_hostile_articles_fit(fake: FakeDiscord, bot: NewsBot) -> None:
    allowed = targets(hostile_articles())
    await first_reply(await fake.slash("ask", {"question": f"Why did {MARKUP} resign?"}))  # a gap is kept
    answer = await first_reply(await fake.slash("ask", {"question": "What did the zebra council vote?"}))
    vote = await fake.click(answer, answer.button("Not helpful")["custom_id"])
    await vote.answer()
    for command in ("corpus list", "corpus log", "corpus gaps", "corpus feedback"):
        reply = await first_reply(await fake.slash(command, {}))
        assert reply.ephemeral and reply.embeds, command
        assert_clean(reply, allowed)
    gaps = (await first_reply(await fake.slash("corpus gaps", {}))).embeds[0]["description"]
    assert "\\*\\*Zebra\\*\\*" in gaps  # the hostile question is listed, as text
    assert_discord_took_everything(fake)


def test_every_hostile_article_is_stored_whole() -> None:
    articles = hostile_articles()
    assert {len(a.title) for a in articles} == {500} and {len(a.source) for a in articles} <= {99, 100}
    assert len({a.source for a in articles}) == OUTLETS and min(len(a.url or "") for a in articles) > 2000


@pytest_asyncio.fixture
async def hostile_page() -> AsyncIterator[str]:
    """A news page on loopback whose headline, outlet, author and text are full of markup: its address."""
    title = html.escape((f"Zebra council {MARKUP} " * 5)[:400].strip())
    text = html.escape(f"The zebra council voted {MARKUP} on Monday, its clerk said. " * 30)
    page = (
        f'<!doctype html><html><head><meta charset="utf-8"><meta property="og:title" content="{title}">'
        f'<meta property="og:site_name" content="{html.escape(MARKUP)}"><meta name="author" content="{html.escape(MARKUP)}">'
        f'<meta property="article:published_time" content="2021-03-04T09:00:00Z"></head><body><article><h1>{title}</h1>'
        f"<p>{text}</p><p>{text}</p></article></body></html>"
    )

    async with web_site({"/news/zebra": html_page(page)}) as base:
        yield f"{base}/news/zebra"


@pytest.mark.asyncio
async def test_a_preview_of_a_hostile_page_and_its_confirmation_stay_text(
    fake: FakeDiscord, bot: NewsBot, hostile_page: str
) -> None:
    ix = await fake.slash("corpus add", {"url": hostile_page})
    await ix.callback()
    preview = await ix.followup(timeout=15)
    embed = preview.embeds[0]
    assert len(embed["title"]) == 256 and embed["title"].startswith("Zebra council \\*\\*Zebra\\*\\* \\@everyone")
    assert embed["url"] == hostile_page
    assert_clean(preview, {hostile_page})
    done = await (await fake.click(preview, preview.button("Confirm")["custom_id"])).answer()
    assert done.content.startswith("Added `zebra-council-zebra-everyone-here-1-1-x-") and len(done.content) <= 2000
    assert_clean(done, set())
    assert_discord_took_everything(fake)


@pytest.mark.asyncio
async def test_an_error_reply_escapes_what_the_user_typed(fake: FakeDiscord, bot: NewsBot) -> None:
    reply = await (await fake.slash("corpus remove", {"article": "**x** <@1> [a](https://evil.example)"})).answer()
    assert reply.ephemeral
    assert reply.content == (
        "no article has the id '\\*\\*x\\*\\* \\<\\@1\\> \\[a\\]\\(https\\://evil.example\\)' \\(see `newsbot list`\\)"
    )
    assert constructs(reply.content) == [("code", "`newsbot list`")]
    assert_discord_took_everything(fake)
