"""Replacing a saved index (bot/search/generations.py): at every step of a save, a process that loads the index
gets the old one or the new one, whole; a load whose generation is removed under it reads the newer one; what a
running process has mapped stays readable; old generations, a crashed writer's leftovers and the files of the
layout before generations are removed by the next save, and that layout is still read."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.core.models import Article
from bot.core.text import tokenize
from bot.search import generations
from bot.search.generations import POINTER, current, load_current
from bot.search.index import CoverageIndex

BODIES = {
    "a1": "The harbour wall was repaired in March. Boats came back.",
    "a2": "The lighthouse was painted white.",
    "b1": "The ferry to Inish Mor runs every hour.",
    "b2": "The council voted to close the old bridge. Traffic was diverted.",
    "b3": "A new library opened on Monday.",
}


def loader(ids: Any) -> dict[str, str]:
    return {a: BODIES[a] for a in ids}


def built(*ids: str) -> CoverageIndex:
    index = CoverageIndex(loader)
    index.add_articles(
        Article(id=i, title=f"Story {i}", source="Wire", body=BODIES[i], added_at="2024", added_by="t") for i in ids
    )
    return index


SAVES = {"A": ("a1", "a2"), "B": ("b1", "b2", "b3")}


def whole(directory: Path) -> str:
    """Load the saved index: which save it is, after checking that every part of it is that save's."""
    index, meta = CoverageIndex.load(directory, loader)
    tag = str(meta["tag"])
    assert sorted(r.id for r in index.articles()) == sorted(SAVES[tag])
    assert index.size("sentence") == sum(len(index.passages_of([i])[i]) - 1 for i in SAVES[tag])
    return tag


def entries(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


def test_a_load_at_any_step_of_a_save_gets_the_old_index_or_the_new_one_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every rename the save makes (the BM25 files', the generation's, the pointer's) is followed by a load from
    another "process": it never finds no index, nor a mixture (the directory swap of two renames left a moment
    with no index at all, and a reader could take articles.json from one save and the BM25 files from the next)."""
    directory = tmp_path / "index"
    built(*SAVES["A"]).save(directory, {"tag": "A"})
    seen: list[str] = []
    real_replace = os.replace

    def replace_then_load(src: Any, dst: Any) -> None:
        real_replace(src, dst)
        seen.append(whole(directory))

    monkeypatch.setattr(os, "replace", replace_then_load)
    built(*SAVES["B"]).save(directory, {"tag": "B"})
    built(*SAVES["A"]).save(directory, {"tag": "A"})
    monkeypatch.undo()
    assert seen == ["A", "A", "A", "B", "B", "B", "B", "A"]  # the pointer's rename is the one switch, each time
    assert whole(directory) == "A"
    saved = current(directory)
    assert saved is not None and entries(directory) == {POINTER, ".lock", saved.name}


def test_a_load_whose_generation_is_removed_under_it_reads_the_newer_one(tmp_path: Path) -> None:
    directory = tmp_path / "index"
    built(*SAVES["A"]).save(directory, {"tag": "A"})
    first = current(directory)
    read: list[Path] = []

    def load(folder: Path) -> tuple[CoverageIndex, dict[str, Any]]:
        read.append(folder)
        if len(read) == 1:  # another process saves between this one's reading the pointer and opening the files
            built(*SAVES["B"]).save(directory, {"tag": "B"})
        return CoverageIndex._read(folder, loader)

    index, meta = load_current(directory, load)
    assert meta == {"tag": "B"} and sorted(r.id for r in index.articles()) == list(SAVES["B"])
    assert read == [first, current(directory)] and first is not None and not first.exists()


def test_a_damaged_current_generation_is_an_error_not_a_retry(tmp_path: Path) -> None:
    directory = tmp_path / "index"
    with pytest.raises(ValueError, match="no saved index"):
        CoverageIndex.load(directory, loader)
    built(*SAVES["A"]).save(directory, {"tag": "A"})
    saved = current(directory)
    assert saved is not None
    (saved / "passages.npz").write_bytes(b"")
    with pytest.raises(ValueError, match=f"cannot load the index in {saved}"):
        CoverageIndex.load(directory, loader)
    (directory / POINTER).write_text("../../etc\n", encoding="utf-8")  # a pointer that names no generation
    assert current(directory) is None


def test_a_loaded_index_keeps_reading_its_mapped_files_after_they_are_replaced(tmp_path: Path) -> None:
    directory = tmp_path / "index"
    built(*SAVES["B"]).save(directory, {"tag": "B"})
    running, _ = CoverageIndex.load(directory, loader)  # a running process: its postings are mapped
    old = current(directory)
    built(*SAVES["A"]).save(directory, {"tag": "A"})
    assert old is not None and not old.exists()  # removed once no longer current
    hits = running.ranked(tokenize("ferry"), "sentence", 3)
    assert [(article, round(score, 6) > 0) for _, article, score in hits] == [("b1", True)]
    assert whole(directory) == "A"


def test_leftovers_and_the_layout_before_generations(tmp_path: Path) -> None:
    """A directory saved before generations (its files at the top) is read as it is; the next save makes a
    generation current and removes those files, and what a crashed writer left (a half-written generation, one
    renamed but never pointed to), never the current one."""
    directory = tmp_path / "index"
    built(*SAVES["A"]).save(directory, {"tag": "A"})
    saved = current(directory)
    assert saved is not None
    for path in saved.iterdir():
        shutil.move(path, directory / path.name)
    (directory / POINTER).unlink()
    saved.rmdir()
    assert current(directory) == directory and whole(directory) == "A"  # the old layout
    (directory / ".gen-0123456789abcdef.tmp").mkdir()
    (directory / "gen-fedcba9876543210").mkdir()
    (directory / "notes.txt").write_text("the operator's", encoding="utf-8")
    new = generations.publish(directory, lambda folder: built(*SAVES["B"])._write(folder, {"tag": "B"}))
    assert current(directory) == new and whole(directory) == "B"
    assert entries(directory) == {POINTER, ".lock", new.name, "notes.txt"}
