"""A loopback TCP proxy between newsbot and the test PostgreSQL server, that a test can cut and restore.

The server is shared (every engineer's tests, CI) and must never be stopped; an outage is simulated here instead:
``cut()`` closes every connection that goes through the proxy and refuses new ones (as a stopped or restarting
server does), ``restore()`` accepts them again on the same port. Only connections made through the proxy, the
test's own, are affected.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

__all__ = ["PgProxy", "through"]


class PgProxy:
    """Forwards 127.0.0.1:<port> to ``target``; see the module docstring."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 5432)) -> None:
        self.target = target
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.port = 0
        self._listen()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True, name="pgproxy-accept").start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut or closed
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._open.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True, name="pgproxy-pump").start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                self._drop(end)

    def _drop(self, end: socket.socket) -> None:
        with self._lock:
            self._open.discard(end)
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
        end.close()

    def cut(self) -> None:
        """The server is gone: every connection through the proxy is closed, and new ones are refused."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread: close alone would not
            listener.close()
        with self._lock:
            ends = list(self._open)
        for end in ends:
            self._drop(end)

    def restore(self) -> None:
        """The server is back: connections are accepted again, on the same port."""
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        self.cut()


def through(url: str, proxy: PgProxy) -> str:
    """``url`` (a PostgreSQL URL of the test server) going through ``proxy`` instead."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{proxy.port}"))


@contextlib.contextmanager
def running_proxy() -> Iterator[PgProxy]:
    proxy = PgProxy()
    try:
        yield proxy
    finally:
        proxy.close()
