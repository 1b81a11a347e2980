"""The folder tree is the architecture: every import runs down the table of layers, never up or sideways.

Every module under bot/ is read with ``ast`` and every import counts, the lazy ones inside functions and those
under ``TYPE_CHECKING`` too: a lazy import is still an arrow a maintainer must know about. The rules are tested on
synthetic modules first (each wrong arrow the layout once had is shown to fail), then applied to the real code.
"""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BOT = REPO / "bot"

# --- the table of layers -----------------------------------------------------------------------------------------

#: Each layer (a sub-package of bot/) and the layers it may import, lowest first. A layer not
#: named on its line is out of bounds: above it (an arrow up) or beside it (packages that should not know each other).
LAYERS: dict[str, frozenset[str]] = {
    "core": frozenset(),  # models, errors, config, text, urls: plain Python
    "storage": frozenset({"core"}),  # the SQLite store and its keys, the vector cache
    "search": frozenset({"core", "storage"}),  # BM25, the coverage index, query parsing, answers, timeline, sources
    "present": frozenset({"core"}),  # the one renderer: styles, answers, listings, feeds, the chart
    "intake": frozenset({"core", "storage"}),  # articles coming in: files, pages, feeds' format, bulk
    "service": frozenset({"core", "storage", "search", "present", "intake"}),  # NewsService, the one door
    "feeds": frozenset({"core", "intake", "present", "service"}),  # subscriptions and their polls
    "ops": frozenset({"core", "storage", "search", "intake", "present", "service"}),  # maintenance, benchmarks, eval
    "discord_app": frozenset({"core", "intake", "present", "service", "feeds"}),  # the Discord glue
    "cli": frozenset({"core", "search", "intake", "present", "service", "feeds", "ops", "discord_app"}),  # commands
}


@dataclass(frozen=True)
class Tier:
    """Modules of one package at one height (``None``: every module not named in another tier); ``peers`` must
    not import each other."""

    modules: frozenset[str] | None
    peers: bool = False


#: Inside a package, tiers lowest first: a module may import its own tier and the tiers below.
TIERS: dict[str, list[Tier]] = {
    # The four pickers each answer their own question over the shared query parsing and index below them.
    "search": [Tier(None), Tier(frozenset({"answers", "timeline", "sources", "compare"}), peers=True)],
    # Article files, pages, extraction and the feed format work offline; only these modules reach the network.
    "intake": [Tier(None), Tier(frozenset({"guard", "http", "discovery", "ingest"}))],
    # The service's parts share only what is below them (its state and coverage rules, seeding); news composes them.
    # workers (the answering processes) opens a NewsService in each, so it sits beside news.
    "service": [Tier(frozenset({"part", "seeding"})), Tier(None, peers=True), Tier(frozenset({"news", "workers"}))],
}

#: Modules that are one picker's own steps: for the tiers they are that picker (the answerer's BM25 candidates,
#: judging and quoting are no one else's), so timeline and sources may not import them either.
STEPS_OF: dict[str, dict[str, str]] = {
    "search": {"candidates": "answers", "judging": "answers", "quoting": "answers"},
}

#: Third-party packages only some layers may import (the core never imports discord or click).
ONLY_IN: dict[str, set[str]] = {
    "discord": {"discord_app"},
    "click": {"cli"},
    "aiohttp": {"intake.guard", "intake.http", "intake.discovery", "feeds", "cli", "discord_app"},
    "matplotlib": {"present.chart"},
}

#: Modules over the size limit, until they are split (see DEVELOPING.md); none may stay over it.
SIZE_LIMIT = 500
MAY_BE_LONGER: set[str] = set()
NOT_SPLIT_YET: set[str] = set()


# --- reading imports -------------------------------------------------------------------------------------------------


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(source: str, module: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``source``, wherever it is (functions, TYPE_CHECKING)."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # ``from bot.search import answers`` may import a module rather than a name: count the arrow to it too.
            if target == "bot" or target.startswith("bot."):
                found.extend(
                    (node.lineno, f"{target}.{alias.name}") for alias in node.names if not alias.name.startswith("__")
                )
    return found


def layer_of(module: str) -> str | None:
    """The layer of a bot module (bot.__main__ is the command line's); None for bot itself (its version)."""
    parts = module.split(".")
    if parts[0] != "bot" or len(parts) == 1:
        return None
    if parts[1] == "__main__":
        return "cli"
    return parts[1]


def _tier(layer: str, name: str) -> int:
    tiers = TIERS[layer]
    for number, tier in enumerate(tiers):
        if tier.modules is not None and name in tier.modules:
            return number
    return next(number for number, tier in enumerate(tiers) if tier.modules is None)


def wrong_arrows(module: str, source: str, *, is_package: bool = False) -> list[str]:
    """Every import of ``module`` that breaks the table, as "line N: a -> b (why)"; [] when all run down."""
    wrong: dict[tuple[object, ...], str] = {}  # one finding per import statement and what it reaches
    here = layer_of(module)
    for line, target in imports(source, module, is_package=is_package):
        top = target.split(".")[0]
        if top in ONLY_IN and here is not None:
            inside = module.removeprefix("bot.")
            if not any(inside == allowed or inside.startswith(allowed + ".") for allowed in ONLY_IN[top]):
                wrong.setdefault(
                    (line, top), f"line {line}: {module} -> {target} (only {', '.join(sorted(ONLY_IN[top]))})"
                )
            continue
        there = layer_of(target)
        if here is None or there is None:
            continue
        if there not in LAYERS:
            wrong.setdefault((line, there), f"line {line}: {module} -> {target} ({there} is in no layer)")
        elif here != there:
            if there not in LAYERS[here]:
                wrong.setdefault((line, there), f"line {line}: {module} -> {target} ({here} may not import {there})")
        elif here in TIERS and len(module.split(".")) > 2 and len(target.split(".")) > 2:
            steps = STEPS_OF.get(here, {})
            mine, theirs = module.split(".")[2], target.split(".")[2]
            mine, theirs = steps.get(mine, mine), steps.get(theirs, theirs)
            if mine == theirs:
                continue
            a, b = _tier(here, mine), _tier(here, theirs)
            if b > a:
                why = f"a lower tier of {here} may not import a higher"
                wrong.setdefault((line, there, theirs), f"line {line}: {module} -> {target} ({why})")
            elif a == b and TIERS[here][a].peers:
                why = f"{mine} and {theirs} must not know each other"
                wrong.setdefault((line, there, theirs), f"line {line}: {module} -> {target} ({why})")
    return list(wrong.values())


#: What of bot/storage/ the layers that may import it know: the store's interface (protocol), its keys and the
#: vector cache. Every other module of it is the store itself (its connections, rows classes, opening), which only
#: the service opens.
STORAGE_FOR_ALL = {"bot.storage", "bot.storage.protocol", "bot.storage.keys", "bot.storage.vectors"}


def opens_the_store(module: str, source: str) -> bool:
    """Whether ``module`` imports a module of the store itself (anything of bot/storage/ but its interface)."""
    for _, name in imports(source, module):
        parts = name.split(".")
        if parts[:2] == ["bot", "storage"] and ".".join(parts[:3]) not in STORAGE_FOR_ALL:
            return True
    return False


# --- the rules, on synthetic modules -----------------------------------------------------------------------------

WRONG = [
    # (the module, its source): each arrow the issue found running the wrong way.
    ("bot.storage.store", "def url_key(url):\n    from bot.intake.fetch import normalize_url\n"),  # store -> fetch
    ("bot.storage.store", "from bot.intake.http import fetch_page\n"),
    (
        "bot.intake.article_files",
        "def _from_html(data):\n    from bot.intake.http import fetch_article\n",
    ),  # corpus -> fetch
    ("bot.intake.article_files", "from bot.intake.http import fetch_page\n"),
    ("bot.storage.store", "from bot.intake.extract import extract_article\n"),  # storage -> intake's extraction
    ("bot.storage.articles", "def body(html):\n    from bot.intake.page import decode_page\n"),
    ("bot.present.render", "from bot.search.sources import Sources\n"),  # render -> sources
    ("bot.present.listings", "from bot.search.index import ArticleRef\n"),  # present -> search, any of it
    ("bot.search.timeline", "from bot.search.answers import question_terms\n"),  # timeline -> answers
    ("bot.search.timeline", "from bot.search.sources import outlet_coverage\n"),  # timeline -> sources
    ("bot.search.sources", "from bot.search.timeline import matching_articles\n"),  # sources -> timeline
    ("bot.search.sources", "from bot.search.answers import answer_question\n"),  # sources -> answers
    ("bot.search.answers", "from bot.search.sources import outlet_coverage\n"),  # answers -> sources
    ("bot.search.answers", "from bot.search import timeline\n"),  # answers -> timeline
    ("bot.search.timeline", "from bot.search.judging import judge\n"),  # timeline -> one of the answerer's steps
    ("bot.search.sources", "def f():\n    from bot.search.candidates import candidates\n"),
    ("bot.search.relevance", "from bot.search.quoting import quotes\n"),  # shared code -> an answer step
    ("bot.discord_app.client", "from bot.ops.maintenance import command_signature\n"),  # discord_app -> ops
    ("bot.discord_app.corpus", "def f():\n    from bot.ops import maintenance\n"),
    # the core imports nothing of bot/, nor discord, click or aiohttp
    ("bot.core.models", "import discord\n"),
    ("bot.core.models", "import click\n"),
    ("bot.core.config", "import aiohttp\n"),
    ("bot.core.text", "from bot.storage.keys import url_key\n"),
    ("bot.core.errors", "from bot.search.index import CoverageIndex\n"),
    ("bot.core.models", "from bot.present.style import DISCORD\n"),
    ("bot.core.urls", "from bot.intake.guard import check_address\n"),
    ("bot.core.models", "from bot.service import NewsService\n"),
    ("bot.core.config", "def f():\n    from bot.feeds.subscriptions import Subscriptions\n"),
    ("bot.core.config", "from bot.ops.maintenance import doctor\n"),
    ("bot.core.config", "from bot.discord_app.client import NewsBot\n"),
    ("bot.core.config", "from bot.cli.main import cli\n"),
    # and the other ways an arrow can go wrong
    (
        "bot.search.index",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.service import NewsService\n",
    ),
    ("bot.storage.store", "from ..search import index\n"),
    ("bot.present.chart.draw", "from bot import service\n"),
    ("bot.intake.bulk", "import aiohttp\n"),
    ("bot.service", "def f():\n    import click\n"),
    ("bot.ops.maintenance", "from bot.discord_app.client import command_payload\n"),
    ("bot.feeds.subscriptions", "from bot.ops.maintenance import doctor\n"),
    ("bot.service", "from bot.plugins import thing\n"),
    ("bot.service.questions", "from bot.service.articles import ArticlesPart\n"),  # parts do not know each other
    ("bot.service.part", "from bot.service.news import NewsService\n"),
]

RIGHT = [
    ("bot.service", "from bot.search.answers import answer_question\nfrom bot.present.chart import chart_png\n"),
    ("bot.search.timeline", "from bot.search.query import matching_articles\nfrom bot.storage.vectors import x\n"),
    ("bot.intake.ingest", "from bot.intake.http import fetch_article\nfrom bot.intake.article_files import y\n"),
    ("bot.cli.discord", "def run():\n    from bot.discord_app import run_bot\n"),
    ("bot.present.chart.draw", "from .layout import fit\nfrom matplotlib.figure import Figure\n"),
    ("bot.intake.guard", "import aiohttp\nfrom bot import __version__\n"),
    ("bot.search.answers", "from bot.search.judging import judge\nfrom bot.search.quoting import quotes\n"),
    ("bot.search.judging", "from bot.search.candidates import Candidate\nfrom bot.search.relevance import r\n"),
    ("bot.service.news", "from bot.service.articles import ArticlesPart\nfrom bot.service.part import ServicePart\n"),
    ("bot.service.articles", "from bot.service.part import ServicePart\nfrom bot.service.seeding import seed\n"),
]


@pytest.mark.parametrize(("module", "source"), WRONG, ids=[f"{m}: {s.strip().splitlines()[-1]}" for m, s in WRONG])
def test_a_wrong_arrow_is_caught(module: str, source: str) -> None:
    assert len(wrong_arrows(module, source)) == 1


@pytest.mark.parametrize(("module", "source"), RIGHT, ids=[m for m, _ in RIGHT])
def test_arrows_that_run_down_pass(module: str, source: str) -> None:
    assert wrong_arrows(module, source) == []


OPENS_THE_STORE = [
    ("bot.cli.ops", "from bot.storage.store import Store\n"),
    ("bot.ops.maintenance", "def f():\n    from bot.storage import pg_store\n"),
    ("bot.feeds.subscriptions", "from bot.storage.feeds import FeedRows\n"),  # raw SQL on a table
    ("bot.discord_app.client", "from ..storage.connection import Database\n"),
]
KNOWS_ONLY_THE_INTERFACE = [
    ("bot.search.keeper", "from bot.storage.protocol import ChangeRecord, CoverageStore\n"),
    ("bot.intake.bulk", "from bot.storage.keys import DuplicateKeys\n"),
    ("bot.search.semantic", "from bot.storage import vectors\n"),
]


@pytest.mark.parametrize(("module", "source"), OPENS_THE_STORE, ids=[m for m, _ in OPENS_THE_STORE])
def test_a_module_that_opens_the_store_is_found(module: str, source: str) -> None:
    assert opens_the_store(module, source)


@pytest.mark.parametrize(("module", "source"), KNOWS_ONLY_THE_INTERFACE, ids=[m for m, _ in KNOWS_ONLY_THE_INTERFACE])
def test_the_stores_interface_is_not_the_store(module: str, source: str) -> None:
    assert not opens_the_store(module, source)


def test_a_relative_import_is_resolved_from_the_module_or_the_package() -> None:
    assert imports("from . import bins\n", "bot.present.chart", is_package=True)[-1] == (1, "bot.present.chart.bins")
    assert imports("from .bins import x\n", "bot.present.chart.draw")[0] == (1, "bot.present.chart.bins")
    assert imports("from ..core import errors\n", "bot.cli.ask")[0] == (1, "bot.core")


# --- the rules, on the code ------------------------------------------------------------------------------------------

MODULES = sorted(BOT.rglob("*.py"))


def test_every_package_is_a_layer_and_every_layer_is_installed() -> None:
    packages = {p.parent.relative_to(BOT).parts[0] for p in BOT.glob("*/__init__.py")}
    assert packages == set(LAYERS)
    installed = set(
        tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    )
    found = {module_name(p.parent) for p in BOT.rglob("__init__.py") if "__pycache__" not in p.parts}
    assert found <= installed, f"pyproject's [tool.setuptools] packages leaves out {sorted(found - installed)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(BOT).as_posix())
def test_every_import_runs_down_the_layers(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert wrong_arrows(module_name(path), source, is_package=path.name == "__init__.py") == []


def test_only_the_discord_glue_imports_discord() -> None:
    users = {
        p.relative_to(BOT).as_posix()
        for p in MODULES
        if any(name.split(".")[0] == "discord" for _, name in imports(p.read_text(encoding="utf-8"), module_name(p)))
    }
    assert users and all(u.startswith("discord_app/") for u in users)


def test_only_the_service_opens_the_store() -> None:
    """One door: every caller goes through NewsService, which alone holds the store."""
    users = {
        p.relative_to(BOT).as_posix()
        for p in MODULES
        if p.relative_to(BOT).parts[0] != "storage" and opens_the_store(module_name(p), p.read_text(encoding="utf-8"))
    }
    assert users == {"service/news.py"}
    for path in MODULES:
        if path.relative_to(BOT).parts[0] in ("service", "storage"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        reach = [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in ("store", "_store")]
        assert not reach, f"{path.relative_to(BOT)} reaches through the service to its store"


def test_modules_are_small() -> None:
    sizes = {p.relative_to(BOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in MODULES}
    too_big = {name for name, lines in sizes.items() if lines > SIZE_LIMIT} - MAY_BE_LONGER
    assert too_big <= NOT_SPLIT_YET, f"over {SIZE_LIMIT} lines: {sorted(too_big - NOT_SPLIT_YET)}"
    split = NOT_SPLIT_YET - too_big
    assert not split, f"{sorted(split)} are short enough now: take them off NOT_SPLIT_YET"


# --- the fake Discord (tests/fakediscord/) ---------------------------------------------------------------------------

FAKE = REPO / "tests" / "fakediscord"

#: The fake's modules lowest first. Each class builds on the one before (World -> Access -> ... -> FakeDiscord), and
#: the rules and records below them are plain: a module may import only the modules before it.
FAKE_LAYERS = [
    "protocol", "limits", "command_limits", "nonces", "mentions", "ratelimits", "shards", "objects", "records",  # plain
    "world", "access", "payloads",  # the state, Discord's permission rules over it, its JSON
    "gateway", "posting", "rest", "resources", "commands", "messages", "callbacks", "options", "interactions",  # the layers
    "fake", "__init__",  # served on 127.0.0.1, and the package's names
]  # fmt: skip
FAKE_MODULES = sorted(FAKE.glob("*.py"))


def fake_arrows_up(name: str, source: str) -> list[str]:
    """Every import of the fake's module ``name`` that reaches a module at its height or above, or one not in
    FAKE_LAYERS, as "line N: a -> b"; [] when all run down."""
    height = FAKE_LAYERS.index(name)
    module = "tests.fakediscord" if name == "__init__" else f"tests.fakediscord.{name}"
    wrong = []
    for line, target in imports(source, module, is_package=name == "__init__"):
        if not target.startswith("tests.fakediscord."):
            continue
        there = target.split(".")[2]
        if there not in FAKE_LAYERS or FAKE_LAYERS.index(there) >= height:
            wrong.append(f"line {line}: {name} -> {there}")
    return wrong


def test_an_arrow_up_the_fakes_layers_is_caught() -> None:
    assert fake_arrows_up("records", "if TYPE_CHECKING:\n    from tests.fakediscord.world import World\n") == [
        "line 2: records -> world"
    ]
    assert fake_arrows_up("world", "from tests.fakediscord.gateway import Gateway\n") == ["line 1: world -> gateway"]
    assert fake_arrows_up("messages", "from tests.fakediscord.voice import x\n") == ["line 1: messages -> voice"]
    assert fake_arrows_up("messages", "from tests.fakediscord.commands import Commands\nimport discord\n") == []


@pytest.mark.parametrize("path", FAKE_MODULES, ids=lambda p: p.name)
def test_the_fakes_modules_import_only_the_layers_below(path: Path) -> None:
    assert path.stem in FAKE_LAYERS, f"{path.name} is in no layer of FAKE_LAYERS"
    assert fake_arrows_up(path.stem, path.read_text(encoding="utf-8")) == []


def test_the_fakes_modules_are_small() -> None:
    """The fake is what a maintainer reads to trust the Discord tests: the same limit as bot/'s modules."""
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in FAKE_MODULES}
    assert {name: lines for name, lines in sizes.items() if lines > SIZE_LIMIT} == {}
