"""Fixture start-up and tear-down: what a test pays for its own fresh API server.

    python bench/fixture_startup.py [--iterations 200] [--reference-iterations 3]

Times, over N iterations each, the ``fake_cluster`` fixture's work (``FakeCluster`` start:
store with its default namespaces, bind, listen, kubeconfig; then stop) and the same for
``FakeClusterSync`` (which also starts and joins a thread with its own event loop), plus
the first request a client makes (``GET /readyz`` over a new connection) so "started"
means "answering". Beside them, where ``scripts/build-reference`` has built kube-apiserver
and etcd into the cache directory, a real control plane started until ``/readyz`` answers
and then stopped (``fakekube.reference``): the time a test suite pays per fresh cluster
with the real thing. ratio = reference / fakekube (how many times faster the fixture is).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable

from fakekube import FakeCluster, FakeClusterSync


def _summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


async def _async_cycle() -> tuple[float, float]:
    t0 = time.perf_counter()
    cluster = await FakeCluster().start()
    t1 = time.perf_counter()
    await cluster.stop()
    return t1 - t0, time.perf_counter() - t1


async def _async_cycle_first_request() -> tuple[float, float]:
    import aiohttp

    t0 = time.perf_counter()
    cluster = await FakeCluster().start()
    async with aiohttp.ClientSession() as session, session.get(f"{cluster.url}/readyz") as r:
        assert r.status == 200
    t1 = time.perf_counter()
    await cluster.stop()
    return t1 - t0, time.perf_counter() - t1


def _sync_cycle() -> tuple[float, float]:
    t0 = time.perf_counter()
    cluster = FakeClusterSync().start()
    with urllib.request.urlopen(f"{cluster.url}/readyz") as r:
        assert r.status == 200
    t1 = time.perf_counter()
    cluster.stop()
    return t1 - t0, time.perf_counter() - t1


def _measure(n: int, cycle: Callable[[], tuple[float, float]]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"start": [], "stop": [], "total": []}
    cycle()  # warm-up: imports, first socket
    for _ in range(n):
        start, stop = cycle()
        out["start"].append(start)
        out["stop"].append(stop)
        out["total"].append(start + stop)
    return out


def _reference(n: int) -> dict[str, list[float]] | str:
    if n <= 0:
        return "not measured (--reference-iterations 0)"
    try:
        from fakekube.reference import ReferenceControlPlane, ReferenceNotBuilt
    except ImportError:
        return "not available (fakekube.reference missing)"
    out: dict[str, list[float]] = {"start": [], "stop": [], "total": []}
    try:
        for _ in range(n):
            t0 = time.perf_counter()
            ref = ReferenceControlPlane().start()  # returns once /readyz answers
            t1 = time.perf_counter()
            ref.stop()
            t2 = time.perf_counter()
            out["start"].append(t1 - t0)
            out["stop"].append(t2 - t1)
            out["total"].append(t2 - t0)
    except ReferenceNotBuilt:
        return "not available (build with scripts/build-reference)"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--reference-iterations", type=int, default=3)
    args = parser.parse_args(argv)

    loop = asyncio.new_event_loop()
    rows: list[tuple[str, dict[str, list[float]]]] = [
        (
            "FakeCluster (fake_cluster)",
            _measure(args.iterations, lambda: loop.run_until_complete(_async_cycle())),
        ),
        (
            "FakeCluster + first request",
            _measure(
                args.iterations, lambda: loop.run_until_complete(_async_cycle_first_request())
            ),
        ),
        ("FakeClusterSync + first request", _measure(args.iterations, _sync_cycle)),
    ]
    loop.close()
    reference = _reference(args.reference_iterations)

    ref_total = statistics.median(reference["total"]) if isinstance(reference, dict) else None
    columns = ("n", "start med", "stop med", "total med", "total p95", "ratio")
    widths = (4, 10, 9, 10, 10, 8)
    header = f"{'what':34} " + " ".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True))
    print(header)
    print("-" * len(header))
    for name, data in [
        *rows,
        *([("kube-apiserver + etcd to /readyz", reference)] if isinstance(reference, dict) else []),
    ]:
        start, _ = _summary(data["start"])
        stop, _ = _summary(data["stop"])
        total, p95 = _summary(data["total"])
        ratio = f"{ref_total / total:7.0f}x" if ref_total else "      -"
        print(
            f"{name:34} {len(data['total']):>4} {start * 1e3:8.2f}ms {stop * 1e3:7.2f}ms "
            f"{total * 1e3:8.2f}ms {p95 * 1e3:8.2f}ms {ratio:>8}"
        )
    if not isinstance(reference, dict):
        print(f"reference: {reference}")
    else:
        print("ratio = reference median total / this row's median total")
    return 0


if __name__ == "__main__":
    sys.exit(main())
