"""Protobuf request bodies: vectors written by the real Go serializer decode exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from fakekube import protobuf
from fakekube.errors import BadRequest, UnsupportedMediaType

DATA = Path(__file__).resolve().parent.parent / "data" / "protobuf"
VECTORS = sorted(p.stem for p in DATA.glob("*.pb"))


def omitempty(value: Any) -> Any:
    """Go's JSON keeps some zero values (``"creationTimestamp": null``, ``"resources": {}``)
    that carry no information; the decoder drops them, so compare without them."""
    if isinstance(value, dict):
        out = {k: omitempty(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", {}, [])}
    if isinstance(value, list):
        return [omitempty(v) for v in value]
    return value


def test_every_kube_scheduler_body_kind_has_a_vector() -> None:
    assert set(VECTORS) >= {
        "binding",
        "deleteoptions",
        "event-core",
        "event-v1",
        "lease",
        "pod",
        "node",
        "eviction",
    }


@pytest.mark.parametrize("name", VECTORS)
def test_real_encoder_output_decodes_to_its_json(name: str) -> None:
    decoded = protobuf.decode((DATA / f"{name}.pb").read_bytes())
    expected = orjson.loads((DATA / f"{name}.json").read_bytes())
    assert omitempty(decoded) == omitempty(expected)


def test_binding_decodes_to_what_the_server_needs() -> None:
    binding = protobuf.decode((DATA / "binding.pb").read_bytes())
    assert binding == {
        "kind": "Binding",
        "apiVersion": "v1",
        "metadata": {"name": "web-0", "namespace": "default", "uid": "3c5d0c8e-uid"},
        "target": {"kind": "Node", "name": "node-1"},
    }


def test_times_quantities_and_int_or_string_take_their_json_forms() -> None:
    pod = protobuf.decode((DATA / "pod.pb").read_bytes())
    container = pod["spec"]["containers"][0]
    assert container["resources"]["requests"] == {"cpu": "500m", "memory": "1Gi"}
    assert container["readinessProbe"]["httpGet"]["port"] == "http"
    assert container["livenessProbe"]["tcpSocket"]["port"] == 80
    assert pod["status"]["conditions"][0]["lastTransitionTime"] == "2026-11-22T22:11:00Z"
    lease = protobuf.decode((DATA / "lease.pb").read_bytes())
    assert lease["spec"]["renewTime"] == "2026-11-22T22:11:00.123456Z"
    assert lease["spec"]["leaseTransitions"] == 0


def test_missing_magic_is_bad_request() -> None:
    with pytest.raises(BadRequest):
        protobuf.decode(b'{"kind":"Binding"}')


def test_garbage_after_magic_is_bad_request() -> None:
    with pytest.raises(BadRequest):
        protobuf.decode(b"k8s\x00\xff\xff\xff")


def test_unknown_kind_is_unsupported_media_type() -> None:
    raw = (DATA / "binding.pb").read_bytes().replace(b"Binding", b"Widgets")
    with pytest.raises(UnsupportedMediaType) as err:
        protobuf.decode(raw)
    assert err.value.code == 415
