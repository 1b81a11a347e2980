"""The third fresh held-out set (benchmarks/eval/questions-fresh3.jsonl) loads, has both halves, and every answer
span stands verbatim in its source (check_set.py, which uses no newsbot code, passes on it)."""

from __future__ import annotations

import subprocess
import sys

from bot.ops.evaluate import load_questions
from tests.paths import REPO

SET = REPO / "benchmarks" / "eval" / "questions-fresh3.jsonl"


def test_the_third_fresh_set_is_well_formed_and_its_spans_are_verbatim() -> None:
    questions = load_questions([SET])
    assert len(questions) == 95 and {q.half for q in questions} == {"even", "odd"}
    assert all(q.id.startswith("fresh3-") for q in questions)
    checked = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "eval" / "check_set.py"), str(SET)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout
    assert "95 questions, 0 problems," in checked.stdout
