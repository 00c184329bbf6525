"""First fit: the first node, in name order, with room for the pod.

python -m fakekube.schedulers.first_fit --kubeconfig ~/.kube/config
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fakekube.schedulers.base import NodeInfo, Scheduler
from fakekube.schedulers.cli import main


class FirstFit(Scheduler):
    name = "first-fit"
    first_feasible_only = True

    def select(self, pod: dict[str, Any], feasible: Sequence[NodeInfo]) -> NodeInfo:
        return feasible[0]


if __name__ == "__main__":
    raise SystemExit(main(FirstFit))
