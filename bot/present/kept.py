"""What newsbot keeps of what people asked, as text: knowledge gaps (``newsbot gaps``, ``/corpus gaps``), the
least helpful quotes (``newsbot feedback``, ``/corpus feedback``) and what a voter is told.

Questions and quotes came from users and articles: they go through the style's escaping. Times are said relative
to ``today`` ("today", "3 days ago"), the day the listing is made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.core.kept import FeedbackReport, GapReport, KnowledgeGap, QuoteFeedback, VoteOutcome
from bot.core.shorten import clip
from bot.present.style import PLAIN, Style

__all__ = ["days_ago", "render_feedback", "render_gaps", "render_vote"]

QUESTION_CHARS = 200  # a question is shown at most this long (it was asked in up to 500)
QUOTE_CHARS = 300
ALSO_ASKED = 2  # other wordings of a group shown under its latest one


@dataclass(frozen=True)
class _Section:
    """A heading and the entries under it (each entry a few lines, kept whole): what "… and N more" counts is the
    entries, told apart from headings by this structure (never by their text, which may be anything a headline or
    a question is)."""

    heading: str
    entries: list[list[str]] = field(default_factory=list)


def days_ago(at: str, today: str) -> str:
    """``today``, ``yesterday`` or ``N days ago``: how long before ``today`` (YYYY-MM-DD) the ISO time ``at`` was."""
    days = (dt.date.fromisoformat(today) - dt.date.fromisoformat(at[:10])).days
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days} days ago"


def _question(text: str, style: Style) -> str:
    return f"“{style.escape(clip(text, QUESTION_CHARS))}”"


def _gap_lines(gap: KnowledgeGap, style: Style, today: str) -> list[str]:
    head = f"• {style.bold(f'{gap.count}×')} {_question(gap.questions[0], style)}"
    if gap.answered_at is None:
        terms = style.escape(" ".join(gap.terms))
        lines = [f"{head} · terms: {terms} · last asked {days_ago(gap.last_asked, today)}"]
    else:
        by = (
            style.escape(clip(gap.answered_by_title, 120))
            if gap.answered_by_title
            else style.code(gap.answered_by or "")
        )
        lines = [f"{head} · answered {days_ago(gap.answered_at, today)} by {by}"]
    others = gap.questions[1 : 1 + ALSO_ASKED]
    if others:
        lines.append("  also asked as: " + "; ".join(_question(q, style) for q in others))
    return lines


def render_gaps(report: GapReport, style: Style = PLAIN, *, today: str, max_chars: int | None = None) -> str:
    """The questions a coverage could not answer, grouped by their terms: the open ones most asked first (how
    often, the terms, when last asked, other wordings), then those a later article answered."""
    if report.keep_days == 0:
        return "Knowledge gaps are off (NEWSBOT_KEEP_GAPS=0): questions the coverage could not answer are not kept."
    if not report.gaps:
        return f"No question went unanswered in the last {report.keep_days} days."
    sections: list[_Section] = []
    if report.open:
        heading = f"Questions the coverage could not answer, most asked first (kept {report.keep_days} days):"
        sections.append(_Section(heading, [_gap_lines(gap, style, today) for gap in report.open]))
    if report.answered:
        sections.append(
            _Section("Answered since by a new article:", [_gap_lines(g, style, today) for g in report.answered])
        )
    return _fit(sections, max_chars, more=report.total - len(report.gaps))


def _quote_lines(quote: QuoteFeedback, style: Style) -> list[str]:
    votes = style.bold(f"{quote.not_helpful} not helpful, {quote.helpful} helpful")
    if quote.title is not None and quote.source is not None:
        where = f"{style.escape(quote.source)} · {style.link(style.escape(clip(quote.title, 120)), quote.url)}"
    else:
        where = f"{style.code(quote.article_id)} (removed since)"
    lines = [f"• {votes} · {where}", f"> {style.escape(clip(quote.text, QUOTE_CHARS))}"]
    if quote.questions:
        lines.append("  asked: " + "; ".join(_question(q, style) for q in quote.questions[:3]))
    return lines


def render_feedback(report: FeedbackReport, style: Style = PLAIN, *, max_chars: int | None = None) -> str:
    """The quotes readers voted on, the least helpful first: the votes, the quote and its article, and the
    questions it was the answer to."""
    if report.keep_days == 0:
        return "Feedback is off (NEWSBOT_KEEP_ANSWERS=0): answers carry no vote buttons."
    if not report.quotes:
        return "No votes yet: every answer in Discord carries Helpful / Not helpful buttons."
    section = _Section(
        "Quotes readers voted on, the least helpful first:", [_quote_lines(q, style) for q in report.quotes]
    )
    return _fit([section], max_chars, more=report.total - len(report.quotes))


def render_vote(outcome: VoteOutcome, helpful: bool) -> str:
    """What the voter is told, privately, after a click on Helpful or Not helpful."""
    what = "helpful" if helpful else "not helpful"
    if outcome == "counted":
        return f"Thanks: your vote ({what}) is counted."
    if outcome == "changed":
        return f"Your vote is changed to {what}."
    return f"Your vote ({what}) is already counted."


def _more(left: int) -> str:
    return f"\n… and {left} more" if left > 0 else ""


def _fit(sections: list[_Section], max_chars: int | None, *, more: int = 0) -> str:
    """The sections' entries, in order, that fit ``max_chars`` with the line saying how many were left out (those
    that did not fit, and the ``more`` beyond the listing's limit); a heading only above an entry shown."""
    left = sum(len(section.entries) for section in sections) + max(more, 0)
    shown: list[str] = []
    used = -1  # the first line needs no newline before it
    for section in sections:
        heading = [section.heading]
        for entry in section.entries:
            block = "\n".join(heading + entry)
            if max_chars is not None and used + 1 + len(block) + len(_more(left - 1)) > max_chars:
                return ("\n".join(shown) + _more(left)).lstrip("\n")
            shown.append(block)
            used += 1 + len(block)
            left -= 1
            heading = []
    return "\n".join(shown) + _more(left)
