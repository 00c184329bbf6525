"""Run a scenario against one server and record what it answered.

A :class:`Backend` is a base URL, an aiohttp session that can reach it (TLS and token for the
reference, plain HTTP for fakekube) and a way to compact its history. :func:`run` sends the
steps in order, exactly as written, and returns the raw transcript: one record per request
(status, media type, body, warnings) and per collected watch (opening status, events).
Nothing is normalised here; that is :mod:`.normalize`'s job, so a transcript can be printed
and read as what the server really said.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from conformance.differential.scenario import (
    Collect,
    Compact,
    OpenWatch,
    Request,
    Scenario,
)

__all__ = ["Backend", "Record", "run"]

Record = dict[str, Any]
#: After a watch has delivered what a step waits for, how long to keep listening for
#: anything extra (a duplicate or spurious event is a difference too).
GRACE = 0.15
#: A plain request that takes longer has hung (a watch the server accepted, say).
REQUEST_TIMEOUT = 20.0
_VAR = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class Backend:
    name: str
    base_url: str
    session: aiohttp.ClientSession
    compact: Callable[[str], Awaitable[None]]


@dataclass
class _Watch:
    status: int
    body: Any = None
    events: list[dict[str, Any]] = field(default_factory=list)
    ended: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    response: aiohttp.ClientResponse | None = None


def _substitute(value: Any, env: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _VAR.sub(lambda m: env.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {k: _substitute(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, env) for v in value]
    return value


def _lookup(doc: Any, path: str) -> str:
    cur = doc
    for part in path.split("."):
        if isinstance(cur, list):
            cur = cur[int(part)] if part.isdigit() and int(part) < len(cur) else None
        elif isinstance(cur, dict):
            cur = cur.get(part)
        else:
            cur = None
    return "" if cur is None else str(cur)


def _decode(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode(errors="replace")


def _encode(body: Any, content_type: str | None) -> tuple[bytes | None, str | None]:
    if body is None:
        return None, content_type
    if isinstance(body, bytes):
        return body, content_type
    if isinstance(body, str):
        return body.encode(), content_type
    return orjson.dumps(body), content_type or "application/json"


def _warnings(resp: aiohttp.ClientResponse) -> list[str]:
    # RFC 7234 warning headers, as kube-apiserver sends them: `299 - "text"`.
    out = []
    for value in resp.headers.getall("Warning", []):
        text = value.split(" ", 2)[-1]
        out.append(text.strip('"'))
    return out


async def _request(backend: Backend, step: Request, env: dict[str, str]) -> Record:
    path = _substitute(step.path, env)
    data, ctype = _encode(_substitute(step.body, env), step.content_type)
    headers = {}
    if ctype:
        headers["Content-Type"] = ctype
    if step.accept:
        headers["Accept"] = step.accept
    async with backend.session.request(
        step.method,
        backend.base_url + path,
        data=data,
        headers=headers,
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
    ) as resp:
        raw = await resp.read()
        media = resp.headers.get("Content-Type", "").split(";")[0].strip()
        record: Record = {
            "request": f"{step.method} {step.path}",
            "status": resp.status,
            "contentType": media,
            "body": _decode(raw) if raw else None,
        }
        warnings = _warnings(resp)
        if warnings:
            record["warnings"] = warnings
    for var, where in step.save.items():
        env[var] = _lookup(record["body"], where)
    return record


async def _open(backend: Backend, step: OpenWatch, env: dict[str, str]) -> _Watch:
    path = _substitute(step.path, env)
    resp = await backend.session.get(
        backend.base_url + path, timeout=aiohttp.ClientTimeout(total=None, sock_read=None)
    )
    watch = _Watch(resp.status, response=resp)
    if resp.status != 200:
        watch.body = _decode(await resp.read())
        watch.ended = True
        resp.release()
        return watch

    async def read() -> None:
        try:
            while line := await resp.content.readline():
                if line.strip():
                    watch.events.append(_decode(line))
                    watch.changed.set()
        except (aiohttp.ClientError, asyncio.CancelledError, ConnectionError):
            pass
        finally:
            watch.ended = True
            watch.changed.set()

    watch.task = asyncio.create_task(read())
    return watch


def _kept(events: list[dict[str, Any]], bookmarks: bool) -> list[dict[str, Any]]:
    if bookmarks:
        return list(events)
    out = []
    for ev in events:
        if isinstance(ev, dict) and ev.get("type") == "BOOKMARK":
            meta = (ev.get("object") or {}).get("metadata") or {}
            if (meta.get("annotations") or {}).get("k8s.io/initial-events-end") != "true":
                continue
        out.append(ev)
    return out


async def _collect(watch: _Watch, step: Collect) -> Record:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + step.timeout
    reached = False
    while not watch.ended:
        if step.count is not None and len(_kept(watch.events, step.bookmarks)) >= step.count:
            reached = True
            break
        watch.changed.clear()
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(watch.changed.wait(), remaining)
    if reached:
        await asyncio.sleep(GRACE)
    if watch.task is not None:
        watch.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch.task
    if watch.response is not None:
        watch.response.close()
    record: Record = {"watch": step.name, "status": watch.status}
    if watch.body is not None:
        record["body"] = watch.body
    record["events"] = _kept(watch.events, step.bookmarks)
    if step.count is None:
        record["endedByServer"] = watch.ended
    return record


async def run(scenario: Scenario, backend: Backend, namespace: str) -> list[Record]:
    """The transcript of ``scenario`` on ``backend`` in a namespace it creates first."""
    async with backend.session.post(
        backend.base_url + "/api/v1/namespaces", json={"metadata": {"name": namespace}}
    ) as resp:
        if resp.status != 201:
            raise RuntimeError(
                f"{backend.name}: could not create namespace {namespace}: "
                f"{resp.status} {await resp.text()}"
            )
    env: dict[str, str] = {"ns": namespace}
    watches: dict[str, _Watch] = {}
    records: list[Record] = []
    try:
        for step in scenario.steps:
            if isinstance(step, Request):
                records.append(await _request(backend, step, env))
            elif isinstance(step, OpenWatch):
                watches[step.name] = await _open(backend, step, env)
            elif isinstance(step, Collect):
                records.append(await _collect(watches.pop(step.name), step))
            elif isinstance(step, Compact):
                await backend.compact(_substitute(step.collection, env))
                records.append({"compacted": True})
    finally:
        for w in watches.values():
            if w.task is not None:
                w.task.cancel()
            if w.response is not None:
                w.response.close()
    return records
