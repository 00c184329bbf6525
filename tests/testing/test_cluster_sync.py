"""``FakeClusterSync`` with clients that block: the official ``kubernetes`` client (CRUD,
``watch.Watch``, its ``SharedInformer``) and kubectl, plus faults from the test thread."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException
from kubernetes.informer import SharedInformer

from fakekube import FakeClusterSync


def pod(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }


def test_official_client_crud_and_store_agree(fake_cluster_sync: FakeClusterSync) -> None:
    core = client.CoreV1Api(fake_cluster_sync.api_client())
    created = core.create_namespaced_pod("default", pod("web"))
    assert created.metadata.resource_version == str(fake_cluster_sync.store.resource_version)
    seeded = fake_cluster_sync.store.create("pods", pod("seeded"))
    names = [p.metadata.name for p in core.list_namespaced_pod("default").items]
    assert names == ["seeded", "web"]
    read = core.read_namespaced_pod("seeded", "default")
    assert read.metadata.uid == seeded["metadata"]["uid"]
    core.delete_namespaced_pod("web", "default")
    assert fake_cluster_sync.store.try_get("pods", "web") is None
    assert [r.status for r in fake_cluster_sync.requests(verb="create", resource="pods")] == [201]


def test_store_proxy_runs_on_the_server_thread(fake_cluster_sync: FakeClusterSync) -> None:
    seen: list[str] = []
    undo = fake_cluster_sync.store.add_listener(
        lambda event: seen.append(threading.current_thread().name)
    )
    fake_cluster_sync.store.create("configmaps", {"metadata": {"name": "cm"}})
    undo()
    assert seen == ["fakekube-server"]


def test_official_watch_streams_store_writes(fake_cluster_sync: FakeClusterSync) -> None:
    core = client.CoreV1Api(fake_cluster_sync.api_client())
    rv = str(fake_cluster_sync.store.resource_version)
    fake_cluster_sync.store.create("pods", pod("a"))
    fake_cluster_sync.store.delete("pods", "a", namespace="default")
    w = watch.Watch()
    events = []
    for event in w.stream(
        core.list_namespaced_pod, "default", resource_version=rv, timeout_seconds=5
    ):
        events.append((event["type"], event["object"].metadata.name))
        if len(events) == 3:
            w.stop()
    # Graceful pod deletion: the deletionTimestamp write (MODIFIED), then DELETED.
    assert events == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]


def test_official_informer_survives_dropped_watch_and_compaction(
    fake_cluster_sync: FakeClusterSync,
) -> None:
    core = client.CoreV1Api(fake_cluster_sync.api_client())
    fake_cluster_sync.store.create("pods", pod("before"))
    informer = SharedInformer(list_func=core.list_namespaced_pod, namespace="default")
    errors: list[Any] = []
    informer.add_event_handler("ERROR", errors.append)
    informer.start()
    try:

        def cached() -> set[str]:
            return {p.metadata.name for p in informer.cache.list()}

        fake_cluster_sync.wait_for(lambda: cached() == {"before"})
        fake_cluster_sync.wait_for(lambda: len(fake_cluster_sync.store.watchers()) == 1)
        # Cut the watch, change the world and compact before the informer resumes: its
        # next watch gets 410 and it must relist to see "after" and lose "before".
        with fake_cluster_sync.faults.respond(503, times=None, verb="watch"):
            fake_cluster_sync.faults.drop_watches()
            fake_cluster_sync.store.delete("pods", "before", namespace="default")
            fake_cluster_sync.store.create("pods", pod("after"))
            fake_cluster_sync.faults.compact()
            fake_cluster_sync.wait_for(
                lambda: bool(fake_cluster_sync.requests(verb="watch", status=503))
            )
        fake_cluster_sync.wait_for(lambda: cached() == {"after"}, timeout=15)
        assert any(r.verb == "list" for r in fake_cluster_sync.requests(resource="pods")[2:])
    finally:
        informer.stop()


def test_injected_429_reaches_the_official_client_with_retry_after(
    fake_cluster_sync: FakeClusterSync,
) -> None:
    cfg = client.Configuration(host=fake_cluster_sync.url)
    cfg.retries = False  # see the 429 itself, not urllib3's retry of it
    with client.ApiClient(cfg) as api:
        core = client.CoreV1Api(api)
        with (
            fake_cluster_sync.faults.respond(429, retry_after=3, resource="nodes") as handle,
            pytest.raises(ApiException) as err,
        ):
            core.list_node()
        assert core.list_node().items == []
    assert err.value.status == 429
    assert err.value.headers["Retry-After"] == "3"
    assert json.loads(err.value.body)["details"] == {"retryAfterSeconds": 3}
    assert handle.hits == 1 and not handle.active


def test_official_client_retries_a_429_after_retry_after(
    fake_cluster_sync: FakeClusterSync,
) -> None:
    core = client.CoreV1Api(fake_cluster_sync.api_client())
    fake_cluster_sync.faults.respond(429, resource="nodes")
    assert core.list_node().items == []
    assert [r.status for r in fake_cluster_sync.requests(resource="nodes")] == [429, 200]


def kubectl(cluster: FakeClusterSync, *args: str, stdin: str | None = None) -> str:
    binary = shutil.which("kubectl")
    assert binary, "kubectl is not on PATH (scripts/test requires it)"
    proc = subprocess.run(
        [binary, "--kubeconfig", str(cluster.kubeconfig), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.kubectl
@pytest.mark.fake_cluster(nodes=2)
def test_kubectl_sees_seeded_nodes_and_creates_through_the_fixture(
    fake_cluster_sync: FakeClusterSync,
) -> None:
    nodes = json.loads(kubectl(fake_cluster_sync, "get", "nodes", "-o", "json"))
    assert [n["metadata"]["name"] for n in nodes["items"]] == ["node-0", "node-1"]
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}}
    kubectl(fake_cluster_sync, "apply", "-f", "-", stdin=json.dumps(cm))
    assert fake_cluster_sync.store.get("configmaps", "cfg")["data"] == {"a": "1"}


def test_unreachable_from_the_test_thread_refuses_then_serves_again(
    fake_cluster_sync: FakeClusterSync,
) -> None:
    import urllib3

    core = client.CoreV1Api(fake_cluster_sync.api_client())
    with fake_cluster_sync.faults.unreachable(), pytest.raises(urllib3.exceptions.MaxRetryError):
        core.list_node()
    assert core.list_node().items == []
    assert fake_cluster_sync.faults.active == []
