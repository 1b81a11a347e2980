"""Where things are, for tests in any folder of tests/: the repository, and the tests' own data files."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DATA", "REPO"]

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
