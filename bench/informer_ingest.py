"""Informer ingest: watch events per second into a cache, informers vs kubernetes-asyncio.

    python bench/informer_ingest.py [--events 20000] [--repeat 3] [--gc default|tuned]

One ``fakekube serve`` subprocess (pinned to CPU 0, so it never shares a core with the
client) is seeded with N pods of ~5 KB each in namespace ``bench``. Every contender then
watches the *same* stream: the N ADDED events after the version recorded before seeding,
replayed by the server from its history. The client process is pinned to CPU 1, so each
figure is one core's worth of client work. Rows:

* ``informers watch (dicts)``: a SharedIndexInformer (reflector, RealFIFO, indexer with its
  namespace index, one counting handler) whose first LIST answers "empty at the seed
  version", so its watch replays the stream; timed from ``start()`` until the handler
  has seen all N objects in the cache.
* ``informers watch (lazy objects)``: the same, with ``ListWatch(..., lazy=True)``: the
  cache holds :class:`informers.LazyObject` instances (JSON bytes, metadata decoded).
* ``informers watch (lazy, then every object decoded)``: the same again, and once the
  handler has seen all N, still inside the timed region, ``to_dict()`` of every cached
  object, kept in a list: what lazy mode costs a consumer that reads (and keeps) every
  object, to set against the dict row.
* ``informers streaming list``: a real initial sync with ``sendInitialEvents=true``: N
  synthetic ADDED events, then the initial-events-end bookmark; timed to ``has_synced``.
* ``informers LIST sync``: a real initial sync by LIST (one ~100 MB answer), for reference.
* ``kubernetes_asyncio Watch (models)``: ``kubernetes_asyncio.watch.Watch().stream(
  list_namespaced_pod, resource_version=<seed version>)``, each ``V1Pod`` put in a dict,
  the way a kubernetes-asyncio controller builds its cache; the reference row.

Two floors put the informer rows in context: ``floor: read bytes`` reads the same stream
and counts newlines (what the transport costs), ``floor: orjson decode, keep`` also
decodes every line and keeps the dicts (what any Python cache of these objects costs).

Each row gives events per wall-clock second (best of ``--repeat``) and events per second
of the client process's CPU time: on a shared machine the second is the stable one, and
it is exactly "one core's worth" as long as the client, not the server, is the bottleneck
(the bytes floor shows how far the server can go). ``--gc tuned`` runs every row with
``gc.set_threshold(100_000, 50, 100)``, the setting docs/informers.md suggests for
processes with large caches; ``--gc freeze`` calls ``gc.freeze()`` once the client
libraries are imported, before anything is measured (the other common start-up setting);
the default leaves CPython's GC alone.

Every run is a fresh client process (started on the client CPU; only the timed region
counts), so each cache grows in new memory as a new informer's would, and no row reuses
memory another row freed; rows take turns, round after round. ``--same-process`` runs
them all in this process instead.

Prints a table with ratios to the reference and writes JSON to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp
import orjson

NAMESPACE = "bench"
RESULTS = Path(__file__).parent / "results"


def pod(i: int) -> dict[str, Any]:
    """A pod whose watch event is ~5 KB, most of it in fields a real pod carries."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"bench-{i:06}",
            "namespace": NAMESPACE,
            "labels": {"app": "bench", "shard": str(i % 16), "tier": "batch"},
            "annotations": {"bench/pad": "x" * 3600},
        },
        "spec": {
            "schedulerName": "default-scheduler",
            "containers": [
                {
                    "name": "main",
                    "image": "registry.k8s.io/pause:3.10",
                    "args": ["--job", f"job-{i}", "--shard", str(i % 16)],
                    "env": [{"name": f"VAR_{k}", "value": f"value-{k}-{i}"} for k in range(8)],
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "64Mi"},
                        "limits": {"cpu": "1", "memory": "256Mi"},
                    },
                }
            ],
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}
            ],
        },
    }


# -- the server ---------------------------------------------------------------------------


def serve(cpu: int | None) -> tuple[subprocess.Popen[str], str]:
    tmp = Path(tempfile.mkdtemp(prefix="fakekube-bench-"))
    cmd = [sys.executable, "-m", "fakekube", "serve", "--port", "0"]
    cmd += ["--kubeconfig", str(tmp / "kubeconfig")]
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu), *cmd]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().split()[-1]
    return proc, url


async def seed(url: str, n: int) -> tuple[str, int]:
    """Create the namespace and ``n`` pods; return the version before them and a line size."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as s:
        ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
        async with s.post(f"{url}/api/v1/namespaces", json=ns) as r:
            assert r.status in (201, 409), await r.text()
        async with s.get(f"{url}/api/v1/namespaces/{NAMESPACE}/pods", params={"limit": "1"}) as r:
            rv = (await r.json())["metadata"]["resourceVersion"]
        sem = asyncio.Semaphore(32)

        async def create(i: int) -> None:
            async with sem, s.post(f"{url}/api/v1/namespaces/{NAMESPACE}/pods", json=pod(i)) as r:
                assert r.status == 201, await r.text()

        await asyncio.gather(*(create(i) for i in range(n)))
        params = {"watch": "true", "resourceVersion": rv, "timeoutSeconds": "5"}
        async with s.get(f"{url}/api/v1/namespaces/{NAMESPACE}/pods", params=params) as r:
            line = await r.content.readline()
        return rv, len(line)


# -- contenders ---------------------------------------------------------------------------


def api_client(url: str) -> Any:
    from kubernetes_asyncio import client

    return client.ApiClient(client.Configuration(host=url))


class _FromVersion:
    """A ListerWatcher whose LIST says "nothing, at version rv": the watch that follows
    replays every event after rv, which is the stream under test."""

    def __init__(self, lw: Any, rv: str) -> None:
        self.lw, self.rv = lw, rv

    async def list(self, **params: str) -> dict[str, Any]:
        return {"kind": "PodList", "metadata": {"resourceVersion": self.rv}, "items": []}

    async def watch(self, **params: str) -> Any:
        return await self.lw.watch(**params)


async def informer_run(url: str, rv: str, n: int, mode: str, lazy: str = "") -> tuple[float, float]:
    """``lazy``: "" (dicts), "lazy" (LazyObjects), "read" (LazyObjects, then all decoded)."""
    from informers import ListWatch, SharedIndexInformer

    api = api_client(url)
    lw: Any = ListWatch(api, "pods", namespace=NAMESPACE, lazy=bool(lazy))
    if mode == "watch":
        lw = _FromVersion(lw, rv)
    inf = SharedIndexInformer(
        lw, kind="Pod", api_version="v1", use_watch_list=mode == "streaming", name="bench"
    )
    done = asyncio.Event()
    seen = 0

    def on_add(obj: dict[str, Any], initial: bool) -> None:
        nonlocal seen
        seen += 1
        if seen == n:
            done.set()

    inf.add_event_handler(on_add=on_add)
    start, cpu = time.perf_counter(), time.process_time()
    await inf.start()
    await asyncio.wait_for(done.wait(), 600)
    kept = [o.to_dict() for o in inf.indexer.list()] if lazy == "read" else []
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert len(inf.indexer) == n, len(inf.indexer)
    if lazy:
        sample = inf.indexer.list()[0]
        assert type(sample).__name__ == "LazyObject" and not sample.decoded
        assert len(kept) == (n if lazy == "read" else 0)
    await inf.stop()
    await api.close()
    return elapsed, cpu


async def kubernetes_asyncio_run(url: str, rv: str, n: int) -> tuple[float, float]:
    from kubernetes_asyncio import client, watch

    api = api_client(url)
    v1 = client.CoreV1Api(api)
    cache: dict[str, Any] = {}
    w = watch.Watch()
    start, cpu = time.perf_counter(), time.process_time()
    async for event in w.stream(
        v1.list_namespaced_pod, NAMESPACE, resource_version=rv, timeout_seconds=600
    ):
        obj = event["object"]
        cache[f"{obj.metadata.namespace}/{obj.metadata.name}"] = obj
        if len(cache) == n:
            break
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    w.stop()
    await w.close()
    await api.close()
    assert type(next(iter(cache.values()))).__name__ == "V1Pod"
    return elapsed, cpu


async def floor_run(url: str, rv: str, n: int, decode: bool) -> tuple[float, float]:
    """The same watch read raw: count lines, or decode and keep them (no cache, no handler)."""
    params = {"watch": "true", "resourceVersion": rv, "timeoutSeconds": "600"}
    kept: list[Any] = []
    async with aiohttp.ClientSession() as s:
        start, cpu = time.perf_counter(), time.process_time()
        async with s.get(f"{url}/api/v1/namespaces/{NAMESPACE}/pods", params=params) as r:
            seen, pending = 0, b""
            while seen < n:
                chunk = await r.content.readany()
                if not decode:
                    seen += chunk.count(b"\n")
                    continue
                lines = (pending + chunk).split(b"\n")
                pending = lines.pop()
                kept.extend(orjson.loads(line) for line in lines if line)
                seen = len(kept)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return elapsed, cpu


Run = Callable[[str, str, int], Coroutine[Any, Any, tuple[float, float]]]

CONTENDERS: list[tuple[str, Run]] = [
    ("floor: read bytes", lambda u, rv, n: floor_run(u, rv, n, False)),
    ("floor: orjson decode, keep", lambda u, rv, n: floor_run(u, rv, n, True)),
    ("informers watch (dicts)", lambda u, rv, n: informer_run(u, rv, n, "watch")),
    ("informers watch (lazy objects)", lambda u, rv, n: informer_run(u, rv, n, "watch", "lazy")),
    (
        "informers watch (lazy, then every object decoded)",
        lambda u, rv, n: informer_run(u, rv, n, "watch", "read"),
    ),
    ("informers streaming list", lambda u, rv, n: informer_run(u, rv, n, "streaming")),
    ("informers LIST sync", lambda u, rv, n: informer_run(u, rv, n, "list")),
    ("kubernetes_asyncio Watch (models)", kubernetes_asyncio_run),
]
REFERENCE = "kubernetes_asyncio Watch (models)"


def _freeze_after_imports() -> None:
    """What a long-running process does once it has started: import what it runs on, then
    ``gc.freeze()`` so every later collection skips those objects (kubernetes-asyncio's
    client package alone is some 34,000 of them, re-scanned by every full collection)."""
    import kubernetes_asyncio.client
    import kubernetes_asyncio.watch  # noqa: F401

    import informers  # noqa: F401

    gc.collect()
    gc.freeze()


def _one_run(args: argparse.Namespace) -> None:
    """``--one``: a single measurement in this fresh process, printed as JSON."""
    if args.gc == "tuned":
        gc.set_threshold(100_000, 50, 100)
    elif args.gc == "freeze":
        _freeze_after_imports()
    _, run = CONTENDERS[args.one]
    wall, cpu = asyncio.run(run(args.url, args.rv, args.events))
    print(json.dumps({"wall": wall, "cpu": cpu}))


def _in_fresh_process(args: argparse.Namespace, row: int, url: str, rv: str) -> tuple[float, float]:
    cmd = [sys.executable, __file__, "--one", str(row), "--url", url, "--rv", rv]
    cmd += ["--events", str(args.events), "--gc", args.gc]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["wall"], result["cpu"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs per row (best is kept)")
    ap.add_argument("--gc", choices=["default", "tuned", "freeze"], default="default")
    ap.add_argument("--server-cpu", type=int, default=0)
    ap.add_argument("--client-cpu", type=int, default=1)
    ap.add_argument("--json", help="where to write results (default: bench/results/)")
    ap.add_argument(
        "--same-process",
        action="store_true",
        help="run every measurement in this process (rows then reuse memory freed by earlier ones)",
    )
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--rv", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one is not None:
        _one_run(args)
        return
    pin = (os.cpu_count() or 1) > max(args.server_cpu, args.client_cpu)
    proc, url = serve(args.server_cpu if pin else None)
    try:
        rv, line = asyncio.run(seed(url, args.events))
        if pin:
            os.sched_setaffinity(0, {args.client_cpu})  # inherited by the fresh processes
        if args.gc == "tuned":
            gc.set_threshold(100_000, 50, 100)
        elif args.gc == "freeze":
            _freeze_after_imports()
        runs_by_row: list[list[tuple[float, float]]] = [[] for _ in CONTENDERS]
        # Round after round, every row once per round, so a drift of the machine's speed
        # touches every row alike.
        for _ in range(args.repeat):
            for i, (_, run) in enumerate(CONTENDERS):
                if args.same_process:
                    gc.collect()
                    runs_by_row[i].append(asyncio.run(run(url, rv, args.events)))
                else:
                    runs_by_row[i].append(_in_fresh_process(args, i, url, rv))
        rows = []
        for (name, _), runs in zip(CONTENDERS, runs_by_row, strict=True):
            rows.append(
                {
                    "row": name,
                    "events": args.events,
                    "wall_seconds": [w for w, _ in runs],
                    "cpu_seconds": [c for _, c in runs],
                    "events_per_wall_second": args.events / min(w for w, _ in runs),
                    "events_per_cpu_second": args.events / min(c for _, c in runs),
                }
            )
    finally:
        proc.terminate()
        proc.wait()
    ref = next(r for r in rows if r["row"] == REFERENCE)
    where = (
        f"server on CPU {args.server_cpu}, client on CPU {args.client_cpu}"
        if pin
        else "server and client share the only CPU"
    )
    how = "one process for all runs" if args.same_process else "a fresh process per run"
    print(f"{args.events} watch events of {line} bytes; {where}; gc {args.gc}; {how}")
    head = f"{'row':<50} {'ev/s (wall)':>12} {'ratio':>6} {'ev/s (client CPU)':>18} {'ratio':>6}"
    print(head)
    for r in rows:
        wall, cpu = r["events_per_wall_second"], r["events_per_cpu_second"]
        print(
            f"{r['row']:<50} {wall:>12,.0f} {wall / ref['events_per_wall_second']:>6.1f} "
            f"{cpu:>18,.0f} {cpu / ref['events_per_cpu_second']:>6.1f}"
        )
    out = {
        "events": args.events,
        "event_bytes": line,
        "gc": args.gc,
        "fresh_process_per_run": not args.same_process,
        "pinned": {"server_cpu": args.server_cpu, "client_cpu": args.client_cpu} if pin else None,
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpu": _cpu_model(),
        "load_average": os.getloadavg(),
        "reference": REFERENCE,
        "rows": rows,
    }
    path = Path(args.json) if args.json else RESULTS / f"informer_ingest-gc-{args.gc}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
