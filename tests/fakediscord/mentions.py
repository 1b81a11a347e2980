"""Who a bot's message pings, decided as Discord decides it (the developer docs' "Allowed Mentions Object").

Discord reads the mentions in a message's *content* (never in its embeds): ``<@id>`` / ``<@!id>`` users,
``<@&id>`` roles, ``@everyone`` and ``@here``, unless a backslash escapes them or they stand in code (inline code
between backticks, or a fenced code block): Discord shows code as text, and a mention in it notifies no one. Which of
them ping depends on the ``allowed_mentions`` the message was sent with:

* none given: every kind is parsed (users; roles that are mentionable, or any role when the bot may mention
  everyone; ``@everyone``/``@here`` when it may), and a reply pings the author of the message it answers; but in an
  interaction's messages (its response, followups and their edits) only users (``INTERACTION_DEFAULT``);
* given: only the kinds in ``parse``, plus the ``users`` and ``roles`` it lists by id, and the replied-to author
  only with ``replied_user: true``.

The result fills the message's ``mentions``, ``mention_roles`` and ``mention_everyone``, as on Discord, so a test
can see that a message pinged no one (``fake.pinging_messages()``).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

__all__ = ["INTERACTION_DEFAULT", "Pings", "outside_code", "pings_of"]

#: What an interaction's message pings when sent without ``allowed_mentions`` (the docs' "Default Settings for
#: Allowed Mentions": "In interactions and webhooks, only user mentions are parsed").
INTERACTION_DEFAULT: dict[str, Any] = {"parse": ["users"]}

# Code as Discord's markdown (simple-markdown) reads it: a fenced block, else a run of backticks closed by a run of the
# same length; a backslash before the first backtick makes it text.
_CODE = re.compile(r"(?<![\\`])```[\s\S]*?[^`]```|(?<![\\`])(`+)(?!`)[\s\S]*?[^`]\1(?!`)")
# A backslash before the mention makes it text.
_USER = re.compile(r"(?<!\\)<@!?(\d+)>")
_ROLE = re.compile(r"(?<!\\)<@&(\d+)>")
_EVERYONE = re.compile(r"(?<!\\)@(?:everyone|here)")


@dataclass(frozen=True)
class Pings:
    """What one message pings: user ids, role ids, and whether everyone (or here)."""

    users: tuple[int, ...] = ()
    roles: tuple[int, ...] = ()
    everyone: bool = False

    def __bool__(self) -> bool:
        return bool(self.users or self.roles or self.everyone)


def pings_of(
    content: str,
    allowed: dict[str, Any] | None,
    *,
    known_users: Collection[int],
    mentionable_roles: Collection[int],
    known_roles: Collection[int],
    may_mention_everyone: bool,
    replied_author: int | None = None,
) -> Pings:
    """The pings of a message with ``content`` sent with ``allowed`` (None: no ``allowed_mentions`` at all)."""
    content = outside_code(content)
    parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
    listed_users = set() if allowed is None else {int(u) for u in allowed.get("users") or []}
    listed_roles = set() if allowed is None else {int(r) for r in allowed.get("roles") or []}
    users: list[int] = []
    for raw in _USER.findall(content):
        user = int(raw)
        if user in known_users and ("users" in parse or user in listed_users) and user not in users:
            users.append(user)
    replied = allowed is None or bool(allowed.get("replied_user"))
    if replied_author is not None and replied and replied_author not in users:
        users.append(replied_author)
    roles: list[int] = []
    for raw in _ROLE.findall(content):
        role = int(raw)
        wanted = "roles" in parse or role in listed_roles
        permitted = role in mentionable_roles or may_mention_everyone
        if role in known_roles and wanted and permitted and role not in roles:
            roles.append(role)
    everyone = "everyone" in parse and may_mention_everyone and bool(_EVERYONE.search(content))
    return Pings(tuple(users), tuple(roles), everyone)


def outside_code(content: str) -> str:
    """``content`` with its code (inline and fenced) blanked: what Discord reads mentions in."""
    return _CODE.sub(lambda code: " " * len(code.group()), content)
