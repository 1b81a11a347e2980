"""The operations part of the service: what an operator's tools need of the store (backup, health, the record of
which slash commands were synced where)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from bot.service.part import ServicePart
from bot.storage.protocol import HealthRecord

__all__ = ["OperationsPart", "command_signature"]


def command_signature(payload: list[dict[str, Any]]) -> str:
    """A fingerprint of the slash commands' definitions, to tell whether Discord has the current ones."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


class OperationsPart(ServicePart):
    """Backups, health and the slash commands' sync state."""

    def backup(self, target: Path) -> int:
        """Copy the database to ``target`` with SQLite's online backup (consistent while the bot writes)."""
        return self._store.backup_file(target)

    def health(self) -> HealthRecord:
        """The database's path, schema, quick check and command-sync state, for ``newsbot doctor``."""
        return self._store.health()

    def record_command_sync(self, signature: str, target: str) -> None:
        """Remember which slash commands were synced, and where (``newsbot doctor`` compares them)."""
        self._store.set_meta("commands_signature", signature)
        self._store.set_meta("commands_synced_to", target)
        self._store.set_meta("commands_scopes", json.dumps(sorted({*self.command_scopes(), target})))

    def record_command_clear(self, target: str) -> None:
        """Remember that the slash commands were removed from ``target`` ("global" or "guild ID")."""
        self._store.set_meta("commands_scopes", json.dumps([s for s in self.command_scopes() if s != target]))

    def command_scopes(self) -> list[str]:
        """Where the slash commands were synced and not cleared since: "global" and "guild ID" entries."""
        try:
            scopes = json.loads(self._store.get_meta("commands_scopes") or "[]")
        except ValueError:
            return []
        return [str(scope) for scope in scopes] if isinstance(scopes, list) else []
