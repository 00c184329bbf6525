"""Bundled Python schedulers built on :mod:`informers` (used by ``fakekube simulate``)."""

from __future__ import annotations

from fakekube.schedulers.base import NodeInfo, Scheduler
from fakekube.schedulers.best_fit import BestFit
from fakekube.schedulers.first_fit import FirstFit
from fakekube.schedulers.random_scheduler import RandomScheduler

__all__ = ["BUNDLED", "BestFit", "FirstFit", "NodeInfo", "RandomScheduler", "Scheduler"]

#: ``fakekube simulate --scheduler NAME`` choices.
BUNDLED: dict[str, type[Scheduler]] = {
    "first-fit": FirstFit,
    "best-fit": BestFit,
    "random": RandomScheduler,
}
