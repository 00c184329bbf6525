"""PATCH: JSON patch, merge patch and strategic merge patch with every directive, and
server-side apply."""

from __future__ import annotations

from typing import Any

from conformance.differential.scenario import (
    APPLY,
    JSON_PATCH,
    MERGE,
    STRATEGIC,
    case,
    patch,
    post,
)
from conformance.differential.scenarios.objects import cm, cms, pod, pods


def _pod2() -> dict[str, Any]:
    return pod(
        "p",
        labels={"app": "x", "tier": "web"},
        containers=[
            {
                "name": "a",
                "image": "busybox:1",
                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                "ports": [{"containerPort": 80, "protocol": "TCP"}],
            },
            {"name": "b", "image": "busybox:1"},
        ],
        tolerations=[{"key": "k1", "operator": "Exists"}],
        volumes=[{"name": "v1", "emptyDir": {}}, {"name": "v2", "emptyDir": {}}],
    )


def _json(id: str, title: str, ops: Any) -> Any:
    return case(
        f"patch-json/{id}",
        title,
        post(cms(), cm("a", {"k": "v"}, labels={"a": "1", "example.com/x": "1"}, finalizers=[])),
        patch(cms("a"), ops, JSON_PATCH),
    )


def _merge(id: str, title: str, body: Any, start: dict[str, Any] | None = None) -> Any:
    return case(
        f"patch-merge/{id}",
        title,
        post(cms(), start or cm("a", {"k": "v", "keep": "1"}, labels={"a": "1", "b": "2"})),
        patch(cms("a"), body, MERGE),
    )


_DEPLOY = "/apis/apps/v1/namespaces/{ns}/deployments"


def _deployment() -> dict[str, Any]:
    """A Deployment whose pod template has every list a strategic patch treats specially;
    pods themselves refuse most spec changes, templates do not."""
    template = _pod2()
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "labels": {"app": "x", "tier": "web"}},
        "spec": {
            "selector": {"matchLabels": {"app": "x"}},
            "template": {"metadata": {"labels": {"app": "x"}}, "spec": template["spec"]},
        },
    }


def _sm(id: str, title: str, body: Any) -> Any:
    return case(
        f"patch-strategic/{id}",
        title,
        post(_DEPLOY, _deployment()),
        patch(f"{_DEPLOY}/d", body, STRATEGIC),
    )


def _tpl(**spec: Any) -> dict[str, Any]:
    return {"spec": {"template": {"spec": spec}}}


SCENARIOS = [
    _json("add", "add a key", [{"op": "add", "path": "/data/new", "value": "n"}]),
    _json("remove", "remove a key", [{"op": "remove", "path": "/data/k"}]),
    _json("replace", "replace a value", [{"op": "replace", "path": "/data/k", "value": "w"}]),
    _json("move", "move a value", [{"op": "move", "from": "/data/k", "path": "/data/m"}]),
    _json("copy", "copy a value", [{"op": "copy", "from": "/data/k", "path": "/data/c"}]),
    _json(
        "test-passes",
        "a passing test op lets the patch apply",
        [
            {"op": "test", "path": "/data/k", "value": "v"},
            {"op": "add", "path": "/data/t", "value": "1"},
        ],
    ),
    _json(
        "test-fails",
        "a failing test op rejects the whole patch",
        [
            {"op": "test", "path": "/data/k", "value": "nope"},
            {"op": "add", "path": "/data/t", "value": "1"},
        ],
    ),
    _json(
        "remove-missing",
        "removing a missing path is an error",
        [{"op": "remove", "path": "/data/zz"}],
    ),
    _json(
        "replace-missing",
        "replacing a missing path is an error",
        [{"op": "replace", "path": "/data/zz", "value": "1"}],
    ),
    _json(
        "escaped-path",
        "~1 in a path is a slash",
        [{"op": "replace", "path": "/metadata/labels/example.com~1x", "value": "2"}],
    ),
    _json(
        "append-to-list",
        "`-` appends to an array",
        [{"op": "add", "path": "/metadata/finalizers/-", "value": "example.com/f"}],
    ),
    _json("not-an-array", "a JSON patch that is not an array", {"op": "add"}),
    _json("unknown-op", "an unknown operation", [{"op": "frobnicate", "path": "/data/k"}]),
    _json("empty", "an empty patch changes nothing", []),
    _json(
        "change-name",
        "a patch may not rename the object",
        [{"op": "replace", "path": "/metadata/name", "value": "b"}],
    ),
    _json(
        "stale-resourceversion",
        "a patch that sets a stale resourceVersion is a conflict",
        [{"op": "add", "path": "/metadata/resourceVersion", "value": "1"}],
    ),
    _json("malformed", "a body that is not JSON", "[{"),
    case(
        "patch-json/missing-object",
        "patching a missing object is NotFound",
        patch(cms("nope"), [{"op": "add", "path": "/data/k", "value": "v"}], JSON_PATCH),
    ),
    _merge("set", "set a key", {"data": {"new": "n"}}),
    _merge(
        "null-deletes",
        "null deletes a key",
        {"data": {"k": None}, "metadata": {"labels": {"a": None}}},
    ),
    _merge(
        "replaces-lists",
        "a merge patch replaces lists wholesale",
        {"metadata": {"finalizers": ["example.com/b"]}},
        cm("a", {"k": "v"}, finalizers=["example.com/a"]),
    ),
    _merge("empty", "an empty merge patch changes nothing", {}),
    _merge("change-name", "renaming through a merge patch", {"metadata": {"name": "b"}}),
    _merge(
        "stale-resourceversion",
        "a stale resourceVersion in a merge patch is a conflict",
        {"metadata": {"resourceVersion": "1"}, "data": {"k": "w"}},
    ),
    _merge("malformed", "a merge patch that is not JSON", "{nope"),
    _merge("not-an-object", "a merge patch that is a list", [1, 2]),
    _merge("null-body", "a merge patch of JSON null", "null"),
    _merge("wrong-kind", "a merge patch changing kind", {"kind": "Secret"}),
    case(
        "patch-merge/pod-containers-replaced",
        "a merge patch on containers replaces the whole list (no merge keys)",
        post(pods(), _pod2()),
        patch(pods("p"), {"spec": {"containers": [{"name": "a", "image": "busybox:2"}]}}, MERGE),
    ),
    _sm(
        "merge-by-name",
        "containers merge by name: one image changes, the other container stays",
        _tpl(containers=[{"name": "b", "image": "busybox:2"}]),
    ),
    _sm(
        "add-container",
        "a container new to the list goes before the existing ones",
        _tpl(containers=[{"name": "c", "image": "busybox"}]),
    ),
    case(
        "patch-strategic/pod-spec-immutable",
        "adding a container to a pod is refused by pod update validation",
        post(pods(), _pod2()),
        patch(pods("p"), {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}, STRATEGIC),
    ),
    case(
        "patch-strategic/pod-image-change",
        "changing only an image is allowed on a pod",
        post(pods(), _pod2()),
        patch(
            pods("p"), {"spec": {"containers": [{"name": "a", "image": "busybox:9"}]}}, STRATEGIC
        ),
    ),
    case(
        "patch-strategic/pod-labels",
        "null deletes a pod label, others merge",
        post(pods(), _pod2()),
        patch(pods("p"), {"metadata": {"labels": {"app": None, "new": "n"}}}, STRATEGIC),
    ),
    _sm(
        "labels-null-deletes",
        "null deletes a label, others merge",
        {"metadata": {"labels": {"app": None, "new": "n"}}},
    ),
    _sm(
        "tolerations-replaced",
        "tolerations have no merge strategy: the patch replaces the list",
        _tpl(tolerations=[{"key": "k2", "operator": "Exists"}]),
    ),
    _sm(
        "env-merge-by-name",
        "env merges by name inside a container",
        _tpl(containers=[{"name": "a", "env": [{"name": "B", "value": "3"}]}]),
    ),
    _sm(
        "env-patch-delete",
        "$patch: delete removes one env entry",
        _tpl(containers=[{"name": "a", "env": [{"name": "A", "$patch": "delete"}]}]),
    ),
    _sm(
        "container-patch-delete",
        "$patch: delete removes a whole container",
        _tpl(containers=[{"name": "b", "$patch": "delete"}]),
    ),
    _sm(
        "set-element-order",
        "$setElementOrder reorders the merged list",
        _tpl(
            **{
                "$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
                "containers": [{"name": "a", "image": "busybox:3"}],
            }
        ),
    ),
    _sm(
        "set-element-order-with-new-item",
        "$setElementOrder places a new container where the order says",
        _tpl(
            **{
                "$setElementOrder/containers": [{"name": "a"}, {"name": "c"}, {"name": "b"}],
                "containers": [{"name": "c", "image": "busybox"}],
            }
        ),
    ),
    _sm(
        "patch-replace-list",
        "$patch: replace inside a list replaces the whole list",
        _tpl(containers=[{"name": "z", "image": "busybox"}, {"$patch": "replace"}]),
    ),
    _sm(
        "patch-replace-map",
        "$patch: replace on a map replaces it",
        {"metadata": {"labels": {"$patch": "replace", "only": "this"}}},
    ),
    _sm(
        "patch-merge-directive",
        "$patch: merge is the default and changes nothing extra",
        {"metadata": {"labels": {"$patch": "merge", "more": "m"}}},
    ),
    _sm(
        "delete-from-primitive-list",
        "$deleteFromPrimitiveList removes a finalizer",
        {"metadata": {"$deleteFromPrimitiveList/finalizers": ["example.com/none"]}},
    ),
    case(
        "patch-strategic/delete-from-primitive-list-present",
        "$deleteFromPrimitiveList removes a finalizer that is there",
        post(cms(), cm("a", finalizers=["example.com/a", "example.com/b"])),
        patch(
            cms("a"),
            {"metadata": {"$deleteFromPrimitiveList/finalizers": ["example.com/a"]}},
            STRATEGIC,
        ),
    ),
    _sm(
        "retain-keys",
        "$retainKeys drops the keys not listed (volume source switch)",
        _tpl(
            volumes=[
                {
                    "name": "v1",
                    "$retainKeys": ["name", "configMap"],
                    "configMap": {"name": "c"},
                }
            ]
        ),
    ),
    _sm(
        "ports-merge-by-containerport",
        "ports merge by containerPort",
        _tpl(containers=[{"name": "a", "ports": [{"containerPort": 80, "name": "http"}]}]),
    ),
    _sm(
        "unknown-directive",
        "an unknown $patch value is an error",
        {"metadata": {"labels": {"$patch": "frobnicate"}}},
    ),
    _sm("malformed", "a strategic patch that is not JSON", "{nope"),
    _sm(
        "volumes-merge-by-name",
        "volumes merge by name; a new one goes first",
        _tpl(volumes=[{"name": "v3", "emptyDir": {}}]),
    ),
    _sm(
        "null-in-nested-map",
        "null deletes a key deep in the template",
        {
            "spec": {
                "template": {"metadata": {"labels": {"extra": "1"}}, "spec": {"dnsPolicy": None}}
            }
        },
    ),
    case(
        "patch-strategic/configmap-data",
        "on a ConfigMap a strategic patch merges data like a merge patch",
        post(cms(), cm("a", {"k": "v", "keep": "1"})),
        patch(cms("a"), {"data": {"k": None, "n": "2"}}, STRATEGIC),
    ),
    case(
        "patch-strategic/finalizers-merge",
        "finalizers are a set-like list: a strategic patch adds to them",
        post(cms(), cm("a", finalizers=["example.com/a"])),
        patch(cms("a"), {"metadata": {"finalizers": ["example.com/b"]}}, STRATEGIC),
    ),
    case(
        "patch/unsupported-content-type",
        "PATCH with application/json is 415 and names the patch types",
        post(cms(), cm("a")),
        patch(cms("a"), {"data": {"k": "v"}}, "application/json"),
    ),
    case(
        "patch/apply-create",
        "server-side apply creates an object",
        patch(
            cms("a") + "?fieldManager=test",
            '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"v"}}',
            APPLY,
        ),
    ),
    case(
        "patch/apply-without-field-manager",
        "server-side apply without fieldManager",
        patch(
            cms("a"),
            '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"v"}}',
            APPLY,
        ),
    ),
]
