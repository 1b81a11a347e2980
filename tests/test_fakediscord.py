"""End-to-end checks that tests/fakediscord.py works with the real discord.py client."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import (
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    EPHEMERAL,
    LOADING,
    MODAL,
    UPDATE_MESSAGE,
    FakeDiscord,
    FakeFile,
    bot_running,
)

TOPICS = ["elections", "tariffs", "taxes", "weather"]


class VoteView(discord.ui.View):
    def __init__(self, owner_id: int) -> None:
        super().__init__(timeout=30)
        self.owner_id = owner_id
        self.votes = 0

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("This poll is not yours.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="Upvote", custom_id="vote:up", style=discord.ButtonStyle.primary)
    async def upvote(self, interaction: discord.Interaction, button: discord.ui.Button[VoteView]) -> None:
        self.votes += 1
        await interaction.response.edit_message(content=f"Votes: {self.votes}", view=self)

    @discord.ui.button(label="Close", custom_id="vote:close", style=discord.ButtonStyle.danger)
    async def close(self, interaction: discord.Interaction, button: discord.ui.Button[VoteView]) -> None:
        await interaction.response.defer()  # type 6: deferred update of the poll message
        await interaction.edit_original_response(content=f"Closed with {self.votes} votes", view=None)
        self.stop()


class PickView(discord.ui.View):
    @discord.ui.select(
        custom_id="pick:topic",
        max_values=2,
        options=[
            discord.SelectOption(label="Tariffs", value="tariffs"),
            discord.SelectOption(label="Taxes", value="taxes"),
        ],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[PickView]) -> None:
        await interaction.response.edit_message(content=f"picked {', '.join(select.values)}", view=None)


class FeedbackModal(discord.ui.Modal, title="Send feedback"):
    text: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Your feedback", custom_id="feedback:text", max_length=100
    )

    def __init__(self) -> None:
        super().__init__(custom_id="feedback")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Thanks {interaction.user.name}: {self.text.value}", ephemeral=True)


news = app_commands.Group(name="news", description="News commands")
news_admin = app_commands.Group(name="admin", description="Admin commands", parent=news)


@news.command(name="search", description="Search the news")
async def news_search(interaction: discord.Interaction, query: str, limit: int = 3) -> None:
    await interaction.response.send_message(f"search {query!r} limit={limit}")


@news_admin.command(name="reindex", description="Rebuild the index")
async def news_reindex(interaction: discord.Interaction, full: bool) -> None:
    await interaction.response.send_message(f"reindex full={full}", ephemeral=True)


class TinyBot(commands.Bot):
    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.seen_contents: list[str] = []

    async def setup_hook(self) -> None:
        tree = self.tree
        tree.add_command(news)

        @tree.command(description="Replies pong")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

        @tree.command(description="Slow answer")
        async def slow(interaction: discord.Interaction, query: str) -> None:
            await interaction.response.defer(thinking=True)
            await asyncio.sleep(0.01)
            embed = discord.Embed(title="Result", description=f"about {query}")
            await interaction.followup.send(f"done: {query}", embed=embed)

        @tree.command(description="Multi-step work")
        async def progress(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send("step 1")  # replaces the ephemeral "thinking" message
            second = await interaction.followup.send("step 2", wait=True)
            await second.edit(content="step 2 done")
            await interaction.edit_original_response(content="all done")
            original = await interaction.original_response()
            log = discord.File(io.BytesIO(b"xyz"), filename="log.txt")
            await interaction.followup.send(f"original says {original.content}", file=log)
            await second.delete()

        @tree.command(description="Pick topics")
        async def pick(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pick some", view=PickView())

        @tree.command(description="Export as a file")
        async def export(interaction: discord.Interaction) -> None:
            data = discord.File(io.BytesIO(b"id,title\n1,Budget\n"), filename="export.csv")
            await interaction.response.send_message("your export", file=data, ephemeral=True)

        @tree.command(description="Start a poll")
        async def vote(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Votes: 0", view=VoteView(interaction.user.id))

        @tree.command(description="Give feedback")
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(FeedbackModal())

        @tree.command(description="Look up a topic")
        async def lookup(interaction: discord.Interaction, topic: str) -> None:
            await interaction.response.send_message(f"topic: {topic}")

        @lookup.autocomplete("topic")
        async def lookup_topic(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=t.title(), value=t) for t in TOPICS if t.startswith(current)]

        @tree.command(description="Describe an upload")
        async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
            data = await file.read()
            await interaction.response.send_message(f"{file.filename}: {len(data)} bytes: {data.decode()}")

        @tree.command(description="Inspect a member, a channel and a role")
        async def inspect(
            interaction: discord.Interaction,
            who: discord.Member,
            where: discord.TextChannel,
            role: discord.Role,
        ) -> None:
            mod = who.guild_permissions.manage_messages
            await interaction.response.send_message(f"{who.display_name} #{where.name} @{role.name} mod={mod}")

        @tree.command(description="Moderators only")
        @app_commands.checks.has_permissions(manage_messages=True)
        async def purge(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("purged")

        @tree.error
        async def on_tree_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
            if isinstance(error, app_commands.MissingPermissions):
                await interaction.response.send_message("You need Manage Messages.", ephemeral=True)
            else:  # pragma: no cover - would show up as a missing reply in the test
                raise error

        self.add_listener(self.answer_mentions, "on_message")

    async def on_command_error(self, context: commands.Context[Any], exception: commands.CommandError) -> None:
        if not isinstance(exception, commands.CommandNotFound):  # mentions double as a command prefix
            await super().on_command_error(context, exception)

    async def answer_mentions(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        self.seen_contents.append(message.content)
        assert self.user is not None
        if self.user not in message.mentions:
            return
        text = message.content.replace(self.user.mention, "").strip()
        async with message.channel.typing():
            pass
        if text == "report":
            await message.channel.send("here", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), filename="report.csv"))
        else:
            await message.reply(f"you said: {text}")


@pytest_asyncio.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[TinyBot]:
    client = TinyBot()
    async with bot_running(fake, client):
        yield client


@pytest.mark.asyncio
async def test_login_ready_and_guild_create(fake: FakeDiscord, bot: TinyBot) -> None:
    assert bot.user is not None and bot.user.id == fake.bot_id and bot.user.name == "NewsBot"
    assert bot.application_id == fake.application_id
    guild = bot.get_guild(fake.guild_id)
    assert guild is not None and guild.name == "Fake Guild" and guild.owner_id == fake.owner_id
    assert [c.name for c in guild.text_channels] == ["general", "news"]
    assert sorted(r.name for r in guild.roles) == ["@everyone", "Moderator", "NewsBot"]
    assert guild.me is not None and guild.me.guild_permissions.manage_messages
    assert [(r.method, r.path, r.status) for r in fake.requests] == [
        ("GET", "/users/@me", 200),
        ("GET", "/oauth2/applications/@me", 200),
    ]
    assert fake.identify_payloads[0]["intents"] == discord.Intents.default().value
    assert fake.gateway_connects == [{"v": "10", "encoding": "json", "compress": "zlib-stream"}]
    assert [f["t"] for f in fake.dispatched] == ["READY", "GUILD_CREATE"]
    assert [f["s"] for f in fake.dispatched] == [1, 2]
    assert await bot.is_owner(guild.get_member(fake.owner_id) or discord.Object(fake.owner_id))  # type: ignore[arg-type]
    assert fake.heartbeats >= 1


@pytest.mark.asyncio
async def test_mention_gets_a_reply_and_plain_messages_have_no_content(fake: FakeDiscord, bot: TinyBot) -> None:
    ignored = await fake.send_message("not for the bot", author=fake.member)
    sent = await fake.send_message("hello there", author=fake.member, mentions_bot=True)
    reply = await fake.wait_for_bot_message(after=sent)

    assert reply["content"] == "you said: hello there"
    assert reply["message_reference"]["message_id"] == sent["id"]
    assert reply["type"] == 19 and reply["referenced_message"]["id"] == sent["id"]
    # Without the message_content intent the non-mention message arrives empty.
    assert bot.seen_contents == ["", f"<@{fake.bot_id}> hello there"]
    (post,) = fake.requests_to("POST", "/channels/*/messages")
    assert post.path == f"/channels/{fake.channel_id}/messages"
    assert post.json["allowed_mentions"] == {"parse": []}
    assert post.json["message_reference"]["message_id"] == int(sent["id"])
    assert [m["content"] for m in fake.bot_messages_in()] == ["you said: hello there"]
    assert [r.path for r in fake.requests_to("POST", "/channels/*/typing")] == [f"/channels/{fake.channel_id}/typing"]
    # Discord echoes the bot's own message back over the gateway.
    echoed = [(f["d"]["id"], f["d"]["content"]) for f in fake.dispatched if f["t"] == "MESSAGE_CREATE"]
    assert echoed == [
        (ignored["id"], ""),
        (sent["id"], f"<@{fake.bot_id}> hello there"),
        (reply["id"], "you said: hello there"),
    ]
    assert ignored["content"] == "not for the bot"  # the fake itself keeps the real content


@pytest.mark.asyncio
async def test_bot_upload_is_parsed_from_multipart(fake: FakeDiscord, bot: TinyBot) -> None:
    sent = await fake.send_message("report", mentions_bot=True)
    message = await fake.wait_for_bot_message(after=sent)

    (post,) = fake.requests_to("POST", "/channels/{channel_id}/messages")
    assert post.json["content"] == "here"
    assert post.json["attachments"] == [{"id": 0, "filename": "report.csv"}]
    assert [(f.field, f.filename, f.data) for f in post.files] == [("files[0]", "report.csv", b"a,b\n1,2\n")]
    (attachment,) = message["attachments"]
    assert attachment["filename"] == "report.csv" and attachment["size"] == 8
    assert fake.attachment_bytes(attachment) == b"a,b\n1,2\n"


@pytest.mark.asyncio
async def test_slash_command_answered_immediately(fake: FakeDiscord, bot: TinyBot) -> None:
    ix = await fake.slash("ping", user=fake.member)
    reply = await ix.callback()

    assert (reply.kind, reply.type, reply.content, reply.ephemeral) == (
        "callback",
        CHANNEL_MESSAGE,
        "pong",
        False,
    )
    assert reply.allowed_mentions == {"parse": []}
    (message,) = fake.bot_messages_in()
    assert message["content"] == "pong" and message["interaction_metadata"]["user"]["id"] == str(fake.member.id)
    assert ix.original_message_id == int(message["id"])
    assert len(fake.requests_to("POST", "/interactions/*/*/callback")) == 1


@pytest.mark.asyncio
async def test_deferred_command_followed_up(fake: FakeDiscord, bot: TinyBot) -> None:
    ix = await fake.slash("slow", {"query": "tariffs"})
    deferred = await ix.callback()
    assert deferred.type == DEFERRED_CHANNEL_MESSAGE and deferred.flags == LOADING

    followup = await ix.followup()
    assert followup.content == "done: tariffs"
    assert followup.embeds == [{"title": "Result", "description": "about tariffs", "type": "rich", "flags": 0}]
    assert followup.flags == 0
    # The first followup replaces the "thinking" message.
    assert followup.message_id == deferred.message_id
    assert [m["content"] for m in fake.bot_messages_in()] == ["done: tariffs"]


@pytest.mark.asyncio
async def test_followups_edits_and_deletes_of_interaction_messages(fake: FakeDiscord, bot: TinyBot) -> None:
    ix = await fake.slash("progress")
    deferred = await ix.callback()
    assert deferred.flags == LOADING | EPHEMERAL
    last = await ix.wait_for(lambda i: i.replies[-1] if i.replies and i.replies[-1].kind == "delete_followup" else None)

    assert [r.kind for r in ix.replies] == [
        "callback",
        "followup",
        "followup",
        "edit_followup",
        "edit",
        "followup",
        "delete_followup",
    ]
    first, second, third = ix.followups
    assert (first.content, first.message_id, first.ephemeral) == ("step 1", deferred.message_id, True)
    assert (second.content, second.ephemeral) == ("step 2", False)
    assert ix.replies[3].content == "step 2 done" and ix.replies[3].message_id == second.message_id
    assert (await ix.edit()).content == "all done" and ix.edits[0].message_id == deferred.message_id
    assert third.content == "original says all done"
    assert [(f.filename, f.data) for f in third.files] == [("log.txt", b"xyz")]
    assert last.message_id == second.message_id
    assert ix.original_message is not None and ix.original_message["content"] == "all done"
    assert [m["content"] for m in fake.bot_messages_in()] == ["original says all done"]
    assert fake.requests_to("GET", "/webhooks/*/*/messages/@original")[0].status == 200


@pytest.mark.asyncio
async def test_ephemeral_response_with_a_file(fake: FakeDiscord, bot: TinyBot) -> None:
    reply = await (await fake.slash("export")).callback()
    assert (reply.type, reply.content, reply.ephemeral) == (CHANNEL_MESSAGE, "your export", True)
    assert [(f.field, f.filename, f.data) for f in reply.files] == [("files[0]", "export.csv", b"id,title\n1,Budget\n")]
    (attachment,) = reply.attachments
    assert attachment["filename"] == "export.csv"
    assert fake.attachment_bytes(attachment) == b"id,title\n1,Budget\n"
    assert fake.bot_messages_in() == []


@pytest.mark.asyncio
async def test_select_menu_and_deferred_update(fake: FakeDiscord, bot: TinyBot) -> None:
    menu = await (await fake.slash("pick")).callback()
    picked = await (await fake.click(menu, "pick:topic", values=["taxes", "tariffs"])).callback()
    assert (picked.type, picked.content, picked.components) == (UPDATE_MESSAGE, "picked taxes, tariffs", [])

    poll = await (await fake.slash("vote")).callback()
    await (await fake.click(poll, "vote:up")).callback()
    closing = await fake.click(poll, "vote:close")
    assert (await closing.callback()).type == DEFERRED_UPDATE_MESSAGE
    edit = await closing.edit()
    assert (edit.content, edit.components, edit.message_id) == ("Closed with 1 votes", [], poll.message_id)
    with pytest.raises(ValueError, match="no component 'vote:up'"):
        await fake.click(poll, "vote:up")


@pytest.mark.asyncio
async def test_button_view_owner_updates_other_user_refused(fake: FakeDiscord, bot: TinyBot) -> None:
    ix = await fake.slash("vote", user=fake.owner)
    poll = await ix.callback()
    assert poll.content == "Votes: 0" and poll.custom_ids() == ["vote:up", "vote:close"]
    assert poll.component("vote:up")["label"] == "Upvote"

    refused = await (await fake.click(poll, "vote:up", user=fake.member)).callback()
    assert (refused.type, refused.content, refused.flags) == (
        CHANNEL_MESSAGE,
        "This poll is not yours.",
        EPHEMERAL,
    )
    assert fake.message(poll.message_id)["content"] == "Votes: 0"  # type: ignore[arg-type,index]
    assert refused.message_id not in [int(m["id"]) for m in fake.messages_in()]

    updated = await (await fake.click(poll, "vote:up", user=fake.owner)).callback()
    assert (updated.type, updated.content, updated.message_id) == (
        UPDATE_MESSAGE,
        "Votes: 1",
        poll.message_id,
    )
    assert fake.message(poll.message_id)["content"] == "Votes: 1"  # type: ignore[arg-type,index]
    again = await (await fake.click(poll, "vote:up", user=fake.owner)).callback()
    assert again.content == "Votes: 2"


@pytest.mark.asyncio
async def test_modal_opened_and_submitted(fake: FakeDiscord, bot: TinyBot) -> None:
    ix = await fake.slash("feedback", user=fake.member)
    modal = await ix.callback()
    assert (modal.type, modal.custom_id, modal.title) == (MODAL, "feedback", "Send feedback")
    assert modal.custom_ids() == ["feedback:text"]

    with pytest.raises(ValueError, match="at most 100"):
        await fake.submit_modal(ix, {"feedback:text": "x" * 101})
    submitted = await fake.submit_modal(ix, {"feedback:text": "Great bot"})
    thanks = await submitted.callback()
    assert (thanks.type, thanks.content, thanks.ephemeral) == (CHANNEL_MESSAGE, "Thanks bob: Great bot", True)


@pytest.mark.asyncio
async def test_autocomplete_returns_choices(fake: FakeDiscord, bot: TinyBot) -> None:
    ix = await fake.autocomplete("lookup", {"topic": "ta"}, focused="topic")
    assert await ix.choices() == [
        {"name": "Tariffs", "value": "tariffs"},
        {"name": "Taxes", "value": "taxes"},
    ]
    assert (await ix.callback()).type == AUTOCOMPLETE_RESULT


@pytest.mark.asyncio
async def test_subcommands_and_attachment_options(fake: FakeDiscord, bot: TinyBot) -> None:
    search = await (await fake.slash("news search", {"query": "budget"})).callback()
    assert search.content == "search 'budget' limit=3"
    reindex = await (await fake.slash("news", {"full": True}, subcommand="admin reindex")).callback()
    assert (reindex.content, reindex.ephemeral) == ("reindex full=True", True)
    with pytest.raises(ValueError, match="missing required"):
        await fake.slash("news search", {})

    ix = await fake.slash("upload", {"file": FakeFile("notes.txt", b"hello world", "text/plain")})
    assert (await ix.callback()).content == "notes.txt: 11 bytes: hello world"
    (attachment,) = ix.payload["data"]["resolved"]["attachments"].values()
    assert attachment["filename"] == "notes.txt"

    news_channel = fake.channels[fake.other_channel_id]
    inspect = await fake.slash("inspect", {"who": fake.owner, "where": news_channel, "role": fake.mod_role})
    assert (await inspect.callback()).content == "Alice #news @Moderator mod=True"
    with pytest.raises(ValueError, match=r"has no option\(s\) \['colour'\]"):
        await fake.slash("inspect", {"who": fake.member, "where": news_channel, "role": 1, "colour": "red"})


@pytest.mark.asyncio
async def test_permission_check_uses_member_permissions(fake: FakeDiscord, bot: TinyBot) -> None:
    denied = await (await fake.slash("purge", user=fake.member)).callback()
    assert (denied.content, denied.ephemeral) == ("You need Manage Messages.", True)
    assert (await (await fake.slash("purge", user=fake.owner)).callback()).content == "purged"
    fake.give_role(fake.member, fake.mod_role_id)
    assert (await (await fake.slash("purge", user=fake.member)).callback()).content == "purged"


@pytest.mark.asyncio
async def test_rate_limited_send_is_retried(fake: FakeDiscord, bot: TinyBot) -> None:
    fake.rate_limit("POST", "/channels/*/messages", count=1, retry_after=0.05)
    sent = await fake.send_message("are you there?", mentions_bot=True)
    reply = await fake.wait_for_bot_message(after=sent)

    assert reply["content"] == "you said: are you there?"
    assert [r.status for r in fake.requests_to("POST", "/channels/*/messages")] == [429, 200]
    assert [m["content"] for m in fake.bot_messages_in()] == ["you said: are you there?"]


@pytest.mark.asyncio
async def test_reconnect_resumes_and_bot_still_answers(fake: FakeDiscord, bot: TinyBot) -> None:
    await fake.reconnect()
    assert fake.resume_count == 1 and len(fake.identify_payloads) == 1 and len(fake.gateway_connects) == 2
    assert fake.dispatched[-1]["t"] == "RESUMED" and fake.replayed_frames == 0

    sent = await fake.send_message("still alive?", mentions_bot=True)
    reply = await fake.wait_for_bot_message(after=sent)
    assert reply["content"] == "you said: still alive?"
    sequence = [f["s"] for f in fake.dispatched]
    assert sequence == list(range(1, len(sequence) + 1))


@pytest.mark.asyncio
async def test_events_sent_during_reconnect_are_replayed(fake: FakeDiscord, bot: TinyBot) -> None:
    reconnecting = asyncio.create_task(fake.reconnect())
    await asyncio.sleep(0)  # op 7 is out; the bot has not resumed yet
    sent = await fake.send_message("did you miss me?", mentions_bot=True)
    await reconnecting

    assert fake.replayed_frames == 1
    events = [f["t"] for f in fake.dispatched]
    assert events[events.index("MESSAGE_CREATE") :][:2] == ["MESSAGE_CREATE", "RESUMED"]
    reply = await fake.wait_for_bot_message(after=sent)
    assert reply["content"] == "you said: did you miss me?"


@pytest.mark.asyncio
async def test_guild_sync_stores_commands(fake: FakeDiscord, bot: TinyBot) -> None:
    guild = discord.Object(fake.guild_id)
    bot.tree.copy_global_to(guild=guild)
    synced = await bot.tree.sync(guild=guild)

    expected = [
        "export",
        "feedback",
        "inspect",
        "lookup",
        "news",
        "pick",
        "ping",
        "progress",
        "purge",
        "slow",
        "upload",
        "vote",
    ]
    stored = fake.registered_commands(fake.guild_id)
    assert sorted(c["name"] for c in stored) == expected
    assert sorted(c.name for c in synced) == expected
    assert {c.id for c in synced} == {int(c["id"]) for c in stored}
    assert fake.registered_commands() == []
    await bot.tree.sync()  # global commands are stored separately
    assert sorted(c["name"] for c in fake.registered_commands()) == expected
    assert all("guild_id" not in c for c in fake.registered_commands())
    (put,) = fake.requests_to("PUT", f"/applications/{fake.application_id}/guilds/{fake.guild_id}/commands")
    assert sorted(c["name"] for c in put.json) == expected

    ix = await fake.slash("ping")
    ping = next(c for c in stored if c["name"] == "ping")
    assert ix.payload["data"]["id"] == ping["id"] and ix.payload["data"]["guild_id"] == str(fake.guild_id)
    assert (await ix.callback()).content == "pong"


@pytest.mark.asyncio
async def test_discord_py_is_pointed_at_the_fake_and_restored() -> None:
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    async with FakeDiscord() as server:
        assert discord.http.Route.BASE == f"http://127.0.0.1:{server.port}/api/v10"
        assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == f"ws://127.0.0.1:{server.port}/gateway"
    assert (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == (base, gateway)
    assert base == "https://discord.com/api/v10"
