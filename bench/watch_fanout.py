"""Watch fan-out: events per second delivered to 1, 10 and 100 watchers (5 KB pods).

    python bench/watch_fanout.py [--events 2000] [--watchers 1,10,100]
                                 [--json bench/results/watch_fanout.json]
                                 [--baseline OLD.json] [--reference-kubeconfig KUBECONFIG]

The server runs as ``fakekube serve`` in its own process, as a scheduler would see it;
16 concurrent POSTs create the pods and the watchers are raw chunked-HTTP streams in this
process that count newline-framed events without decoding them. A rate is
``events x watchers / seconds`` from the first POST to the last event read by the last
watcher. The reference column is a real kube-apiserver (``--reference-kubeconfig``) or,
lacking one, an earlier run of this script (``--baseline``); ratio = fakekube / reference.
Results go to ``bench/results/watch_fanout.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson
import yaml

RESULTS = Path(__file__).resolve().parent / "results" / "watch_fanout.json"


def pod(i: int) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"bench-{i}",
            "labels": {"app": "bench"},
            "annotations": {"pad": "x" * 4050},
        },
        "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]},
    }


async def watcher(
    session: aiohttp.ClientSession,
    url: str,
    rv: str,
    want: int,
    ready: asyncio.Event,
    counts: list[int],
    idx: int,
) -> None:
    async with session.get(
        f"{url}/api/v1/namespaces/default/pods",
        params={"watch": "true", "resourceVersion": rv, "timeoutSeconds": "600"},
    ) as resp:
        ready.set()
        n = 0
        async for chunk in resp.content.iter_any():
            n += chunk.count(b"\n")
            counts[idx] = n
            if n >= want:
                return


async def run(url: str, events: int, watchers: int) -> float:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as s:
        async with s.get(f"{url}/api/v1/namespaces/default/pods", params={"limit": "1"}) as r:
            rv = (await r.json())["metadata"]["resourceVersion"]
        counts = [0] * watchers
        readies = [asyncio.Event() for _ in range(watchers)]
        tasks = [
            asyncio.create_task(watcher(s, url, rv, events, readies[i], counts, i))
            for i in range(watchers)
        ]
        for e in readies:
            await e.wait()
        await asyncio.sleep(0.2)
        start = time.perf_counter()
        sem = asyncio.Semaphore(16)

        async def create(i: int) -> None:
            async with sem, s.post(f"{url}/api/v1/namespaces/default/pods", json=pod(i)) as r:
                assert r.status == 201, await r.text()

        await asyncio.gather(*(create(i) for i in range(events)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
        async with s.delete(f"{url}/api/v1/namespaces/default/pods") as r:
            assert r.status == 200
        return events * watchers / elapsed


def frame_size() -> int:
    """Bytes of one watch event for a benchmark pod, as the server stores and sends it."""
    from fakekube.store import Store

    store = Store(namespaces=["default"])
    created = store.create("pods", pod(0))
    return len(orjson.dumps({"type": "ADDED", "object": created})) + 1


def serve() -> tuple[subprocess.Popen[str], str]:
    tmp = Path(tempfile.mkdtemp())
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fakekube",
            "serve",
            "--port",
            "0",
            "--kubeconfig",
            str(tmp / "kubeconfig"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().split()[-1]
    return proc, url


def server_of(kubeconfig: str) -> str:
    doc = yaml.safe_load(Path(kubeconfig).read_text())
    return doc["clusters"][0]["cluster"]["server"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--watchers", default="1,10,100")
    ap.add_argument("--reference-kubeconfig", help="a plain-http kube-apiserver to compare")
    ap.add_argument("--json", default=str(RESULTS), help="where to write the results")
    ap.add_argument("--baseline", help="an earlier results JSON to compare against")
    args = ap.parse_args()
    baseline = {}
    if args.baseline:
        for row in json.loads(Path(args.baseline).read_text()):
            baseline[row["watchers"]] = row["fakekube_eps"]
    proc, url = serve()
    rows = []
    try:
        for w in (int(x) for x in args.watchers.split(",")):
            fk = asyncio.run(run(url, args.events, w))
            ref = None
            if args.reference_kubeconfig:
                ref = asyncio.run(run(server_of(args.reference_kubeconfig), args.events, w))
            else:
                ref = baseline.get(w)
            rows.append(
                {"watchers": w, "events": args.events, "fakekube_eps": fk, "reference_eps": ref}
            )
    finally:
        proc.terminate()
        proc.wait()
    reference = "kube-apiserver" if args.reference_kubeconfig else "baseline"
    print(f"event frame: {frame_size():,} bytes; reference: {reference}")
    print(
        f"{'watchers':>8} {'events':>7} {'fakekube ev/s':>14} {'reference ev/s':>15} {'ratio':>6}"
    )
    for r in rows:
        ref, fk = r["reference_eps"], r["fakekube_eps"]
        ref_text = f"{ref:,.0f}" if ref else "n/a"
        ratio = f"{fk / ref:.2f}" if ref else "n/a"
        print(f"{r['watchers']:>8} {r['events']:>7} {fk:>14,.0f} {ref_text:>15} {ratio:>6}")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
