"""Discord's sharding rules, as the developer docs' "Sharding" section states them.

* A session may IDENTIFY with ``shard: [shard_id, num_shards]`` (0 <= shard_id < num_shards); anything else in that
  field is closed with 4010 "Invalid shard". Without it the session is the one shard ``[0, 1]``.
* A guild's events go to the sessions whose shard is ``(guild_id >> 22) % num_shards``; an event that names no guild
  (a direct message) goes only to shard 0. Several sessions may share a shard, or use another ``num_shards``: each is
  routed by its own pair.
* A session would hold at most 2,500 guilds: one that would hold more is closed with 4011 "Sharding required".
* ``GET /gateway/bot`` recommends a number of shards (``shards``). Discord documents no formula; the fake recommends
  one shard per 1,000 guilds begun, well under the limit.

Plain functions, apart from the gateway that applies them, so that the rule a test relies on reads in one place.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "GUILDS_PER_RECOMMENDED_SHARD",
    "INVALID_SHARD",
    "MAX_GUILDS_PER_SHARD",
    "SHARDING_REQUIRED",
    "Shard",
    "event_guild",
    "parse_shard",
    "receives",
    "recommended_shards",
    "shard_of",
]

#: Gateway close codes (discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-close-event-codes).
INVALID_SHARD = 4010
SHARDING_REQUIRED = 4011
MAX_GUILDS_PER_SHARD = 2500
GUILDS_PER_RECOMMENDED_SHARD = 1000

#: (shard_id, num_shards)
Shard = tuple[int, int]

#: Events whose guild is their ``id`` (they are the guild), not a ``guild_id`` field.
_GUILD_EVENTS = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})


def shard_of(guild_id: int, num_shards: int) -> int:
    """The shard a guild's events go to (Discord's sharding formula)."""
    return (guild_id >> 22) % num_shards


def parse_shard(value: Any) -> Shard | None:
    """IDENTIFY's ``shard`` as (shard_id, num_shards), ``(0, 1)`` when absent; None when Discord refuses it (4010)."""
    if value is None:
        return (0, 1)
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    shard_id, num_shards = value
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (shard_id, num_shards)):
        return None
    if num_shards < 1 or not 0 <= shard_id < num_shards:
        return None
    return (shard_id, num_shards)


def receives(shard: Shard, guild_id: int | None) -> bool:
    """Whether a session on ``shard`` is sent the events of ``guild_id`` (None: an event of no guild, a DM's)."""
    shard_id, num_shards = shard
    if guild_id is None:
        return shard_id == 0
    return shard_of(guild_id, num_shards) == shard_id


def event_guild(event: str, data: dict[str, Any]) -> int | None:
    """The guild a DISPATCH event belongs to, for routing: its ``guild_id``, or its ``id`` for the guild's own
    events (GUILD_CREATE, GUILD_UPDATE, GUILD_DELETE); None for an event of no guild."""
    raw = data.get("id") if event in _GUILD_EVENTS else data.get("guild_id")
    return None if raw is None else int(raw)


def recommended_shards(guild_count: int, guilds_per_shard: int = GUILDS_PER_RECOMMENDED_SHARD) -> int:
    """``GET /gateway/bot``'s ``shards``: one per ``guilds_per_shard`` guilds begun, at least one."""
    return max(1, -(-guild_count // guilds_per_shard))
