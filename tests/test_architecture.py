"""Data flows one way: the core is plain Python; only the Discord glue imports discord, only the CLI click."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
CORE = sorted(p for p in BOT.rglob("*.py") if p.relative_to(BOT).parts[0] not in ("cli", "discord_app", "__main__.py"))


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 0 and node.module:
            names.add("." + node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.relative_to(BOT).as_posix())
def test_the_core_never_imports_discord_or_click(path: Path) -> None:
    found = imported(path)
    assert "discord" not in found and "click" not in found
    assert not any(name.startswith(("bot.discord_app", "bot.cli")) for name in found)


def test_only_the_discord_glue_imports_discord() -> None:
    users = {p.relative_to(BOT).as_posix() for p in BOT.rglob("*.py") if "discord" in imported(p)}
    assert users and all(u.startswith("discord_app/") for u in users)


def test_only_the_service_opens_the_store() -> None:
    """One door: every caller goes through NewsService, which alone holds the store."""
    users = {
        p.relative_to(BOT).as_posix()
        for p in BOT.rglob("*.py")
        if "bot.storage.store" in imported(p) and p.relative_to(BOT).parts[0] != "storage"
    }
    assert users == {"service.py"}
    for path in BOT.rglob("*.py"):
        if path.name == "service.py" or path.relative_to(BOT).parts[0] == "storage":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        reach = [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in ("store", "_store")]
        assert not reach, f"{path.relative_to(BOT)} reaches through the service to its store"
