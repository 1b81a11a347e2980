"""newsbot keeps Discord's rules whatever the store, the index and the articles do: every interaction is
acknowledged within 3 s (the fake refuses a later one, as Discord does), errors are private, and any article
content fits Discord's limits."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.fakediscord import DEFERRED_CHANNEL_MESSAGE, MODAL, FakeDiscord, FakeFile
from tests.helpers import html_page, start_newsbot, stop_newsbot, web_site

# isort: split
from bot.core.config import Settings, load_settings
from bot.discord_app.client import NewsBot

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta property="og:site_name" content="The Harbour Gazette"><meta property="og:title" content="Council votes to ban face scans">
<meta property="article:published_time" content="2021-03-04T09:00:00Z"></head><body><article>
<h1>Council votes to ban face scans</h1>
<p>The harbour council voted on Thursday to ban the use of face scanning cameras by city departments.</p>
<p>The ban passed by seven votes to two after a debate that lasted more than four hours, council records show.</p>
</article></body></html>"""


def settings_for(data_dir: Path, **extra: Any) -> Settings:
    return load_settings(data_dir=data_dir, ask_cooldown_rate=100, **extra)


@pytest_asyncio.fixture
async def bot(fake: FakeDiscord, clean_env: Path) -> AsyncIterator[NewsBot]:
    running = await start_newsbot(fake, settings_for(clean_env, allow_private_urls=True))
    yield running
    await stop_newsbot(fake, running)


@pytest_asyncio.fixture
async def long_redirect() -> AsyncIterator[tuple[str, str]]:
    """A page reached through a redirect to an address of 2,100 characters: (the link, where it lands)."""
    from aiohttp import web

    async def go(request: web.Request) -> web.Response:
        raise web.HTTPFound("/news/face-scans?utm_campaign=" + "x" * 2100)

    async with web_site({"/news/face-scans": html_page(PAGE), "/go": go}) as base:
        yield f"{base}/go", f"{base}/news/face-scans?utm_campaign=" + "x" * 2100


@pytest.mark.asyncio
async def test_a_preview_of_a_page_with_a_very_long_address_is_shown(
    fake: FakeDiscord, bot: NewsBot, long_redirect: tuple[str, str]
) -> None:
    link, landed = long_redirect
    ix = await fake.slash("corpus add", {"url": link})
    assert (await ix.callback()).ephemeral
    preview = await ix.followup()
    assert preview.content == "Add this article?", preview.content
    embed = preview.embeds[0]
    assert embed["title"] == "Council votes to ban face scans" and "url" not in embed
    address = next(f["value"] for f in embed["fields"] if f["name"] == "Address")
    shown = re.sub(r"\\(.)", r"\1", address)  # escaped: an address is article data, and a field shows markdown
    assert len(shown) == 200 and shown.endswith("…") and landed.startswith(shown[:-1])


# ------------------------------------------------------------------ acknowledgements while the store is busy


class WriteLock:
    """Another connection (as another process would: a command-line import, a backup) holding SQLite's write
    lock on the bot's database for 5 s from :meth:`take`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.held = threading.Event()
        self._thread: threading.Thread | None = None

    def _hold(self) -> None:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            self.held.set()
            time.sleep(5)
            db.execute("ROLLBACK")
        finally:
            db.close()

    def take(self) -> None:
        assert self.path.exists(), self.path
        self._thread = threading.Thread(target=self._hold, daemon=True)
        self._thread.start()
        assert self.held.wait(10), "could not take the write lock"

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join(15)


@pytest.fixture
def write_lock(clean_env: Path) -> Iterator[WriteLock]:
    lock = WriteLock(load_settings(data_dir=clean_env).database_path)
    yield lock
    lock.join()


def article_file(**fields: Any) -> FakeFile:
    article = {"title": "Rekognition pilot ends in Orlando", "source": "Orlando Sentinel", "date": "2019-07-18"}
    article.update(fields)
    return FakeFile("story.json", json.dumps(article).encode())


@pytest.mark.asyncio
async def test_remove_is_acknowledged_at_once_while_another_process_holds_the_write_lock(
    fake: FakeDiscord, bot: NewsBot, write_lock: WriteLock
) -> None:
    write_lock.take()
    ix = await fake.slash("corpus remove", {"article": "amazon-met-with-ice-officials-over-173ada"})
    first = await ix.callback()  # within Discord's 3 s, or InteractionFailed
    assert first.type == DEFERRED_CHANNEL_MESSAGE and first.ephemeral
    reply = await ix.followup(timeout=15)  # once the other process lets go
    assert reply.ephemeral and reply.content.startswith("Removed `amazon-met-with-ice-officials-over-173ada`")


@pytest.mark.asyncio
async def test_list_and_stats_are_acknowledged_while_a_removal_waits_for_the_lock(
    fake: FakeDiscord, bot: NewsBot, write_lock: WriteLock
) -> None:
    write_lock.take()
    removal = await fake.slash("corpus remove", {"article": "amazon-met-with-ice-officials-over-173ada"})
    await removal.callback()
    for command in ("corpus list", "corpus stats", "feeds list"):
        ix = await fake.slash(command, {})
        assert (await ix.callback()).ephemeral
    await removal.followup(timeout=15)


@pytest.mark.asyncio
async def test_the_form_is_acknowledged_at_once_while_the_store_is_locked(
    fake: FakeDiscord, bot: NewsBot, write_lock: WriteLock
) -> None:
    modal = await (await fake.slash("corpus add", {})).callback()
    assert modal.type == MODAL
    fields = [c["components"][0]["custom_id"] for c in modal.payload["components"]]
    values = dict(
        zip(fields, ["Portland bans facial recognition", "OPB", "2020-09", "", "Portland banned it."], strict=True)
    )
    write_lock.take()
    submitted = await fake.submit_modal(modal, values)
    assert (await submitted.callback()).ephemeral
    assert (await submitted.followup(timeout=15)).content.startswith("Added `portland-bans-facial-recognition-")


@pytest.mark.asyncio
async def test_confirm_is_acknowledged_at_once_while_the_store_is_locked(
    fake: FakeDiscord, bot: NewsBot, long_redirect: tuple[str, str], write_lock: WriteLock
) -> None:
    ix = await fake.slash("corpus add", {"url": long_redirect[0]})
    preview = await ix.answer()
    write_lock.take()
    confirm = await fake.click(preview, preview.button("Confirm")["custom_id"])
    await confirm.callback()
    done = await confirm.wait_for(lambda i: i.edits[0] if i.edits else None, timeout=15)
    assert done.content.startswith("Added `council-votes-to-ban-face-scans-")
    assert done.embeds == [] and done.components == []


@pytest.mark.asyncio
async def test_autocomplete_gives_up_with_no_choices_while_the_index_catches_up(
    fake: FakeDiscord, bot: NewsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    caught_up = bot.service.index_of

    def slow_index_of(server: int | None) -> Any:  # as while replaying a 10,000-article import made elsewhere
        time.sleep(5)
        return caught_up(server)

    monkeypatch.setattr(bot.service, "index_of", slow_index_of)
    started = time.monotonic()
    articles = await fake.autocomplete("corpus remove", {"article": "amazon"}, focused="article")
    outlets = await fake.autocomplete("timeline", {"outlet": "associ"}, focused="outlet")
    assert await articles.choices() == [] and await outlets.choices() == []
    assert time.monotonic() - started < 3.5
    asked = await fake.slash("ask", {"question": "What did Amazon pitch to ICE?"})
    assert (await asked.callback()).type == DEFERRED_CHANNEL_MESSAGE  # acknowledged although the index is busy
    assert (await asked.followup(timeout=15)).content.startswith("> ")


@pytest.mark.asyncio
async def test_remove_autocomplete_shows_nothing_to_a_non_moderator(fake: FakeDiscord, bot: NewsBot) -> None:
    mine = await (await fake.autocomplete("corpus remove", {"article": "burglars"}, focused="article")).choices()
    assert len(mine) == 1
    theirs = await fake.autocomplete("corpus remove", {"article": "burglars"}, focused="article", user=fake.member)
    assert await theirs.choices() == []


# ------------------------------------------------------------------------------------------ private errors


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("command", "options", "error"),
    [
        ("ask", {"question": "what is the"}, "'what is the' has no word to search for"),
        ("timeline", {"since": "2019-13"}, "since: '2019\\-13': there is no month 13"),
        ("sources", {"topic": "the of"}, None),
    ],
    ids=["ask", "timeline", "sources"],
)
async def test_an_error_after_a_public_defer_is_private(
    fake: FakeDiscord, bot: NewsBot, command: str, options: dict[str, str], error: str | None
) -> None:
    ix = await fake.slash(command, options)
    assert not (await ix.callback()).ephemeral  # a public "thinking…" at first
    reply = await ix.followup()
    assert reply.ephemeral, reply
    if error is not None:
        assert reply.content.startswith(error)
    assert reply.message is not None and reply.message["flags"] & 64  # the resulting message is private
    assert fake.bot_messages_in() == []  # and nothing of it is left in the channel


# ------------------------------------------------------------------------------- intents, DMs and mentions


@pytest.mark.asyncio
async def test_the_bot_subscribes_only_to_the_intents_it_uses(fake: FakeDiscord, bot: NewsBot) -> None:
    guilds, guild_messages, direct_messages = 1 << 0, 1 << 9, 1 << 12
    assert fake.identify_payloads[-1]["intents"] == guilds | guild_messages | direct_messages


@pytest.mark.asyncio
async def test_a_question_in_a_direct_message_is_answered(fake: FakeDiscord, bot: NewsBot) -> None:
    sent = await fake.send_dm("What did Amazon pitch to ICE?", author=fake.member)
    channel = fake.dm_channel(fake.member).id
    reply = await fake.wait_for_bot_message(after=sent, channel_id=channel)
    assert reply["content"].startswith("> ") and "\n— **" in reply["content"]
    assert "guild_id" not in reply


@pytest.mark.asyncio
async def test_a_mention_of_the_bots_role_counts(fake: FakeDiscord, bot: NewsBot) -> None:
    # Discord shows the bot the text of a message that mentions its role only with the Message Content intent,
    # which newsbot does not ask for: it says how to ask instead of staying silent.
    sent = await fake.send_message(f"{fake.bot_role.mention} What did Amazon pitch to ICE?")
    reply = await fake.wait_for_bot_message(after=sent)
    assert reply["content"].startswith("You mentioned my role")
    assert reply["message_reference"]["message_id"] == sent["id"]


@pytest.mark.asyncio
async def test_a_mention_of_the_bots_role_is_answered_when_discord_shows_the_text(clean_env: Path) -> None:
    async with FakeDiscord(emulate_message_content=False) as fake:  # as with the Message Content intent
        running = await start_newsbot(fake, settings_for(clean_env))
        try:
            sent = await fake.send_message(f"{fake.bot_role.mention} What did Amazon pitch to ICE?")
            reply = await fake.wait_for_bot_message(after=sent)
            assert reply["content"].startswith("> ")
        finally:
            await stop_newsbot(fake, running)


@pytest.mark.asyncio
async def test_a_question_deleted_before_the_answer_still_gets_one(
    fake: FakeDiscord, bot: NewsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    ask = bot.service.ask

    def slow_ask(question: str, **scope: Any) -> Any:
        release.wait(10)
        return ask(question, **scope)

    monkeypatch.setattr(bot.service, "ask", slow_ask)
    sent = await fake.send_message("What did Amazon pitch to ICE?", mentions_bot=True)
    await fake.delete_message(sent)
    release.set()
    reply = await fake.wait_for_bot_message(after=sent)
    assert reply["content"].startswith("> ") and "referenced_message" not in reply
    refused = [r for r in fake.requests_to("POST", "/channels/*/messages") if r.status != 200]
    assert refused == []


# ----------------------------------------------------------------------------------- views after a restart


@pytest.mark.asyncio
async def test_page_buttons_work_after_a_restart(fake: FakeDiscord, clean_env: Path) -> None:
    first = await start_newsbot(fake, settings_for(clean_env))
    ix = await fake.slash("timeline", {"topic": "facial recognition", "since": "2018"})
    page = await ix.answer()
    assert page.embeds[0]["footer"]["text"].startswith("Page 1 of ")
    await stop_newsbot(fake, first)

    second = await start_newsbot(fake, settings_for(clean_env))
    try:
        turned = await (await fake.click(page, page.button("Next")["custom_id"])).answer()
        assert turned.embeds[0]["footer"]["text"].startswith("Page 2 of ")
        assert (
            turned.embeds[0]["description"]
            .splitlines()[0]
            .startswith("**Timeline of the coverage on facial recognition** (")
        )
        assert turned.button("Previous")["disabled"] is False
        stranger = await fake.click(turned, turned.button("Previous")["custom_id"], user=fake.member)
        assert (await stranger.answer()).ephemeral
    finally:
        await stop_newsbot(fake, second)


@pytest.mark.asyncio
async def test_a_failing_page_button_says_so_privately(
    fake: FakeDiscord, bot: NewsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = await (await fake.slash("timeline", {})).answer()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(bot.service, "timeline", broken)
    click = await fake.click(page, page.button("Next")["custom_id"])
    reply = await click.answer()
    assert reply.ephemeral and reply.content.startswith("Something went wrong on my side")


@pytest.mark.asyncio
async def test_a_failing_confirm_says_so_privately(
    fake: FakeDiscord, bot: NewsBot, long_redirect: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    preview = await (await fake.slash("corpus add", {"url": long_redirect[0]})).answer()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(bot.service, "add", broken)
    confirm = await fake.click(preview, preview.button("Confirm")["custom_id"])
    reply = await confirm.answer()
    assert reply.ephemeral and reply.content == "Something went wrong on my side; nothing was added."
    assert reply.components == []


# ----------------------------------------------------------------------------- commands in one scope only


@pytest.mark.asyncio
async def test_sync_clear_removes_one_scope_and_doctor_warns_about_copies_in_both(
    fake: FakeDiscord, clean_env: Path
) -> None:
    from bot.discord_app.client import _sync
    from bot.ops.maintenance import doctor

    settings = load_settings(data_dir=clean_env, discord_token=fake.token)

    def command_warnings() -> list[tuple[str, str]]:
        checks = doctor(load_settings(data_dir=clean_env, discord_token="t"), lambda service: [])
        return [(c.detail, c.fix) for c in checks if c.name == "commands" and "twice" in c.detail]

    await _sync(settings, fake.guild_id)
    await _sync(settings, None)
    assert len(fake.registered_commands(fake.guild_id)) == len(fake.registered_commands()) == 7
    assert command_warnings() == [
        (
            f"guild {fake.guild_id} has the slash commands twice: its own copy and the global one",
            f"run `newsbot sync --guild {fake.guild_id} --clear` (or `newsbot sync --clear`)",
        )
    ]

    removed = await _sync(settings, fake.guild_id, clear=True)
    assert sorted(removed) == ["ask", "compare", "corpus", "feeds", "help", "sources", "timeline"]
    assert fake.registered_commands(fake.guild_id) == [] and len(fake.registered_commands()) == 7
    assert command_warnings() == []

    assert sorted(await _sync(settings, None, clear=True)) == sorted(removed)
    assert fake.registered_commands() == []
    assert await _sync(settings, None, clear=True) == []


def test_every_command_newsbot_registers_keeps_discords_rules(clean_env: Path) -> None:
    """The payload ``newsbot sync`` sends, checked offline against the fake's rules (names, descriptions, options,
    choices, 4,000 characters in all, unique names), so a new command or option cannot break a sync."""
    from bot.discord_app.client import command_payload
    from bot.service import NewsService
    from tests.fakediscord.command_limits import commands_errors

    settings = settings_for(clean_env)
    service = NewsService.open(settings)
    try:
        payload = command_payload(settings, service)
    finally:
        service.close()
    assert {"ask", "timeline", "sources", "compare", "corpus", "feeds", "help"} <= {c["name"] for c in payload}
    assert commands_errors(payload) == {}
