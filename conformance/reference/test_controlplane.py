"""The reference control plane helper: real binaries start, answer and fail loudly when absent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
import yaml

from fakekube.reference import (
    BUILD_SCRIPT,
    ReferenceControlPlane,
    ReferenceNotBuilt,
    find_binaries,
)


async def test_reference_serves_the_real_kube_apiserver(reference: ReferenceControlPlane) -> None:
    connector = aiohttp.TCPConnector(ssl=reference.ssl_context())
    async with aiohttp.ClientSession(connector=connector, headers=reference.headers) as http:
        async with http.get(f"{reference.url}/version") as resp:
            assert resp.status == 200
            version = await resp.json()
        async with http.get(f"{reference.url}/api/v1/namespaces/default") as resp:
            assert resp.status == 200
    assert version["gitVersion"] == f"v{reference.binaries.kube_version}"
    assert version["minor"] == reference.binaries.kube_version.split(".")[1]


async def test_reference_rejects_requests_without_the_token(
    reference: ReferenceControlPlane,
) -> None:
    connector = aiohttp.TCPConnector(ssl=reference.ssl_context())
    async with (
        aiohttp.ClientSession(connector=connector) as http,
        http.get(f"{reference.url}/api/v1/namespaces") as resp,
    ):
        assert resp.status == 401


@pytest.mark.kubectl
def test_reference_kubeconfig_works_for_kubectl(reference: ReferenceControlPlane) -> None:
    doc = yaml.safe_load(reference.kubeconfig.read_text())
    assert doc["clusters"][0]["cluster"]["server"] == reference.url
    out = subprocess.run(
        ["kubectl", "--kubeconfig", str(reference.kubeconfig), "get", "namespaces", "-o", "name"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert "namespace/kube-system" in out


def test_missing_binaries_fail_naming_the_build_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKEKUBE_CACHE", str(tmp_path))
    (tmp_path / "bin").mkdir()
    etcd = tmp_path / "bin" / "etcd-v3.6.5"
    etcd.write_text("")
    etcd.chmod(0o755)
    with pytest.raises(ReferenceNotBuilt) as err:
        find_binaries()
    assert f"(kube-apiserver missing from {tmp_path / 'bin'}); run {BUILD_SCRIPT}" in str(err.value)
    with pytest.raises(ReferenceNotBuilt):
        ReferenceControlPlane()


def test_missing_binaries_fail_the_reference_fixture(tmp_path: Path) -> None:
    """A test that needs the reference FAILS (never skips) when it is not built; the
    fixture comes with fakekube's pytest plugin, so no conftest is needed."""
    (tmp_path / "test_needs_it.py").write_text("def test_needs_it(reference):\n    pass\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    reference: real\n")
    env = {**os.environ, "FAKEKUBE_CACHE": str(tmp_path / "empty")}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert out.returncode == 1, out.stdout + out.stderr
    assert "1 error" in out.stdout, out.stdout
    assert BUILD_SCRIPT in out.stdout
    assert "skipped" not in out.stdout
