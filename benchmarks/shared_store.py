"""Processes sharing a store: how soon a change committed in one process is answerable in another, and how long a
whole answer takes, SQLite next to PostgreSQL in one run; and on PostgreSQL, how long a running process takes to
answer again after the server was gone.

* **Propagation.** A writer process (a subprocess) adds an article at a time; this process (the reader, a
  long-running service as the bot runs it: ``follow_changes``) waits, spinning, until the article is in the index
  a question is answered from. Measured: the writer's ``add`` (start to return: the commit), and from its return to
  the reader having it (the clocks are the machine's one monotonic clock). SQLite: one data directory shared by
  both processes (one host; every read checks the change log). PostgreSQL: two data directories, one store (every
  commit is NOTIFYed; the reader's listener catches its index up).
* **Answer latency.** The same questions asked in turn of both readers (no semantic reader: BM25 and the store).
* **Recovery.** The reader reaches PostgreSQL through a loopback proxy (tests/pgproxy.py) that is cut, and restored
  after ``--outage`` seconds; meanwhile another process adds an article. Measured: from the restore to the reader's
  first answer that quotes that article (it reconnected and caught up by itself).

Run: ``python benchmarks/shared_store.py [--changes 200] [--questions 200] [--postgresql URL] [--json]``. The URL
(default: the test server) names a database in which the benchmark makes a schema of its own, dropped at the end.
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
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["NEWSBOT_READER"] = "off"  # the store's part of an answer, not the model's

from tests.pg import schema_url  # noqa: E402
from tests.pgproxy import PgProxy, through  # noqa: E402

# isort: split
from bot.core.config import load_settings  # noqa: E402
from bot.core.errors import StoreUnavailable  # noqa: E402
from bot.core.models import ArticleIn  # noqa: E402
from bot.service import NewsService  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
QUESTIONS = [
    "What did Amazon pitch to ICE?",
    "Who met with ICE officials?",
    "When did Amazon meet with ICE?",
    "What is Rekognition?",
    "Why were Amazon employees upset?",
    "What did the ACLU say about Rekognition?",
    "Which police departments used Rekognition?",
    "What did Amazon say about the meeting?",
]


def article(n: int, tag: str) -> ArticleIn:
    word = f"lighthouse{tag}{n}"
    return ArticleIn(
        title=f"Keeper of {word} retires",
        source="Benchmark Gazette",
        date="2024-05-01",
        url=f"https://bench.example/{tag}/{n}",
        body=f"The keeper of {word} retired on Tuesday after forty years at the light.",
    )


def open_service(data_dir: Path, url: str | None) -> NewsService:
    return NewsService.open(load_settings(data_dir=data_dir, database_url=url))


# --- the writer: a process of its own ------------------------------------------------------------------------------


def writer_main(data_dir: str, url: str, tag: str) -> None:
    """Read a number a line; add that article; print ``start end id`` (monotonic seconds) a line."""
    service = open_service(Path(data_dir), url or None)
    print("ready", flush=True)
    for line in sys.stdin:
        n = int(line)
        start = time.monotonic()
        added = service.add(article(n, tag), actor="benchmark")
        end = time.monotonic()
        print(f"{start} {end} {added.id}", flush=True)
    service.close()


@contextmanager
def writer(data_dir: Path, url: str | None, tag: str) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--writer", str(data_dir), url or "", tag],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    try:
        yield proc
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=60)


def propagation(reader: NewsService, proc: subprocess.Popen[str], changes: int) -> dict[str, list[float]]:
    assert proc.stdin is not None and proc.stdout is not None
    writes, seen = [], []
    for n in range(changes):
        proc.stdin.write(f"{n}\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        start, end, article_id = line.split()
        while article_id not in reader.index_of(None):
            time.sleep(0.0002)
        found = time.monotonic()
        writes.append(float(end) - float(start))
        seen.append(found - float(end))
    return {"write_s": writes, "propagation_s": seen}


# --- recovery after an outage ---------------------------------------------------------------------------------------


def recovery(url: str, data_dir: Path, outages: int, outage_s: float) -> list[float]:
    proxy = PgProxy()
    reader = open_service(data_dir / "recovering", through(url, proxy))
    other = open_service(data_dir / "other", url)
    reader.warm_up()
    reader.follow_changes()
    took = []
    try:
        for n in range(outages):
            proxy.cut()
            added = other.add(article(n, "outage"), actor="benchmark")
            time.sleep(outage_s)
            proxy.restore()
            restored = time.monotonic()
            question = f"Who retired from lighthouseoutage{n}?"
            while True:
                try:
                    quotes = reader.ask(question).quotes
                except StoreUnavailable:
                    quotes = []
                if quotes and quotes[0].article_id == added.id:
                    break
                time.sleep(0.005)
            took.append(time.monotonic() - restored)
    finally:
        reader.close()
        other.close()
        proxy.close()
    return took


# --- the run --------------------------------------------------------------------------------------------------------


def ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


@contextmanager
def bench_schema(database_url: str) -> Iterator[str]:
    import psycopg

    schema = f"newsbot_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema_url(database_url, schema)
    finally:
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def run(changes: int, questions: int, database_url: str, outages: int, outage_s: float) -> dict[str, Any]:
    load = {"start": os.getloadavg()}
    result: dict[str, Any] = {"changes": changes, "questions": questions, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp, bench_schema(database_url) as url:
        root = Path(tmp)
        readers = {
            "sqlite": open_service(root / "sqlite", None),
            "postgresql": open_service(root / "pg-reader", url),
        }
        for reader in readers.values():
            reader.warm_up()
            reader.follow_changes()
        for name, reader in readers.items():
            shared = root / "sqlite" if name == "sqlite" else root / "pg-writer"
            with writer(shared, None if name == "sqlite" else url, name) as proc:
                result[name] = {k: ms(v) for k, v in propagation(reader, proc, changes).items()}
        answers: dict[str, list[float]] = {name: [] for name in readers}
        for n in range(questions):
            question = QUESTIONS[n % len(QUESTIONS)]
            order = list(readers) if n % 2 == 0 else list(reversed(readers))
            for name in order:
                answers[name].append(timed(lambda r=readers[name], q=question: r.ask(q)))
        for name, values in answers.items():
            result[name]["answer"] = ms(values)
        result["answer_ratio_pg_to_sqlite_p50"] = round(
            result["postgresql"]["answer"]["p50_ms"] / result["sqlite"]["answer"]["p50_ms"], 2
        )
        for reader in readers.values():
            reader.close()
        if outages:
            result["recovery_s"] = [round(s, 2) for s in recovery(url, root, outages, outage_s)]
            result["outage_s"] = outage_s
    load["end"] = os.getloadavg()
    result["load_average"] = load
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--writer":
        writer_main(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--changes", type=int, default=200, help="articles added, one commit each, per backend")
    parser.add_argument("--questions", type=int, default=200, help="questions asked of each backend")
    parser.add_argument("--postgresql", default=DEFAULT_URL, help="a database to make the benchmark's schema in")
    parser.add_argument("--outages", type=int, default=5, help="outages to recover from (0: none)")
    parser.add_argument("--outage-seconds", type=float, default=3.0, help="how long each outage lasts")
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")
    args = parser.parse_args()
    result = run(args.changes, args.questions, args.postgresql, args.outages, args.outage_seconds)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{args.changes} changes, {args.questions} questions; load average {result['load_average']}")
    for name in ("sqlite", "postgresql"):
        r = result[name]
        print(
            f"{name:>10}: commit -> answerable elsewhere p50 {r['propagation_s']['p50_ms']} ms, "
            f"p95 {r['propagation_s']['p95_ms']} ms, max {r['propagation_s']['max_ms']} ms; "
            f"write p50 {r['write_s']['p50_ms']} ms; answer p50 {r['answer']['p50_ms']} ms, "
            f"p95 {r['answer']['p95_ms']} ms"
        )
    print(f"answer p50, PostgreSQL / SQLite: {result['answer_ratio_pg_to_sqlite_p50']}")
    if "recovery_s" in result:
        print(
            f"recovery after {result['outage_s']} s outages (restore -> answer with the missed change): "
            f"{result['recovery_s']} s"
        )


if __name__ == "__main__":
    main()
