"""The world as Discord sends it: a member, a guild's GUILD_CREATE, the application and the bot's own user.

Apart from the world's state because these payloads are the wire format, which only the layers that speak to the bot
(gateway, REST, interactions) need; ``in_guild`` makes them any guild's.
"""

from __future__ import annotations

from typing import Any

from tests.fakediscord.access import Access
from tests.fakediscord.objects import FakeUser


class Payloads(Access):
    """The world's objects as Discord's JSON."""

    def member_payload(self, user: FakeUser, *, with_user: bool = True, permissions: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in user.role_ids],
            "nick": user.nick,
            "avatar": None,
            "banner": None,
            "joined_at": user.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = user.to_user()
        if permissions:
            data["permissions"] = str(self.permissions_of(user))
        return data

    def guild_payloads(self) -> list[dict[str, Any]]:
        """GUILD_CREATE of every guild after the first."""
        payloads = []
        for guild in self.guilds:
            with self.in_guild(guild):
                payloads.append(self._guild_payload())
        return payloads

    def _guild_payload(self) -> dict[str, Any]:
        members = [self.member_payload(u) for u in self.users.values()]
        return {
            "id": str(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": str(self.channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "features": [],
            "roles": [r.to_dict() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "channels": [c.to_dict(self.guild_id) for c in self.channels.values()],
            "threads": [],
            "members": members,
            "member_count": len(members),
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "large": False,
            "lazy": True,
            "unavailable": False,
            "joined_at": self.bot_user.joined_at,
            "max_members": 500000,
            "max_video_channel_users": 25,
        }

    def _application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": self.owner.to_user(),
            "team": None,
            "bot": self.bot_user.to_user(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "integration_types_config": {"0": {}},
        }

    def _self_user_payload(self) -> dict[str, Any]:
        data = self.bot_user.to_user()
        data.update({"verified": True, "mfa_enabled": True, "locale": "en-US", "email": None})
        return data
