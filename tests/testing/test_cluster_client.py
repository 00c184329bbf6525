"""The clients a FakeCluster hands out talk to it directly, whatever proxy the
environment names."""

from __future__ import annotations

import socket

import pytest
from kubernetes_asyncio import client

from fakekube.cluster import FakeCluster, FakeClusterSync


def _dead_port() -> int:
    """A loopback port nobody listens on: a proxy that refuses every connection."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _dead_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    dead = f"http://127.0.0.1:{_dead_port()}"
    for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(var, dead)
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)


async def test_the_api_client_ignores_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    _dead_proxy(monkeypatch)
    async with FakeCluster(nodes=1) as cluster:
        api = cluster.api_client()
        nodes = await client.CoreV1Api(api).list_node()
        assert [n.metadata.name for n in nodes.items] == ["node-0"]
        assert len(cluster.requests(verb="list", resource="nodes")) == 1


def test_the_official_client_ignores_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    from kubernetes import client as official

    _dead_proxy(monkeypatch)
    with FakeClusterSync(nodes=1) as cluster:
        api = cluster.api_client()
        nodes = official.CoreV1Api(api).list_node(_request_timeout=10)
        assert [n.metadata.name for n in nodes.items] == ["node-0"]
