"""The coverages and the audit trail as text: ``newsbot servers``, ``newsbot log`` and ``/corpus log``.

Server names and article titles come from Discord and from articles: they go through the style's escaping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.models import AuditEntry, ServerSummary
from bot.present.style import PLAIN, Style

__all__ = ["describe_change", "render_audit", "render_servers", "server_label"]


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
        name = "(the default collection)" if s.id == 0 else (s.name or "(name not known)")
        if s.left_at:
            name += f" (left {s.left_at})"
        lines.append(f"{ident:<20}  {s.articles:>8}  {own:>5}  {s.feeds:>5}  {s.last_change or 'none':<20}  {name}")
    return "\n".join(lines)


def describe_change(entry: AuditEntry, style: Style = PLAIN) -> str:
    """What one change did: ``add ID: title``, ``subscribe feed 3: outlet (url)``, ``remove ID: title (why)``."""
    if entry.feed_id is not None:
        what = f"feed {entry.feed_id}: {style.escape(entry.title or '')} ({style.escape(entry.detail or '')})"
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
