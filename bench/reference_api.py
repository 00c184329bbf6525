"""fakekube against the real kube-apiserver, side by side: creates, LISTs, watch fan-out, memory.

    python bench/reference_api.py [--large 150000] [--nodes 5000] [--systems fakekube,reference]

For each system, freshly started, in one run:

* pod creates per second with 1 and with 8 concurrent clients;
* LIST of 10,000 and of ``--large`` (150,000) pods in one namespace (median of 3, body read
  but not decoded, so the client's JSON parser is not what is measured);
* watch events per second delivered to 100 watchers while 1,000 pods are created;
* resident memory once the server holds ``--nodes`` nodes and ``--large`` pods (for the
  reference: kube-apiserver and etcd, and their sum).

Prints one table per measure (ratio > 1: fakekube is better) and writes
bench/results/reference_api.json with the machine's description. Needs scripts/build-reference.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import aiohttp
from reference_common import (
    System,
    create_all,
    ensure_namespace,
    node,
    pod,
    run,
    table,
)


async def _list_seconds(s: aiohttp.ClientSession, url: str, runs: int = 3) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        async with s.get(url) as r:
            body = await r.read()
            if r.status != 200:
                raise RuntimeError(f"LIST {url}: {r.status} {body[:200]!r}")
        times.append(time.perf_counter() - start)
        size = len(body)
    return statistics.median(times), size


async def _watch_fanout(
    s: aiohttp.ClientSession, system: System, watchers: int, events: int
) -> float:
    url = f"{system.url}/api/v1/namespaces/bench-watch/pods"
    async with s.get(url, params={"limit": "1"}) as r:
        rv = (await r.json())["metadata"]["resourceVersion"]
    done = [asyncio.Event() for _ in range(watchers)]
    opened = [asyncio.Event() for _ in range(watchers)]

    async def watch(i: int) -> None:
        params = {"watch": "1", "resourceVersion": rv, "timeoutSeconds": "600"}
        async with s.get(url, params=params) as r:
            opened[i].set()
            n = 0
            async for chunk in r.content.iter_any():
                n += chunk.count(b"\n")
                if n >= events:
                    done[i].set()
                    return

    tasks = [asyncio.create_task(watch(i)) for i in range(watchers)]
    for e in opened:
        await e.wait()
    await asyncio.sleep(0.5)  # let every watch reach the server's fan-out
    start = time.perf_counter()
    await create_all(s, url, [pod(f"w-{i}") for i in range(events)], 8)
    for e in done:
        await e.wait()
    elapsed = time.perf_counter() - start
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return watchers * events / elapsed


async def measure(system: System, args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    print(f"[{system.name}] measuring", flush=True)
    async with system.session(limit=200) as s:
        for ns in ("bench-create", "bench-list", "bench-watch"):
            await ensure_namespace(s, system, ns)
        create_url = f"{system.url}/api/v1/namespaces/bench-create/pods"
        n1 = args.creates
        t = await create_all(s, create_url, [pod(f"one-{i}") for i in range(n1)], 1)
        out["creates_per_s_1_client"] = n1 / t
        n8 = args.creates * 4
        t = await create_all(s, create_url, [pod(f"eight-{i}") for i in range(n8)], 8)
        out["creates_per_s_8_clients"] = n8 / t
        print(f"[{system.name}] creates done", flush=True)

        out["watch_events_per_s_100_watchers"] = await _watch_fanout(
            s, system, args.watchers, args.watch_events
        )
        print(f"[{system.name}] watch fan-out done", flush=True)

        list_url = f"{system.url}/api/v1/namespaces/bench-list/pods"
        seeded = 0

        async def seed_to(n: int) -> None:
            nonlocal seeded
            bodies = [pod(f"p-{i:06d}") for i in range(seeded, n)]
            t = await create_all(s, list_url, bodies, 32)
            print(f"[{system.name}] seeded {n - seeded} pods in {t:.1f}s", flush=True)
            seeded = n

        await seed_to(10_000)
        out["list_10000_s"], out["list_10000_bytes"] = await _list_seconds(s, list_url)
        await seed_to(args.large)
        t = await create_all(
            s, f"{system.url}/api/v1/nodes", [node(f"n-{i:05d}") for i in range(args.nodes)], 32
        )
        print(f"[{system.name}] seeded {args.nodes} nodes in {t:.1f}s", flush=True)
        out[f"list_{args.large}_s"], out[f"list_{args.large}_bytes"] = await _list_seconds(
            s, list_url
        )
        await asyncio.sleep(2)  # let background work after the last writes settle
        rss = system.rss_mib()
        out["rss_mib"] = rss
        out["rss_mib_total"] = sum(rss.values())
    print(f"[{system.name}] done: {out}", flush=True)
    return out


def report(results: dict[str, dict[str, Any]], large: int) -> str:
    fk, ref = results.get("fakekube", {}), results.get("reference", {})

    def row(key: str, label: str, unit: str) -> tuple[str, float, float, str]:
        return (label, fk.get(key, 0.0), ref.get(key, 0.0), unit)

    parts = [
        table(
            "Throughput (higher is better)",
            [
                row("creates_per_s_1_client", "pod creates, 1 client", "/s"),
                row("creates_per_s_8_clients", "pod creates, 8 clients", "/s"),
                row("watch_events_per_s_100_watchers", "watch events, 100 watchers", "/s"),
            ],
            higher_is_better=True,
        ),
        table(
            "Latency (lower is better)",
            [
                row("list_10000_s", "LIST 10,000 pods", "s"),
                row(f"list_{large}_s", f"LIST {large:,} pods", "s"),
            ],
            higher_is_better=False,
        ),
        table(
            "Memory (lower is better)",
            [row("rss_mib_total", f"RSS, {large:,} pods + nodes", "MiB")],
            higher_is_better=False,
        ),
    ]
    if ref.get("rss_mib"):
        parts.append(
            "reference RSS by process: "
            + ", ".join(f"{k} {v:,.0f} MiB" for k, v in ref["rss_mib"].items())
        )
    return "\n\n".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--systems", default="fakekube,reference")
    ap.add_argument(
        "--creates", type=int, default=1000, help="pods for the 1-client run (x4 for 8)"
    )
    ap.add_argument("--large", type=int, default=150_000)
    ap.add_argument("--nodes", type=int, default=5_000)
    ap.add_argument("--watchers", type=int, default=100)
    ap.add_argument("--watch-events", type=int, default=1000)
    ap.add_argument("--name", default="reference_api", help="results file name")
    args = ap.parse_args()
    run(args, measure, lambda results: report(results, args.large))


if __name__ == "__main__":
    main()
