"""Fixtures of the Discord tests that follow feeds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.feeds.test_subscriptions import Site, running_site


@pytest.fixture
def site() -> Iterator[Site]:
    """A news site on loopback serving articles and feeds to fetch."""
    with running_site() as running:
        yield running
