"""``FakeCluster``: a faithful API server in the running event loop, for tests and tools.

It owns a :class:`~fakekube.store.Store` (seed and read it directly, no HTTP), serves it
on a free loopback port, and writes a kubeconfig any client can use.
"""

from __future__ import annotations

import asyncio
import inspect
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fakekube.api.state import RECORDER, RequestRecord, ServerConfig
from fakekube.server import Server, write_kubeconfig
from fakekube.store import Store

__all__ = ["FakeCluster"]


class FakeCluster:
    """An in-process fake Kubernetes API server.

    ``async with FakeCluster() as cluster:`` starts it; ``cluster.store`` seeds state
    synchronously; ``cluster.api_client()`` talks to it over HTTP like a real client.
    """

    def __init__(
        self,
        *,
        store: Store | None = None,
        config: ServerConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.store = store if store is not None else Store()
        self.server = Server(self.store, host=host, port=port, config=config)
        self._tmp: Path | None = None
        self._clients: list[Any] = []
        self.kubeconfig: Path = Path()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def config(self) -> ServerConfig:
        return self.server.config

    async def start(self) -> FakeCluster:
        await self.server.start()
        self._tmp = Path(tempfile.mkdtemp(prefix="fakekube-"))
        self.kubeconfig = write_kubeconfig(self._tmp / "kubeconfig", self.url)
        return self

    async def stop(self) -> None:
        for api in self._clients:
            await api.close()
        self._clients.clear()
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
        self._clients.append(api)
        return api

    def requests(
        self,
        *,
        verb: str | None = None,
        resource: str | None = None,
        subresource: str | None = None,
        method: str | None = None,
    ) -> list[RequestRecord]:
        """Served requests, oldest first, filtered by what is given."""
        out = []
        for rec in self.server.app[RECORDER].records:
            if verb is not None and rec.verb != verb:
                continue
            if resource is not None and rec.resource != resource:
                continue
            if subresource is not None and rec.subresource != subresource:
                continue
            if method is not None and rec.method != method.upper():
                continue
            out.append(rec)
        return out

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
                raise TimeoutError(
                    f"condition {getattr(predicate, '__name__', predicate)!r} "
                    f"not met within {timeout}s"
                )
            await asyncio.sleep(interval)
