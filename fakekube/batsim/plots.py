"""A Gantt chart and a utilisation-over-time plot, as PNG (matplotlib, headless)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fakekube.batsim.results import Results

__all__ = ["write_plots"]


def write_plots(results: Results, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle
    from matplotlib.ticker import MaxNLocator

    runs = [r for r in results.jobs.values() if r.start is not None and r.finish is not None]
    n = max(results.nb_resources, 1)
    makespan = max(results.makespan, 1e-9)

    fig, ax = plt.subplots(figsize=(12, max(3.0, min(12.0, n * 0.12))))
    cmap = plt.get_cmap("tab20")
    for i, r in enumerate(runs):
        for lo, hi in r.alloc.intervals():
            ax.add_patch(
                Rectangle(
                    (r.start, lo),  # type: ignore[arg-type]
                    r.execution or 0.0,
                    hi - lo + 1,
                    facecolor=cmap(i % 20),
                    edgecolor="black",
                    linewidth=0.3,
                )
            )
    ax.set_xlim(0, makespan)
    ax.set_ylim(0, n)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("resource id")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # ids are whole numbers
    ax.set_title(f"Gantt chart: {len(runs)} jobs on {n} resources")
    gantt = out / "gantt.png"
    fig.tight_layout()
    fig.savefig(gantt, dpi=100)
    plt.close(fig)

    # Net change per instant: a job ending when another starts is no dip to draw.
    deltas: dict[float, int] = {}
    for r in runs:
        deltas[r.start] = deltas.get(r.start, 0) + len(r.alloc)  # type: ignore[index]
        deltas[r.finish] = deltas.get(r.finish, 0) - len(r.alloc)  # type: ignore[index]
    xs, ys, busy = [0.0], [0.0], 0
    for t in sorted(deltas):
        xs.append(t)
        ys.append(busy / n)
        busy += deltas[t]
        xs.append(t)
        ys.append(busy / n)
    fig, ax = plt.subplots(figsize=(12, 3))
    ax.plot(xs, ys, linewidth=0.8)
    ax.set_ylim(0, 1.05)
    ax.set_xlim(0, makespan)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("utilisation")
    ax.set_title("Resources in use over time")
    util = out / "utilisation.png"
    fig.tight_layout()
    fig.savefig(util, dpi=100)
    plt.close(fig)
    return [gantt, util]
