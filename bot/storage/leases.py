"""Leases: work that must happen once however many processes share the store, such as polling the feeds.

A job (a name) is *due* when its last start is a period ago. A process that wants to run it claims its lease: the
claim succeeds only when the job is due and no other process holds an unexpired lease, and it records the start.
The holder renews the lease while the job runs (so a long run is not taken over) and releases it at the end; a
holder that dies simply stops renewing, its lease expires, and the next process to ask takes the job over. The
claim is one statement, so two processes asking at once cannot both succeed, on SQLite or PostgreSQL alike.

Times are Unix seconds from the claiming host's clock: hosts that share a store keep their clocks in step (NTP),
and a job's period is minutes, so a second of difference only moves a start by a second.
"""

from __future__ import annotations

import time

from bot.storage.database import Database

__all__ = ["LeaseRows"]


class LeaseRows(Database):
    """The ``leases`` table (migration 0008)."""

    def claim_lease(self, name: str, holder: str, *, every: float, ttl: float, now: float | None = None) -> bool:
        """Take the lease of job ``name`` for ``ttl`` seconds if the job is due (it last started ``every``
        seconds ago or more, or never did) and no other holder's lease is still running; True if taken."""
        now = time.time() if now is None else now
        with self.transaction() as db:
            row = db.execute(
                "INSERT INTO leases (name, holder, started_at, expires_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, started_at = excluded.started_at, "
                "expires_at = excluded.expires_at "
                "WHERE leases.expires_at <= ? AND leases.started_at <= ? RETURNING holder",
                (name, holder, now, now + ttl, now, now - every),
            ).fetchone()
        return row is not None

    def renew_lease(self, name: str, holder: str, *, ttl: float, now: float | None = None) -> bool:
        """Extend ``holder``'s running lease of ``name`` to ``ttl`` seconds from now; False when it is no longer
        the holder's (it expired and another process took the job over)."""
        now = time.time() if now is None else now
        with self.transaction() as db:
            row = db.execute(
                "UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ? AND expires_at > ? RETURNING name",
                (now + ttl, name, holder, now),
            ).fetchone()
        return row is not None

    def release_lease(self, name: str, holder: str, *, now: float | None = None) -> None:
        """End ``holder``'s lease of ``name`` (the job is done); its start stays, so the job is next due a period
        after it. A no-op when the lease is no longer the holder's."""
        now = time.time() if now is None else now
        with self.transaction() as db:
            db.execute(
                "UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ? AND expires_at > ?",
                (now, name, holder, now),
            )
