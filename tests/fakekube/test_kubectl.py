"""kubectl against ``fakekube serve``: the everyday commands a scheduler developer types.

The server runs as a subprocess exactly as a user starts it, and kubectl finds it through
the kubeconfig the server wrote. A missing kubectl is a failure, not a skip: the issue
requires these commands to work, and ``scripts/test`` installs what it needs.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.kubectl

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: c
    image: IMAGE
    resources: {requests: {cpu: 100m}}
"""

NODE = """\
apiVersion: v1
kind: Node
metadata:
  name: n1
  labels: {kubernetes.io/hostname: n1}
status:
  capacity: {cpu: "4", memory: 8Gi, pods: "110"}
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
  conditions:
  - {type: Ready, status: "True", reason: KubeletReady}
"""


class Kubectl:
    def __init__(self, kubeconfig: Path, workdir: Path) -> None:
        binary = shutil.which("kubectl")
        assert binary, "kubectl is not on PATH (scripts/test installs it)"
        self.binary = binary
        self.kubeconfig = kubeconfig
        self.workdir = workdir

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [self.binary, "--kubeconfig", str(self.kubeconfig), *args],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=self.workdir,
        )
        if ok:
            assert proc.returncode == 0, f"kubectl {' '.join(args)}: {proc.stderr}"
        return proc

    def manifest(self, name: str, text: str) -> str:
        (self.workdir / name).write_text(text)
        return name


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``fakekube serve`` on a free port; yields the kubeconfig it wrote."""
    tmp = tmp_path_factory.mktemp("serve")
    kubeconfig = tmp / "kubeconfig"
    proc = subprocess.Popen(
        [sys.executable, "-m", "fakekube", "serve", "--port", "0", "--kubeconfig", str(kubeconfig)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first.startswith("fakekube serving on http://127.0.0.1:"), first + proc.stderr.read()
    assert proc.stdout.readline().strip() == f"kubeconfig: {kubeconfig}"
    try:
        yield kubeconfig
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0
        assert "fakekube shutting down" in out


@pytest.fixture
def kubectl(served: Path, tmp_path: Path) -> Iterator[Kubectl]:
    k = Kubectl(served, tmp_path)
    yield k
    k.run("delete", "pods", "--all", "--wait=false")
    k.run("delete", "nodes", "--all", "--wait=false")


def test_serve_writes_a_kubeconfig_kubectl_can_use(kubectl: Kubectl) -> None:
    doc = yaml.safe_load(kubectl.kubeconfig.read_text())
    assert doc["clusters"][0]["cluster"]["server"].startswith("http://127.0.0.1:")
    out = kubectl.run("get", "namespaces").stdout
    for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
        assert ns in out


def test_api_resources_lists_the_registry(kubectl: Kubectl) -> None:
    out = kubectl.run("api-resources", "-o", "name").stdout.split()
    for name in ("pods", "nodes", "leases.coordination.k8s.io", "resourceslices.resource.k8s.io"):
        assert name in out


def test_create_get_table_and_yaml(kubectl: Kubectl) -> None:
    f = kubectl.manifest("pod.yaml", POD.replace("IMAGE", "nginx:1"))
    assert kubectl.run("create", "-f", f).stdout.strip() == "pod/web created"
    table = kubectl.run("get", "pods", "-o", "wide").stdout.splitlines()
    assert table[0].split()[:5] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert table[1].split()[:4] == ["web", "0/1", "Pending", "0"]
    obj = yaml.safe_load(kubectl.run("get", "pod", "web", "-o", "yaml").stdout)
    assert obj["kind"] == "Pod" and obj["spec"]["containers"][0]["image"] == "nginx:1"
    assert int(obj["metadata"]["resourceVersion"]) > 0


def test_create_twice_reports_already_exists(kubectl: Kubectl) -> None:
    f = kubectl.manifest("pod.yaml", POD.replace("IMAGE", "nginx:1"))
    kubectl.run("create", "-f", f)
    proc = kubectl.run("create", "-f", f, ok=False)
    assert proc.returncode == 1
    assert 'Error from server (AlreadyExists): error when creating "pod.yaml": ' in proc.stderr
    assert 'pods "web" already exists' in proc.stderr


def test_apply_creates_then_configures_then_is_unchanged(kubectl: Kubectl) -> None:
    f = kubectl.manifest("node.yaml", NODE)
    assert kubectl.run("apply", "-f", f).stdout.strip() == "node/n1 created"
    assert kubectl.run("apply", "-f", f).stdout.strip() == "node/n1 unchanged"
    kubectl.manifest("node.yaml", NODE.replace("hostname: n1}", "hostname: n1, zone: a}"))
    assert kubectl.run("apply", "-f", f).stdout.strip() == "node/n1 configured"
    labels = json.loads(kubectl.run("get", "node", "n1", "-o", "json").stdout)["metadata"]["labels"]
    assert labels == {"kubernetes.io/hostname": "n1", "zone": "a"}
    out = kubectl.run("get", "nodes").stdout.splitlines()
    assert out[1].split()[:2] == ["n1", "Ready"]


def test_patch_strategic_merge_and_json_then_label(kubectl: Kubectl) -> None:
    kubectl.run("create", "-f", kubectl.manifest("pod.yaml", POD.replace("IMAGE", "nginx:1")))
    kubectl.run(
        "patch",
        "pod",
        "web",
        "--type",
        "strategic",
        "-p",
        '{"spec":{"containers":[{"name":"c","image":"nginx:2"}]}}',
    )
    kubectl.run(
        "patch", "pod", "web", "--type", "merge", "-p", '{"metadata":{"annotations":{"a":"b"}}}'
    )
    kubectl.run(
        "patch",
        "pod",
        "web",
        "--type",
        "json",
        "-p",
        '[{"op":"replace","path":"/metadata/labels/app","value":"api"}]',
    )
    assert kubectl.run("label", "pod", "web", "tier=fe").stdout.strip() == "pod/web labeled"
    obj = json.loads(kubectl.run("get", "pod", "web", "-o", "json").stdout)
    # The strategic patch merged the container by name instead of replacing the list.
    assert obj["spec"]["containers"][0]["image"] == "nginx:2"
    assert obj["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "100m"
    assert obj["metadata"]["annotations"]["a"] == "b"
    assert obj["metadata"]["labels"] == {"app": "api", "tier": "fe"}
    selected = kubectl.run("get", "pods", "-l", "tier=fe,app!=web", "-o", "name").stdout
    assert selected.split() == ["pod/web"]


def test_failed_json_patch_is_an_invalid_error(kubectl: Kubectl) -> None:
    kubectl.run("create", "-f", kubectl.manifest("pod.yaml", POD.replace("IMAGE", "nginx:1")))
    proc = kubectl.run(
        "patch", "pod", "web", "--type", "json", "-p", '[{"op":"remove","path":"/nope"}]', ok=False
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        "The request is invalid: the server rejected our request due to an error in our request"
    )
    assert kubectl.run("get", "pod", "web", "-o", "name").stdout.strip() == "pod/web"


def test_describe_pod_and_node(kubectl: Kubectl) -> None:
    kubectl.run("create", "-f", kubectl.manifest("pod.yaml", POD.replace("IMAGE", "nginx:1")))
    kubectl.run("apply", "-f", kubectl.manifest("node.yaml", NODE))
    pod = kubectl.run("describe", "pod", "web").stdout
    assert "Name:         web" in pod and "Status:       Pending" in pod
    assert "cpu:        100m" in pod
    node = kubectl.run("describe", "node", "n1").stdout
    assert "kubernetes.io/hostname=n1" in node


def test_get_and_delete_report_not_found_like_kube_apiserver(kubectl: Kubectl) -> None:
    proc = kubectl.run("get", "pod", "nope", ok=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == 'Error from server (NotFound): pods "nope" not found'
    kubectl.run("create", "-f", kubectl.manifest("pod.yaml", POD.replace("IMAGE", "nginx:1")))
    assert kubectl.run("delete", "pod", "web").stdout.strip() == 'pod "web" deleted'
    proc = kubectl.run("delete", "pod", "web", ok=False)
    assert proc.stderr.strip() == 'Error from server (NotFound): pods "web" not found'
    assert kubectl.run("get", "pods").stderr.strip() == "No resources found in default namespace."
