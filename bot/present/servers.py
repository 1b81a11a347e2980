"""The coverages and the audit trail as text: ``newsbot servers``, ``newsbot log`` and ``/corpus log``.

Server names and article titles come from Discord and from articles: they go through the style's escaping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.models import AuditEntry, ServerSummary
from bot.core.shorten import clip
from bot.present.alerts import describe_posting
from bot.present.style import PLAIN, Style

__all__ = ["describe_change", "render_audit", "render_audit_digest", "render_log", "render_servers", "server_label"]


def server_label(server: int, names: Mapping[int, str | None], style: Style = PLAIN) -> str:
    """``default``, or ``server ID (name)`` when the name is known."""
    if server == 0:
        return "default"
    name = names.get(server)
    return f"server {server}" + (f" ({style.escape(name)})" if name else "")


def render_servers(servers: Sequence[ServerSummary]) -> str:
    """One line a coverage for a terminal: id, articles (own), feeds, last change, name."""
    lines = [f"{'server':<20}  {'articles':>8}  {'own':>5}  {'feeds':>5}  {'last change':<20}  name"]
    for s in servers:
        ident = "default" if s.id == 0 else str(s.id)
        own = "-" if s.id == 0 else str(s.own_articles)
        name = "(the default collection)" if s.id == 0 else PLAIN.escape(s.name or "(name not known)")
        if s.left_at:
            name += f" (left {s.left_at})"
        lines.append(f"{ident:<20}  {s.articles:>8}  {own:>5}  {s.feeds:>5}  {s.last_change or 'none':<20}  {name}")
    return "\n".join(lines)


def describe_change(entry: AuditEntry, style: Style = PLAIN) -> str:
    """What one change did: ``add ID: title``, ``subscribe feed 3: outlet (url)``, ``remove ID: title (why)``,
    ``alert feed 3: outlet (url): posts its new articles in CHANNEL, only those on “topic”``."""
    if entry.feed_id is not None:
        what = f"feed {entry.feed_id}: {style.escape(entry.title or '')} ({style.escape(entry.detail or '')})"
        if entry.channel_id is not None:
            where = style.channel(entry.channel_id)
            said = describe_posting(where, entry.topic, style)
            what += f": {said}" if entry.action == "alert" else f": no longer {said}"
    else:
        what = f"{entry.article_id}: {style.escape(entry.title or '')}"
        if entry.detail:
            what += f" ({style.escape(entry.detail)})"
    return f"{entry.action} {what}"


def render_audit(entries: Sequence[AuditEntry], names: Mapping[int, str | None], style: Style = PLAIN) -> list[str]:
    """One line a change, newest first: when, which coverage (and from which server, when another), who, what."""
    lines = []
    for e in entries:
        where = server_label(e.server_id, names, style)
        if e.guild_id is not None and e.guild_id != e.server_id:
            where += f", from {server_label(e.guild_id, names, style)}"
        lines.append(f"{e.at}  {where}  {style.escape(e.actor)}  {describe_change(e, style)}")
    return lines


def render_log(entries: Sequence[AuditEntry], names: Mapping[int, str | None]) -> list[str]:
    """``newsbot log``: :func:`render_audit` on a terminal, or that nothing has changed."""
    return render_audit(entries, names) or ["No changes yet."]


def render_audit_digest(
    entries: Sequence[AuditEntry], names: Mapping[int, str | None], style: Style, *, max_chars: int
) -> str:
    """The audit trail as ``/corpus log`` shows it: each change cut to 400 characters, as many as fit."""
    lines = [clip(line, 400) for line in render_audit(entries, names, style)]
    shown: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in shown) + len(line) > max_chars:
            break
        shown.append(line)
    if not shown:
        return "No changes yet: this server reads the default collection."
    more = "" if len(shown) == len(lines) else f"\n… (see {style.code('newsbot log --server')} for more)"
    return "\n".join(shown) + more
