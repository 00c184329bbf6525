"""kubectl against ``fakekube serve``: the everyday commands a scheduler developer types.

The server runs as a subprocess exactly as a user starts it, and kubectl finds it through
the kubeconfig the server wrote. A missing kubectl is a failure, not a skip: the issue
requires these commands to work, and ``scripts/test`` installs what it needs.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import threading
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


# -- imperative commands (kubectl builds typed objects and sends them as protobuf) -------


def test_create_imperative_commands_send_protobuf_and_create_each_kind(kubectl: Kubectl) -> None:
    verbose = kubectl.run("create", "configmap", "imp-cm", "--from-literal=a=b", "-v=8")
    assert "Content-Type: application/vnd.kubernetes.protobuf" in verbose.stderr
    assert verbose.stdout.strip() == "configmap/imp-cm created"
    created = {
        ("secret", "generic", "imp-secret", "--from-literal=password=s3cr3t"): "secret/imp-secret",
        ("namespace", "imp-ns"): "namespace/imp-ns",
        ("deployment", "imp-web", "--image=nginx:1.27", "--replicas=2"): "deployment.apps/imp-web",
        ("service", "clusterip", "imp-svc", "--tcp=80:8080"): "service/imp-svc",
        ("job", "imp-job", "--image=busybox"): "job.batch/imp-job",
        ("priorityclass", "imp-high", "--value=1000"): "priorityclass.scheduling.k8s.io/imp-high",
    }
    for args, name in created.items():
        assert kubectl.run("create", *args).stdout.strip() == f"{name} created"
    cm = json.loads(kubectl.run("get", "configmap", "imp-cm", "-o", "json").stdout)
    assert cm["data"] == {"a": "b"}
    secret = json.loads(kubectl.run("get", "secret", "imp-secret", "-o", "json").stdout)
    assert secret["data"] == {"password": "czNjcjN0"} and secret["type"] == "Opaque"
    deploy = json.loads(kubectl.run("get", "deployment", "imp-web", "-o", "json").stdout)
    assert deploy["spec"]["replicas"] == 2
    assert deploy["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    svc = json.loads(kubectl.run("get", "service", "imp-svc", "-o", "json").stdout)
    assert svc["spec"]["ports"][0]["port"] == 80 and svc["spec"]["ports"][0]["targetPort"] == 8080
    job = json.loads(kubectl.run("get", "job", "imp-job", "-o", "json").stdout)
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    pc = json.loads(kubectl.run("get", "priorityclass", "imp-high", "-o", "json").stdout)
    assert pc["value"] == 1000
    assert kubectl.run("get", "namespace", "imp-ns", "-o", "name").stdout.strip() == (
        "namespace/imp-ns"
    )


def test_scale_deployment_writes_replicas_through_the_scale_subresource(kubectl: Kubectl) -> None:
    kubectl.run("create", "deployment", "scale-web", "--image=nginx", "--replicas=1")
    out = kubectl.run("scale", "deployment", "scale-web", "--replicas=3").stdout
    assert out.strip() == "deployment.apps/scale-web scaled"
    spec = kubectl.run("get", "deployment", "scale-web", "-o", "jsonpath={.spec.replicas}")
    assert spec.stdout == "3"
    scale = json.loads(
        kubectl.run(
            "get", "--raw", "/apis/apps/v1/namespaces/default/deployments/scale-web/scale"
        ).stdout
    )
    assert scale["kind"] == "Scale" and scale["spec"] == {"replicas": 3}
    assert scale["status"] == {"replicas": 0, "selector": "app=scale-web"}
    # --current-replicas is a precondition kubectl checks against the Scale it reads.
    proc = kubectl.run(
        "scale", "deployment", "scale-web", "--replicas=5", "--current-replicas=2", ok=False
    )
    assert proc.returncode == 1
    assert "Expected replicas to be 2, was 3" in proc.stderr


def test_replace_writes_the_edited_object(kubectl: Kubectl) -> None:
    kubectl.run("create", "configmap", "replace-cm", "--from-literal=a=b")
    obj = json.loads(kubectl.run("get", "configmap", "replace-cm", "-o", "json").stdout)
    obj["data"] = {"a": "changed", "b": "new"}
    f = kubectl.manifest("cm.json", json.dumps(obj))
    assert kubectl.run("replace", "-f", f).stdout.strip() == "configmap/replace-cm replaced"
    got = json.loads(kubectl.run("get", "configmap", "replace-cm", "-o", "json").stdout)
    assert got["data"] == {"a": "changed", "b": "new"}
    # The same file again carries a stale resourceVersion: kube-apiserver's Conflict.
    proc = kubectl.run("replace", "-f", f, ok=False)
    assert proc.returncode == 1
    assert 'Operation cannot be fulfilled on configmaps "replace-cm": the object has been ' in (
        proc.stderr
    )


def test_delete_wait_returns_once_the_object_is_gone(kubectl: Kubectl) -> None:
    kubectl.run("create", "-f", kubectl.manifest("pod.yaml", POD.replace("IMAGE", "nginx:1")))
    out = kubectl.run("delete", "pod", "web", "--wait=true", "--timeout=30s").stdout
    assert out.strip() == 'pod "web" deleted'
    assert kubectl.run("get", "pod", "web", ok=False).returncode == 1


def test_rollout_status_reports_success_once_status_catches_up(kubectl: Kubectl) -> None:
    kubectl.run("create", "deployment", "roll-web", "--image=nginx", "--replicas=2")
    generation = kubectl.run(
        "get", "deployment", "roll-web", "-o", "jsonpath={.metadata.generation}"
    ).stdout
    # fakekube runs no controllers: write the status a deployment controller would.
    status = {
        "observedGeneration": int(generation),
        "replicas": 2,
        "updatedReplicas": 2,
        "readyReplicas": 2,
        "availableReplicas": 2,
    }
    kubectl.run(
        "patch",
        "deployment",
        "roll-web",
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps({"status": status}),
    )
    out = kubectl.run("rollout", "status", "deployment", "roll-web", "--timeout=30s").stdout
    assert out.strip() == 'deployment "roll-web" successfully rolled out'


def test_get_watch_prints_the_listed_object_then_each_event(kubectl: Kubectl) -> None:
    kubectl.run("create", "namespace", "watch-ns")
    kubectl.run("create", "configmap", "watch-a", "--from-literal=a=b", "-n", "watch-ns")
    argv = [kubectl.binary, "--kubeconfig", str(kubectl.kubeconfig), "-n", "watch-ns"]
    proc = subprocess.Popen(
        [*argv, "get", "configmaps", "--watch", "--output-watch-events"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()

    def next_row() -> list[str]:
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline()
        assert line, f"kubectl get -w ended: {proc.stderr.read()}"
        return line.split()[:2]

    try:
        assert next_row() == ["EVENT", "NAME"]
        assert next_row() == ["ADDED", "watch-a"]  # from the initial list
        kubectl.run("create", "configmap", "watch-b", "--from-literal=a=b", "-n", "watch-ns")
        assert next_row() == ["ADDED", "watch-b"]
        kubectl.run("label", "configmap", "watch-b", "seen=yes", "-n", "watch-ns")
        assert next_row() == ["MODIFIED", "watch-b"]
        kubectl.run("delete", "configmap", "watch-b", "-n", "watch-ns")
        assert next_row() == ["DELETED", "watch-b"]
    finally:
        watchdog.cancel()
        proc.kill()
        proc.communicate()


def test_get_watch_as_table_prints_rows(kubectl: Kubectl) -> None:
    """Without ``-o``, kubectl watches asking for Tables and prints their rows."""
    kubectl.run("create", "-f", kubectl.manifest("pod.yaml", POD.replace("IMAGE", "nginx:1")))
    proc = subprocess.Popen(
        [kubectl.binary, "--kubeconfig", str(kubectl.kubeconfig), "get", "pods", "-w"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline().split()[:3] == ["NAME", "READY", "STATUS"]
        assert proc.stdout.readline().split()[:3] == ["web", "0/1", "Pending"]
        kubectl.run("label", "pod", "web", "seen=yes")
        assert proc.stdout.readline().split()[:3] == ["web", "0/1", "Pending"]
    finally:
        watchdog.cancel()
        proc.kill()
        proc.communicate()


def test_get_with_selector_and_jsonpath(kubectl: Kubectl) -> None:
    for name, env in (("sel-a", "prod"), ("sel-b", "dev"), ("sel-c", "prod")):
        kubectl.run("create", "configmap", name, f"--from-literal=env={env}")
        kubectl.run("label", "configmap", name, f"env={env}")
    names = kubectl.run("get", "configmaps", "--selector", "env=prod", "-o", "name").stdout
    assert names.split() == ["configmap/sel-a", "configmap/sel-c"]
    out = kubectl.run(
        "get",
        "configmaps",
        "-l",
        "env in (prod,dev)",
        "-o",
        'jsonpath={range .items[*]}{.metadata.name}={.data.env}{"\\n"}{end}',
    ).stdout
    assert out.splitlines() == ["sel-a=prod", "sel-b=dev", "sel-c=prod"]
    field = kubectl.run(
        "get", "configmaps", "--field-selector", "metadata.name=sel-b", "-o", "name"
    ).stdout
    assert field.split() == ["configmap/sel-b"]


def test_cordon_and_uncordon_toggle_unschedulable(kubectl: Kubectl) -> None:
    kubectl.run("create", "-f", kubectl.manifest("node.yaml", NODE))
    assert kubectl.run("cordon", "n1").stdout.strip() == "node/n1 cordoned"
    spec = json.loads(kubectl.run("get", "node", "n1", "-o", "json").stdout)["spec"]
    assert spec["unschedulable"] is True
    assert kubectl.run("get", "nodes").stdout.splitlines()[1].split()[1] == (
        "Ready,SchedulingDisabled"
    )
    assert kubectl.run("uncordon", "n1").stdout.strip() == "node/n1 uncordoned"
    spec = json.loads(kubectl.run("get", "node", "n1", "-o", "json").stdout)["spec"]
    assert "unschedulable" not in spec


def test_drain_evicts_the_nodes_pods(kubectl: Kubectl) -> None:
    kubectl.run("create", "-f", kubectl.manifest("node.yaml", NODE))
    bound = yaml.safe_load(POD.replace("IMAGE", "nginx:1"))
    bound["spec"]["nodeName"] = "n1"
    kubectl.run("create", "-f", kubectl.manifest("bound.json", json.dumps(bound)))
    proc = kubectl.run("drain", "n1", "--force", "--ignore-daemonsets", "--timeout=30s")
    assert proc.stdout.splitlines() == [
        "node/n1 cordoned",
        "evicting pod default/web",
        "pod/web evicted",
        "node/n1 drained",
    ]
    assert kubectl.run("get", "pods", "-o", "name").stdout == ""


# -- client-side validation (kubectl reads /openapi/v2 in protobuf) -----------------------

LIST = """\
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: list-a}, data: {x: "1"}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: list-b}}
"""


def openapi_v2_exchange(log: str) -> str:
    """kubectl's ``-v=8`` account of its GET /openapi/v2: request and response headers."""
    lines = log.splitlines()
    start = next(i for i, line in enumerate(lines) if re.search(r"\] GET \S+/openapi/v2\?", line))
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if re.search(r"\] (GET|POST|PUT|PATCH|DELETE) http", lines[i])
        ),
        len(lines),
    )
    return "\n".join(lines[start:end])


def test_create_and_apply_validate_a_list_against_the_protobuf_openapi_v2(
    kubectl: Kubectl,
) -> None:
    """A ``kind: List`` is validated on the client: no OpenAPI v3 document names v1 List,
    so kubectl downloads /openapi/v2 in gnostic's protobuf form (a 406 fails the command)."""
    f = kubectl.manifest("list.yaml", LIST)

    def run(verb: str) -> subprocess.CompletedProcess[str]:
        # A cache dir of its own: kubectl's HTTP cache would answer from disk.
        cache = kubectl.workdir / f"cache-{verb}"
        proc = kubectl.run(verb, "-f", f, "-v=8", "--cache-dir", str(cache))
        exchange = openapi_v2_exchange(proc.stderr)
        assert "Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf" in exchange
        assert "Response Status: 200 OK" in exchange
        assert (
            "Content-Type: application/com.github.proto-openapi.spec.v2.v1.0+protobuf" in exchange
        )
        return proc

    try:
        assert run("create").stdout.splitlines() == [
            "configmap/list-a created",
            "configmap/list-b created",
        ]
        got = json.loads(kubectl.run("get", "configmaps", "list-a", "list-b", "-o", "json").stdout)
        assert [(cm["metadata"]["name"], cm.get("data")) for cm in got["items"]] == [
            ("list-a", {"x": "1"}),
            ("list-b", None),
        ]
        kubectl.run("delete", "-f", f)
        assert run("apply").stdout.splitlines() == [
            "configmap/list-a created",
            "configmap/list-b created",
        ]
        kubectl.manifest("list.yaml", LIST.replace('x: "1"', 'x: "2", z: "3"'))
        assert kubectl.run("apply", "-f", f).stdout.splitlines() == [
            "configmap/list-a configured",
            "configmap/list-b unchanged",
        ]
        data = kubectl.run("get", "configmap", "list-a", "-o", "jsonpath={.data}").stdout
        assert json.loads(data) == {"x": "2", "z": "3"}
    finally:
        kubectl.run("delete", "configmaps", "list-a", "list-b", "--ignore-not-found")
