"""Hearing of every other process's changes at once: LISTEN on PostgreSQL, in a thread of its own.

Every statement that writes change-log rows notifies, from a trigger in its own transaction (migration 0008), so
a notification is sent only when the change is committed, and it says the newest change number of each coverage
changed (``"0:812,1234567890:813"``; ``"*"``: catch up with everything). :class:`ChangeListener` holds one
connection of its own (a pooled one could not keep a LISTEN) and tells its subscriber (the index keeper,
:class:`bot.search.keeper.Indexes`):

- ``listening()`` once LISTEN is in place, after every (re)connection: the subscriber first catches up from the
  change log (what was committed before is read there; what is committed after is notified), and from then on
  may trust what it is told;
- ``committed(versions)`` for each notification: catch the loaded indexes up now;
- ``lost()`` when the connection breaks or cannot be made: notifications may be missed from now on, so every
  read must check the change log again until ``listening()`` comes back.

It reconnects by itself, waiting longer after each failure (up to a couple of seconds). TCP keepalives find a
connection whose peer vanished without closing it. The wait for notifications wakes up every second only to see
whether it should stop: it sends nothing to the server, so it is not a polling loop. The connection string is
never logged (it may hold a password).
"""

from __future__ import annotations

import logging
import threading

import psycopg
from psycopg import sql

from bot.storage.protocol import ChangeSubscriber

__all__ = ["CHANNEL_QUERY", "ChangeListener", "parse_notification"]

log = logging.getLogger(__name__)

#: The channel of the store in the connection's schema, as the trigger names it (md5: any schema name fits the
#: 63 bytes a channel name may have).
CHANNEL_QUERY = "SELECT 'newsbot_' || md5(current_schema())"
_FIRST_RETRY_S = 0.05
_LAST_RETRY_S = 2.0
_WAKE_S = 1.0  # how often the wait for notifications looks whether the listener is being closed


def parse_notification(payload: str) -> dict[int, int] | None:
    """``{server: newest change}`` from a notification's payload; None for ``*`` or anything unexpected (catch
    up with everything: a payload newsbot cannot read must never make it miss a change)."""
    versions: dict[int, int] = {}
    for part in payload.split(","):
        server, colon, seq = part.partition(":")
        if not colon or not server.strip().isdigit() or not seq.strip().isdigit():
            return None
        versions[int(server)] = max(versions.get(int(server), 0), int(seq))
    return versions


class ChangeListener:
    """The store's change feed on PostgreSQL: a daemon thread that LISTENs and tells a subscriber."""

    def __init__(self, conninfo: str, *, keepalive_idle_s: int = 10) -> None:
        self._conninfo = conninfo  # may hold a password: never logged
        self._keepalive_idle_s = keepalive_idle_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()  # set while LISTEN is in place (tests and doctor look at it)

    def start(self, subscriber: ChangeSubscriber) -> None:
        if self._thread is not None:
            raise RuntimeError("the change listener is started already")
        self._thread = threading.Thread(
            target=self._run, args=(subscriber,), name="newsbot-change-listener", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop listening (within about a second) and close the connection."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=_WAKE_S * 3)

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        idle = self._keepalive_idle_s
        return psycopg.connect(
            self._conninfo,
            autocommit=True,
            connect_timeout=5,
            keepalives=1,
            keepalives_idle=idle,
            keepalives_interval=max(idle // 3, 1),
            keepalives_count=3,
            application_name="newsbot change listener",
        )

    def _run(self, subscriber: ChangeSubscriber) -> None:
        retry = _FIRST_RETRY_S
        while not self._stop.is_set():
            try:
                with self._connect() as conn:
                    row = conn.execute(CHANNEL_QUERY).fetchone()
                    assert row is not None
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(str(row[0]))))
                    subscriber.listening()
                    self.connected.set()
                    if retry > _FIRST_RETRY_S:
                        log.info("listening for changes again")
                    retry = _FIRST_RETRY_S
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=_WAKE_S):
                            subscriber.committed(parse_notification(note.payload))
            except psycopg.Error as exc:
                if not self._stop.is_set():
                    log.warning("not listening for changes (retrying in %.1f s): %s", retry, _first_line(exc))
            except Exception as exc:  # noqa: BLE001 - the subscriber could not catch up (the store is down)
                log.warning("could not catch up with the changes (retrying in %.1f s): %s", retry, _first_line(exc))
            self.connected.clear()
            subscriber.lost()
            if self._stop.wait(retry):
                break
            retry = min(retry * 2, _LAST_RETRY_S)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
