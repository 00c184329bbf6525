"""``/openapi/v2`` in gnostic's protobuf form, as kubectl's client-side validation reads it.

tests/data/openapi/ holds OpenAPI v2 documents next to the bytes gnostic (the library
kube-apiserver serves them with) makes of them; tests/data/openapi/gen/README.md says how
to regenerate them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
import yaml

from fakekube import FakeCluster, openapi_proto
from fakekube.openapi_proto import InvalidDocument

DATA = Path(__file__).resolve().parent.parent / "data" / "openapi"
VECTORS = sorted(p.stem for p in DATA.glob("*.pb"))
PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
PROTOBUF_ANSWER = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
Document = openapi_proto.message("Document")


def named(entries: Any) -> dict[str, Any]:
    """A ``Named*`` list (definitions, properties, paths, vendor extensions) as a dict."""
    return {entry.name: entry.value for entry in entries}


def test_the_gnostic_vectors_are_there() -> None:
    assert VECTORS == ["fakekube", "features"]


@pytest.mark.parametrize("name", VECTORS)
def test_encoding_matches_gnostic_byte_for_byte(name: str) -> None:
    doc = orjson.loads((DATA / f"{name}.json").read_bytes())
    assert openapi_proto.encode(doc) == (DATA / f"{name}.pb").read_bytes()


def test_oneofs_pick_the_alternative_gnostic_picks() -> None:
    msg = openapi_proto.document(orjson.loads((DATA / "features.json").read_bytes()))
    params = named(msg.parameters.additional_properties)
    assert params["payload"].WhichOneof("oneof") == "body_parameter"
    kinds = {
        name: params[name].non_body_parameter.WhichOneof("oneof")
        for name in ("namespace", "limit", "trace", "upload")
    }
    assert kinds == {
        "namespace": "path_parameter_sub_schema",
        "limit": "query_parameter_sub_schema",
        "trace": "header_parameter_sub_schema",
        "upload": "form_data_parameter_sub_schema",
    }
    security = named(msg.security_definitions.additional_properties)
    assert {name: item.WhichOneof("oneof") for name, item in security.items()} == {
        "BearerToken": "api_key_security",
        "Basic": "basic_authentication_security",
        "Implicit": "oauth2_implicit_security",
        "Password": "oauth2_password_security",
        "App": "oauth2_application_security",
        "Code": "oauth2_access_code_security",
    }
    things = named(msg.paths.path)["/api/v1/namespaces/{namespace}/things"]
    assert [p.WhichOneof("oneof") for p in things.parameters] == ["json_reference"] * 2
    responses = named(things.get.responses.response_code)
    assert responses["404"].json_reference._ref == "#/responses/NotFound"
    assert responses["200"].response.schema.WhichOneof("oneof") == "schema"
    created = named(things.post.responses.response_code)["201"]
    assert created.response.schema.WhichOneof("oneof") == "file_schema"
    props = named(
        named(msg.definitions.additional_properties)["Thing"].properties.additional_properties
    )
    assert props["status"].additional_properties.boolean is True
    assert props["closed"].additional_properties.WhichOneof("oneof") == "boolean"
    assert props["closed"].HasField("properties")  # empty, yet present: kubectl's struct
    assert props["spec"].additional_properties.schema.type.value == ["string"]
    assert list(props["either"].type.value) == ["string", "integer"]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"swagger": "2.0", "info": {"title": "t", "version": "v"}}, "missing required"),
        ({"swagger": "3.0", "info": {"title": "t", "version": "v"}, "paths": {}}, "swagger"),
        (
            {"swagger": "2.0", "info": {"title": "t", "version": "v"}, "paths": {}, "nope": 1},
            "has invalid property: nope",
        ),
        (
            {
                "swagger": "2.0",
                "info": {"title": "t", "version": "v"},
                "paths": {},
                "definitions": {"A": {"maxLength": "ten"}},
            },
            "maxLength",
        ),
    ],
)
def test_a_document_gnostic_rejects_is_invalid(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidDocument, match=message):
        openapi_proto.encode(doc)


async def get(
    http: aiohttp.ClientSession, accept: str | None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    if accept is not None:
        headers["Accept"] = accept
    async with http.get("/openapi/v2", headers=headers) as resp:
        return resp.status, dict(resp.headers), await resp.read()


async def test_protobuf_v2_decodes_to_the_served_document(http: aiohttp.ClientSession) -> None:
    status, headers, body = await get(http, PROTOBUF)
    assert status == 200
    assert headers["Content-Type"] == PROTOBUF_ANSWER
    assert headers["Vary"] == "Accept"
    msg = Document.FromString(body)
    assert msg.swagger == "2.0"
    assert msg.info.title == "Kubernetes"
    definitions = named(msg.definitions.additional_properties)
    config_map = definitions["io.k8s.api.core.v1.ConfigMap"]
    assert list(config_map.type.value) == ["object"]
    extensions = {
        name: yaml.safe_load(v.yaml) for name, v in named(config_map.vendor_extension).items()
    }
    assert extensions == {
        "x-kubernetes-group-version-kind": [{"group": "", "kind": "ConfigMap", "version": "v1"}],
        "x-kubernetes-preserve-unknown-fields": True,
    }
    paths = named(msg.paths.path)
    patch = paths["/api/v1/namespaces/{namespace}/configmaps/{name}"].patch
    gvk = yaml.safe_load(named(patch.vendor_extension)["x-kubernetes-group-version-kind"].yaml)
    assert gvk == {"group": "", "kind": "ConfigMap", "version": "v1"}
    # kubectl apply takes strategic-merge metadata from v2 only when PATCH offers it.
    assert "application/strategic-merge-patch+json" not in patch.consumes
    assert "/apis/apps/v1/namespaces/{namespace}/deployments" in paths
    assert "/api/v1/nodes/{name}" in paths
    # The same document as the JSON form, which shares the ETag.
    json_status, json_headers, json_body = await get(http, "application/json")
    assert json_status == 200 and json_headers["Content-Type"] == "application/json"
    assert json_headers["Etag"] == headers["Etag"]
    assert body == openapi_proto.encode(orjson.loads(json_body))


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        ("application/json", "application/json"),
        (PROTOBUF, PROTOBUF_ANSWER),
        (PROTOBUF_ANSWER, PROTOBUF_ANSWER),
        (f"application/json;q=0.5, {PROTOBUF}", PROTOBUF_ANSWER),
        (f"{PROTOBUF}, application/json", PROTOBUF_ANSWER),
        (f"application/yaml, {PROTOBUF};q=0.9", PROTOBUF_ANSWER),
    ],
)
async def test_v2_is_negotiated_as_kube_openapi_does(
    http: aiohttp.ClientSession, accept: str | None, content_type: str
) -> None:
    status, headers, _ = await get(http, accept)
    assert (status, headers["Content-Type"]) == (200, content_type)


async def test_v2_refuses_other_media_types_with_an_empty_406(
    http: aiohttp.ClientSession,
) -> None:
    status, _, body = await get(http, "application/yaml, application/vnd.kubernetes.protobuf")
    assert (status, body) == (406, b"")


async def test_v2_answers_304_to_its_etag(http: aiohttp.ClientSession) -> None:
    _, headers, _ = await get(http, PROTOBUF)
    status, again, body = await get(http, PROTOBUF, **{"If-None-Match": headers["Etag"]})
    assert (status, body, again["Etag"]) == (304, b"", headers["Etag"])
    status, _, _ = await get(http, PROTOBUF, **{"If-None-Match": '"stale"'})
    assert status == 200


async def test_v2_follows_the_registry_when_a_crd_is_created(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    _, before, body = await get(http, PROTOBUF)
    assert "com.example.v1.Widget" not in named(
        Document.FromString(body).definitions.additional_properties
    )
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object"}},
                }
            ],
        },
    }
    async with http.post(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json=crd
    ) as resp:
        assert resp.status == 201
    _, after, body = await get(http, PROTOBUF)
    assert after["Etag"] != before["Etag"]
    msg = Document.FromString(body)
    widget = named(msg.definitions.additional_properties)["com.example.v1.Widget"]
    gvk = yaml.safe_load(named(widget.vendor_extension)["x-kubernetes-group-version-kind"].yaml)
    assert gvk == [{"group": "example.com", "kind": "Widget", "version": "v1"}]
    assert "/apis/example.com/v1/namespaces/{namespace}/widgets/{name}" in named(msg.paths.path)
