"""Leases for once-only work (bot/storage/leases.py), on both backends: two handles on one store stand for two
processes (two hosts, on PostgreSQL). Times are given explicitly, so nothing here waits for a clock."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from bot.storage.protocol import NewsStore

JOB = "feed-poll"
HOUR = 3600.0


def test_one_process_gets_a_due_job_and_the_others_are_told_no(open_store: Callable[[], NewsStore]) -> None:
    first, second = open_store(), open_store()
    assert first.claim_lease(JOB, "host-a:1", every=HOUR, ttl=300, now=1000.0)
    assert not second.claim_lease(JOB, "host-b:2", every=HOUR, ttl=300, now=1001.0)  # held
    first.release_lease(JOB, "host-a:1", now=1100.0)
    assert not second.claim_lease(JOB, "host-b:2", every=HOUR, ttl=300, now=1200.0)  # done, not due again yet
    assert not first.claim_lease(JOB, "host-a:1", every=HOUR, ttl=300, now=1200.0)  # for its holder neither
    assert second.claim_lease(JOB, "host-b:2", every=HOUR, ttl=300, now=1000.0 + HOUR)  # due: whoever asks first
    assert not first.claim_lease(JOB, "host-a:1", every=HOUR, ttl=300, now=1001.0 + HOUR)


def test_a_dead_holders_lease_expires_and_another_process_takes_over(open_store: Callable[[], NewsStore]) -> None:
    first, second = open_store(), open_store()
    assert first.claim_lease(JOB, "host-a:1", every=60, ttl=300, now=1000.0)
    assert not second.claim_lease(JOB, "host-b:2", every=60, ttl=300, now=1299.0)  # due, but still held
    assert second.claim_lease(JOB, "host-b:2", every=60, ttl=300, now=1300.0)  # host-a stopped renewing
    assert not first.renew_lease(JOB, "host-a:1", ttl=300, now=1301.0)  # it is told it lost the job
    first.release_lease(JOB, "host-a:1", now=1302.0)  # and cannot end host-b's lease
    assert not first.claim_lease(JOB, "host-a:1", every=0, ttl=300, now=1303.0)


def test_renewing_keeps_a_long_run_from_being_taken_over(open_store: Callable[[], NewsStore]) -> None:
    first, second = open_store(), open_store()
    assert first.claim_lease(JOB, "host-a:1", every=60, ttl=300, now=1000.0)
    assert first.renew_lease(JOB, "host-a:1", ttl=300, now=1200.0)
    assert not second.claim_lease(JOB, "host-b:2", every=60, ttl=300, now=1400.0)  # renewed until 1500
    assert second.claim_lease(JOB, "host-b:2", every=60, ttl=300, now=1500.0)


def test_processes_claiming_at_once_get_the_job_once(open_store: Callable[[], NewsStore]) -> None:
    stores = [open_store() for _ in range(4)]
    for round_ in range(3):
        now = 5000.0 + round_ * 2 * HOUR  # due again at each round

        def claim(n: int, now: float = now) -> bool:
            return stores[n].claim_lease(JOB, f"host-{n}:1", every=HOUR, ttl=300, now=now)

        with ThreadPoolExecutor(len(stores)) as pool:
            assert sorted(pool.map(claim, range(len(stores)))) == [False, False, False, True]
        for n, store in enumerate(stores):
            store.release_lease(JOB, f"host-{n}:1", now=now + 1)
