"""The bot in many servers: memory, start-up time, and the first answer in a server not asked before.

A data directory with the shipped coverage and ``--servers`` servers, each with ``--own`` synthetic articles of its
own (so each has an index of its own), is built once through the real service; then each figure is measured in a
fresh process, so that its memory is its own:

* start-up: a new process opens the data directory and answers one question from the default collection;
* the first answer in each of ``--sample`` servers never asked before (its index built from the store and saved),
  the same server's next answer (warm), and the first answer in a new process whose index was saved earlier
  (loaded, not built);
* memory (peak RSS) after every server has been asked once, with the default cap on loaded indexes
  (NEWSBOT_LOADED_INDEXES=64) next to no cap (every index kept): what an idle server costs.

Run: ``python benchmarks/servers_scale.py [--servers 1000] [--own 50] [--sample 20] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

QUESTION = "What did Amazon pitch to ICE?"
FIRST_SERVER = 100_000_000_000_000_000


def _servers(count: int) -> list[int]:
    return [FIRST_SERVER + i for i in range(count)]


def build(data_dir: Path, servers: int, own: int) -> float:
    """The data directory: the shipped coverage, then ``own`` articles in each server (one transaction each)."""
    from bot.core.config import load_settings
    from bot.ops.bench_service import _articles
    from bot.service import NewsService

    started = time.perf_counter()
    service = NewsService.open(load_settings(data_dir=data_dir, reader="off"))
    service.record_servers([(s, f"Server {i}") for i, s in enumerate(_servers(servers))])
    source = _articles(servers * own, 3, seed=11)
    for server in _servers(servers):
        batch = [next(source) for _ in range(own)]
        service.add_many(batch, actor="bench", action="import", server=server)
    service.close()
    return time.perf_counter() - started


def _child(data_dir: Path, task: str, args: dict[str, Any], env: dict[str, str] | None = None) -> dict[str, Any]:
    code = f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import servers_scale as s; " \
           f"print(json.dumps(s.{task}({str(data_dir)!r}, **{args!r})))"  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, "NEWSBOT_READER": "off", **(env or {})},
        check=True, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _rss_mb() -> float:
    """Peak resident memory of this process (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def startup(data_dir: str) -> dict[str, Any]:
    """A new process: import, open the data directory, answer one question from the default collection."""
    started = time.perf_counter()
    from bot.core.config import load_settings
    from bot.service import NewsService

    service = NewsService.open(load_settings(data_dir=Path(data_dir)))
    answered = service.ask(QUESTION).answered
    seconds = time.perf_counter() - started
    service.close()
    return {"seconds": seconds, "answered": answered, "rss_mb": _rss_mb()}


def first_answers(data_dir: str, servers: list[int]) -> dict[str, Any]:
    """First and second answer in each of ``servers`` (none asked before in this process)."""
    from bot.core.config import load_settings
    from bot.service import NewsService

    service = NewsService.open(load_settings(data_dir=Path(data_dir)))
    service.ask(QUESTION)  # the default collection's index is loaded at start-up
    first, second = [], []
    for server in servers:
        started = time.perf_counter()
        service.ask(QUESTION, server=server)
        first.append(time.perf_counter() - started)
        started = time.perf_counter()
        service.ask(QUESTION, server=server)
        second.append(time.perf_counter() - started)
    service.close()
    return {"first": first, "second": second}


def every_server(data_dir: str, count: int) -> dict[str, Any]:
    """Ask every server once (in a process with the environment's NEWSBOT_LOADED_INDEXES); peak memory."""
    from bot.core.config import load_settings
    from bot.service import NewsService

    service = NewsService.open(load_settings(data_dir=Path(data_dir)))
    service.ask(QUESTION)
    rss_start = _rss_mb()
    started = time.perf_counter()
    for server in _servers(count):
        service.ask(QUESTION, server=server)
    seconds = time.perf_counter() - started
    loaded = len(service.loaded_indexes())
    service.close()
    return {"rss_start_mb": rss_start, "rss_peak_mb": _rss_mb(), "loaded": loaded, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--own", type=int, default=50)
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        built = build(data_dir, options.servers, options.own)
        startups = [_child(data_dir, "startup", {}) for _ in range(3)]
        sample = _servers(options.servers)[-options.sample :]
        cold = _child(data_dir, "first_answers", {"servers": sample})  # built from the store, then saved
        saved = _child(data_dir, "first_answers", {"servers": sample})  # a new process: loaded from server-index/
        capped = _child(data_dir, "every_server", {"count": options.servers})
        uncapped = _child(
            data_dir, "every_server", {"count": options.servers},
            env={"NEWSBOT_LOADED_INDEXES": str(options.servers)},
        )  # fmt: skip
        size = sum(f.stat().st_size for f in data_dir.rglob("*") if f.is_file())
    figures = {
        "servers": options.servers,
        "own_articles_each": options.own,
        "build_seconds": built,
        "data_dir_mb": size / 1e6,
        "startup_seconds": statistics.median(s["seconds"] for s in startups),
        "startup_rss_mb": statistics.median(s["rss_mb"] for s in startups),
        "first_answer_built_ms": 1000 * statistics.median(cold["first"]),
        "first_answer_saved_ms": 1000 * statistics.median(saved["first"]),
        "next_answer_ms": 1000 * statistics.median(cold["second"] + saved["second"]),
        "every_server_capped": capped,
        "every_server_uncapped": uncapped,
    }
    if options.json:
        print(json.dumps(figures, indent=2))
        return
    per_index = (uncapped["rss_peak_mb"] - capped["rss_peak_mb"]) / max(uncapped["loaded"] - capped["loaded"], 1)
    print(f"{options.servers} servers x {options.own} own articles + the shipped coverage "
          f"(built in {built:.0f} s, data directory {size / 1e6:.0f} MB)")  # fmt: skip
    print(f"start-up to the first answer (new process): {figures['startup_seconds']:.2f} s, "
          f"{figures['startup_rss_mb']:.0f} MB")  # fmt: skip
    print(
        f"first answer in a server not asked before: {figures['first_answer_built_ms']:.0f} ms (index built), "
        f"{figures['first_answer_saved_ms']:.0f} ms (saved index loaded); "
        f"next answer {figures['next_answer_ms']:.1f} ms"
    )
    for name, run in (("cap 64 (default)", capped), ("no cap", uncapped)):
        print(f"every server asked once, {name}: {run['loaded']} indexes loaded, peak {run['rss_peak_mb']:.0f} MB "
              f"(from {run['rss_start_mb']:.0f} MB), {run['seconds']:.0f} s")  # fmt: skip
    print(f"one loaded server index: about {per_index:.2f} MB; an unloaded (idle) server: none")


if __name__ == "__main__":
    main()
