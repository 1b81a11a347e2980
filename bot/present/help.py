"""``/help``: what newsbot does, its commands, and what it keeps of what people ask, and for how long.

The commands come from the caller (the Discord layer reads its own command tree, so a new command is listed
without touching this module); the retention periods from the settings, so the help says what this deployment
really keeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from bot.core.shorten import clip
from bot.present.style import DISCORD, Style

__all__ = ["CommandHelp", "render_help"]


class CommandHelp(NamedTuple):
    """One command as /help lists it."""

    name: str  # "ask", "corpus add"
    description: str
    moderators: bool  # only moderators may use it


def _days(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def kept_lines(keep_gaps: int, keep_answers: int, style: Style) -> list[str]:
    """What is kept of what people ask, and for how long."""
    lines = []
    if keep_gaps:
        lines.append(
            f"• Questions the coverage could not answer: their text only, never who asked, for {_days(keep_gaps)}, "
            f"so that moderators see what to add ({style.command('corpus gaps')})."
        )
    else:
        lines.append("• Questions the coverage could not answer: not kept (turned off).")
    if keep_answers:
        lines.append(
            f"• Answers given here: the question and its quotes, never who asked, for {_days(keep_answers)}, so "
            "that the buttons under them keep working; with them the Helpful / Not helpful votes, each under a "
            "keyed hash of the voter (never the user id). The vote counts per quote stay "
            f"({style.command('corpus feedback')}); votes never change how answers are ranked."
        )
    else:
        lines.append("• Answers given here: not kept (their buttons are turned off).")
    lines.append(f"• Changes to the coverage, with the moderator who made them ({style.command('corpus log')}).")
    return lines


def render_help(
    commands: Sequence[CommandHelp],  # newsbot's own names and descriptions (not outside data: not escaped)
    *,
    keep_gaps: int,
    keep_answers: int,
    style: Style = DISCORD,
    max_chars: int = 4096,
) -> str:
    """The help text: what the bot does and how to ask, every command (moderators' apart), and what is kept."""
    everyone = [c for c in commands if not c.moderators]
    moderators = [c for c in commands if c.moderators]
    lines = [
        f"{style.bold('newsbot')} answers questions about the news coverage of this server with the reporters' own "
        "sentences, each with its outlet, date and headline. It quotes; it never paraphrases or invents, and when "
        "the coverage does not answer a question it says so.",
        "",
        f"{style.bold('Ask')}: mention me with a question (“@newsbot What did Amazon pitch to ICE?”), send me a "
        f"direct message (answered from the default collection), or use {style.command('ask')}.",
        "",
        style.bold("Commands"),
        *(f"{style.command(c.name)}: {clip(c.description, 100)}" for c in everyone),
    ]
    if moderators:
        lines += [
            "",
            style.bold("Moderators") + " (Manage Messages, or a moderator role)",
            *(f"{style.command(c.name)}: {clip(c.description, 100)}" for c in moderators),
        ]
    lines += ["", style.bold("What is kept"), *kept_lines(keep_gaps, keep_answers, style)]
    return clip("\n".join(lines), max_chars)
