"""Memory per cached object: plain dicts versus informers' lazy objects.

    python bench/lazy_memory.py [--objects 2000]

Decodes the same watch events both ways (``orjson.loads`` as the dict-mode reader does,
``informers.lazy.decode_event`` as ``ListWatch(lazy=True)`` does), keeps the objects, and
measures what they hold with ``tracemalloc`` (the JSON bytes a LazyObject keeps are
counted). A LazyObject keeps its bytes plus four metadata fields decoded (name,
namespace, resourceVersion, labels), so the saving grows with how much of an object is
containers: least for the ingest benchmark's pod (its bulk is one 3.6 KB annotation
string), most for a running pod with a long ``env``.
Memory is deterministic, so one run is the result; nothing is written to disk.
"""

from __future__ import annotations

import argparse
import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

import orjson
from informer_ingest import pod as ingest_pod  # this script's neighbour in bench/

from informers.lazy import decode_event


def running_pod(i: int, env: int) -> dict[str, Any]:
    """A scheduled, running pod with the metadata and status a real one carries."""
    p = ingest_pod(i)
    meta = p["metadata"]
    meta["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": "x" * 200}
    meta["uid"] = f"{i:08x}-aaaa-bbbb-cccc-dddddddddddd"
    meta["creationTimestamp"] = "2026-01-01T00:00:00Z"
    meta["resourceVersion"] = str(1000 + i)
    meta["ownerReferences"] = [
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "name": "rs",
            "uid": "u",
            "controller": True,
        }
    ]
    container = p["spec"]["containers"][0]
    container["env"] = [{"name": f"VAR_{k}", "value": f"value-{k}-{i}"} for k in range(env)]
    p["spec"]["nodeName"] = f"node-{i % 100}"
    conditions = ("Ready", "Initialized", "PodScheduled", "ContainersReady")
    p["status"] = {
        "phase": "Running",
        "conditions": [
            {"type": t, "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}
            for t in conditions
        ],
        "containerStatuses": [
            {
                "name": "main",
                "ready": True,
                "restartCount": 0,
                "image": "registry.k8s.io/pause:3.10",
                "imageID": "sha256:0123",
                "containerID": "containerd://0123",
                "state": {"running": {"startedAt": "2026-01-01T00:00:01Z"}},
            }
        ],
        "hostIP": "10.0.0.1",
        "podIP": "10.1.0.1",
    }
    return p


SHAPES: list[tuple[str, Callable[[int], dict[str, Any]]]] = [
    ("ingest bench pod (bulk in metadata)", ingest_pod),
    ("running pod, 8 env vars", lambda i: running_pod(i, 8)),
    ("running pod, 60 env vars", lambda i: running_pod(i, 60)),
]


def per_object(lines: list[bytes], decode: Callable[[bytes], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    kept = [decode(line)["object"] for line in lines]
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del kept
    return size / len(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--objects", type=int, default=2000)
    args = ap.parse_args()
    print(f"{'object':<38} {'event':>8} {'dicts':>9} {'lazy':>9} {'ratio':>6}")
    for name, make in SHAPES:
        lines = [orjson.dumps({"type": "ADDED", "object": make(i)}) for i in range(args.objects)]
        dicts = per_object(lines, orjson.loads)
        lazy = per_object(lines, decode_event)
        print(
            f"{name:<38} {len(lines[0]):>6} B {dicts:>7,.0f} B {lazy:>7,.0f} B {dicts / lazy:>6.1f}"
        )


if __name__ == "__main__":
    main()
