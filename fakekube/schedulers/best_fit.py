"""Best fit (bin packing): the node left with the least free CPU after placing the pod.

Packing tightly keeps whole nodes free for wide jobs; ties go to the node name order.

    python -m fakekube.schedulers.best_fit --kubeconfig ~/.kube/config
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fakekube.schedulers.base import NodeInfo, Scheduler, pod_requests
from fakekube.schedulers.cli import main


class BestFit(Scheduler):
    name = "best-fit"

    def select(self, pod: dict[str, Any], feasible: Sequence[NodeInfo]) -> NodeInfo:
        req = pod_requests(pod)

        def leftover(n: NodeInfo) -> tuple[Any, ...]:
            ratios = [
                (n.free(k) - v) / n.allocatable[k]
                for k, v in req.items()
                if k != "pods" and n.allocatable.get(k)
            ]
            return (sum(ratios) if ratios else n.free("pods"), n.name)

        return min(feasible, key=leftover)


if __name__ == "__main__":
    raise SystemExit(main(BestFit))
