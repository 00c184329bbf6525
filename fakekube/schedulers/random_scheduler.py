"""Random: any node with room, chosen by a seeded generator (the classic tutorial scheduler,
made reproducible).

    python -m fakekube.schedulers.random_scheduler --kubeconfig ~/.kube/config --seed 1
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from fakekube.schedulers.base import NodeInfo, Scheduler
from fakekube.schedulers.cli import main


class RandomScheduler(Scheduler):
    name = "random"

    def __init__(self, api_client: Any, *, seed: int = 0, **kw: Any) -> None:
        super().__init__(api_client, **kw)
        self.rng = random.Random(seed)

    def select(self, pod: dict[str, Any], feasible: Sequence[NodeInfo]) -> NodeInfo:
        return self.rng.choice(list(feasible))


if __name__ == "__main__":
    raise SystemExit(main(RandomScheduler))
