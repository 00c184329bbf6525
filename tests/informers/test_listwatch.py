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
from informers.lazy import LazyObject, decode_event
from informers.listwatch import ListWatch, _decode_lines, _HttpWatch
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
    def __init__(self, chunks: list[bytes], status: int = 200) -> None:
        self.content = _Content(chunks)
        self.status = status
        self.headers: dict[str, str] = {}
        self.released = False

    async def read(self) -> bytes:
        return b"".join(self.content.chunks)

    def release(self) -> None:
        self.released = True

    def close(self) -> None:
        self.released = True


class _ApiClient:
    """Answers every call with one canned 200 body (the ``call_api`` ListWatch uses)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def call_api(self, *args: Any, **kwargs: Any) -> _Response:
        return _Response([self.body])


def event(name: str) -> bytes:
    return orjson.dumps({"type": "ADDED", "object": {"metadata": {"name": name}}})


async def read(chunks: list[bytes], lazy: bool = False) -> tuple[list[list[str]], _Response]:
    resp = _Response(chunks)
    batches = []
    async for batch in _HttpWatch(resp, "watch pods", lazy=lazy):
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


@pytest.mark.parametrize("lazy", [False, True], ids=["dicts", "lazy"])
@pytest.mark.parametrize(
    "bad",
    [b"{not json}", b'{"type":"ADDED","object":{"metadata":{"name":"x"},,}}', b'{"type":"ADDED"'],
    ids=["not-json", "bad-object", "truncated-line"],
)
async def test_an_undecodable_event_is_an_internal_error(lazy: bool, bad: bytes) -> None:
    with pytest.raises(ApiError) as info:
        await read([event("a") + b"\n" + bad + b"\n"], lazy)
    assert info.value.code == 500 and info.value.reason == "InternalError"
    assert "unable to decode an event from the watch stream" in str(info.value)


@pytest.mark.parametrize("lazy", [False, True], ids=["dicts", "lazy"])
async def test_a_stream_cut_mid_event_is_a_transport_error(lazy: bool) -> None:
    with pytest.raises(TransportError, match="stream ended mid-event"):
        await read([event("a") + b"\n" + event("b")[:20]], lazy)


async def test_a_lazy_watch_reassembles_split_events_into_lazy_objects() -> None:
    a, b = event("a"), event("b")
    resp = _Response([a[:9], a[9:] + b"\n" + b[:20], b[20:] + b"\n"])
    objs = [ev["object"] async for batch in _HttpWatch(resp, "w", lazy=True) for ev in batch]
    assert all(type(o) is LazyObject and not o.decoded for o in objs)
    assert objs == [{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}]


def test_lines_decode_the_same_events_wherever_the_reads_cut_the_stream() -> None:
    names = ["p1", "p2", "p3"]
    stream = b"".join(event(n) + b"\n" for n in names) + b'{"type":"MOD'
    for cut in range(1, len(stream)):
        for cut2 in (cut, (cut + len(stream)) // 2):
            pending = b""
            got: list[str] = []
            for first, more in ((stream[:cut], stream[cut:cut2]), (stream[cut2:], b"")):
                batch, pending = _decode_lines(decode_event, pending, first, more)
                got.extend(e["object"].name for e in batch)
            assert got == names and pending == b'{"type":"MOD'


@pytest.mark.parametrize("lazy", [False, True], ids=["dicts", "lazy"])
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"kind":"PodList","items":[{"metadata":{}},,]}', "undecodable body"),
        (b"[1, 2]", "not a list object"),
    ],
    ids=["not-json", "not-an-object"],
)
async def test_a_bad_list_body_is_a_transport_error(lazy: bool, body: bytes, message: str) -> None:
    lw = ListWatch(_ApiClient(body), "pods", lazy=lazy)
    with pytest.raises(TransportError, match=message):
        await lw.list(resourceVersion="0")


async def test_a_lazy_list_item_that_is_not_an_object_is_a_transport_error() -> None:
    lw = ListWatch(_ApiClient(b'{"kind":"PodList","items":[7]}'), "pods", lazy=True)
    with pytest.raises(TransportError, match="not a list object"):
        await lw.list(resourceVersion="0")


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
