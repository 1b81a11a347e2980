"""newsbot in Discord, end to end: the real discord.py client, built as `newsbot run` builds it, against the
local fake Discord of tests/fakediscord.py."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.fakediscord import (
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    MODAL,
    UPDATE_MESSAGE,
    FakeDiscord,
    FakeFile,
)
from tests.helpers import html_page, start_newsbot, stop_newsbot, web_site

# isort: split
from bot.core.config import Settings, load_settings
from bot.discord_app.client import NewsBot
from bot.discord_app.timeline import QUICK_EDIT
from bot.present.style import escape_markdown
from bot.storage.store import Store

FIRST = escape_markdown("Amazon.com Inc. pitched its facial-recognition system in the summer")
NO_PINGS = {"parse": [], "replied_user": False}
FOLLOWUP_WAIT = 120.0  # seconds a test waits for slow work's followup on a loaded machine (Discord allows 15 min)


def settings_for(data_dir: Path, **extra: Any) -> Settings:
    return load_settings(data_dir=data_dir, ask_cooldown_rate=100, **extra)


start = start_newsbot
stop = stop_newsbot


@pytest_asyncio.fixture
async def bot(fake: FakeDiscord, clean_env: Path) -> AsyncIterator[NewsBot]:
    running = await start(fake, settings_for(clean_env))
    yield running
    await stop(fake, running)


def article_file(**fields: Any) -> FakeFile:
    article = {
        "title": "Rekognition pilot ends in Orlando",
        "source": "Orlando Sentinel",
        "date": "2019-07-18",
    }
    article.update(fields)
    return FakeFile("story.json", json.dumps(article).encode())


@pytest.mark.asyncio
async def test_a_mention_gets_a_reply_with_a_quote_and_its_attribution(fake: FakeDiscord, bot: NewsBot) -> None:
    sent = await fake.send_message("What did Amazon pitch to ICE?", mentions_bot=True)
    reply = await fake.wait_for_bot_message(after=sent)
    assert reply["message_reference"]["message_id"] == sent["id"]
    lines = reply["content"].splitlines()
    assert lines[0].startswith("> " + FIRST)
    assert lines[1] == (
        "— **Washington Post**, 23 Oct 2018 (also in LA Times) · *Amazon met with ICE officials over "
        "facial\\-recognition system that could identify immigrants*"
    )
    request = fake.requests_to("POST", "/channels/*/messages")[-1]
    assert request.json["allowed_mentions"] == NO_PINGS


@pytest.mark.asyncio
async def test_a_bare_mention_gets_help(fake: FakeDiscord, bot: NewsBot) -> None:
    sent = await fake.send_message("", mentions_bot=True)
    reply = await fake.wait_for_bot_message(after=sent)
    assert reply["content"].startswith("Ask me about the coverage")


@pytest.mark.asyncio
async def test_ask_is_deferred_then_followed_up(fake: FakeDiscord, bot: NewsBot) -> None:
    ix = await fake.slash("ask", {"question": "When did Amazon ban police use of its face recognition?"})
    first = await ix.callback()
    assert first.type == DEFERRED_CHANNEL_MESSAGE and not first.ephemeral
    followup = await ix.followup()
    assert followup.content.splitlines()[:2] == [
        "**Headlines on this**",
        "• *Amazon bans police use of its face recognition for a year* — Associated Press, 10 Jun 2020 "
        "(also in The Hindu)",
    ]
    assert followup.allowed_mentions == {"parse": []}


@pytest.mark.asyncio
async def test_questions_are_acknowledged_at_once_and_answered_two_at_a_time_off_the_loop(
    fake: FakeDiscord, bot: NewsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answers run in the bot's own two answering threads: five questions at once are all acknowledged while
    the answers are held up, at most two are answered at a time, never on the event loop's thread."""
    import threading

    release = threading.Event()
    lock = threading.Lock()
    running: list[str] = []
    threads: set[str] = set()
    most = 0
    ask = bot.service.ask

    def held_ask(question: str, **kwargs: Any) -> Any:
        nonlocal most
        with lock:
            running.append(question)
            threads.add(threading.current_thread().name)
            most = max(most, len(running))
        try:
            assert release.wait(30)
            return ask(question, **kwargs)
        finally:
            with lock:
                running.remove(question)

    monkeypatch.setattr(bot.service, "ask", held_ask)
    asked = [await fake.slash("ask", {"question": "What did Amazon pitch to ICE?"}) for _ in range(5)]
    acks = [await ix.callback() for ix in asked]  # all five, while no answer can finish
    assert [a.type for a in acks] == [DEFERRED_CHANNEL_MESSAGE] * 5
    for _ in range(100):
        if most == 2:
            break
        await asyncio.sleep(0.05)
    release.set()
    followups = [await ix.followup() for ix in asked]
    assert all(f.content.startswith("> " + FIRST) for f in followups)
    assert most == 2 and threads and all(name.startswith("newsbot-answer") for name in threads)


@pytest.mark.asyncio
async def test_ask_off_topic_says_what_the_coverage_covers(fake: FakeDiscord, bot: NewsBot) -> None:
    ix = await fake.slash("ask", {"question": "Who won the 2022 World Cup?"})
    text = (await ix.followup()).content
    assert text.startswith("The coverage doesn't say. No sentence in its 31 articles from Oct 2017 to 28 Jan 2025 by")
    assert "`/timeline`" in text


@pytest.mark.asyncio
async def test_ask_stopwords_only_is_an_ephemeral_error(fake: FakeDiscord, bot: NewsBot) -> None:
    ix = await fake.slash("ask", {"question": "what is the"})
    await ix.callback()
    followup = await ix.followup()
    assert followup.content.startswith("'what is the' has no word to search for")


@pytest.mark.asyncio
async def test_asking_too_fast_gets_a_friendly_ephemeral_note(fake: FakeDiscord, clean_env: Path) -> None:
    running = await start(fake, load_settings(data_dir=clean_env, ask_cooldown_rate=1, ask_cooldown_per=60))
    try:
        first = await fake.slash("ask", {"question": "What did Amazon pitch to ICE?"})
        await first.followup()
        second = await fake.slash("ask", {"question": "What did Amazon pitch to ICE?"})
        reply = await second.callback()
        assert reply.ephemeral and reply.content.startswith("You're asking quickly: try again in")
        other = await fake.slash("ask", {"question": "What did Amazon pitch to ICE?"}, user=fake.member)
        assert (await other.callback()).type == DEFERRED_CHANNEL_MESSAGE
    finally:
        await stop(fake, running)


@pytest.mark.asyncio
async def test_timeline_pages_with_buttons_only_for_the_asker(fake: FakeDiscord, bot: NewsBot) -> None:
    ix = await fake.slash("timeline", {})
    await ix.callback()
    # The first chart of a process imports matplotlib (1.6 s of CPU): at load 15-21 on 2 cores its followup came
    # 5-20 s after the defer, which Discord allows (a token lasts 15 minutes), so the wait is Discord's, not 5 s.
    page = await ix.followup(timeout=FOLLOWUP_WAIT)
    embed = page.embeds[0]
    assert embed["footer"]["text"] == "Page 1 of 4"
    lines = embed["description"].splitlines()
    assert lines[0] == "**Timeline of the coverage** (31 articles) · page 1/4"
    assert len(lines) == 11 and lines[1].startswith("`Oct 2017` **Slate** · [Airport Face Scans")
    assert [page.button("Previous")["disabled"], page.button("Next")["disabled"]] == [True, False]

    assert [a["filename"] for a in page.attachments] == ["timeline.png"]
    assert embed["image"]["url"] == "attachment://timeline.png"
    assert fake.attachment_bytes(page.attachments[0])[:8] == b"\x89PNG\r\n\x1a\n"

    stranger = await fake.click(page, page.button("Next")["custom_id"], user=fake.member)
    refused = await stranger.callback()
    assert refused.ephemeral and refused.content.startswith("Only the person who asked")

    click = await fake.click(page, page.button("Next")["custom_id"])
    turned = await click.callback()
    assert turned.type == UPDATE_MESSAGE
    assert turned.embeds[0]["footer"]["text"] == "Page 2 of 4"
    previous = await fake.click(turned.message_id or page.message_id or 0, turned.button("Previous")["custom_id"])
    back = await previous.callback()
    assert back.embeds[0]["footer"]["text"] == "Page 1 of 4"


@pytest.mark.asyncio
async def test_a_slow_page_turn_is_acknowledged_at_once_then_edited(
    fake: FakeDiscord, bot: NewsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ix = await fake.slash("timeline", {})
    await ix.callback()
    page = await ix.followup(timeout=FOLLOWUP_WAIT)
    timeline = bot.service.timeline

    def slow_timeline(*args: Any, **kwargs: Any) -> Any:
        time.sleep(QUICK_EDIT + 1.0)  # a store busy for longer than a quick edit may take
        return timeline(*args, **kwargs)

    monkeypatch.setattr(bot.service, "timeline", slow_timeline)
    click = await fake.click(page, page.button("Next")["custom_id"])
    acknowledged = await click.callback()
    assert acknowledged.type == DEFERRED_UPDATE_MESSAGE  # acknowledged within Discord's 3 s, nothing changed yet
    edit = await click.edit(timeout=FOLLOWUP_WAIT)
    assert edit.message_id == page.message_id
    assert edit.embeds[0]["description"].splitlines()[0] == "**Timeline of the coverage** (31 articles) · page 2/4"
    assert edit.embeds[0]["footer"]["text"] == "Page 2 of 4"


@pytest.mark.asyncio
async def test_timeline_filters_and_outlet_autocomplete(fake: FakeDiscord, bot: NewsBot) -> None:
    ix = await fake.slash("timeline", {"topic": "Microsoft", "since": "2020"})
    await ix.callback()
    embed = (await ix.followup()).embeds[0]
    assert embed["description"].splitlines()[0] == "**Timeline of the coverage on Microsoft** (3 articles, since 2020)"
    choices = await (await fake.autocomplete("timeline", {"outlet": "associ"}, focused="outlet")).choices()
    assert [c["name"] for c in choices] == ["Associated Press"]
    bad = await fake.slash("timeline", {"since": "2019-13"})
    await bad.callback()
    assert (await bad.followup()).content == "since: '2019\\-13': there is no month 13"  # shown as typed


@pytest.mark.asyncio
async def test_a_moderator_adds_a_file_answerable_at_once_and_after_a_restart(
    fake: FakeDiscord, clean_env: Path
) -> None:
    running = await start(fake, settings_for(clean_env))
    body = "Orlando police ended their second pilot of Amazon's Rekognition software on Thursday."
    ix = await fake.slash("corpus add", {"file": article_file(body=body)})
    await ix.callback()
    confirmation = await ix.followup()
    assert confirmation.ephemeral
    assert confirmation.content.startswith("Added `rekognition-pilot-ends-in-orlando-")
    asked = await fake.slash("ask", {"question": "Did Orlando police end the Rekognition pilot?"})
    assert (await asked.followup()).content.startswith("> Orlando police ended their second pilot")
    await stop(fake, running)

    again = await start(fake, settings_for(clean_env))
    try:
        sent = await fake.send_message("Did Orlando police end the Rekognition pilot?", mentions_bot=True)
        reply = await fake.wait_for_bot_message(after=sent)
        assert reply["content"].startswith("> Orlando police ended their second pilot")
        store = Store(clean_env / "newsbot.sqlite3")
        change = store.changes(limit=1)[0]
        store.close()
        assert (change.action, change.actor) == ("add", f"discord:{fake.owner.id} ({fake.owner.username})")
    finally:
        await stop(fake, again)


@pytest.mark.asyncio
async def test_a_non_moderator_is_refused_and_nothing_changes(fake: FakeDiscord, bot: NewsBot) -> None:
    before = bot.service.version()
    ix = await fake.slash("corpus add", {"file": article_file(body="Some text here.")}, user=fake.member)
    reply = await ix.callback()
    assert reply.ephemeral
    assert reply.content.startswith("only moderators can change the corpus")
    removal = await fake.slash(
        "corpus remove", {"article": "amazon-met-with-ice-officials-over-173ada"}, user=fake.member
    )
    assert (await removal.answer()).content.startswith("only moderators")
    assert bot.service.version() == before and bot.service.count() == 31


@pytest.mark.asyncio
async def test_a_moderator_role_from_the_settings_may_change_the_corpus(fake: FakeDiscord, clean_env: Path) -> None:
    role = fake.add_role("Editors")
    fake.give_role(fake.member, role)
    running = await start(fake, settings_for(clean_env, moderator_role_ids=[role.id]))
    try:
        ix = await fake.slash("corpus add", {"file": article_file(body="Editors may add.")}, user=fake.member)
        await ix.callback()
        assert (await ix.followup()).content.startswith("Added `")
    finally:
        await stop(fake, running)


@pytest.mark.asyncio
async def test_add_with_the_form(fake: FakeDiscord, bot: NewsBot) -> None:
    ix = await fake.slash("corpus add", {})
    modal = await ix.callback()
    assert modal.type == MODAL
    assert modal.payload["title"] == "Add an article"
    submitted = await fake.submit_modal(modal, _modal_values(modal))
    reply = await submitted.answer()
    assert reply.ephemeral and reply.content.startswith("Added `portland-bans-facial-recognition-")
    answer = bot.service.ask("Did Portland ban facial recognition?", server=fake.guild_id)
    assert answer.quotes[0].source == "Oregon Public Broadcasting" and answer.quotes[0].date == "2020-09"


def _text_inputs(component: dict[str, Any]) -> list[str]:
    if component.get("type") == 4:
        return [component["custom_id"]]
    children = component.get("components", []) + ([component["component"]] if "component" in component else [])
    return [cid for child in children for cid in _text_inputs(child)]


def _modal_values(modal: Any) -> dict[str, str]:
    ids = [cid for row in modal.payload["components"] for cid in _text_inputs(row)]
    values = [
        "Portland bans facial recognition",
        "Oregon Public Broadcasting",
        "2020-09",
        "",
        "Portland banned private and public use of facial recognition. It was a first.",
    ]
    return dict(zip(ids, values, strict=True))


@pytest.mark.asyncio
async def test_a_bad_form_is_refused_and_changes_nothing(fake: FakeDiscord, bot: NewsBot) -> None:
    before = bot.service.version()
    modal = await (await fake.slash("corpus add", {})).callback()
    values = _modal_values(modal)
    date_field = list(values)[2]
    values[date_field] = "2020-02-30"
    reply = await (await fake.submit_modal(modal, values)).answer()
    assert reply.ephemeral
    assert reply.content == "Nothing was added: the form: field 'date': '2020\\-02\\-30': Feb 2020 has no day 30"
    assert bot.service.version() == before


@pytest.mark.asyncio
async def test_remove_with_autocomplete(fake: FakeDiscord, bot: NewsBot) -> None:
    choices = await (await fake.autocomplete("corpus remove", {"article": "burglars"}, focused="article")).choices()
    assert [c["name"] for c in choices] == [
        "Amazon may want to identify burglars with facial recognition tech — CNN, 30 Nov 2018"
    ]
    ix = await fake.slash("corpus remove", {"article": choices[0]["value"]})
    reply = await ix.answer()
    assert reply.ephemeral and reply.content.startswith(f"Removed `{choices[0]['value']}`")
    assert bot.service.count(server=fake.guild_id) == 30


@pytest.mark.asyncio
async def test_list_and_stats_are_ephemeral(fake: FakeDiscord, bot: NewsBot) -> None:
    listing = await (await fake.slash("corpus list", {})).answer()
    assert listing.ephemeral and listing.embeds[0]["title"] == "31 articles, newest first"
    stats = await (await fake.slash("corpus stats", {})).answer()
    assert stats.ephemeral and stats.content.startswith("**31** articles (2 with text, 29 headlines only)")


@pytest.mark.asyncio
async def test_quoted_text_never_pings_or_breaks_the_layout(fake: FakeDiscord, bot: NewsBot) -> None:
    body = "Hey @everyone and <@&123> look: **the zebra council** voted `rm -rf` [here](https://evil.example)."
    ix = await fake.slash("corpus add", {"file": article_file(title="Zebra council votes", body=body)})
    await ix.callback()
    await ix.followup()
    asked = await fake.slash("ask", {"question": "What did the zebra council vote?"})
    reply = await asked.followup()
    first = reply.content.splitlines()[0]
    assert first == (
        "> Hey \\@everyone and \\<\\@&123\\> look: \\*\\*the zebra council\\*\\* voted \\`rm \\-rf\\` "
        "\\[here\\]\\(https\\://evil.example\\)."
    )
    assert reply.allowed_mentions == {"parse": []}


@pytest.mark.asyncio
async def test_a_5000_character_sentence_still_fits(fake: FakeDiscord, bot: NewsBot) -> None:
    sentence = "The walrus inquiry " + " ".join(["heard testimony about walrus tusks"] * 150) + "."
    assert len(sentence) > 5000
    ix = await fake.slash("corpus add", {"file": article_file(title="Walrus inquiry", body=sentence)})
    await ix.callback()
    await ix.followup()
    asked = await fake.slash("ask", {"question": "What did the walrus inquiry hear?"})
    reply = await asked.followup()
    assert len(reply.content) <= 2000
    quoted = reply.content.splitlines()[0].removeprefix("> ")
    assert quoted.endswith("…") and sentence.startswith(quoted[:-1].rstrip())
    assert reply.content.splitlines()[1].startswith("— **Orlando Sentinel**, 18 Jul 2019 · *Walrus inquiry*")


@pytest.mark.asyncio
async def test_a_429_is_retried(fake: FakeDiscord, bot: NewsBot) -> None:
    fake.rate_limit("POST", "/channels/*/messages", count=1, retry_after=0.05)
    sent = await fake.send_message("What did Amazon pitch to ICE?", mentions_bot=True)
    reply = await fake.wait_for_bot_message(after=sent, timeout=10)
    assert reply["content"].startswith("> " + FIRST)
    statuses = [r.status for r in fake.requests_to("POST", "/channels/*/messages")]
    assert statuses[-2:] == [429, 200]


@pytest.mark.asyncio
async def test_after_a_gateway_reconnect_the_bot_still_answers(fake: FakeDiscord, bot: NewsBot) -> None:
    await fake.reconnect()
    assert fake.resume_count == 1
    sent = await fake.send_message("Who wrote Bezos a letter?", mentions_bot=True)
    reply = await fake.wait_for_bot_message(after=sent)
    assert reply["content"].startswith("> Hundreds of anonymous Amazon workers wrote Bezos a letter")


@pytest.mark.asyncio
async def test_the_moderator_commands_are_hidden_by_default_permissions(fake: FakeDiscord, clean_env: Path) -> None:
    running = await start(fake, settings_for(clean_env, dev_guild_id=fake.guild_id))
    try:
        commands = {c["name"]: c for c in fake.registered_commands(fake.guild_id)}
        assert set(commands) == {"ask", "timeline", "sources", "compare", "corpus", "feeds", "help"}
        assert commands["help"]["default_member_permissions"] is None
        assert commands["corpus"]["default_member_permissions"] == str(1 << 13)
        assert commands["ask"]["default_member_permissions"] is None
        assert fake.registered_commands() == []  # nothing synced globally on start
    finally:
        await stop(fake, running)


@pytest.mark.asyncio
async def test_the_event_loop_is_not_blocked_by_answers(fake: FakeDiscord, bot: NewsBot) -> None:
    async def ask(i: int) -> str:
        ix = await fake.slash("ask", {"question": "What did Amazon pitch to ICE?"})
        return (await ix.followup(timeout=20)).content

    replies = await asyncio.gather(*(ask(i) for i in range(20)))
    assert all(r.startswith("> " + FIRST) for r in replies)


@pytest.mark.asyncio
async def test_newsbot_run_answers_and_stops_cleanly_on_sigterm(
    fake: FakeDiscord, clean_env: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging
    import os
    import signal
    import time

    from bot.discord_app.client import _run
    from bot.service import NewsService

    caplog.set_level(logging.DEBUG)
    settings = load_settings(data_dir=clean_env, discord_token=fake.token)
    runner = asyncio.create_task(_run(settings))
    await fake.wait_for(lambda: fake.connected, timeout=10, description="the bot to connect")
    await fake.wait_for(lambda: fake.identify_payloads, timeout=10, description="IDENTIFY")
    await asyncio.sleep(0.2)  # READY and GUILD_CREATE are processed
    sent = await fake.send_message("What did Amazon pitch to ICE?", mentions_bot=True)
    reply = await fake.wait_for_bot_message(after=sent, timeout=10)
    assert reply["content"].startswith("> " + FIRST)
    assert fake.identify_payloads[-1]["token"] == fake.token
    await asyncio.sleep(0.3)  # let the echo of the reply arrive before shutting down

    slow_ask = NewsService.ask

    def slow(self: NewsService, question: str, **scope: Any) -> Any:
        time.sleep(1.0)  # a question still being answered when SIGTERM comes
        return slow_ask(self, question, **scope)

    monkeypatch.setattr(NewsService, "ask", slow)
    in_flight = await fake.slash("ask", {"question": "Who wrote Bezos a letter?"})
    await in_flight.callback()
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.sleep(0.1)  # the loop runs the signal handler
    late = await fake.send_message("Who wrote Bezos a letter?", mentions_bot=True)
    turned_away = await fake.wait_for_bot_message(after=late, timeout=10)
    assert turned_away["content"] == "newsbot is restarting: ask again in a minute."
    finished = await in_flight.followup(timeout=10)
    assert finished.content.startswith("> Hundreds of anonymous Amazon workers wrote Bezos a letter")
    await asyncio.wait_for(runner, timeout=15)
    assert runner.exception() is None
    assert fake.token not in caplog.text  # the token is never logged, even at DEBUG
    assert "answer guild=" in caplog.text and "command=mention answered=True" in caplog.text


@pytest.mark.asyncio
async def test_newsbot_sync_registers_commands_in_a_guild(fake: FakeDiscord, clean_env: Path) -> None:
    from bot.discord_app.client import _sync

    names = await _sync(load_settings(data_dir=clean_env, discord_token=fake.token), fake.guild_id)
    assert sorted(names) == ["ask", "compare", "corpus", "feeds", "help", "sources", "timeline"]
    registered = {c["name"]: c for c in fake.registered_commands(fake.guild_id)}
    assert {o["name"] for o in registered["corpus"]["options"]} == {
        "add",
        "remove",
        "list",
        "stats",
        "log",
        "gaps",
        "feedback",
    }
    assert fake.registered_commands() == []
    from bot.ops.maintenance import doctor

    checks = {c.name: c for c in doctor(load_settings(data_dir=clean_env, discord_token="t"), None)}
    assert checks["corpus"].ok
    store = Store(clean_env / "newsbot.sqlite3")
    assert store.get_meta("commands_synced_to") == f"guild {fake.guild_id}"
    store.close()


def test_run_without_a_token_is_a_clear_error(clean_env: Path) -> None:
    from click.testing import CliRunner

    from bot.cli.main import cli

    result = CliRunner().invoke(cli, ["run"])
    assert result.exit_code == 1
    assert result.stderr == (
        "newsbot: error: DISCORD_TOKEN is not set: put the bot's token in the environment (see the README)\n"
    )


@pytest.mark.asyncio
async def test_sources_lists_the_associated_press_first(fake: FakeDiscord, bot: NewsBot) -> None:
    ix = await fake.slash("sources", {})
    await ix.callback()
    lines = (await ix.followup()).embeds[0]["description"].splitlines()
    assert lines[0] == "**Who covered it** (31 articles, 13 outlets)"
    assert lines[1] == (
        "• **Associated Press**: 6 articles, 25 Jan 2019 to 2 May 2024; first: "
        "*Researchers say Amazon face\\-detection technology shows bias*"
    )


PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta property="og:site_name" content="The Harbour Gazette"><meta property="og:title" content="Council votes to ban face scans">
<meta property="article:published_time" content="2021-03-04T09:00:00Z"></head><body><article>
<h1>Council votes to ban face scans</h1>
<p>The harbour council voted on Thursday to ban the use of face scanning cameras by city departments.</p>
<p>The ban passed by seven votes to two after a debate that lasted more than four hours, council records show.</p>
</article></body></html>"""


@pytest_asyncio.fixture
async def news_site() -> AsyncIterator[str]:
    async with web_site({"/news/face-scans": html_page(PAGE)}) as base:
        yield f"{base}/news/face-scans"


@pytest.mark.asyncio
async def test_add_by_url_previews_then_stores_on_confirm(fake: FakeDiscord, clean_env: Path, news_site: str) -> None:
    running = await start(fake, settings_for(clean_env, allow_private_urls=True))
    try:
        before = running.service.count(server=fake.guild_id)
        ix = await fake.slash("corpus add", {"url": news_site, "outlet": "Gazette"})
        assert (await ix.callback()).ephemeral
        # The page is extracted in a process spawned for it (bot.intake.worker), which imports the extractor: at
        # load 19-21 the preview came more than 5 s after the defer (Discord allows 15 minutes).
        preview = await ix.followup(timeout=FOLLOWUP_WAIT)
        assert preview.content == "Add this article?"
        embed = preview.embeds[0]
        assert (embed["title"], embed["url"]) == ("Council votes to ban face scans", news_site)
        assert [f["value"] for f in embed["fields"][:2]] == ["Gazette", "4 Mar 2021"]
        assert running.service.count(server=fake.guild_id) == before  # nothing stored before the moderator confirms

        stranger = await fake.click(preview, preview.custom_ids()[0], user=fake.member)
        assert (await stranger.callback()).content == "This preview is not yours."

        confirm = await fake.click(preview, preview.custom_ids()[0])
        done = await confirm.answer(timeout=FOLLOWUP_WAIT)
        assert done.content.startswith("Added `council-votes-to-ban-face-scans-")
        assert running.service.count(server=fake.guild_id) == before + 1
        answer = running.service.ask("How did the harbour council vote on face scanning cameras?", server=fake.guild_id)
        assert (answer.quotes[0].source, answer.quotes[0].url) == ("Gazette", news_site)
    finally:
        await stop(fake, running)


@pytest.mark.asyncio
async def test_add_by_url_cancelled_stores_nothing(fake: FakeDiscord, clean_env: Path, news_site: str) -> None:
    running = await start(fake, settings_for(clean_env, allow_private_urls=True))
    try:
        before = running.service.version()
        ix = await fake.slash("corpus add", {"url": news_site})
        await ix.callback()
        preview = await ix.followup()
        cancel = await fake.click(preview, preview.custom_ids()[1])
        assert (await cancel.answer()).content == "Cancelled: nothing was added."
        assert running.service.version() == before
    finally:
        await stop(fake, running)


@pytest.mark.asyncio
async def test_add_by_url_refuses_private_addresses_by_default(fake: FakeDiscord, bot: NewsBot, news_site: str) -> None:
    before = bot.service.version()
    ix = await fake.slash("corpus add", {"url": news_site})
    await ix.callback()
    reply = await ix.followup()
    assert reply.ephemeral and "127.0.0.1" in reply.content and "loopback" in reply.content
    assert bot.service.version() == before


@pytest.mark.asyncio
async def test_an_attachment_over_the_limit_is_refused(fake: FakeDiscord, clean_env: Path) -> None:
    running = await start(fake, settings_for(clean_env, max_attachment_bytes=10_000))
    try:
        before = running.service.version()
        big = FakeFile("story.json", json.dumps({"title": "Big", "source": "Wire", "body": "x " * 10_000}).encode())
        ix = await fake.slash("corpus add", {"file": big})
        reply = await ix.callback()
        assert reply.ephemeral and reply.content == "story.json: the file is 20 KB; the limit is 10 KB"
        assert running.service.version() == before
    finally:
        await stop(fake, running)
