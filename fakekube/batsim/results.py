"""What a run produced: per-job records, Batsim-format CSVs, metrics and plots.

Records are built by the decision side from the protocol messages alone, so the outputs
are the same whether the embedded engine or real Batsim ran the simulation.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from procset import ProcSet

__all__ = ["JobRecord", "Results", "BSLD_TAU"]

#: Bounded slowdown threshold (seconds): bsld = max(1, (wait + run) / max(run, τ)).
BSLD_TAU = 10.0

JOBS_HEADER = [
    "job_id",
    "workload_name",
    "profile",
    "submission_time",
    "requested_number_of_resources",
    "requested_time",
    "success",
    "final_state",
    "starting_time",
    "execution_time",
    "finish_time",
    "waiting_time",
    "turnaround_time",
    "stretch",
    "allocated_resources",
    "consumed_energy",
    "metadata",
]


def _num(x: float) -> str:
    """Shortest exact text for a float, stable across runs and platforms."""
    return repr(float(x))


@dataclass
class JobRecord:
    job_id: str
    profile: str
    submission_time: float
    res: int
    walltime: float | None
    start: float | None = None
    finish: float | None = None
    state: str = "SUBMITTED"
    alloc: ProcSet = field(default_factory=ProcSet)
    pods: list[str] = field(default_factory=list)

    @property
    def workload(self) -> str:
        return self.job_id.split("!", 1)[0]

    @property
    def short_id(self) -> str:
        return self.job_id.split("!", 1)[1]

    @property
    def waiting(self) -> float | None:
        return None if self.start is None else self.start - self.submission_time

    @property
    def execution(self) -> float | None:
        if self.start is None or self.finish is None:
            return None
        return self.finish - self.start


class Results:
    """Job records in submission order, plus the run's bookkeeping."""

    def __init__(self) -> None:
        self.jobs: dict[str, JobRecord] = {}
        self.steps = 0
        self.fallback_steps = 0
        self.messages = 0
        self.wall_time = 0.0
        self.nb_resources = 0
        self.resource_names: dict[int, str] = {}
        #: The run was stopped before Batsim ended it (its outputs are the results so far).
        self.interrupted = False

    # -- recording -----------------------------------------------------------------------
    def submitted(self, job_id: str, job: dict[str, Any], now: float) -> JobRecord:
        wt = job.get("walltime")
        walltime = None if wt is None or wt == -1 else float(wt)
        rec = JobRecord(
            job_id,
            str(job.get("profile", "")),
            float(job.get("subtime", now)),
            int(job.get("res", 1)),
            walltime,
        )
        self.jobs[job_id] = rec
        return rec

    @property
    def done(self) -> int:
        return sum(1 for r in self.jobs.values() if r.finish is not None or r.state == "REJECTED")

    @property
    def makespan(self) -> float:
        ends = [r.finish for r in self.jobs.values() if r.finish is not None]
        return max(ends, default=0.0)

    # -- outputs ---------------------------------------------------------------------------
    def jobs_csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(JOBS_HEADER)
        for r in self.jobs.values():
            rejected = r.state == "REJECTED"
            wait, run = r.waiting, r.execution
            turnaround = None if r.finish is None else r.finish - r.submission_time
            stretch = None if turnaround is None or not run else turnaround / run
            w.writerow(
                [
                    r.short_id,
                    r.workload,
                    r.profile,
                    _num(r.submission_time),
                    r.res,
                    _num(-1.0 if r.walltime is None else r.walltime),
                    1 if r.state == "COMPLETED_SUCCESSFULLY" else 0,
                    r.state,
                    "" if rejected or r.start is None else _num(r.start),
                    "" if run is None else _num(run),
                    "" if r.finish is None else _num(r.finish),
                    "" if wait is None else _num(wait),
                    "" if turnaround is None else _num(turnaround),
                    "" if stretch is None else _num(stretch),
                    "" if rejected else str(r.alloc),
                    _num(-1.0),
                    "",
                ]
            )
        return out.getvalue()

    def metrics(self) -> dict[str, Any]:
        finished = [r for r in self.jobs.values() if r.start is not None and r.finish is not None]
        waits = sorted(r.waiting or 0.0 for r in finished)
        turn = [r.finish - r.submission_time for r in finished]  # type: ignore[operator]
        bsld = [
            max(
                1.0, ((r.waiting or 0.0) + (r.execution or 0.0)) / max(r.execution or 0.0, BSLD_TAU)
            )
            for r in finished
        ]
        makespan = self.makespan
        first_submit = min((r.submission_time for r in self.jobs.values()), default=0.0)
        span = max(makespan - first_submit, 0.0)
        busy: dict[int, float] = {i: 0.0 for i in range(self.nb_resources)}
        pods_per_node: dict[int, int] = {i: 0 for i in range(self.nb_resources)}
        for r in finished:
            for rid in r.alloc:
                busy[rid] = busy.get(rid, 0.0) + (r.execution or 0.0)
                pods_per_node[rid] = pods_per_node.get(rid, 0) + 1
        util = {
            self.resource_names.get(i, str(i)): (b / span if span > 0 else 0.0)
            for i, b in sorted(busy.items())
        }
        counts = list(pods_per_node.values()) or [0]
        states: dict[str, int] = {}
        for r in self.jobs.values():
            states[r.state] = states.get(r.state, 0) + 1
        partial = {"interrupted": True} if self.interrupted else {}
        return {
            **partial,
            "jobs": len(self.jobs),
            "jobs_by_state": dict(sorted(states.items())),
            "makespan": makespan,
            "mean_waiting_time": _mean(waits),
            "p95_waiting_time": _percentile(waits, 0.95),
            "max_waiting_time": max(waits, default=0.0),
            "mean_turnaround_time": _mean(turn),
            "mean_bounded_slowdown": _mean(bsld),
            "bounded_slowdown_formula": f"max(1, (wait + run) / max(run, {BSLD_TAU:g}))",
            "utilisation": _mean(list(util.values())),
            "utilisation_per_resource": util,
            "placement": {
                "allocation_ratio_per_node": util,
                "idle_while_waiting": self._idle_while_waiting(),
                "spread_skew_pods_per_node": max(counts) - min(counts),
            },
            "steps": self.steps,
            "steps_closed_by_fallback": self.fallback_steps,
            "messages": self.messages,
            "wall_time_seconds": self.wall_time,
            "speedup": (span / self.wall_time) if self.wall_time > 0 else None,
        }

    def _idle_while_waiting(self) -> float:
        """Fraction of resource-time left idle while some job waited: fragmentation."""
        points: list[tuple[float, int, int]] = []  # time, d(busy), d(waiting)
        for r in self.jobs.values():
            points.append((r.submission_time, 0, 1))
            if r.start is not None:
                points.append((r.start, len(r.alloc), -1))
                if r.finish is not None:
                    points.append((r.finish, -len(r.alloc), 0))
            elif r.state == "REJECTED":
                points.append((r.submission_time, 0, -1))
        points.sort()
        busy = waiting = 0
        idle_wait = total = 0.0
        last = points[0][0] if points else 0.0
        for t, db, dw in points:
            dt = t - last
            if dt > 0 and self.nb_resources:
                total += dt * self.nb_resources
                if waiting > 0:
                    idle_wait += dt * (self.nb_resources - busy)
            busy, waiting, last = busy + db, waiting + dw, t
        return idle_wait / total if total else 0.0

    def schedule_csv(self) -> str:
        m = self.metrics()
        finished = [r for r in self.jobs.values() if r.finish is not None]
        stretches = [
            (r.finish - r.submission_time) / r.execution  # type: ignore[operator]
            for r in finished
            if r.execution
        ]
        row = {
            "batsim_version": "fakekube",
            "consumed_joules": 0,
            "makespan": _num(m["makespan"]),
            "max_slowdown": _num(max(stretches, default=0.0)),
            "max_turnaround_time": _num(
                max((r.finish - r.submission_time for r in finished if r.finish), default=0.0)  # type: ignore[operator]
            ),
            "max_waiting_time": _num(m["max_waiting_time"]),
            "mean_slowdown": _num(_mean(stretches)),
            "mean_turnaround_time": _num(m["mean_turnaround_time"]),
            "mean_waiting_time": _num(m["mean_waiting_time"]),
            "nb_computing_machines": self.nb_resources,
            "nb_jobs": len(self.jobs),
            "nb_jobs_finished": len(finished),
            "nb_jobs_killed": m["jobs_by_state"].get("COMPLETED_KILLED", 0),
            "nb_jobs_rejected": m["jobs_by_state"].get("REJECTED", 0),
            "nb_jobs_success": m["jobs_by_state"].get("COMPLETED_SUCCESSFULLY", 0),
            "scheduling_time": _num(self.wall_time),
            "simulation_time": _num(self.wall_time),
        }
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(list(row))
        w.writerow(list(row.values()))
        return out.getvalue()

    def write(self, out: Path, *, plots: bool = True) -> list[Path]:
        out.mkdir(parents=True, exist_ok=True)
        written = [out / "jobs.csv", out / "schedule.csv", out / "metrics.json"]
        written[0].write_text(self.jobs_csv())
        written[1].write_text(self.schedule_csv())
        written[2].write_text(json.dumps(self.metrics(), indent=2, sort_keys=True) + "\n")
        if plots:
            from fakekube.batsim import plots as plotting

            written += plotting.write_plots(self, out)
        return written


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def _percentile(xs: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted ``xs``."""
    if not xs:
        return 0.0
    k = max(0, math.ceil(q * len(xs)) - 1)
    return xs[k]
