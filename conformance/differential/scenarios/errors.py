"""Every error class: the status code, reason, message and details kube-apiserver sends."""

from __future__ import annotations

from conformance.differential.scenario import Request, case, get, patch, post, put
from conformance.differential.scenarios.objects import NS, cm, cms, node, nodes, pod, pods

_JSON_TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"

SCENARIOS = [
    case("errors/not-found-get", "GET of a missing object", get(cms("nope"))),
    case("errors/not-found-delete", "DELETE of a missing object", Request("DELETE", cms("nope"))),
    case("errors/not-found-cluster-scoped", "GET of a missing node", get(nodes("{ns}-nope"))),
    case(
        "errors/not-found-namespace-on-create",
        "creating in a namespace that does not exist",
        post("/api/v1/namespaces/{ns}-missing/configmaps", cm("a")),
    ),
    case("errors/not-found-unknown-resource", "an unknown resource type", get(f"{NS}/frobnicates")),
    case(
        "errors/not-found-unknown-group", "an unknown API group", get("/apis/example.com/v1/things")
    ),
    case(
        "errors/not-found-cluster-resource-in-namespace",
        "a cluster-scoped resource under a namespace path",
        get(f"{NS}/nodes"),
    ),
    case(
        "errors/already-exists",
        "creating a name twice",
        post(cms(), cm("a")),
        post(cms(), cm("a")),
    ),
    case(
        "errors/already-exists-node",
        "creating a node name twice",
        post(nodes(), node("{ns}-n")),
        post(nodes(), node("{ns}-n")),
    ),
    case(
        "errors/conflict-stale-update",
        "PUT with a stale resourceVersion",
        post(cms(), cm("a", {"k": "1"}), save={"rv": "metadata.resourceVersion"}),
        put(cms("a"), cm("a", {"k": "2"})),
        put(
            cms("a"), {**cm("a", {"k": "3"}), "metadata": {"name": "a", "resourceVersion": "{rv}"}}
        ),
    ),
    case(
        "errors/conflict-uid-on-update",
        "PUT with a uid that is not the stored one",
        post(cms(), cm("a")),
        put(
            cms("a"),
            {**cm("a"), "metadata": {"name": "a", "uid": "00000000-0000-0000-0000-000000000001"}},
        ),
    ),
    case(
        "errors/invalid-name",
        "an upper-case name is Invalid with a field cause",
        post(cms(), cm("Bad_Name")),
    ),
    case(
        "errors/invalid-long-name",
        "a name longer than 253 characters",
        post(cms(), cm("a" * 254)),
    ),
    case(
        "errors/invalid-label-value",
        "a label value with a space",
        post(cms(), cm("a", labels={"k": "not valid"})),
    ),
    case(
        "errors/invalid-label-key",
        "a label key with two slashes",
        post(cms(), cm("a", labels={"a/b/c": "v"})),
    ),
    case(
        "errors/invalid-annotation-key",
        "an annotation key that is not a qualified name",
        post(cms(), cm("a", annotations={"bad key": "v"})),
    ),
    case(
        "errors/invalid-configmap-key",
        "a ConfigMap data key with a slash",
        post(cms(), cm("a", {"x/y": "1"})),
    ),
    case(
        "errors/invalid-multiple-causes",
        "a name and a label wrong at once: one cause each",
        post(cms(), cm("Bad", labels={"k": "not valid"})),
    ),
    case(
        "errors/invalid-pod-no-containers",
        "a pod without containers",
        post(pods(), {"metadata": {"name": "p"}, "spec": {"containers": []}}),
    ),
    case(
        "errors/invalid-missing-name",
        "an object without name or generateName",
        post(cms(), {"metadata": {"labels": {"a": "b"}}}),
    ),
    case(
        "errors/bad-request-malformed-json",
        "a body that is not JSON",
        post(cms(), "{not json", content_type="application/json"),
    ),
    case(
        "errors/bad-request-wrong-kind",
        "a body of another kind",
        post(cms(), {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a"}}),
    ),
    case(
        "errors/bad-request-wrong-apiversion",
        "a body with another apiVersion",
        post(cms(), {"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
    ),
    case(
        "errors/bad-request-namespace-mismatch",
        "a body whose namespace differs from the URL's",
        post(cms(), {**cm("a"), "metadata": {"name": "a", "namespace": "other"}}),
    ),
    case(
        "errors/bad-request-name-mismatch-on-put",
        "a PUT whose body names another object",
        post(cms(), cm("a")),
        put(cms("a"), cm("b")),
    ),
    case(
        "errors/bad-request-resourceversion-on-create",
        "a create that sets resourceVersion",
        post(cms(), {**cm("a"), "metadata": {"name": "a", "resourceVersion": "5"}}),
    ),
    case("errors/bad-request-body-is-list", "a JSON array as the body", post(cms(), [1, 2])),
    case(
        "errors/method-not-allowed-put-collection",
        "PUT on a collection",
        put(cms(), cm("a")),
    ),
    case(
        "errors/method-not-allowed-post-to-object",
        "POST to an object URL",
        post(cms("a"), cm("a")),
    ),
    case(
        "errors/method-not-allowed-create-all-namespaces",
        "POST to a namespaced collection across all namespaces",
        post("/api/v1/configmaps", cm("a")),
    ),
    case(
        "errors/unsupported-media-type-on-create",
        "a create sent as text/plain",
        post(cms(), "hello", content_type="text/plain"),
    ),
    case(
        "errors/not-acceptable",
        "Accept: text/plain for an object",
        post(cms(), cm("a")),
        get(cms("a"), accept="text/plain"),
    ),
    case(
        "errors/request-entity-too-large",
        "a request body over 3 MiB",
        post(cms(), cm("a", {"big": "x" * (3 * 1024 * 1024 + 10)})),
    ),
    case(
        "errors/configmap-too-large",
        "a ConfigMap over 1 MiB of data is Invalid",
        post(cms(), cm("a", {"big": "x" * (1024 * 1024 + 10)})),
    ),
    case(
        "errors/yaml-body",
        "a create sent as YAML is accepted",
        post(
            cms(),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
            content_type="application/yaml",
        ),
    ),
    case(
        "errors/table-get",
        "GET as a Table",
        post(cms(), cm("a", {"k": "v"})),
        get(cms("a"), accept=_JSON_TABLE),
    ),
    case(
        "errors/patch-empty-body",
        "a merge patch with an empty body",
        post(cms(), cm("a")),
        patch(cms("a"), ""),
    ),
    case(
        "errors/put-empty-body",
        "a PUT with no body",
        post(cms(), cm("a")),
        put(cms("a"), ""),
    ),
    case(
        "errors/invalid-node-name",
        "a node name with upper case",
        post(nodes(), node("{ns}-Bad")),
    ),
    case(
        "errors/pod-invalid-restart-policy",
        "a pod with an unknown restartPolicy",
        post(pods(), pod("p", restartPolicy="Sometimes")),
    ),
]
