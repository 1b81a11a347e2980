"""Event-loop lag under 50 concurrent questions through the Discord layer.

Runs the real bot (built as `newsbot run` builds it) against the fake Discord of tests/fakediscord/, on a
corpus of the shipped coverage plus the 9,999 HuffPost headlines, fires N slash-command questions at once, and
measures how late a 5 ms ticker on the bot's event loop wakes up while they are answered, and how soon each
question was acknowledged (Discord allows 3 s; a later one is counted, not fatal). The fake Discord runs on the
same event loop as the bot, so its own handling of the requests counts in the lag too.

Contenders (``--processes``, run in turn in every round, the order alternating): answers in the bot's answering
threads (0, ``NEWSBOT_ANSWER_PROCESSES=0``) and in N answering worker processes (bot.service.workers). Each run
starts on a fresh data directory; its CPU time (set-up included, the workers' too) and the load average at its end
are given.

Run from the repository root:  python benchmarks/discord_load.py [--questions 50] [--rounds 1] [--processes 0,2]
[--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakediscord import FakeDiscord  # noqa: E402

# isort: split
from bot.core.config import load_settings  # noqa: E402
from bot.discord_app.client import build_bot  # noqa: E402
from bot.intake.bulk import read_import  # noqa: E402
from bot.service import NewsService  # noqa: E402

HUFFPOST = ROOT / "benchmarks" / "eval" / "huffpost.jsonl"  # the 9,999 HuffPost headlines, in the repository
QUESTIONS = [
    "What did Amazon pitch to ICE?",
    "Who wrote Bezos a letter?",
    "When did Amazon ban police use of its face recognition?",
    "How many Americans rolled up their sleeves for Omicron boosters?",
    "Why was the American Airlines passenger banned?",
    "Who won the 2022 World Cup?",
    "What did the federal study find about face-scanning?",
    "Did Robert Mugabe die?",
]


async def ticker(lags: list[float], stop: asyncio.Event, period: float = 0.005) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(period)
        lags.append(max(0.0, time.perf_counter() - started - period))


async def main(questions: int, huffpost: Path, processes: int = 0) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp), ask_cooldown_rate=1000, answer_processes=processes)
        service = NewsService.open(settings)
        items, errors = read_import(huffpost, "huffpost")  # a missing file is an error, not a smaller benchmark
        service.add_many(service.plan_import(items, errors).to_add, actor="bench")
        articles = service.count()
        async with FakeDiscord() as fake:
            bot = build_bot(settings, service=service)
            await fake.start_bot(bot, timeout=300)  # the bot loads its index of 10,000 articles before it is ready
            lags: list[float] = []
            stop = asyncio.Event()
            tick = asyncio.create_task(ticker(lags, stop))
            await asyncio.sleep(0.2)
            idle = list(lags)
            lags.clear()
            started = time.perf_counter()

            acks: list[float] = []

            async def ask(i: int) -> str:
                ix = await fake.slash("ask", {"question": QUESTIONS[i % len(QUESTIONS)]}, user=fake.member)
                try:
                    reply = (await ix.followup(timeout=30)).content or ""
                except TimeoutError:
                    reply = ""  # not acknowledged within 3 s: Discord told the user "The application did not respond"
                acks.append(ix.acknowledged_after if ix.acknowledged_after is not None else float("inf"))
                return reply

            replies = await asyncio.gather(*(ask(i) for i in range(questions)))
            elapsed = time.perf_counter() - started
            stop.set()
            await tick
            await fake.stop_bot(bot)
        service.close()
    ms = sorted(lag * 1000 for lag in lags)
    return {
        "answering": f"{processes} processes" if processes else "threads",
        "articles": articles,
        "questions": questions,
        "answered": sum(1 for r in replies if r),
        "seconds": round(elapsed, 3),
        "acknowledged_within_ms": {"p50": round(statistics.median(acks) * 1000, 1), "max": round(max(acks) * 1000, 1)},
        "late_acknowledgements": sum(1 for ack in acks if ack > 3.0),
        "loop_lag_ms": {
            "idle_max": round(max(idle, default=0) * 1000, 2),
            "p50": round(statistics.median(ms), 2),
            "p99": round(ms[int(len(ms) * 0.99) - 1], 2),
            "max": round(ms[-1], 2),
            "ticks": len(ms),
        },
    }


def _line(result: dict[str, Any]) -> str:
    lag, acks = result["loop_lag_ms"], result["acknowledged_within_ms"]
    return (
        f"{result['answering']}: {result['answered']}/{result['questions']} questions answered in "
        f"{result['seconds']} s ({result['cpu_s']} s CPU) over {result['articles']} articles; event-loop lag p50 "
        f"{lag['p50']} ms, p99 {lag['p99']} ms, max {lag['max']} ms (idle max {lag['idle_max']} ms); acknowledged "
        f"within {acks['p50']} ms (p50), {acks['max']} ms at most, {result['late_acknowledgements']} past Discord's "
        f"3 s; load {result['load']}"
    )


def _cpu() -> float:
    """CPU seconds of this process and of its children that have exited (the answering workers, once stopped)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=1, help="runs one after the other, each on a fresh directory")
    parser.add_argument("--huffpost", type=Path, default=HUFFPOST, help="the HuffPost headlines (default: %(default)s)")
    parser.add_argument(
        "--processes",
        default="0,2",
        help="comma-separated answering worker processes to compare; 0: the answering threads (default: %(default)s)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.huffpost.is_file():
        parser.error(f"--huffpost {args.huffpost}: no such file")
    try:
        contenders = [int(p) for p in args.processes.split(",") if p.strip()]
    except ValueError:
        parser.error(f"--processes {args.processes}: not a comma-separated list of numbers")
    for number in range(args.rounds):
        for processes in contenders if number % 2 == 0 else contenders[::-1]:
            cpu = _cpu()
            result: dict[str, Any] = asyncio.run(main(args.questions, args.huffpost, processes))
            result["cpu_s"] = round(_cpu() - cpu, 2)
            result["load"] = round(os.getloadavg()[0], 1)
            print(json.dumps(result) if args.json else _line(result), flush=True)
