"""Create, read, update and delete: what each verb returns for the common kinds."""

from __future__ import annotations

from conformance.differential.scenario import case, delete, get, patch, post, put
from conformance.differential.scenarios.objects import NS, cm, cms, node, nodes, pod, pods

_PC = "/apis/scheduling.k8s.io/v1/priorityclasses"
_LEASES = f"{NS}/leases".replace("/api/v1", "/apis/coordination.k8s.io/v1")
_SECRETS = f"{NS}/secrets"
_SA = f"{NS}/serviceaccounts"
_DEPLOY = f"{NS}/deployments".replace("/api/v1", "/apis/apps/v1")


def _cm_rv(name: str, data: dict[str, str]) -> dict[str, object]:
    return {**cm(name, data), "metadata": {"name": name, "resourceVersion": "{rv}"}}


SCENARIOS = [
    case(
        "crud/configmap-lifecycle",
        "a ConfigMap created, read, replaced, deleted, then gone",
        post(cms(), cm("a", {"k": "v"}), save={"rv": "metadata.resourceVersion"}),
        get(cms("a")),
        put(cms("a"), _cm_rv("a", {"k": "w"})),
        delete(cms("a")),
        get(cms("a")),
    ),
    case(
        "crud/pod-create-defaults",
        "a minimal pod comes back with every default kube-apiserver fills in",
        post(pods(), pod("p")),
        get(pods("p")),
    ),
    case(
        "crud/pod-create-with-limits",
        "limits default requests; the QoS class follows",
        post(
            pods(),
            pod(
                "p",
                containers=[
                    {
                        "name": "c",
                        "image": "busybox",
                        "resources": {"limits": {"cpu": "500m", "memory": "64Mi"}},
                    }
                ],
            ),
        ),
    ),
    case(
        "crud/pod-create-burstable",
        "requests without limits make a Burstable pod; image tags pick the pull policy",
        post(
            pods(),
            pod(
                "p",
                containers=[
                    {
                        "name": "a",
                        "image": "busybox:latest",
                        "resources": {"requests": {"cpu": "1"}},
                    },
                    {"name": "b", "image": "registry.k8s.io/pause@sha256:" + "0" * 64},
                ],
            ),
        ),
    ),
    case(
        "crud/pod-create-keeps-status-out",
        "a status sent on create is reset by the pod strategy",
        post(pods(), {**pod("p"), "status": {"phase": "Running", "podIP": "10.0.0.1"}}),
    ),
    case(
        "crud/pod-with-init-containers",
        "init containers get the same defaults as containers",
        post(
            pods(),
            pod("p", initContainers=[{"name": "init", "image": "busybox:1.36"}]),
        ),
    ),
    case(
        "crud/node-create",
        "a node with capacity; what the server adds to it",
        post(nodes(), node("{ns}-n1", zone="a")),
        get(nodes("{ns}-n1")),
    ),
    case(
        "crud/generate-name",
        "generateName makes a name with a random suffix",
        post(cms(), {"metadata": {"generateName": "gen-"}}),
    ),
    case(
        "crud/delete-unbound-pod",
        "an unscheduled pod is removed at once, and DELETE returns its final state",
        post(pods(), pod("p")),
        delete(pods("p")),
        get(pods("p")),
    ),
    case(
        "crud/update-without-resourceversion",
        "PUT without metadata.resourceVersion is an unconditional update",
        post(cms(), cm("a", {"k": "v"})),
        put(cms("a"), cm("a", {"k": "w"})),
    ),
    case(
        "crud/update-no-op",
        "PUT of identical content does not bump resourceVersion",
        post(cms(), cm("a", {"k": "v"}), save={"rv": "metadata.resourceVersion"}),
        put(cms("a"), _cm_rv("a", {"k": "v"})),
        get(cms("a")),
    ),
    case(
        "crud/secret-string-data",
        "stringData is folded into base64 data",
        post(
            _SECRETS,
            {
                "metadata": {"name": "s"},
                "stringData": {"password": "hunter2"},
                "data": {"a": "Yg=="},
            },
        ),
        get(f"{_SECRETS}/s"),
    ),
    case(
        "crud/serviceaccount-create",
        "a ServiceAccount is stored as sent",
        post(_SA, {"metadata": {"name": "robot"}}),
        get(f"{_SA}/robot"),
    ),
    case(
        "crud/namespace-create-get",
        "a namespace gets its name label, finalizer and Active phase",
        post("/api/v1/namespaces", {"metadata": {"name": "{ns}-x"}}),
        get("/api/v1/namespaces/{ns}-x"),
    ),
    case(
        "crud/priorityclass-and-pod-priority",
        "a pod naming a PriorityClass gets its priority and preemption policy",
        post(
            _PC,
            {
                "apiVersion": "scheduling.k8s.io/v1",
                "kind": "PriorityClass",
                "metadata": {"name": "{ns}-high"},
                "value": 1000,
                "preemptionPolicy": "Never",
            },
        ),
        post(pods(), pod("p", priorityClassName="{ns}-high")),
    ),
    case(
        "crud/pod-unknown-priorityclass",
        "a pod naming a missing PriorityClass is refused by admission",
        post(pods(), pod("p", priorityClassName="{ns}-missing")),
    ),
    case(
        "crud/lease-lifecycle",
        "a coordination Lease created and renewed",
        post(
            _LEASES,
            {
                "metadata": {"name": "l"},
                "spec": {"holderIdentity": "me", "leaseDurationSeconds": 15},
            },
            save={"rv": "metadata.resourceVersion"},
        ),
        put(
            f"{_LEASES}/l",
            {
                "metadata": {"name": "l", "resourceVersion": "{rv}"},
                "spec": {"holderIdentity": "you", "leaseDurationSeconds": 15},
            },
        ),
    ),
    case(
        "crud/dry-run-create",
        "dryRun=All returns the object but stores nothing",
        post(cms() + "?dryRun=All", cm("a", {"k": "v"})),
        get(cms("a")),
    ),
    case(
        "crud/delete-dry-run",
        "a dry-run DELETE leaves the object in place",
        post(cms(), cm("a")),
        delete(cms("a") + "?dryRun=All"),
        get(cms("a")),
    ),
    case(
        "crud/delete-with-uid-precondition",
        "DELETE with a wrong uid precondition is a conflict; the right one deletes",
        post(cms(), cm("a"), save={"uid": "metadata.uid"}),
        delete(
            cms("a"),
            {"preconditions": {"uid": "00000000-0000-0000-0000-000000000000"}},
        ),
        delete(cms("a"), {"preconditions": {"uid": "{uid}"}}),
    ),
    case(
        "crud/delete-with-resourceversion-precondition",
        "DELETE with a stale resourceVersion precondition is a conflict",
        post(cms(), cm("a", {"k": "1"}), save={"rv": "metadata.resourceVersion"}),
        put(cms("a"), cm("a", {"k": "2"})),
        delete(cms("a"), {"preconditions": {"resourceVersion": "{rv}"}}),
    ),
    case(
        "crud/finalizer-holds-deletion",
        "a finalizer keeps a deleted object, with deletionTimestamp, until it is removed",
        post(cms(), cm("a", finalizers=["example.com/hold"])),
        delete(cms("a")),
        get(cms("a")),
        patch(cms("a"), {"metadata": {"finalizers": None}}),
        get(cms("a")),
    ),
    case(
        "crud/delete-collection-by-label",
        "DELETE on a collection removes the selected objects and lists them",
        post(cms(), cm("a", labels={"x": "1"})),
        post(cms(), cm("b", labels={"x": "2"})),
        post(cms(), cm("c", labels={"x": "1"})),
        delete(cms() + "?labelSelector=x%3D1"),
        get(cms()),
    ),
    case(
        "crud/put-creates-event",
        "PUT on a missing Event creates it (AllowCreateOnUpdate)",
        put(
            f"{NS}/events/e",
            {
                "metadata": {"name": "e"},
                "involvedObject": {"kind": "Pod", "name": "p", "namespace": "{ns}"},
                "reason": "Test",
                "message": "hello",
                "type": "Normal",
            },
        ),
    ),
    case(
        "crud/put-missing-configmap",
        "PUT on a missing ConfigMap is NotFound (no create on update)",
        put(cms("nope"), cm("nope")),
    ),
    case(
        "crud/deployment-defaults",
        "a Deployment comes back with the apps/v1 defaults",
        post(
            _DEPLOY,
            {
                "metadata": {"name": "d"},
                "spec": {
                    "selector": {"matchLabels": {"app": "d"}},
                    "template": {
                        "metadata": {"labels": {"app": "d"}},
                        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
                    },
                },
            },
        ),
    ),
    case(
        "crud/labels-and-annotations-roundtrip",
        "labels and annotations are stored and returned unchanged",
        post(cms(), cm("a", labels={"app": "x", "tier": "web"}, annotations={"note": "n"})),
        get(cms("a")),
    ),
]
