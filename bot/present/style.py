"""How text looks in each place it is shown: the two styles and the one markdown escaping.

``PLAIN`` is for a terminal; ``DISCORD`` for Discord messages and embeds, where text that comes from an article, a
feed or a user (headlines, outlets, quotes, topics, errors) goes through :func:`escape_markdown` so it can neither
break the layout, form a link nor ping anyone. Every renderer takes a :class:`Style`, so one layout serves both.
Escaping lives here and nowhere else: a defence against injected markup belongs in this module.

What is defended, whatever the store holds (intake refuses most of it, but the renderer does not count on that):

* markdown, masked links, mentions, headings, lists, spoilers and code in any text from outside: backslash
  escapes, which Discord shows as the plain character, so the text reads the same (``1\\. `` for a numbered
  line, ``https\\://`` so a web address in a quote is not made a link);
* a link's address: only http and https are linked, and every character that could end the ``(<...>)`` of a
  masked link or a line (``>``, spaces, controls, anything beyond ASCII) is percent-encoded (:func:`link_target`);
  an address shown as itself (``<address>``, a feed's in ``/feeds list``) also has every character percent-encoded
  that markdown or a mention could use, or is shown as escaped text (:func:`bare_address`);
* control characters (a terminal escape sequence starts with one) and bidirectional overrides: shown as visible
  escapes on a terminal (:func:`bot.core.sanitize.terminal_safe`), dropped in Discord.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from bot.core.sanitize import terminal_safe
from bot.core.shorten import clip

__all__ = ["DISCORD", "PLAIN", "Style", "bare_address", "escape_markdown", "link_target"]

_MARKDOWN = re.compile(r"([\\*_~`|>#\-\[\]()<@])")
_NUMBERED = re.compile(r"^(\s*\d+)\.(?=\s)", re.M)  # "1. " at the start of a line is an ordered list
# Discord links a bare web address even glued to a word ("0https://..."): its text rule stops before any "word:"
_AUTOLINK = re.compile(r"(?i)(https?):(?=//)")
_INVISIBLE_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# RFC 3986's characters, left as they are in an address; everything else is percent-encoded.
_URL_SAFE = "-._~:/?#[]@!$&'()*+,;=%"
# Of those, what the path and query of an address shown bare (``<address>``) keep: no markdown, mention or "://".
_BARE_SAFE = "-./?#!$&'+,;=%"
_PLAIN_HOST = re.compile(r"[A-Za-z0-9.\-]+(?::[0-9]+)?|\[[0-9A-Fa-f:.]+\](?::[0-9]+)?")
ADDRESS_MAX_CHARS = 500  # a longer address (a tracking redirect) is shown cut, as text


def escape_markdown(text: str) -> str:
    """Backslash-escape Discord markdown, masked links, autolinks and mention syntax; the text reads the same."""
    text = _INVISIBLE_CONTROLS.sub("", text)
    text = _MARKDOWN.sub(r"\\\1", text)
    text = _NUMBERED.sub(r"\1\\.", text)
    return _AUTOLINK.sub(r"\1\\:", text)


def link_target(url: str | None) -> str | None:
    """``url`` as the address of a link: None unless it is http(s); every character that could end a masked link
    ``[...](<...>)`` or a line, and any beyond ASCII, percent-encoded (the address still leads to the same page)."""
    if not url:
        return None
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        return None
    return quote(url, safe=_URL_SAFE)


def bare_address(url: str) -> str:
    """``url`` shown as itself in Discord: ``<address>`` (linked, without a preview) when it is http(s) with a
    plain host and short enough, every character beyond :data:`_BARE_SAFE` percent-encoded (``_`` is ``%5F``: the
    same address); otherwise the address as escaped text, cut to :data:`ADDRESS_MAX_CHARS`."""
    target = link_target(url)
    if target is not None:
        parts = urlsplit(target)
        rest = target[len(parts.scheme) + 3 + len(parts.netloc) :]
        path = quote(rest, safe=_BARE_SAFE).replace("_", "%5F").replace("~", "%7E")  # quote() keeps these two
        bare = f"{parts.scheme}://{parts.netloc}{path}"
        if _PLAIN_HOST.fullmatch(parts.netloc) and len(bare) + 2 <= ADDRESS_MAX_CHARS:
            return f"<{bare}>"
    return escape_markdown(clip(url, ADDRESS_MAX_CHARS))


@dataclass(frozen=True)
class Style:
    """One way of showing text: how to escape what came from outside, how to make it bold, how to link it."""

    escape: Callable[[str], str]
    bold: Callable[[str], str]
    link: Callable[[str, str | None], str]  # (escaped headline, url)
    code: Callable[[str], str]  # an id or a command line, shown as typed (never article text)
    command: Callable[[str], str]  # how to name one of newsbot's commands: "timeline" or `/timeline`
    address: Callable[[str], str]  # a web address shown as itself (a feed's), not as a headline's link
    channel: Callable[[int], str]  # a Discord channel by its id: in words, or as Discord links it (<#id>)


def _plain_link(title: str, url: str | None) -> str:
    target = link_target(url)
    return f"{title} <{target}>" if target else title


def _one_line(text: str) -> str:
    """A link's or a bold text's label on one line: markup split by a line break is not markup any more, and
    its second half would start a line (where ``*`` begins a list item)."""
    return " ".join(text.splitlines())


def _discord_link(title: str, url: str | None) -> str:
    target = link_target(url)
    title = _one_line(title)
    return f"[{title}](<{target}>)" if target else f"*{title}*"


def _discord_bold(text: str) -> str:
    return f"**{_one_line(text)}**"


PLAIN = Style(
    escape=terminal_safe,
    bold=lambda s: s,
    link=_plain_link,
    code=lambda s: s,
    command=lambda s: s,
    address=terminal_safe,
    channel=lambda channel_id: f"the Discord channel {channel_id}",
)
DISCORD = Style(
    escape=escape_markdown,
    bold=_discord_bold,
    link=_discord_link,
    code=lambda s: f"`{s}`",
    command=lambda s: f"`/{s}`",
    address=bare_address,
    channel=lambda channel_id: f"<#{channel_id}>",
)
