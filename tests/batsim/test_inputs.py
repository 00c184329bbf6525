"""Platforms and workloads are read as Batsim reads them, and bad ones are refused clearly."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from fakekube.batsim.platform import PlatformError, load_platform, parse_speed
from fakekube.batsim.workload import WorkloadError, load_workload


def test_vendored_batsim_examples_are_unchanged(batsim_examples: Path) -> None:
    for line in (batsim_examples / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((batsim_examples / name).read_bytes()).hexdigest() == digest, name


def test_resource_ids_follow_sorted_host_names_not_file_order(batsim_examples: Path) -> None:
    platform = load_platform(batsim_examples / "small_platform.xml")
    assert [(h.id, h.name) for h in platform.hosts] == [
        (0, "Bourassa"),
        (1, "Fafard"),
        (2, "Ginette"),
        (3, "Jupiter"),
    ]
    assert platform.master == "master_host"
    assert platform.by_id(3).speed == pytest.approx(76.296e6)
    assert platform.by_id(0).properties == {"role": ""}


def test_cluster_expansion_excludes_the_master_and_sorts_names(batsim_examples: Path) -> None:
    platform = load_platform(batsim_examples / "cluster512.xml")
    assert len(platform) == 512
    assert platform.by_id(0).name == "a0"
    assert platform.by_id(1).name == "a1"
    assert platform.by_id(2).name == "a10"
    assert platform.master == "master_host0"
    assert all(h.speed == 1e9 for h in platform.hosts)


def test_speed_units() -> None:
    assert parse_speed("98.095Mf") == pytest.approx(98.095e6)
    assert parse_speed("1Gf") == 1e9
    assert parse_speed("1e9f") == 1e9
    assert parse_speed("100Mf, 50Mf") == 100e6


def test_yaml_node_list_platform(tmp_path: Path) -> None:
    p = tmp_path / "nodes.yaml"
    p.write_text("nodes:\n- {name: zeta, properties: {core: 8}}\n- {name: alpha}\n")
    platform = load_platform(p)
    assert [(h.id, h.name) for h in platform.hosts] == [(0, "alpha"), (1, "zeta")]
    assert platform.by_id(1).properties == {"role": "", "core": "8"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<platform", "not valid SimGrid XML"),
        ('<platform version="4.1"><zone id="z"/></platform>', "no <host> or <cluster>"),
        (
            '<platform version="4.1"><zone id="z"><host id="a" speed="1Gf"/></zone></platform>',
            "no master host",
        ),
    ],
)
def test_bad_platforms_are_named(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "p.xml"
    p.write_text(text)
    with pytest.raises(PlatformError, match=message):
        load_platform(p)


def test_workload_ids_are_prefixed_and_jobs_sorted_by_submission(batsim_examples: Path) -> None:
    wl = load_workload(batsim_examples / "test_same_submit_time.json")
    assert wl.jobs[0].id.startswith("w0!")
    assert [j.subtime for j in wl.jobs] == sorted(j.subtime for j in wl.jobs)
    hpc = load_workload(batsim_examples / "example_workload_hpc_seed1_jobs250.json")
    assert len(hpc.jobs) == 250
    assert hpc.jobs[0].to_batsim()["id"] == "w0!0"
    assert hpc.jobs[0].walltime == 300


def _workload(tmp_path: Path, jobs: list[dict], profiles: dict | None = None) -> Path:
    p = tmp_path / "w.json"
    p.write_text(
        json.dumps({"jobs": jobs, "profiles": profiles or {"d": {"type": "delay", "delay": 1}}})
    )
    return p


@pytest.mark.parametrize(
    ("jobs", "profiles", "message"),
    [
        ([{"id": 1, "subtime": 0, "res": 1}], None, "lacks profile"),
        ([{"id": 1, "subtime": "x", "res": 1, "profile": "d"}], None, "subtime must be a number"),
        ([{"id": 1, "subtime": 0, "res": -1, "profile": "d"}], None, "res must be"),
        ([{"id": 1, "subtime": 0, "res": 1, "profile": "nope"}], None, "undefined profile 'nope'"),
        (
            [{"id": 1, "subtime": 0, "res": 1, "profile": "s"}],
            {"s": {"type": "smpi", "trace": "t"}},
            "type 'smpi'.*supported: delay, parallel_homogeneous",
        ),
        (
            [{"id": 1, "subtime": 0, "res": 1, "profile": "d"}] * 2,
            None,
            "duplicate job id '1'",
        ),
        ([{"id": 1, "subtime": 0, "res": 1, "profile": "d", "walltime": 0}], None, "walltime"),
    ],
)
def test_bad_workloads_name_the_job(
    tmp_path: Path, jobs: list[dict], profiles: dict | None, message: str
) -> None:
    with pytest.raises(WorkloadError, match=message):
        load_workload(_workload(tmp_path, jobs, profiles))


def test_invalid_json_workload(tmp_path: Path) -> None:
    p = tmp_path / "w.json"
    p.write_text("{")
    with pytest.raises(WorkloadError, match="invalid JSON"):
        load_workload(p)
