"""ListWatch: paths and queries, watch framing, and errors mapped at the edge (client-go
listwatch.go and the StreamWatcher's decoding)."""

from __future__ import annotations

import socket
from collections import deque
from typing import Any

import orjson
import pytest
from kubernetes_asyncio import client

from fakekube import FakeCluster
from informers.errors import ApiError, ConnectionRefused, TransportError, is_too_many_requests
from informers.listwatch import ListWatch, _HttpWatch
from informers.resources import Resource


class _Content:
    """What aiohttp's StreamReader offers the watch reader: chunks as the network cut them."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = deque(chunks)

    async def readany(self) -> bytes:
        return self.chunks.popleft() if self.chunks else b""

    def read_nowait(self, n: int = -1) -> bytes:
        return b""


class _Response:
    def __init__(self, chunks: list[bytes]) -> None:
        self.content = _Content(chunks)
        self.released = False

    def release(self) -> None:
        self.released = True

    def close(self) -> None:
        self.released = True


def event(name: str) -> bytes:
    return orjson.dumps({"type": "ADDED", "object": {"metadata": {"name": name}}})


async def read(chunks: list[bytes]) -> tuple[list[list[str]], _Response]:
    resp = _Response(chunks)
    batches = []
    async for batch in _HttpWatch(resp, "watch pods"):
        batches.append([ev["object"]["metadata"]["name"] for ev in batch])
    return batches, resp


async def test_events_split_across_reads_are_reassembled_and_batched() -> None:
    a, b, c = event("a"), event("b"), event("c")
    chunks = [a + b"\n" + b[:7], b[7:] + b"\n\n" + c[:3], c[3:] + b"\n"]
    batches, resp = await read(chunks)
    assert batches == [["a"], ["b"], ["c"]]
    assert resp.released


async def test_a_last_event_without_newline_is_still_delivered() -> None:
    assert (await read([event("a") + b"\n" + event("b")]))[0] == [["a"], ["b"]]


async def test_an_undecodable_event_is_an_internal_error() -> None:
    with pytest.raises(ApiError) as info:
        await read([event("a") + b"\n{not json}\n"])
    assert info.value.code == 500 and info.value.reason == "InternalError"
    assert "unable to decode an event from the watch stream" in str(info.value)


async def test_a_stream_cut_mid_event_is_a_transport_error() -> None:
    with pytest.raises(TransportError, match="stream ended mid-event"):
        await read([event("a")[:20]])


def test_paths_and_queries() -> None:
    api: Any = None
    pods = ListWatch(api, "pods", namespace="ns", label_selector="app=web")
    assert pods.path == "/api/v1/namespaces/ns/pods"
    assert pods._query({"resourceVersion": "", "limit": "500"}) == [
        ("labelSelector", "app=web"),
        ("limit", "500"),
    ]
    assert ListWatch(api, "nodes", namespace="ns").path == "/api/v1/nodes"
    widgets = Resource("widgets", group="example.com", version="v1", kind="Widget")
    assert ListWatch(api, widgets).path == "/apis/example.com/v1/widgets"
    with pytest.raises(ValueError, match="unknown resource 'widgets'"):
        ListWatch(api, "widgets")


async def test_a_refused_connection_is_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once the socket closes
    async with client.ApiClient(client.Configuration(host=f"http://127.0.0.1:{port}")) as api:
        with pytest.raises(ConnectionRefused):
            await ListWatch(api, "pods").watch(resourceVersion="1")


async def test_a_status_answer_is_an_api_error_with_retry_after(fake_cluster: FakeCluster) -> None:
    lw = ListWatch(fake_cluster.api_client(), "pods")
    fake_cluster.faults.respond(429, verb="list", resource="pods", retry_after=3)
    with pytest.raises(ApiError) as info:
        await lw.list(resourceVersion="0")
    assert is_too_many_requests(info.value) and info.value.retry_after == 3
    widgets = Resource("widgets", group="example.com", version="v1", kind="Widget")
    with pytest.raises(ApiError) as missing:
        await ListWatch(fake_cluster.api_client(), widgets).list()
    assert missing.value.code == 404 and missing.value.reason == "NotFound"
