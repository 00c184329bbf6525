"""Shared fixtures: every test that needs a server gets its own FakeCluster."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from fakekube import FakeCluster
from fakekube.api.state import ServerConfig


@pytest.fixture
async def cluster() -> AsyncIterator[FakeCluster]:
    """A fresh server per test, with quick bookmarks so bookmark tests stay fast."""
    async with FakeCluster(config=ServerConfig(bookmark_interval=0.3)) as c:
        yield c


@pytest.fixture
async def http(cluster: FakeCluster) -> AsyncIterator[aiohttp.ClientSession]:
    """A raw HTTP session on the cluster's URL, for exact status codes and bytes."""
    async with aiohttp.ClientSession(base_url=cluster.url) as session:
        yield session
