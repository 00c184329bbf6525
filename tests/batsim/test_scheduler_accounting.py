"""The bundled schedulers' node accounting: what a node has free, and the shortcut that
skips the node scan when no node could fit a pod, must follow every pod and node event."""

from __future__ import annotations

import random
from typing import Any

from fakekube.schedulers.base import NodeInfo, Resources
from fakekube.schedulers.first_fit import FirstFit


def _node(name: str, cpu: str, *, ready: bool = True) -> dict[str, Any]:
    status = "True" if ready else "False"
    return {
        "metadata": {"name": name},
        "status": {
            "allocatable": {"cpu": cpu, "memory": "8Gi", "pods": "4"},
            "conditions": [{"type": "Ready", "status": status}],
        },
    }


def _pod(name: str, cpu: str, node: str = "", phase: str = "Pending") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"},
        "spec": {
            "nodeName": node,
            "containers": [{"name": "c", "resources": {"requests": {"cpu": cpu}}}],
        },
        "status": {"phase": phase},
    }


def _most_free(infos: list[NodeInfo]) -> Resources:
    """What the shortcut must know, computed from scratch."""
    best: Resources = {}
    for n in infos:
        if n.ready:
            for k, v in n.allocatable.items():
                best[k] = max(best.get(k, 0), v - n.requested.get(k, 0))
    return best


def test_node_free_is_allocatable_minus_requests() -> None:
    info = NodeInfo(_node("n", "2"))
    info.add({"cpu": 1500, "pods": 1000, "example.com/gpu": 1000})
    assert info.free("cpu") == 500 and info.free("pods") == 3000
    assert info.free("example.com/gpu") == -1000  # requested, none allocatable
    assert info.fits({"cpu": 500}) and not info.fits({"cpu": 501})
    info.add({"cpu": 1500, "pods": 1000, "example.com/gpu": 1000}, -1)
    assert info.free("cpu") == 2000 and info.fits({"cpu": 2000, "pods": 1000})
    info.set_node(_node("n", "1"))  # allocatable shrinks with usage kept
    info.add({"cpu": 250})
    assert info.free("cpu") == 750


def test_fits_somewhere_follows_bindings_completions_and_node_changes() -> None:
    sched = FirstFit(object())  # no API calls: only the event handlers are driven
    rng = random.Random(7)
    names = [f"n{i}" for i in range(6)]
    for name in names:
        sched._node_added(_node(name, rng.choice(["1", "2", "4"])), True)
    pods: dict[str, dict[str, Any]] = {}
    for step in range(3000):
        action = rng.random()
        if action < 0.45 or not pods:
            name = f"p{step}"
            pods[name] = _pod(name, rng.choice(["100m", "500m", "1", "2"]), rng.choice(names))
            sched._pod_added(pods[name], False)
        elif action < 0.75:
            name = rng.choice(sorted(pods))
            done = _pod(name, "1", pods[name]["spec"]["nodeName"], phase="Succeeded")
            done["spec"]["containers"] = pods[name]["spec"]["containers"]
            sched._pod_updated(pods[name], done)
            pods[name] = done
        elif action < 0.95:
            sched._pod_deleted(pods.pop(rng.choice(sorted(pods))))
        else:
            name = rng.choice(names)
            old = sched._infos[name].node
            new = _node(name, rng.choice(["1", "2", "4"]), ready=rng.random() < 0.8)
            sched._node_updated(old, new)
        expected = _most_free(list(sched._infos.values()))
        for cpu in (0, 100, 500, 1000, 2000, 4000):
            req = {"cpu": cpu, "pods": 1000}
            fits = all(v <= expected.get(k, 0) for k, v in req.items() if v > 0)
            assert sched._fits_somewhere(req) == fits, (step, req, expected)
        # ...and how many nodes have the most, which decides when it must be recomputed.
        assert sched._max_free is not None
        for k, top in sched._max_free.items():
            holders = [
                n
                for n in sched._infos.values()
                if n.ready and k in n.allocatable and n.free(k) == top
            ]
            assert sched._max_count[k] == len(holders), (step, k)


def test_a_status_update_moves_nothing_and_forces_no_rescan() -> None:
    sched = FirstFit(object())
    sched._node_added(_node("a", "4"), True)
    sched._node_added(_node("b", "2"), True)
    bound = _pod("p", "1", "a")
    sched._pod_added(bound, False)
    assert sched._fits_somewhere({"cpu": 3000}) and not sched._fits_somewhere({"cpu": 3001})
    generation = sched._generation
    running = _pod("p", "1", "a", phase="Running")
    sched._pod_updated(bound, running)
    assert sched._max_free is not None and sched._generation == generation
    assert sched._infos["a"].free("cpu") == 3000
