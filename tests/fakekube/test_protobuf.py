"""Protobuf request bodies: vectors written by the real Go serializer decode exactly.

tests/data/protobuf/ holds one object per built-in kind fakekube serves (and the option and
subresource bodies), encoded by k8s.io/apimachinery's protobuf serializer next to its
encoding/json form; tests/data/protobuf/gen/README.md says how to regenerate them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from fakekube import FakeCluster, protobuf
from fakekube.errors import BadRequest
from fakekube.registry import DEFAULT_RESOURCES, ResourceType

DATA = Path(__file__).resolve().parent.parent / "data" / "protobuf"
VECTORS = sorted(p.stem for p in DATA.glob("*.pb"))
PROTOBUF = "application/vnd.kubernetes.protobuf"


def vector_name(rt: ResourceType) -> str:
    return f"{rt.group or 'core'}.{rt.version}.{rt.kind}".lower()


def vector(name: str) -> bytes:
    return (DATA / f"{name}.pb").read_bytes()


def omitempty(value: Any) -> Any:
    """Go's JSON keeps some zero values (``"creationTimestamp": null``, ``"resources": {}``)
    that carry no information; the decoder drops them, so compare without them. Zero
    numbers and false are compared as they are."""
    if isinstance(value, dict):
        out = {k: omitempty(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", {}, [])}
    if isinstance(value, list):
        return [omitempty(v) for v in value]
    return value


def test_every_builtin_kind_of_the_registry_is_in_the_protobuf_table() -> None:
    missing = {
        (rt.api_version, rt.kind)
        for rt in DEFAULT_RESOURCES
        if (rt.api_version, rt.kind) not in protobuf.SUPPORTED
    }
    assert not missing, f"run scripts/gen-protobuf-table: no protobuf message for {missing}"


def test_every_builtin_kind_and_option_body_has_a_real_encoder_vector() -> None:
    expected = {vector_name(rt) for rt in DEFAULT_RESOURCES}
    expected |= {
        "core.v1.binding",
        "policy.v1.eviction",
        "autoscaling.v1.scale",
        "meta.v1.deleteoptions",
        "apps.v1.deleteoptions",
    }
    assert expected <= set(VECTORS), f"missing vectors: {sorted(expected - set(VECTORS))}"


@pytest.mark.parametrize("name", VECTORS)
def test_real_encoder_output_decodes_to_its_json(name: str) -> None:
    decoded = protobuf.decode(vector(name))
    expected = orjson.loads((DATA / f"{name}.json").read_bytes())
    assert omitempty(decoded) == omitempty(expected)


def test_binding_decodes_to_what_the_server_needs() -> None:
    binding = protobuf.decode(vector("core.v1.binding"))
    assert binding == {
        "kind": "Binding",
        "apiVersion": "v1",
        "metadata": {"name": "web-0", "namespace": "default", "uid": "web-0-uid"},
        "target": {"kind": "Node", "name": "node-1"},
    }


def test_times_quantities_and_int_or_string_take_their_json_forms() -> None:
    pod = protobuf.decode(vector("core.v1.pod"))
    container = pod["spec"]["containers"][0]
    assert container["resources"]["requests"] == {"cpu": "500m", "memory": "1Gi"}
    assert container["readinessProbe"]["httpGet"]["port"] == "http"
    assert container["livenessProbe"]["tcpSocket"]["port"] == 80
    assert pod["status"]["conditions"][0]["lastTransitionTime"] == "2026-11-22T22:11:00Z"
    lease = protobuf.decode(vector("coordination.k8s.io.v1.lease"))
    assert lease["spec"]["renewTime"] == "2026-11-22T22:11:00.123456Z"
    assert lease["spec"]["leaseTransitions"] == 0


def test_zero_int_or_string_behind_a_pointer_is_kept() -> None:
    deployment = protobuf.decode(vector("apps.v1.deployment"))
    rolling = deployment["spec"]["strategy"]["rollingUpdate"]
    assert rolling == {"maxUnavailable": 0, "maxSurge": "25%"}


def test_bytes_fields_are_base64_as_in_json() -> None:
    secret = protobuf.decode(vector("core.v1.secret"))
    assert secret["data"] == {"password": "czNjcjN0", "raw": "AMg="}
    configmap = protobuf.decode(vector("core.v1.configmap"))
    assert configmap["binaryData"] == {"blob": "AAEC/w=="}


def test_raw_extension_parameters_decode_to_their_json() -> None:
    claim = protobuf.decode(vector("resource.k8s.io.v1.resourceclaim"))
    opaque = claim["spec"]["devices"]["config"][0]["opaque"]
    assert opaque == {"driver": "gpu.example.com", "parameters": {"sharing": "timeSlicing"}}


def test_json_schema_wrappers_take_their_go_marshal_json_shapes() -> None:
    crd = protobuf.decode(vector("apiextensions.k8s.io.v1.customresourcedefinition"))
    spec = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    props = spec["properties"]
    assert props["closed"]["additionalProperties"] is False
    assert props["labels"]["additionalProperties"] == {"type": "string"}
    assert props["tags"]["items"] == {"type": "string"}
    assert props["pair"]["items"] == [{"type": "string"}, {"type": "integer"}]
    assert props["size"]["default"] == 3
    assert props["mode"]["enum"] == ["fast", "slow"]
    assert spec["dependencies"]["mode"] == ["size"]
    # json names that are no proto identifiers
    assert props["extra"]["x-kubernetes-preserve-unknown-fields"] is True
    assert props["ports"]["x-kubernetes-list-map-keys"] == ["name"]
    assert spec["x-kubernetes-validations"][0]["rule"] == "self.size <= 64"


def test_delete_options_decode_under_any_served_group_version() -> None:
    opts = protobuf.decode(vector("apps.v1.deleteoptions"))
    assert opts == {
        "kind": "DeleteOptions",
        "apiVersion": "apps/v1",
        "propagationPolicy": "Foreground",
    }


def test_missing_magic_is_bad_request_worded_as_kube_apiserver() -> None:
    with pytest.raises(BadRequest) as err:
        protobuf.decode(b"k8s", ("v1", "ConfigMap"))
    # kube-apiserver 1.35 answers exactly this (transformDecodeError + summarizeData).
    assert err.value.message == (
        "the object provided is unrecognized (must be of type ConfigMap): provided data does "
        "not appear to be a protobuf message, expected prefix [107 56 115 0] (6b3873)"
    )


def test_garbage_after_magic_is_bad_request() -> None:
    with pytest.raises(BadRequest):
        protobuf.decode(b"k8s\x00\xff\xff\xff")


def test_unregistered_kind_is_bad_request_worded_as_kube_apiserver() -> None:
    raw = vector("core.v1.binding").replace(b"Binding", b"Widgets")
    with pytest.raises(BadRequest) as err:
        protobuf.decode(raw, ("v1", "ConfigMap"))
    assert err.value.message == (
        'Widgets in version "v1" cannot be handled as a ConfigMap: no kind "Widgets" is '
        'registered for version "v1" in scheme "pkg/runtime/scheme.go:111"'
    )


def test_another_kind_than_the_endpoints_is_bad_request_worded_as_kube_apiserver() -> None:
    with pytest.raises(BadRequest) as err:
        protobuf.decode(vector("core.v1.pod"), ("v1", "ConfigMap"))
    assert err.value.message == (
        'Pod in version "v1" cannot be handled as a ConfigMap: converting (v1.Pod) to '
        "(core.ConfigMap): unknown conversion"
    )


# -- through the API -------------------------------------------------------------------


def _collection(rt: ResourceType, namespace: str | None) -> str:
    base = f"/apis/{rt.group}/{rt.version}" if rt.group else "/api/v1"
    if rt.namespaced:
        return f"{base}/namespaces/{namespace}/{rt.plural}"
    return f"{base}/{rt.plural}"


def _storable(name: str) -> dict[str, Any]:
    return orjson.loads((DATA / f"{name}.json").read_bytes())


@pytest.mark.parametrize("rt", DEFAULT_RESOURCES, ids=vector_name)
async def test_every_builtin_kind_is_created_from_a_protobuf_body(
    rt: ResourceType, cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    name = vector_name(rt)
    obj = _storable(name)
    namespace = obj["metadata"].get("namespace")
    if rt.kind == "Pod":  # Priority admission needs the pod's PriorityClass ("high", 1000)
        pc = await http.post(
            "/apis/scheduling.k8s.io/v1/priorityclasses",
            data=vector("scheduling.k8s.io.v1.priorityclass"),
            headers={"Content-Type": PROTOBUF},
        )
        assert pc.status == 201
    resp = await http.post(
        _collection(rt, namespace), data=vector(name), headers={"Content-Type": PROTOBUF}
    )
    body = await resp.json()
    assert resp.status == 201, body
    assert body["kind"] == rt.kind and body["apiVersion"] == rt.api_version
    assert body["metadata"]["name"] == obj["metadata"]["name"]
    assert body["metadata"]["uid"] != obj["metadata"].get("uid")
    sent = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
    if rt.has_status:
        sent.pop("status", None)  # the main resource ignores status on create
    _assert_contains(body, omitempty(sent), rt.kind)


def _assert_contains(got: Any, sent: Any, path: str) -> None:
    """Everything the client sent is stored as sent; defaults and admission may add."""
    if isinstance(sent, dict):
        assert isinstance(got, dict), f"{path}: {got!r}"
        for key, value in sent.items():
            assert key in got, f"{path}.{key} lost"
            _assert_contains(got[key], value, f"{path}.{key}")
    elif isinstance(sent, list):
        # Admission may append (DefaultTolerationSeconds adds the missing toleration).
        assert isinstance(got, list) and len(got) >= len(sent), f"{path}: {got!r}"
        for i, (g, v) in enumerate(zip(got, sent, strict=False)):
            _assert_contains(g, v, f"{path}[{i}]")
    else:
        assert got == sent, f"{path}: {got!r} != {sent!r}"


async def test_protobuf_body_of_another_kind_is_400_and_stores_nothing(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    resp = await http.post(
        "/api/v1/namespaces/default/configmaps",
        data=vector("core.v1.pod"),
        headers={"Content-Type": PROTOBUF},
    )
    assert resp.status == 400
    body = await resp.json()
    assert body["reason"] == "BadRequest"
    assert body["message"].startswith('Pod in version "v1" cannot be handled as a ConfigMap')
    listed = await (await http.get("/api/v1/namespaces/default/configmaps")).json()
    assert listed["items"] == []


async def test_delete_with_protobuf_delete_options_of_the_clients_group(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    created = await http.post(
        "/apis/apps/v1/namespaces/default/deployments",
        data=vector("apps.v1.deployment"),
        headers={"Content-Type": PROTOBUF},
    )
    assert created.status == 201
    resp = await http.delete(
        "/apis/apps/v1/namespaces/default/deployments/web",
        data=vector("apps.v1.deleteoptions"),
        headers={"Content-Type": PROTOBUF},
    )
    assert resp.status == 200, await resp.text()


async def test_protobuf_body_for_a_custom_resource_is_415(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    crd = await http.post(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        data=vector("apiextensions.k8s.io.v1.customresourcedefinition"),
        headers={"Content-Type": PROTOBUF},
    )
    assert crd.status == 201
    resp = await http.post(
        "/apis/example.com/v1/namespaces/default/widgets",
        data=vector("core.v1.configmap"),
        headers={"Content-Type": PROTOBUF},
    )
    body = await resp.json()
    # Custom resources have no protobuf form: their serializer offers JSON and YAML only.
    assert resp.status == 415
    assert body["message"] == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json, application/yaml"
    )
