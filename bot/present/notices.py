"""Short lines: the confirmations of operator commands, errors on a terminal, titles and footers, notices.

Small as each is, every one is text a user reads, so it is made here like every other output and the glue only
sends it. Paths and names typed by the operator, and anything from outside, go through the style's escaping (on a
terminal: control characters shown, not obeyed).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

from bot.present.style import PLAIN, Style

__all__ = [
    "EMBEDDING_STOPPED",
    "NOTHING_ADDED",
    "render_backed_up",
    "render_batch_answer",
    "render_changes_title",
    "render_chart_written",
    "render_commands_cleared",
    "render_commands_synced",
    "render_commands_twice",
    "render_count",
    "render_embedded",
    "render_error",
    "render_error_reply",
    "render_exported",
    "render_import_refused",
    "render_moved_aside",
    "render_nothing_added",
    "render_page_footer",
    "render_restore_question",
    "render_restored",
    "render_slow_down",
]

EMBEDDING_STOPPED = (
    "newsbot: embedding stopped; the articles are stored and answerable, and `newsbot embed` (or the bot, "
    "when it starts) computes the remaining vectors"
)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# --- errors and notices, both places -------------------------------------------------------------------------------


def render_error(message: object, *, where: str | None = None) -> str:
    """One error line on a terminal: ``newsbot: error: [FILE:LINE: ]message``."""
    at = f"{where}: " if where else ""
    return PLAIN.escape(f"newsbot: error: {at}{message}")


# A code span the message means: a command's name ("`newsbot list`", "`/timeline`"); any other backtick is text.
_COMMAND_SPAN = re.compile(r"`(/?[a-z][a-z -]{0,40})`")


def render_error_reply(message: object, style: Style, *, capitalize: bool = False) -> str:
    """An error as a chat user reads it (a private reply): the message escaped, for it can quote what the user
    typed, a file's name or an article, except the code spans that name a command, which stay code."""
    text = str(message)
    if capitalize:
        text = text[:1].upper() + text[1:]
    parts = _COMMAND_SPAN.split(text)  # text, command, text, command, ..., text
    return "".join(style.code(part) if i % 2 else style.escape(part) for i, part in enumerate(parts))


def render_batch_answer(question: str, answer: str) -> str:
    """One question of ``newsbot ask --batch`` and its rendered answer, as a Markdown section."""
    return f"## {PLAIN.escape(question)}\n\n{answer}\n"


NOTHING_ADDED = "Nothing was added: "  # before the reason a change was refused


def render_nothing_added(reason: object, style: Style) -> str:
    """A refused addition and why (the error's message, escaped as :func:`render_error_reply` does)."""
    return f"{NOTHING_ADDED}{render_error_reply(reason, style)}"


def render_slow_down(retry_after: float) -> str:
    """Someone asked again too soon (the bot's per-user limit)."""
    return f"You're asking quickly: try again in {retry_after:.0f} s."


def render_page_footer(page: int, pages: int) -> str:
    """Under one page (0-based ``page``) of several."""
    return f"Page {page + 1} of {pages}"


def render_count(count: int, noun: str, order: str = "") -> str:
    """A listing's title: "3 feeds", "1 article, newest first"."""
    return plural(count, noun) + (f", {order}" if order else "")


def render_changes_title(coverage: str) -> str:
    """The title of the audit trail of ``coverage`` (in words: "this server's coverage")."""
    return f"Changes to {coverage}, newest first"


# --- the operator's commands (a terminal) ---------------------------------------------------------------------------


def render_backed_up(database: Path, target: Path, size: int) -> str:
    return PLAIN.escape(f"Backed up {database} to {target} ({size:,} bytes)")


def render_restore_question(database: Path | str, source: Path) -> str:
    """What ``newsbot restore`` asks before it replaces the database (``--yes`` skips the question)."""
    return PLAIN.escape(f"Replace the corpus in {database} with {source}?")


def render_restored(count: int, source: Path) -> str:
    return PLAIN.escape(f"Restored {count} articles from {source}")


def render_moved_aside(path: Path) -> str:
    """Where a damaged database was put before a restore replaced it."""
    return PLAIN.escape(f"The damaged database was moved to {path}")


def render_exported(count: int, directory: Path) -> str:
    return PLAIN.escape(f"Exported {count} articles to {directory}")


def render_import_refused(bad_lines: int) -> str:
    return f"newsbot: nothing was imported: {bad_lines} bad line(s); fix them or use --skip-invalid"


def render_chart_written(path: Path) -> str:
    return PLAIN.escape(f"Wrote the chart to {path}")


def render_embedded(embedded: int, model: str, stored: int) -> str:
    return PLAIN.escape(f"embedded {embedded} texts with {model}; {stored} vectors stored")


def _command_list(names: Collection[str]) -> str:
    return ", ".join("/" + n for n in sorted(names))


def render_commands_synced(names: Collection[str], guild_id: int | None) -> str:
    """What ``newsbot sync`` registered, and where (a global sync takes Discord up to an hour to show)."""
    where = f"guild {guild_id}" if guild_id else "all guilds (global; Discord may take up to an hour)"
    return f"Synced {len(names)} commands to {where}: {_command_list(names)}"


def render_commands_cleared(names: Collection[str], guild_id: int | None) -> str:
    """What ``newsbot sync --clear`` removed, and from where."""
    scope = f"guild {guild_id}" if guild_id else "the global scope"
    if not names:
        return f"No commands in {scope}."
    return f"Removed {len(names)} commands from {scope}: {_command_list(names)}"


def render_commands_twice(scope: str) -> str:
    """A guild that also holds its own copy of globally synced commands shows each of them twice."""
    return (
        f"Note: {scope} also has its own copy, so every command shows twice there; remove it with "
        f"`newsbot sync --guild {scope.removeprefix('guild ')} --clear`."
    )
