"""The REST resources a bot reads at start-up and now and then: the gateway's address (``/gateway``, ``/gateway/bot``),
users, the application, the guild with its channels and members, a channel, typing, reactions, and the files
(attachments) the fake serves.

Apart from commands and messages because these only answer with the world's state and change nothing.
"""

from __future__ import annotations

from aiohttp import web

from tests.fakediscord.objects import FakeChannel
from tests.fakediscord.protocol import (
    API_PREFIX,
    DM_CHANNEL,
    ApiError,
    json_response,
)
from tests.fakediscord.rest import Rest
from tests.fakediscord.shards import recommended_shards


class Resources(Rest):
    """Read-only REST resources over the world."""

    def _add_routes(self, app: web.Application) -> None:
        super()._add_routes(app)
        r = app.router
        p = API_PREFIX
        r.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._h_cdn)
        r.add_get(p + "/gateway", self._h_gateway)
        r.add_get(p + "/gateway/bot", self._h_gateway_bot)
        r.add_get(p + "/users/@me", self._h_me)
        r.add_get(p + "/users/{user_id}", self._h_user)
        r.add_get(p + "/oauth2/applications/@me", self._h_application)
        r.add_get(p + "/applications/@me", self._h_application)
        r.add_get(p + "/guilds/{guild_id}", self._h_guild)
        r.add_get(p + "/guilds/{guild_id}/channels", self._h_guild_channels)
        r.add_get(p + "/guilds/{guild_id}/members/{user_id}", self._h_guild_member)
        r.add_get(p + "/channels/{channel_id}", self._h_channel)
        r.add_post(p + "/channels/{channel_id}/typing", self._h_no_content)
        r.add_put(p + "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._h_no_content)
        r.add_delete(p + "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._h_no_content)

    async def _h_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.gateway_url})

    async def _h_gateway_bot(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "url": self.gateway_url,
                "shards": recommended_shards(len(self.guild_ids()), self.guilds_per_recommended_shard),
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14400000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _h_me(self, request: web.Request) -> web.Response:
        return json_response(self._self_user_payload())

    async def _h_user(self, request: web.Request) -> web.Response:
        user = self.users.get(int(request.match_info["user_id"]))
        if user is None:
            raise ApiError(404, "Unknown User", 10013)
        return json_response(user.to_user())

    async def _h_application(self, request: web.Request) -> web.Response:
        return json_response(self._application_payload())

    def _check_guild(self, request: web.Request) -> None:
        if int(request.match_info["guild_id"]) != self.guild_id:
            raise ApiError(404, "Unknown Guild", 10004)

    async def _h_guild(self, request: web.Request) -> web.Response:
        self._check_guild(request)
        data = self._guild_payload()
        for key in ("channels", "members", "threads", "presences", "voice_states", "joined_at", "large"):
            data.pop(key, None)
        return json_response(data)

    async def _h_guild_channels(self, request: web.Request) -> web.Response:
        self._check_guild(request)
        return json_response([c.to_dict(self.guild_id) for c in self.channels.values()])

    async def _h_guild_member(self, request: web.Request) -> web.Response:
        self._check_guild(request)
        user = self.users.get(int(request.match_info["user_id"]))
        if user is None:
            raise ApiError(404, "Unknown Member", 10007)
        return json_response(self.member_payload(user))

    def _channel(self, request: web.Request) -> FakeChannel:
        channel_id = int(request.match_info["channel_id"])
        channel = self.channels.get(channel_id) or next(
            (c for c in self.dm_channels.values() if c.id == channel_id), None
        )
        if channel is None:
            raise ApiError(404, "Unknown Channel", 10003)
        return channel

    async def _h_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if channel.type == DM_CHANNEL:
            user = next(self.users[uid] for uid, c in self.dm_channels.items() if c is channel)
            return json_response({"id": str(channel.id), "type": DM_CHANNEL, "recipients": [user.to_user()]})
        return json_response(channel.to_dict(self.guild_id))

    async def _h_no_content(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def _h_cdn(self, request: web.Request) -> web.Response:
        entry = self._files.get(int(request.match_info["attachment_id"]))
        if entry is None:
            raise web.HTTPNotFound()
        data, content_type = entry
        return web.Response(body=data, content_type=content_type)
