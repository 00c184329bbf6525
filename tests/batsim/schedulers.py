"""A store-level first-fit scheduler: drives the sync in tests without HTTP or informers.

It is deliberately not a real client (those are tested in examples and conformance); it
lets the sync, engine and gate be tested on their own, deterministically.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fakekube.store import Store
from fakekube.store.entry import ADDED, Event


class StoreFirstFit:
    """Binds each new pod to the first node (by name) with a free host slot."""

    name = "store-first-fit"
    scheduler_name = "default-scheduler"

    def __init__(self, store: Store) -> None:
        self.store = store
        self.queue: list[str] = []
        self.busy = False
        self.nodes: list[str] = []
        self.used: dict[str, int] = {}
        self._undo = store.add_listener(self._on_event)
        self.binds = 0

    def _on_event(self, ev: Event) -> None:
        plural, obj = ev.entry.rt.plural, ev.entry.obj
        if plural == "nodes" and ev.type == ADDED:
            self.nodes = sorted([*self.nodes, obj["metadata"]["name"]])
        if plural != "pods":
            return
        if ev.type == ADDED:
            self.queue.append(obj["metadata"]["name"])
            return
        node = obj["spec"].get("nodeName")
        before = ev.prev.obj if ev.prev is not None else {}
        if node and not before.get("spec", {}).get("nodeName"):
            self.used[node] = self.used.get(node, 0) + 1
        terminal = ("Succeeded", "Failed")
        if (
            node
            and obj.get("status", {}).get("phase") in terminal
            and before.get("status", {}).get("phase") not in terminal
        ):
            self.used[node] -= 1

    def _free(self) -> list[str]:
        return [n for n in self.nodes if self.used.get(n, 0) == 0]

    async def idle(self, barrier_rv: int) -> bool:
        """Try to place queued pods; idle once nothing placeable remains."""
        if self.busy:
            return False
        self.busy = True
        try:
            free = self._free()
            still: list[str] = []
            for name in self.queue:
                if not free:
                    still.append(name)
                    continue
                self.store.bind("default", name, {"target": {"name": free.pop(0)}})
                self.binds += 1
                await asyncio.sleep(0)
            placed = len(self.queue) - len(still)
            self.queue = still
            return placed == 0
        finally:
            self.busy = False

    def retry(self, _ev: Any = None) -> None:
        pass

    def check_alive(self) -> None:
        pass

    def close(self) -> None:
        self._undo()
