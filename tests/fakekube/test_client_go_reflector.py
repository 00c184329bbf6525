"""A real client-go reflector and informer (tests/go/reflector, client-go v0.35.4) against
fakekube: initial sync, live events, a dropped watch, a forced compaction with its 410,
and a cache that ends equal to the server's state, in both the classic LIST+WATCH mode
and the streaming-list (WatchListClient) mode kube-scheduler 1.35 uses by default.

The program is built by ``scripts/build-go-tests`` (run by ``scripts/test``); a missing or
stale binary fails these tests rather than skipping them.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from fakekube import FakeCluster
from fakekube.api.state import RequestRecord

SCHED_SELECTOR = "status.phase!=Succeeded,status.phase!=Failed"
SOURCE = Path(__file__).resolve().parents[1] / "go" / "reflector"
#: Generous: each wait is on a condition, and client-go backs off 0.8-1.6 s after a 410.
SYNC_TIMEOUT = 30.0


def _binary() -> Path:
    """The built program, or a test failure naming the build script."""
    cache = os.environ.get("FAKEKUBE_CACHE") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fakekube"
    )
    path = Path(cache) / "bin" / "go-tests" / "reflector"
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: run scripts/build-go-tests (scripts/test does)")
    files = [SOURCE / "go.mod", SOURCE / "go.sum", *sorted(SOURCE.glob("*.go"))]
    stamp = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:16]
    built = path.with_name("reflector.stamp")
    if not built.exists() or built.read_text().strip() != stamp:
        pytest.fail(f"{path} is older than {SOURCE}: run scripts/build-go-tests")
    return path


class GoReflector:
    """The Go program as a subprocess speaking its line protocol."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.events: list[dict[str, Any]] = []
        self._dumps: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for line in self.proc.stdout:
            event = orjson.loads(line)
            if event["event"] == "dump":
                self._dumps.put_nowait(event)
            else:
                self.events.append(event)
                self._changed.set()

    async def wait_event(self, name: str, timeout: float = SYNC_TIMEOUT) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                for event in self.events:
                    if event["event"] == name:
                        return event
                    if event["event"] == "fatal":
                        raise AssertionError(f"reflector program failed: {event['error']}")
                self._changed.clear()
                await self._changed.wait()

    async def dump(self) -> dict[str, str]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"dump\n")
        await self.proc.stdin.drain()
        async with asyncio.timeout(5):
            return (await self._dumps.get())["items"]

    async def stop(self) -> None:
        if self.proc.returncode is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write(b"quit\n")
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self._reader.cancel()


@pytest.fixture
async def start_reflector(
    cluster: FakeCluster,
) -> AsyncIterator[Any]:
    binary = _binary()
    started: list[GoReflector] = []

    async def start(*, watch_list: bool) -> GoReflector:
        proc = await asyncio.create_subprocess_exec(
            str(binary),
            f"--kubeconfig={cluster.kubeconfig}",
            f"--watch-list={str(watch_list).lower()}",
            f"--field-selector={SCHED_SELECTOR}",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        reflector = GoReflector(proc)
        started.append(reflector)
        return reflector

    yield start
    for reflector in started:
        await reflector.stop()


def pod(name: str, **labels: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]},
    }


def server_state(cluster: FakeCluster) -> dict[str, str]:
    """What the informer must hold: every pod the selector matches, with its version."""
    result = cluster.store.list("pods", field_selector=SCHED_SELECTOR)
    return {f"{e.namespace}/{e.name}": str(e.rv) for e in result.items}


async def wait_cache_equals_server(cluster: FakeCluster, reflector: GoReflector) -> None:
    async def equal() -> bool:
        return await reflector.dump() == server_state(cluster)

    await cluster.wait_for(equal, timeout=SYNC_TIMEOUT, interval=0.05)


def set_phase(cluster: FakeCluster, name: str, phase: str) -> None:
    current = cluster.store.get("pods", name)
    current["status"]["phase"] = phase
    cluster.store.update("pods", current, subresource="status")


def relabel(cluster: FakeCluster, name: str, **labels: str) -> None:
    current = cluster.store.get("pods", name)
    current["metadata"]["labels"] = labels
    cluster.store.update("pods", current)


def churn(cluster: FakeCluster, tag: str) -> None:
    """Creates, an update, a delete and a pod leaving the selector (Succeeded)."""
    for i in range(3):
        cluster.store.create("pods", pod(f"{tag}-{i}", round=tag))
    relabel(cluster, f"{tag}-0", round=tag, touched="yes")
    cluster.store.delete("pods", f"{tag}-1")
    set_phase(cluster, f"{tag}-2", "Succeeded")
    cluster.store.create("pods", pod(f"{tag}-3"))


def pod_requests(cluster: FakeCluster) -> list[RequestRecord]:
    return [r for r in cluster.requests(resource="pods") if r.verb in ("list", "watch")]


def is_stream(record: RequestRecord) -> bool:
    return record.verb == "watch" and record.query.get("sendInitialEvents") == "true"


async def run_lifecycle(cluster: FakeCluster, reflector: GoReflector) -> int:
    """Sync, live events, dropped watches, then a compaction the reflector must notice.

    Returns the compacted resourceVersion.
    """
    for i in range(5):
        cluster.store.create("pods", pod(f"seed-{i}", app="web"))
    set_phase(cluster, "seed-4", "Failed")
    await reflector.wait_event("synced")
    await wait_cache_equals_server(cluster, reflector)

    churn(cluster, "live")
    await wait_cache_equals_server(cluster, reflector)

    # Every watch dropped (a restarted server, a load balancer): client-go re-watches
    # from the last resourceVersion it saw, without listing again.
    assert cluster.faults.drop_watches() == 1
    churn(cluster, "dropped")
    await wait_cache_equals_server(cluster, reflector)

    # Watches dropped, changes missed, and their history compacted away: the re-watch
    # gets ERROR 410 Expired and the informer must fetch the whole state again.
    assert cluster.faults.drop_watches() == 1
    churn(cluster, "compacted")
    compacted = cluster.faults.compact()
    await wait_cache_equals_server(cluster, reflector)

    churn(cluster, "after")
    await wait_cache_equals_server(cluster, reflector)
    return compacted


def rv_of(record: RequestRecord) -> int:
    return int(record.query["resourceVersion"])


async def test_client_go_informer_classic_list_watch_survives_drops_and_compaction(
    cluster: FakeCluster, start_reflector: Any
) -> None:
    reflector = await start_reflector(watch_list=False)
    assert (await reflector.wait_event("started"))["watchList"] is False
    compacted = await run_lifecycle(cluster, reflector)

    # The watch still open may or may not be in the log yet: look at the rest.
    requests = pod_requests(cluster)[:5]
    assert [r.verb for r in requests] == ["list", "watch", "watch", "watch", "list"]
    first_list, watched, dropped, expired, relist = requests
    # kube-scheduler's exact shapes: the first list, then a bookmarked, timed watch.
    assert first_list.query == {
        "fieldSelector": SCHED_SELECTOR,
        "limit": "500",
        "resourceVersion": "0",
    }
    assert watched.query["allowWatchBookmarks"] == "true" and "timeoutSeconds" in watched.query
    assert not any(is_stream(r) for r in requests)
    # After the first drop client-go resumed where it was; after the compaction its
    # resume point was gone (ERROR 410), so it listed again from that point.
    assert rv_of(watched) < rv_of(dropped) < rv_of(expired) < compacted
    assert rv_of(relist) == rv_of(expired) and "limit" not in relist.query
    (live,) = cluster.store.watchers()
    assert not live.send_initial_events


async def test_client_go_informer_streaming_list_survives_drops_and_compaction(
    cluster: FakeCluster, start_reflector: Any
) -> None:
    reflector = await start_reflector(watch_list=True)
    assert (await reflector.wait_event("started"))["watchList"] is True
    compacted = await run_lifecycle(cluster, reflector)

    requests = pod_requests(cluster)
    assert {r.verb for r in requests} == {"watch"}, "a streaming list sends no LIST at all"
    streamed, dropped, expired = requests[:3]
    # kube-scheduler 1.35's first request for every informer.
    assert streamed.query["sendInitialEvents"] == "true"
    assert streamed.query["resourceVersionMatch"] == "NotOlderThan"
    assert streamed.query["allowWatchBookmarks"] == "true"
    assert "resourceVersion" not in streamed.query
    assert not is_stream(dropped) and not is_stream(expired)
    assert rv_of(dropped) < rv_of(expired) < compacted
    # client-go's answer to the 410 is a new streaming list, still open.
    (live,) = cluster.store.watchers()
    assert live.send_initial_events
