"""Who may do what where: Discord's permission computation over the world's roles and channels (the guild's
permissions of a member, then a channel's overwrites), and setting an overwrite.

Apart from the world's state because these are Discord's rules, which the REST layer enforces (a bot's post, its
reading of history) and the interactions carry (a member's ``permissions``); the world only holds what they read.
"""

from __future__ import annotations

from tests.fakediscord.objects import FakeChannel, FakeRole, FakeUser
from tests.fakediscord.world import World, discord


class Access(World):
    """Discord's permission rules over the world."""

    def permissions_of(self, user: FakeUser) -> int:
        """Guild-level permissions of ``user`` (owner and administrators get everything)."""
        if user.id == self.owner_id:
            return discord.Permissions.all().value
        value = self.everyone_role.permissions
        for role_id in user.role_ids:
            role = self.roles.get(role_id)
            if role is not None:
                value |= role.permissions
        if value & discord.Permissions(administrator=True).value:
            return discord.Permissions.all().value
        return value

    def set_overwrite(
        self,
        channel: FakeChannel,
        target: FakeRole | FakeUser,
        *,
        allow: discord.Permissions | int = 0,
        deny: discord.Permissions | int = 0,
    ) -> None:
        """Set ``channel``'s permission overwrite for a role or a member (replacing one it had). Announce it with
        ``await fake.dispatch("CHANNEL_UPDATE", channel.to_dict(fake.guild_id))`` once the bot is connected."""
        value = {
            "id": target.id,
            "type": 0 if isinstance(target, FakeRole) else 1,
            "allow": allow.value if isinstance(allow, discord.Permissions) else int(allow),
            "deny": deny.value if isinstance(deny, discord.Permissions) else int(deny),
        }
        channel.overwrites = [o for o in channel.overwrites if o["id"] != target.id] + [value]

    def channel_permissions(self, user: FakeUser, channel: FakeChannel) -> int:
        """``user``'s permissions in ``channel``, as Discord computes them: the guild's (owner and administrators
        get everything), then the channel's @everyone overwrite, its role overwrites together, its member one."""
        value = self.permissions_of(user)
        if value == discord.Permissions.all().value:
            return value
        overwrites = {int(o["id"]): o for o in channel.overwrites}
        everyone = overwrites.get(self.everyone_role.id)
        if everyone is not None:
            value = (value & ~everyone["deny"]) | everyone["allow"]
        allow = deny = 0
        for role_id in user.role_ids:
            role = overwrites.get(role_id)
            if role is not None and role["type"] == 0:
                allow, deny = allow | role["allow"], deny | role["deny"]
        value = (value & ~deny) | allow
        member = overwrites.get(user.id)
        if member is not None and member["type"] == 1:
            value = (value & ~member["deny"]) | member["allow"]
        return value
