"""The compiled kernels' warm-up (bot.search.kernels) loads every version of them that an index can call for, so
no query, add or load compiles one (seconds in a fresh checkout, tens of milliseconds from numba's cache).

Checked in a new interpreter: in this one, other tests may already have compiled what the warm-up forgot.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.search.kernels import available

ROOT = Path(__file__).resolve().parents[2]

# Everything an index does with its kernels, on corpora that give every width of tfs and lengths it can have.
SCRIPT = r"""
import json, sys, tempfile
from pathlib import Path
from bot.search import kernels, kernels_jit
from bot.search.bm25 import BM25Index

def signatures():
    found = {name: f for name, f in vars(kernels_jit).items() if hasattr(f, "signatures")}
    return {name: sorted(map(str, f.signatures)) for name, f in found.items()}

kernels.kernels()
warmed = signatures()
widths = set()
mixed = [f"w{i % 1000}" for i in range(70_000)]  # a passage of 70,000 tokens, each tf 70
corpora = [
    [["a", "b"], ["b", "c"], ["a"]],
    [["a"] * 300 + ["b"], ["b", "c"], ["a"]],
    [mixed, ["b", "c"], ["a"]],
    [["a"] * 300 + mixed, ["b", "c"], ["a"]],
    [["a"] * 70_000, ["b", "c"], ["a"]],
]

def exercise(index):
    widths.add((index._ptf.dtype.name, index._stats().lengths.dtype.name))
    for query in (["a", "b"], ["c", "a", "a"], ["w1", "zz"]):
        index.get_scores(query)
        index.top_k(query, 1)
        index.top_k(query, 10)

with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "index.npz"
    for docs in corpora:
        index = BM25Index()
        index.add_many(enumerate(docs))
        exercise(index)
        index.add(100, docs[0])
        index.add(101, ["a", "c"])
        exercise(index)  # with tails
        index.remove(0)
        exercise(index)  # with a tombstone
        index.compact()
        exercise(index)
        index.save(path)
        exercise(BM25Index.load(path))
        index = BM25Index()
        index.add_many(enumerate(corpora[0]))
        index.add(50, docs[0])  # tfs and lengths widen through an add
        exercise(index)
        index.add_many([(60, docs[0]), (61, ["b"])])
        exercise(index)
        index.remove(50)
        index.remove(60)
        index.compact()  # and narrow again
        exercise(index)
print(json.dumps({"warmed": warmed, "after": signatures(), "widths": sorted(widths)}))
"""


@pytest.mark.skipif(not available(), reason="numba is not installed")
def test_the_warm_up_loads_every_kernel_an_index_calls() -> None:
    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, check=True)
    found = json.loads(run.stdout)
    assert found["widths"] == [  # (tfs, lengths): every pair an index can have was exercised
        ["uint16", "uint16"],
        ["uint16", "uint32"],
        ["uint32", "uint32"],
        ["uint8", "uint16"],
        ["uint8", "uint32"],
    ]
    assert found["after"] == found["warmed"]
