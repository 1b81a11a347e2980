"""The servers part of the service: which Discord servers the bot is in, and what each one's coverage holds."""

from __future__ import annotations

from bot.core.errors import InvalidInput
from bot.core.models import ServerSummary
from bot.service.part import ServicePart, check_server_id

__all__ = ["ServersPart"]


class ServersPart(ServicePart):
    """The servers the bot knows (recorded as it joins and leaves them)."""

    def require_known_server(self, server: int) -> int:
        """``server`` if the bot has been in it or it has a coverage; else InvalidInput (a typo in --server)."""
        check_server_id(server)
        if not self._store.known_server(server):
            raise InvalidInput(
                f"no server {server} is known: the bot records each server it is in (see `newsbot servers`)"
            )
        return server

    def record_servers(self, servers: list[tuple[int, str | None]]) -> None:
        """The Discord servers the bot is in, with their names (for ``newsbot servers``)."""
        self._store.record_servers([(check_server_id(i), name) for i, name in servers])

    def server_left(self, server: int) -> None:
        """The bot left a server: its coverage is kept, in case it is invited back."""
        self._store.server_left(check_server_id(server))

    def servers(self) -> list[ServerSummary]:
        """The default collection and every server's coverage: articles, feeds, last change."""
        return self._store.servers()
