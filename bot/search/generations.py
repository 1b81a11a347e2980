"""A saved index directory, replaced without changing what a running process reads: generations and a pointer.

Each save is a new *generation*: a subdirectory ``gen-<random>`` of the index directory, written whole under a
temporary name, flushed to disk and renamed into place; it is never changed after that. It becomes the current one
when the pointer file ``CURRENT`` (which names it) is replaced by a rename, an atomic step. A reader reads the
pointer once and every file from the generation it names, so it never mixes the files of two saves.

Why: the directory used to be replaced by two renames (the old directory aside, the new one in its place) and the
old one removed. Between the two renames there was no index (a process starting then rebuilt it, 42 s at 100,000
articles), and a process loading meanwhile could read ``articles.json`` of one save and the BM25 files of the
next: passage numbers that name other articles, and slices of the wrong body, which the load's checks catch only
when the counts differ. Removing files another process has mapped was never the danger on POSIX (a mapping keeps
the file's data until it is unmapped), and is not now.

Old generations go once they are no longer current: after switching the pointer, the writer removes every other
generation (and what a crashed writer left), holding the directory's lock so that it never removes the one another
writer is about to point to. A reader whose generation is removed before it has opened all of its files finds one
missing, reads the pointer again and loads the newer one (:func:`load_current`). A directory saved before
generations (its files at the top) is still read, and its files removed at the next save.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from bot.core.files import fsync_path

try:
    import fcntl
except ImportError:  # Windows: the writers of one directory are not serialised there
    fcntl = None  # type: ignore[assignment]

__all__ = ["POINTER", "current", "load_current", "publish"]

POINTER = "CURRENT"
#: The files of an index saved before generations, at the top of its directory.
LEGACY_FILES = ("articles.json", "passages.npz", "sentence.bm25", "headline.bm25")
_LOCK = ".lock"
_GENERATION = re.compile(r"gen-[0-9a-f]{16}")
_ATTEMPTS = 3  # generations a load tries when the one it read is removed under it

T = TypeVar("T")


def current(directory: Path) -> Path | None:
    """The folder holding the current generation's files: the one the pointer names, the directory itself when
    it was saved before generations, or None when there is no saved index (or the pointer names none)."""
    try:
        name = (directory / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return directory if (directory / LEGACY_FILES[0]).exists() else None
    except (OSError, UnicodeDecodeError):
        return None
    return directory / name if _GENERATION.fullmatch(name) else None


def load_current(directory: Path, load: Callable[[Path], T]) -> T:
    """``load`` of the current generation; when it fails (ValueError) because a save replaced that generation
    meanwhile, of the newer one. ValueError when there is no saved index or the current one cannot be read."""
    found = current(directory)
    for _ in range(_ATTEMPTS):
        if found is None:
            raise ValueError(f"no saved index in {directory}")
        try:
            return load(found)
        except ValueError:
            newer = current(directory)
            if newer == found:
                raise  # the current generation itself is unreadable
            found = newer
    raise ValueError(f"the index in {directory} was replaced {_ATTEMPTS} times while it was read")


def publish(directory: Path, write: Callable[[Path], None]) -> Path:
    """Save a new generation into ``directory`` (created if need be): ``write`` fills an empty folder, which then
    becomes the current generation in one atomic step; the others are removed. Its folder."""
    if not directory.is_dir():
        directory.mkdir(parents=True, exist_ok=True)
        fsync_path(directory.parent)
    with _locked(directory):
        name = f"gen-{uuid.uuid4().hex[:16]}"
        tmp, pointer = directory / f".{name}.tmp", directory / f".{POINTER}.{name}.tmp"
        try:
            tmp.mkdir()
            write(tmp)
            for path in tmp.iterdir():
                fsync_path(path)
            fsync_path(tmp)  # on disk before the rename makes it a generation: a crash never leaves a torn one
            os.replace(tmp, directory / name)
            with pointer.open("w", encoding="utf-8") as f:
                f.write(name + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(pointer, directory / POINTER)
            fsync_path(directory)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            pointer.unlink(missing_ok=True)
            raise
        _remove_others(directory, name)
    return directory / name


def _remove_others(directory: Path, keep: str) -> None:
    """Every generation but ``keep``, a crashed writer's leftovers and the files of the layout before generations
    (the lock is held: no other writer is between its rename and its pointer)."""
    for entry in directory.iterdir():
        if entry.name == keep:
            continue
        if _GENERATION.fullmatch(entry.name) or (entry.name.startswith(".") and entry.name.endswith(".tmp")):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        elif entry.name in LEGACY_FILES:
            entry.unlink(missing_ok=True)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """The directory's writer lock (an advisory lock on its ``.lock`` file), held by one process at a time."""
    if fcntl is None:
        yield
        return
    fd = os.open(directory / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
