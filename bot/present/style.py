"""How text looks in each place it is shown: the two styles and the one markdown escaping.

``PLAIN`` is for a terminal; ``DISCORD`` for Discord messages and embeds, where text that comes from an article, a
feed or a user (headlines, outlets, quotes, topics, errors) goes through :func:`escape_markdown` so it can neither
break the layout, form a link nor ping anyone. Every renderer takes a :class:`Style`, so one layout serves both.
Escaping lives here and nowhere else: a defence against injected markup belongs in this module.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["DISCORD", "PLAIN", "Style", "escape_markdown"]

_MARKDOWN = re.compile(r"([\\*_~`|>#\-\[\]()<@])")


def escape_markdown(text: str) -> str:
    """Backslash-escape Discord markdown, masked links and mention syntax; the text reads the same."""
    return _MARKDOWN.sub(r"\\\1", text)


@dataclass(frozen=True)
class Style:
    """One way of showing text: how to escape what came from outside, how to make it bold, how to link it."""

    escape: Callable[[str], str]
    bold: Callable[[str], str]
    link: Callable[[str, str | None], str]  # (escaped headline, url)
    code: Callable[[str], str]  # an id or a command line, shown as typed (never article text)
    command: Callable[[str], str]  # how to name one of newsbot's commands: "timeline" or `/timeline`


def _plain_link(title: str, url: str | None) -> str:
    return f"{title} <{url}>" if url else title


def _discord_link(title: str, url: str | None) -> str:
    return f"[{title}](<{url}>)" if url else f"*{title}*"


PLAIN = Style(escape=lambda s: s, bold=lambda s: s, link=_plain_link, code=lambda s: s, command=lambda s: s)
DISCORD = Style(
    escape=escape_markdown,
    bold=lambda s: f"**{s}**",
    link=_discord_link,
    code=lambda s: f"`{s}`",
    command=lambda s: f"`/{s}`",
)
