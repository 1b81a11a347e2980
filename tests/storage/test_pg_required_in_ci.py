"""The PostgreSQL tests never pass silently without a server: they fail in CI (``CI`` set) and skip elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.paths import REPO

ONE_TEST = "tests/storage/test_pg_store.py::test_a_newer_schema_is_refused"


def run_without_a_server(**env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "CI"}
    environ.update(NEWSBOT_TEST_PG="postgresql://postgres@127.0.0.1:1/test", **env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", ONE_TEST],
        cwd=REPO, env=environ, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_without_a_server_the_postgresql_tests_fail_in_ci() -> None:
    result = run_without_a_server(CI="true")
    assert result.returncode == 1, result.stdout
    assert "CI must run the PostgreSQL tests: start it as .ci/run does" in result.stdout
    assert "1 error" in result.stdout.splitlines()[-1]
    assert "skipped" not in result.stdout.splitlines()[-1]
