"""Generate the example workloads and platforms (deterministic: same seed, same bytes).

    python examples/generate.py                   # rewrites the checked-in files
    python examples/generate.py --busy OUT.json   # the 10,000-job trace at 95% load

The 39-job trace is shaped like the KIT example used by earlier Kubernetes/Batsim bridges:
a burst of short single-host jobs, a few wide ones, submissions over ~20 minutes, on a
16-host cluster. The large one has 10,000 jobs (16,291 pods) on 1,000 hosts over a day,
runs of median ~30 min: 58% offered load, a scale test that every scheduler, kube-scheduler
included, gets through in minutes. ``--busy`` writes the same trace with runs of median
~50 min (95% offered load): queues form, which is what policies are compared on, but
kube-scheduler, having no gang scheduling, crawls through it (docs/simulation.md).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

HERE = Path(__file__).parent


def workload(
    n: int, nodes: int, seed: int, span: float, wide: float, mu: float = 4.0, sigma: float = 1.0
) -> dict:
    rng = random.Random(seed)
    profiles: dict[str, dict] = {}
    jobs = []
    t = 0.0
    for i in range(n):
        t += rng.expovariate(n / span)
        res = 1
        if rng.random() < wide:
            res = rng.choice([2, 4, 8, 16])
        res = min(res, nodes)
        run = round(rng.lognormvariate(mu, sigma), 1) + 1.0
        walltime = round(run * rng.choice([1.0, 1.5, 2.0, 4.0]) + (0 if rng.random() < 0.1 else 60))
        name = f"delay_{run:g}"
        profiles[name] = {"type": "delay", "delay": run}
        jobs.append(
            {
                "id": i,
                "subtime": round(t, 3),
                "res": res,
                "walltime": walltime,
                "profile": name,
                "cpu": "1",
            }
        )
    return {"nb_res": nodes, "jobs": jobs, "profiles": dict(sorted(profiles.items()))}


def platform_xml(nodes: int, speed: str = "1Gf") -> str:
    return (
        "<?xml version='1.0'?>\n"
        '<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">\n'
        '<platform version="4.1">\n'
        '<zone id="AS0" routing="Full">\n'
        f'  <cluster id="cluster" prefix="node-" suffix="" radical="0-{nodes - 1}" '
        f'speed="{speed}" bw="125MBps" lat="50us" bb_bw="2.25GBps" bb_lat="500us">\n'
        '    <prop id="core" value="1"/>\n'
        "  </cluster>\n"
        '  <cluster id="master" prefix="master_host" suffix="" radical="0-0" speed="1Gf" '
        'bw="125MBps" lat="50us" bb_bw="2.25GBps" bb_lat="500us">\n'
        '    <prop id="role" value="master"/>\n'
        "  </cluster>\n"
        '  <link id="backbone" bandwidth="1.25GBps" latency="500us"/>\n'
        '  <zoneRoute src="cluster" dst="master" gw_src="node-cluster_router" '
        'gw_dst="master_hostmaster_router"><link_ctn id="backbone"/></zoneRoute>\n'
        "</zone>\n"
        "</platform>\n"
    )


def large(mu: float) -> dict:
    """10,000 jobs on 1,000 hosts over a day; ``mu`` sets the run lengths, hence the load."""
    return workload(10_000, 1000, seed=10_000, span=86_400.0, wide=0.1, mu=mu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--busy", type=Path, help="write only the 95%%-load large trace here")
    args = ap.parse_args()
    if args.busy:
        args.busy.write_text(json.dumps(large(mu=8.0)) + "\n")
        return
    (HERE / "workloads" / "kit39.json").write_text(
        json.dumps(workload(39, 16, seed=39, span=1200.0, wide=0.2), indent=1) + "\n"
    )
    (HERE / "workloads" / "large10k.json").write_text(json.dumps(large(mu=7.5)) + "\n")
    (HERE / "platforms" / "cluster16.xml").write_text(platform_xml(16))
    (HERE / "platforms" / "cluster1000.xml").write_text(platform_xml(1000))
    (HERE / "platforms" / "mixed.yaml").write_text(
        "# A YAML node list: quick heterogeneous platforms without SimGrid XML.\n"
        "nodes:\n"
        + "".join(
            f"- {{name: big-{i}, speed: 2Gf, properties: {{core: '8', memory: 32Gi}}}}\n"
            for i in range(2)
        )
        + "".join(
            f"- {{name: small-{i}, speed: 1Gf, properties: {{core: '2', memory: 8Gi}}}}\n"
            for i in range(4)
        )
    )


if __name__ == "__main__":
    main()
