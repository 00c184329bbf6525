"""Shared fixtures. Every test that needs a server gets the plugin's ``fake_cluster``
(fakekube/pytest_plugin.py): a fresh server per test, faults undone at tear-down, the
request log tail in the report of a failing test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from fakekube import FakeCluster
from fakekube.api.state import ServerConfig


@pytest.fixture
def fake_cluster_options() -> dict[str, Any]:
    """Quick bookmarks for the whole suite, so bookmark tests stay fast."""
    return {"config": ServerConfig(bookmark_interval=0.3)}


@pytest.fixture
def cluster(fake_cluster: FakeCluster) -> FakeCluster:
    """The suite's short name for ``fake_cluster``: the very same server."""
    return fake_cluster


@pytest.fixture
async def http(fake_cluster: FakeCluster) -> AsyncIterator[aiohttp.ClientSession]:
    """A raw HTTP session on the cluster's URL, for exact status codes and bytes."""
    async with aiohttp.ClientSession(base_url=fake_cluster.url) as session:
        yield session
