"""Batsim workloads: jobs and profiles, validated up front with messages that name the job.

Real Batsim aborts on a malformed workload deep inside a run; a researcher wants the
problem named before the simulation starts, so everything Batsim would assert on later is
checked here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Job", "Workload", "WorkloadError", "load_workload", "SUPPORTED_PROFILES"]

#: Profile types the embedded engine can execute. Others need real Batsim.
SUPPORTED_PROFILES = ("delay", "parallel_homogeneous", "parallel_homogeneous_total")


class WorkloadError(ValueError):
    """The workload cannot be simulated; the message names the file and the job."""


@dataclass(frozen=True)
class Job:
    """One workload job, with its id already in Batsim's ``<workload>!<job>`` form."""

    id: str
    subtime: float
    res: int
    profile: str
    walltime: float | None
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def short_id(self) -> str:
        return self.id.split("!", 1)[1]

    def to_batsim(self) -> dict[str, Any]:
        """The job object of JOB_SUBMITTED: the file's fields, ``id`` replaced by the full id."""
        return {**self.fields, "id": self.id}


@dataclass(frozen=True)
class Workload:
    name: str
    path: Path
    jobs: list[Job]
    profiles: dict[str, dict[str, Any]]
    nb_res: int | None = None


def _number(job_id: str, key: str, value: Any, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise WorkloadError(f"{path}: job {job_id!r}: {key} must be a number, got {value!r}")
    return float(value)


def load_workload(path: str | Path, name: str = "w0", *, check_profiles: bool = True) -> Workload:
    """Read and validate a Batsim workload JSON file."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text())
    except FileNotFoundError:
        raise WorkloadError(f"{p}: no such workload file") from None
    except json.JSONDecodeError as exc:
        raise WorkloadError(f"{p}: invalid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("jobs"), list):
        raise WorkloadError(f"{p}: a workload is an object with a 'jobs' list")
    profiles = doc.get("profiles", {})
    if not isinstance(profiles, dict):
        raise WorkloadError(f"{p}: 'profiles' must be an object")
    for pname, prof in profiles.items():
        if not isinstance(prof, dict) or "type" not in prof:
            raise WorkloadError(f"{p}: profile {pname!r} needs a 'type'")
    jobs: list[Job] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["jobs"]):
        if not isinstance(raw, dict):
            raise WorkloadError(f"{p}: jobs[{i}] is not an object")
        missing = [k for k in ("id", "subtime", "res", "profile") if k not in raw]
        if missing:
            raise WorkloadError(f"{p}: jobs[{i}] lacks {', '.join(missing)}")
        rid = raw["id"]
        if isinstance(rid, bool) or not isinstance(rid, str | int):
            raise WorkloadError(f"{p}: jobs[{i}]: id must be a string or an integer")
        short = str(rid)
        if "!" in short:
            wl, short = short.split("!", 1)
            if wl != name:
                raise WorkloadError(f"{p}: job {rid!r} names workload {wl!r}, not {name!r}")
        full = f"{name}!{short}"
        if full in seen:
            raise WorkloadError(f"{p}: duplicate job id {short!r}")
        seen.add(full)
        subtime = _number(short, "subtime", raw["subtime"], p)
        res = raw["res"]
        if isinstance(res, bool) or not isinstance(res, int) or res < 0:
            raise WorkloadError(f"{p}: job {short!r}: res must be a non-negative integer")
        walltime: float | None = None
        if raw.get("walltime") is not None:
            walltime = _number(short, "walltime", raw["walltime"], p)
            if walltime == -1:
                walltime = None
            elif walltime <= 0:
                raise WorkloadError(f"{p}: job {short!r}: walltime must be > 0 or -1")
        prof = raw["profile"]
        if prof not in profiles:
            raise WorkloadError(f"{p}: job {short!r} uses undefined profile {prof!r}")
        ptype = profiles[prof]["type"]
        if check_profiles and ptype not in SUPPORTED_PROFILES:
            raise WorkloadError(
                f"{p}: job {short!r}: profile {prof!r} has type {ptype!r}, which the embedded "
                f"engine does not simulate (supported: {', '.join(SUPPORTED_PROFILES)}); "
                "run real Batsim with --batsim external for other profile types"
            )
        jobs.append(Job(full, subtime, res, prof, walltime, dict(raw)))
    jobs.sort(key=lambda j: j.subtime)  # stable: file order among equal submission times
    nb_res = doc.get("nb_res")
    return Workload(name, p, jobs, profiles, nb_res if isinstance(nb_res, int) else None)
