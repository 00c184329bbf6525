"""Run the API server on a socket, and write the kubeconfig that points at it."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from pathlib import Path

import yaml
from aiohttp import web

from fakekube.api.app import make_app
from fakekube.api.state import ServerConfig
from fakekube.store import Store

__all__ = ["Server", "kubeconfig_text", "write_kubeconfig"]


def kubeconfig_text(url: str, name: str = "fakekube") -> str:
    """A kubeconfig for plain HTTP with no credentials: what every client here needs."""
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": url}}],
        "contexts": [
            {"name": name, "context": {"cluster": name, "user": name, "namespace": "default"}}
        ],
        "current-context": name,
        "users": [{"name": name, "user": {}}],
        "preferences": {},
    }
    return yaml.safe_dump(doc, sort_keys=False)


def write_kubeconfig(path: str | os.PathLike[str], url: str) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(kubeconfig_text(url))
    tmp.replace(out)
    return out


class Server:
    """The API server bound to ``host:port`` (0 picks a free port) in the running loop."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        config: ServerConfig | None = None,
    ) -> None:
        self.store = store if store is not None else Store()
        self.config = config or ServerConfig()
        self.host = host
        self.port = port
        self.app = make_app(self.store, self.config)
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
        self._reopening: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        self._runner = web.AppRunner(
            self.app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        sock = self._bind()
        self.port = sock.getsockname()[1]
        await self._listen(sock)

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(1024)
        sock.setblocking(False)
        return sock

    async def _listen(self, sock: socket.socket) -> None:
        assert self._runner is not None and self._runner.server is not None
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(self._runner.server, sock=sock, backlog=1024)

    def suspend(self) -> None:
        """Stop listening and cut every open connection: clients get refused or reset.

        Synchronous, so a fault takes effect before the caller's next line runs.
        """
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._runner is not None and self._runner.server is not None:
            for handler in self._runner.server.connections:
                if handler.transport is not None:
                    handler.transport.abort()

    def resume(self) -> None:
        """Listen again on the same port. The socket is bound before this returns, so a
        client connecting right after is queued by the kernel, never refused."""
        if self._listener is not None or self._runner is None or self._reopening is not None:
            return
        sock = self._bind()
        task = asyncio.get_running_loop().create_task(self._listen(sock))
        self._reopening = task
        task.add_done_callback(lambda _: setattr(self, "_reopening", None))

    async def stop(self) -> None:
        self.store.close_watches()
        if self._reopening is not None:
            await self._reopening
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Server:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def serve_forever(server: Server, kubeconfig: Path | None) -> None:
    """Start, announce, and run until SIGINT/SIGTERM."""
    await server.start()
    if kubeconfig is not None:
        write_kubeconfig(kubeconfig, server.url)
    print(f"fakekube serving on {server.url}", flush=True)
    if kubeconfig is not None:
        print(f"kubeconfig: {kubeconfig}", flush=True)
        print(f"try: kubectl --kubeconfig {kubeconfig} get nodes", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        print("fakekube shutting down", flush=True)
        await server.stop()
