"""A local fake Discord (REST + gateway) for end-to-end tests of a discord.py bot.

``FakeDiscord`` runs an aiohttp server on ``127.0.0.1`` (random port) that speaks enough of the
Discord HTTP API (v10) and gateway protocol for a real, unmodified :class:`discord.ext.commands.Bot`
to log in, receive ``READY``/``GUILD_CREATE``, get messages and interactions, answer them, sync
application commands, survive 429s and resume after an op 7 RECONNECT. While it runs it points
``discord.http.Route.BASE`` (also used by the interaction/webhook adapter) and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` at itself and restores them on exit.

Nothing leaves ``127.0.0.1``. The fake keeps a record of every REST call (``fake.requests``), every
message (``fake.messages_in(channel_id)``) and every interaction response, so tests can assert on
exactly what the bot did.

Example::

    import discord
    import pytest
    from discord.ext import commands

    from tests.fakediscord import CHANNEL_MESSAGE, FakeDiscord, bot_running


    @pytest.mark.asyncio
    async def test_ping_and_mention() -> None:
        bot = commands.Bot(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
        )

        @bot.tree.command(description="Replies pong")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

        @bot.listen("on_message")
        async def on_message(message: discord.Message) -> None:
            if bot.user in message.mentions:
                await message.reply("hi!")

        async with FakeDiscord() as fake, bot_running(fake, bot):
            ix = await fake.slash("ping", user=fake.member)
            reply = await ix.callback()  # the initial response
            assert (reply.type, reply.content, reply.ephemeral) == (CHANNEL_MESSAGE, "pong", True)

            sent = await fake.send_message("hello", mentions_bot=True)
            answer = await fake.wait_for_bot_message(after=sent)
            assert answer["content"] == "hi!"
            assert answer["message_reference"]["message_id"] == sent["id"]

Default world: one guild (``fake.guild_id``) with text channels ``#general`` (``fake.channel_id``)
and ``#news`` (``fake.other_channel_id``); users ``fake.owner`` (guild owner, also holds
``fake.mod_role`` which has MANAGE_MESSAGES), ``fake.member`` (plain member) and the bot itself
(``fake.bot_user``). Interactions and messages default to ``fake.owner`` as the acting user.

Behaviour worth knowing (it mirrors real Discord):

* Without the MESSAGE_CONTENT intent, MESSAGE_CREATE for user messages that do not mention the bot
  carries empty ``content``/``embeds``/``attachments``/``components`` (``emulate_message_content``).
* Messages the bot posts are echoed back to it as MESSAGE_CREATE / MESSAGE_UPDATE / MESSAGE_DELETE
  (ephemeral ones are not), like Discord does (``echo_bot_messages``).
* After a deferred response (callback type 5) the *first* followup replaces the "thinking" message:
  it keeps the defer's ephemerality, whatever the followup's own flags say.
* An interaction must be acknowledged within 3 s of its creation (``acknowledge_within``, read from
  ``clock``, both injectable): a later callback gets 404 / code 10062 "Unknown interaction",
  ``ix.failed`` is true and ``await ix.callback()`` raises ``InteractionFailed``. It can be
  acknowledged only once (a second callback gets 400 / code 40060).
* Whatever the bot sends is checked against Discord's limits (``limits``: content 2,000, embeds,
  components, attachments, ``allowed_mentions``, autocomplete choices, modals; ``command_limits``: the
  application commands it registers) and refused with 400 / code 50035 "Invalid Form Body" and Discord's
  ``errors`` tree; an empty message gets 400 / code 50006.
* A bot's message pings whom Discord would ping (``mentions``: its content's mentions outside code, filtered by its
  ``allowed_mentions``, which default to users only in an interaction's messages; a reply pings the replied-to
  author unless told not to): the stored message carries
  ``mentions``, ``mention_roles`` and ``mention_everyone``, and ``fake.pinging_messages()`` lists every message
  of the bot that pinged anyone.
* A message the bot posts in a guild channel needs its permissions there, computed as Discord does from its
  roles and the channel's overwrites (``fake.set_overwrite(channel, role_or_user, allow=..., deny=...)``): 403 /
  code 50001 without View Channel, 50013 without Send Messages or, for a message of embeds only, Embed Links.
* A message created with a ``nonce`` and ``enforce_nonce`` returns the message the same nonce created within
  ``fake.nonce_window`` seconds of ``clock`` (Discord's "past few minutes"; 180 by default) instead of creating
  another; a nonce longer than 25 characters gets 400 / 50035, one of a message deleted since 404 / 10008
  (``nonces``). A channel's history is 403 / 50001 without View Channel and empty without Read Message History.
* ``fake.limit_channel(channel_id, limit=5, per=5.0)`` rate limits the bot's posts in a channel as Discord does:
  the bucket's ``X-RateLimit-*`` headers on every answer, 429 with ``retry_after`` past the limit (``ratelimits``).
* A route the fake does not know answers 404 and is listed in ``fake.unhandled_requests``.
* The gateway is sharded as Discord's is (``shards``): a bot that IDENTIFYs with ``shard: [id, count]`` holds a session
  per shard (``fake.sessions``), each sent READY and GUILD_CREATE for its shard's guilds and then only their events
  (``(guild_id >> 22) % count``; DMs on shard 0). An invalid shard is closed with 4010, a session of more than
  ``fake.max_guilds_per_shard`` guilds (2,500) with 4011 (``fake.gateway_closes``); ``GET /gateway/bot`` recommends
  one shard per ``fake.guilds_per_recommended_shard`` guilds (1,000). ``fake.add_guild(shard=(id, count))`` puts a
  guild on a shard; ``fake.send_message(..., guild=...)`` posts in another guild.

The package, one layer a module (each class builds on the one before):

* ``protocol``: Discord's wire vocabulary (callback/interaction types, flags, intents, error JSON).
* ``limits``: what Discord refuses in a message, an autocomplete result or a modal (errors trees).
* ``nonces``: the message nonce rule (``enforce_nonce``).
* ``command_limits``: what Discord refuses in the application commands a bot registers.
* ``mentions``: whom a bot's message pings.
* ``ratelimits``: a channel's rate limit on posts, opt-in.
* ``shards``: Discord's sharding rules (which shard a guild's events go to, a valid shard, the guild limit).
* ``records``: what the bot did (``RecordedRequest``, ``BotReply``, ``FakeInteraction``).
* ``objects``: users, roles, channels, files and more guilds as plain data (``FakeUser``, ``FakeGuild``...).
* ``world``: the guild, its roles, channels, members and messages, more guilds, waiting (``World``).
* ``access``: Discord's permission rules over the world (``Access``).
* ``payloads``: the world as Discord's JSON: members, GUILD_CREATE, the application (``Payloads``).
* ``gateway``: the websocket sessions, one per shard, DISPATCH, RESUME, op 7 (``Gateway``).
* ``posting``: users posting: guild messages, DMs, deletions (``Posting``).
* ``rest``: the REST plumbing: recording, authentication, injected faults and 429s (``Rest``).
* ``resources``: what the REST API only reads: gateway address, users, the guild, channels, files (``Resources``).
* ``commands``: the application commands a bot registers (``Commands``).
* ``messages``: the bot's channel messages, with Discord's checks and its echo (``Messages``).
* ``callbacks``: the bot's answers to interactions: callbacks, followups, webhook edits (``Callbacks``).
* ``options``: interaction payloads and a command's encoded options (``InteractionPayloads``).
* ``interactions``: what users do: slash commands, autocomplete, clicks, modals (``Interactions``).
* ``fake``: ``FakeDiscord`` served on 127.0.0.1, and the pytest helpers.
"""

from tests.fakediscord.fake import FakeDiscord, bot_running, fake_discord, fake_discord_fixture
from tests.fakediscord.objects import FakeChannel, FakeFile, FakeGuild, FakeRole, FakeUser
from tests.fakediscord.protocol import (
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    EPHEMERAL,
    LOADING,
    MODAL,
    UPDATE_MESSAGE,
)
from tests.fakediscord.records import BotReply, FakeInteraction, InteractionFailed, RecordedFile, RecordedRequest

__all__ = [
    "AUTOCOMPLETE_RESULT",
    "CHANNEL_MESSAGE",
    "DEFERRED_CHANNEL_MESSAGE",
    "DEFERRED_UPDATE_MESSAGE",
    "EPHEMERAL",
    "LOADING",
    "MODAL",
    "UPDATE_MESSAGE",
    "BotReply",
    "FakeChannel",
    "FakeDiscord",
    "FakeFile",
    "FakeGuild",
    "FakeInteraction",
    "FakeRole",
    "FakeUser",
    "InteractionFailed",
    "RecordedFile",
    "RecordedRequest",
    "bot_running",
    "fake_discord",
    "fake_discord_fixture",
]
