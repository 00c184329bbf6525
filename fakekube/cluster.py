"""``FakeCluster`` and ``FakeClusterSync``: a faithful API server inside a test process.

Operator and scheduler tests need an API server that keeps resourceVersions, watches,
410s and Status errors honest, and starts in milliseconds. ``FakeCluster`` runs it in the
test's own event loop (for asyncio clients: kubernetes-asyncio, kopf, ``informers``);
``FakeClusterSync`` runs the same thing on a background thread for clients that block
(the official ``kubernetes`` client, kubectl, a Go binary). Both expose the same surface:
``url``, ``kubeconfig``, ``store`` (seed and read without HTTP), ``faults``, the request
log and ``wait_for``.

The store is synchronous and not thread-safe, so the sync variant hands out a proxy that
runs every store call on the server's loop thread; results come back as plain copies.
"""

from __future__ import annotations

import asyncio
import inspect
import shutil
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from fakekube.api.faults import Faults, loop_caller
from fakekube.api.state import RECORDER, RequestRecord, ServerConfig
from fakekube.server import Server, write_kubeconfig
from fakekube.store import Store

__all__ = ["FakeCluster", "FakeClusterSync", "format_requests", "node"]

T = TypeVar("T")
Objects = Iterable[Mapping[str, Any]]
Nodes = int | Iterable[str | Mapping[str, Any]]


def node(name: str, *, cpu: str = "4", memory: str = "8Gi", pods: str = "110") -> dict[str, Any]:
    """A Ready node with the given allocatable resources, as a kubelet would register it."""
    capacity = {"cpu": cpu, "memory": memory, "pods": pods}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "status": {
            "capacity": capacity,
            "allocatable": dict(capacity),
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
        },
    }


def seed(store: Store, *, nodes: Nodes = 0, objects: Objects = ()) -> None:
    """Create ``nodes`` (a count, names or node objects) then ``objects``, in order.

    Objects keep the status they are given (a seeded Running pod stays Running), and a
    CustomResourceDefinition listed before its custom objects serves them at once.
    """
    if isinstance(nodes, int):
        nodes = [f"node-{i}" for i in range(nodes)]
    for n in nodes:
        store.create("nodes", node(n) if isinstance(n, str) else n, keep_status=True)
    for obj in objects:
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not api_version or not kind:
            raise ValueError(f"seed objects need apiVersion and kind: {obj!r}")
        rt = store.registry.by_kind(str(api_version), str(kind))
        if rt is None:
            raise ValueError(f"no served resource has apiVersion {api_version}, kind {kind}")
        namespace = (obj.get("metadata") or {}).get("namespace")
        store.create(rt, obj, namespace=namespace, keep_status=True)


def format_requests(records: Iterable[RequestRecord], body_limit: int = 200) -> str:
    """One line per request, as a failing test's report shows the log tail."""
    lines = []
    for rec in records:
        query = "&".join(f"{k}={v}" for k, v in rec.query.items())
        line = f"{rec.status} {rec.method} {rec.path}" + (f"?{query}" if query else "")
        if rec.body:
            line += f"  body={_printable(rec.body, rec.content_type, body_limit)}"
        lines.append(line)
    return "\n".join(lines)


def _printable(body: bytes, content_type: str, limit: int) -> str:
    """JSON and YAML bodies as text (cut at ``limit``); protobuf and the like by size."""
    try:
        text = " ".join(body.decode("utf-8").split())
    except UnicodeDecodeError:
        text = ""
    if not text.isprintable() or not text:
        return f"<{len(body)} bytes {content_type or 'binary'}>"
    return text[:limit] + ("…" if len(text) > limit else "")


def _select(
    records: Iterable[RequestRecord],
    verb: str | None,
    resource: str | None,
    subresource: str | None,
    method: str | None,
    status: int | None,
) -> list[RequestRecord]:
    out = []
    for rec in records:
        if verb is not None and rec.verb != verb:
            continue
        if resource is not None and rec.resource != resource:
            continue
        if subresource is not None and rec.subresource != subresource:
            continue
        if method is not None and rec.method != method.upper():
            continue
        if status is not None and rec.status != status:
            continue
        out.append(rec)
    return out


class FakeCluster:
    """An in-process fake Kubernetes API server in the running event loop.

    ``async with FakeCluster() as cluster:`` starts it on a free loopback port;
    ``cluster.store`` seeds state synchronously; ``cluster.api_client()`` talks to it over
    HTTP like a real client; ``cluster.faults`` breaks it on purpose.
    """

    def __init__(
        self,
        *,
        store: Store | None = None,
        config: ServerConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        nodes: Nodes = 0,
        objects: Objects = (),
    ) -> None:
        self.store = store if store is not None else Store()
        self.server = Server(self.store, host=host, port=port, config=config)
        self.faults = Faults(self.store, self.server)
        self._seed = (nodes, list(objects))
        self._tmp: Path | None = None
        self._clients: list[Any] = []
        self._replaced_sessions: list[Any] = []  # see _ignoring_environment
        self.kubeconfig: Path = Path()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def config(self) -> ServerConfig:
        return self.server.config

    async def start(self) -> FakeCluster:
        nodes, objects = self._seed
        seed(self.store, nodes=nodes, objects=objects)
        await self.server.start()
        self._tmp = Path(tempfile.mkdtemp(prefix="fakekube-"))
        self.kubeconfig = write_kubeconfig(self._tmp / "kubeconfig", self.url)
        return self

    async def stop(self) -> None:
        """Undo every fault, close the clients it handed out, stop serving."""
        self.faults.reset()
        for api in self._clients:
            await api.close()
        for session in self._replaced_sessions:
            await session.close()
        self._clients.clear()
        self._replaced_sessions.clear()
        await self.server.stop()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    async def __aenter__(self) -> FakeCluster:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def api_client(self) -> Any:
        """A kubernetes-asyncio ``ApiClient`` configured for this server (closed on stop)."""
        from kubernetes_asyncio import client

        cfg = client.Configuration(host=self.url)
        api = client.ApiClient(cfg)
        self._replaced_sessions.append(_ignoring_environment(api))
        self._clients.append(api)
        return api

    def requests(
        self,
        *,
        verb: str | None = None,
        resource: str | None = None,
        subresource: str | None = None,
        method: str | None = None,
        status: int | None = None,
    ) -> list[RequestRecord]:
        """Served requests, oldest first, filtered by what is given (``verb`` is the
        Kubernetes verb: get, list, watch, create, update, patch, delete…)."""
        records = self.server.app[RECORDER].records
        return _select(records, verb, resource, subresource, method, status)

    def clear_requests(self) -> None:
        """Forget the log so far (e.g. after seeding through HTTP)."""
        self.server.app[RECORDER].clear()

    def request_log(self, last: int = 30) -> str:
        """The last ``last`` requests, one per line."""
        records = list(self.server.app[RECORDER].records)
        return format_requests(records[-last:] if last else records)

    async def wait_for(
        self,
        predicate: Callable[[], bool | Awaitable[bool]],
        timeout: float = 5.0,
        interval: float = 0.01,
    ) -> None:
        """Poll ``predicate`` until true; ``TimeoutError`` names it if time runs out."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return
            if loop.time() >= deadline:
                raise TimeoutError(_timeout_message(predicate, timeout))
            await asyncio.sleep(interval)


def _ignoring_environment(api: Any) -> Any:
    """Make a kubernetes-asyncio client ignore proxy variables and ``~/.netrc``.

    kubernetes-asyncio opens its aiohttp session with ``trust_env=True``: every request
    then looks up ``HTTP_PROXY``/``NO_PROXY`` and ``~/.netrc`` in a worker thread. For this
    in-process server on loopback that is wrong (a user's ``HTTP_PROXY`` without
    ``NO_PROXY=127.0.0.1`` would send the requests to their proxy) and slow (two thread
    hops per request: ~10% of a simulation's CPU with a bundled scheduler). Returns the
    replaced session, which has no connection yet, for :meth:`FakeCluster.stop` to close.
    """
    import aiohttp

    rest = api.rest_client
    old = rest.pool_manager
    rest.pool_manager = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=old.connector.limit),
        trust_env=False,
        read_bufsize=2**21,  # as kubernetes-asyncio sets it: large objects in one watch line
    )
    return old


def _timeout_message(predicate: Callable[..., Any], timeout: float) -> str:
    return f"condition {getattr(predicate, '__name__', predicate)!r} not met within {timeout}s"


class _OnLoop:
    """A stand-in for an object owned by the loop thread: every attribute read and every
    call runs there, so the test thread never races a request handler."""

    def __init__(self, target: Any, call: Callable[[Callable[[], Any]], Any]) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_call", call)

    def __getattr__(self, name: str) -> Any:
        target, call = self._target, self._call
        value = call(lambda: getattr(target, name))
        if callable(value):

            def on_loop(*args: Any, **kwargs: Any) -> Any:
                return call(lambda: value(*args, **kwargs))

            on_loop.__name__ = name
            on_loop.__doc__ = value.__doc__
            return on_loop
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        target = self._target
        self._call(lambda: setattr(target, name, value))

    def __repr__(self) -> str:
        return f"<on-loop {self._target!r}>"


class FakeClusterSync:
    """``FakeCluster`` for code that blocks: the server runs on its own thread and loop.

    ``with FakeClusterSync() as cluster:`` — same ``url``, ``kubeconfig``, ``store``,
    ``faults``, ``requests`` and ``wait_for`` as the async class; ``api_client()`` returns
    an official ``kubernetes`` client. ``store`` is a proxy that runs each call on the
    server's thread (objects come back as copies); reach the real store only through it.
    """

    def __init__(
        self,
        *,
        store: Store | None = None,
        config: ServerConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        nodes: Nodes = 0,
        objects: Objects = (),
    ) -> None:
        self._kwargs: dict[str, Any] = {
            "store": store,
            "config": config,
            "host": host,
            "port": port,
            "nodes": nodes,
            "objects": list(objects),
        }
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._inner: FakeCluster | None = None
        self._clients: list[Any] = []
        self.store: Any = None
        self.faults: Faults | None = None

    @property
    def cluster(self) -> FakeCluster:
        """The async cluster on the server thread (touch it only through ``call``)."""
        if self._inner is None:
            raise RuntimeError("FakeClusterSync is not started")
        return self._inner

    @property
    def url(self) -> str:
        return self.cluster.url

    @property
    def kubeconfig(self) -> Path:
        return self.cluster.kubeconfig

    @property
    def config(self) -> ServerConfig:
        return self.cluster.config

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the server's loop thread and return its result."""
        if self._loop is None:
            raise RuntimeError("FakeClusterSync is not started")
        return loop_caller(self._loop)(fn)  # type: ignore[no-any-return]

    def start(self) -> FakeClusterSync:
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="fakekube-server", daemon=True)
        self._thread.start()
        ready.wait()
        self._loop = loop

        async def make() -> FakeCluster:
            return await FakeCluster(**self._kwargs).start()

        try:
            self._inner = asyncio.run_coroutine_threadsafe(make(), loop).result()
        except BaseException:
            self._shutdown_loop()
            raise
        caller = loop_caller(loop)
        self.store = _OnLoop(self._inner.store, caller)
        self.faults = Faults(self._inner.store, self._inner.server, caller)
        return self

    def stop(self) -> None:
        """Undo every fault, close the clients it handed out, stop the server thread."""
        if self._loop is None:
            return
        for api in self._clients:
            api.close()
        self._clients.clear()
        if self.faults is not None:
            self.faults.reset()
        if self._inner is not None:
            asyncio.run_coroutine_threadsafe(self._inner.stop(), self._loop).result()
        self._shutdown_loop()

    def _shutdown_loop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join()
        loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> FakeClusterSync:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def api_client(self) -> Any:
        """An official (synchronous) ``kubernetes`` ``ApiClient`` for this server."""
        from kubernetes import client

        cfg = client.Configuration(host=self.url)
        cfg.proxy = None  # the server is on loopback: not through the environment's proxy
        api = client.ApiClient(cfg)
        self._clients.append(api)
        return api

    def requests(
        self,
        *,
        verb: str | None = None,
        resource: str | None = None,
        subresource: str | None = None,
        method: str | None = None,
        status: int | None = None,
    ) -> list[RequestRecord]:
        """Served requests, oldest first, filtered as ``FakeCluster.requests``."""
        inner = self.cluster
        filters = {
            "verb": verb,
            "resource": resource,
            "subresource": subresource,
            "method": method,
            "status": status,
        }
        return self.call(lambda: inner.requests(**filters))

    def clear_requests(self) -> None:
        inner = self.cluster
        self.call(inner.clear_requests)

    def request_log(self, last: int = 30) -> str:
        inner = self.cluster
        return self.call(lambda: inner.request_log(last))

    def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.01
    ) -> None:
        """Poll ``predicate`` (on the calling thread) until true, or ``TimeoutError``."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                raise TimeoutError(_timeout_message(predicate, timeout))
            time.sleep(interval)
