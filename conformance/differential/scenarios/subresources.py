"""The status, binding and eviction subresources, and the legacy bindings collection."""

from __future__ import annotations

from typing import Any

from conformance.differential.scenario import MERGE, STRATEGIC, case, delete, get, patch, post, put
from conformance.differential.scenarios.objects import NS, node, nodes, pod, pods


def _binding(name: str, node_name: str | None = "{ns}-n1", **meta: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": name, **meta},
    }
    if node_name is not None:
        body["target"] = {"apiVersion": "v1", "kind": "Node", "name": node_name}
    return body


def _status(**status: Any) -> dict[str, Any]:
    return {"status": status}


SCENARIOS = [
    case(
        "status/put-status-ignores-spec",
        "PUT on /status changes status only; a spec change in the body is dropped",
        post(pods(), pod("p"), save={"rv": "metadata.resourceVersion"}),
        put(
            pods("p") + "/status",
            {
                **pod("p", nodeName="ignored"),
                "metadata": {"name": "p", "resourceVersion": "{rv}"},
                "status": {"phase": "Running"},
            },
        ),
    ),
    case(
        "status/main-put-ignores-status",
        "PUT on the object keeps the stored status whatever the body says",
        post(pods(), pod("p"), save={"rv": "metadata.resourceVersion"}),
        put(
            pods("p"),
            {
                **pod("p", labels={"a": "b"}),
                "metadata": {"name": "p", "labels": {"a": "b"}, "resourceVersion": "{rv}"},
                "status": {"phase": "Failed"},
            },
        ),
    ),
    case(
        "status/merge-patch-status",
        "a merge patch on /status sets the phase",
        post(pods(), pod("p")),
        patch(pods("p") + "/status", _status(phase="Running"), MERGE),
        get(pods("p") + "/status"),
    ),
    case(
        "status/strategic-patch-conditions",
        "conditions merge by type in a strategic patch on /status",
        post(pods(), pod("p")),
        patch(
            pods("p") + "/status",
            _status(
                conditions=[
                    {
                        "type": "Ready",
                        "status": "False",
                        "lastTransitionTime": "2026-01-01T00:00:00Z",
                    }
                ]
            ),
            STRATEGIC,
        ),
        patch(
            pods("p") + "/status",
            _status(
                conditions=[
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "Unschedulable",
                        "lastTransitionTime": "2026-01-01T00:00:00Z",
                    }
                ]
            ),
            STRATEGIC,
        ),
    ),
    case(
        "status/patch-status-spec-ignored",
        "a patch on /status that touches spec leaves spec alone",
        post(pods(), pod("p")),
        patch(
            pods("p") + "/status",
            {"spec": {"nodeName": "x"}, "status": {"phase": "Running"}},
            MERGE,
        ),
    ),
    case(
        "status/node-status-capacity",
        "node status can change capacity and allocatable through /status",
        post(nodes(), node("{ns}-n1")),
        patch(
            nodes("{ns}-n1") + "/status",
            _status(allocatable={"cpu": "2", "memory": "4Gi", "pods": "10"}),
            STRATEGIC,
        ),
    ),
    case(
        "status/node-spec-unschedulable",
        "cordoning a node is a spec change on the main resource",
        post(nodes(), node("{ns}-n1")),
        patch(nodes("{ns}-n1"), {"spec": {"unschedulable": True}}, STRATEGIC),
    ),
    case(
        "status/get-unknown-subresource",
        "an unknown subresource is 404",
        post(pods(), pod("p")),
        get(pods("p") + "/frobnicate"),
    ),
    case(
        "binding/bind",
        "a binding assigns the node; the answer is a Success Status",
        post(pods(), pod("p")),
        post(pods("p") + "/binding", _binding("p")),
        get(pods("p")),
    ),
    case(
        "binding/bind-twice",
        "binding a bound pod is a conflict naming the node",
        post(pods(), pod("p")),
        post(pods("p") + "/binding", _binding("p")),
        post(pods("p") + "/binding", _binding("p", "{ns}-n2")),
    ),
    case(
        "binding/missing-pod",
        "binding a pod that does not exist is NotFound",
        post(pods("nope") + "/binding", _binding("nope")),
    ),
    case(
        "binding/name-mismatch",
        "a binding whose name differs from the URL is refused",
        post(pods(), pod("p")),
        post(pods("p") + "/binding", _binding("q")),
    ),
    case(
        "binding/no-target",
        "a binding without a target node",
        post(pods(), pod("p")),
        post(pods("p") + "/binding", _binding("p", None)),
    ),
    case(
        "binding/uid-precondition",
        "a binding with a wrong uid precondition is a conflict",
        post(pods(), pod("p")),
        post(
            pods("p") + "/binding",
            _binding("p", uid="00000000-0000-0000-0000-000000000000"),
        ),
    ),
    case(
        "binding/annotations-copied",
        "annotations on the binding are copied onto the pod",
        post(pods(), pod("p")),
        post(pods("p") + "/binding", _binding("p", annotations={"example.com/why": "test"})),
        get(pods("p")),
    ),
    case(
        "binding/wrong-field-types",
        "a binding whose fields have the wrong JSON types is refused at decoding",
        post(pods(), pod("p")),
        post(pods("p") + "/binding", {**_binding("p"), "metadata": "p"}),
        post(pods("p") + "/binding", _binding("p", annotations="x")),
        post(pods("p") + "/binding", _binding("p", annotations={"a": 1})),
        post(pods("p") + "/binding", {**_binding("p"), "target": "n1"}),
        get(pods("p")),
    ),
    case(
        "binding/legacy-bindings-collection",
        "POST to the namespace's bindings collection binds too",
        post(pods(), pod("p")),
        post(f"{NS}/bindings", _binding("p")),
        get(pods("p")),
    ),
    case(
        "binding/deleting-pod",
        "a pod being deleted (finalizer) cannot be bound",
        post(pods(), {**pod("p"), "metadata": {"name": "p", "finalizers": ["example.com/f"]}}),
        delete(pods("p")),
        post(pods("p") + "/binding", _binding("p")),
        patch(pods("p"), {"metadata": {"finalizers": None}}, MERGE),
    ),
    case(
        "eviction/evict-unbound-pod",
        "an Eviction deletes the pod",
        post(pods(), pod("p")),
        post(
            pods("p") + "/eviction",
            {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "p"}},
        ),
        get(pods("p")),
    ),
]
