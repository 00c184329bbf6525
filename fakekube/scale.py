"""The ``scale`` subresource: an ``autoscaling/v1`` Scale view of a workload's replicas.

``kubectl scale``, the HPA and kube-controller-manager-like clients read and write
``.../deployments/{name}/scale`` instead of the whole object. As in kube-apiserver's
``ScaleREST`` (``pkg/registry/apps/deployment/storage/storage.go`` and its siblings for
replica sets, stateful sets and replication controllers), the Scale is computed from the
stored object on every read, and a write moves ``spec.replicas`` (and the resourceVersion
precondition) back onto the object through an ordinary update, so watches see one MODIFIED
of the workload and nothing else changes.
"""

from __future__ import annotations

from typing import Any

import orjson

from fakekube import patch as patching
from fakekube.errors import BadRequest, Cause, Conflict, Invalid, go_json_type
from fakekube.registry import ResourceType
from fakekube.selectors import label_selector_from_dict
from fakekube.store import Store

__all__ = ["get_scale", "patch_scale", "scale_of", "update_scale"]


def _selector(rt: ResourceType, obj: dict[str, Any]) -> str:
    """The Scale's ``status.selector``: the workload's selector as ``labels.Selector.String``."""
    raw = (obj.get("spec") or {}).get("selector")
    if rt.kind == "ReplicationController":  # a plain map: labels.SelectorFromSet
        raw = {"matchLabels": raw or {}}
    selector = label_selector_from_dict(raw)
    return ",".join(str(r) for r in sorted(selector.requirements, key=lambda r: r.key))


def scale_of(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    """scaleFromDeployment and its siblings."""
    meta = obj["metadata"]
    scale_meta = {
        k: meta[k]
        for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        if k in meta
    }
    spec_replicas = (obj.get("spec") or {}).get("replicas")
    status_replicas = (obj.get("status") or {}).get("replicas") or 0
    spec = {"replicas": spec_replicas} if spec_replicas else {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": scale_meta,
        "spec": spec,
        "status": {"replicas": status_replicas, "selector": _selector(rt, obj)},
    }


def get_scale(store: Store, rt: ResourceType, name: str, namespace: str | None) -> dict[str, Any]:
    return scale_of(rt, store.get(rt, name, namespace))


def update_scale(
    store: Store,
    rt: ResourceType,
    name: str,
    namespace: str | None,
    scale: Any,
    *,
    dry_run: bool = False,
) -> dict[str, Any]:
    """PUT a Scale: its replicas and resourceVersion move onto the workload."""
    if not isinstance(scale, dict):
        raise BadRequest("Object 'Scale' is missing in the request body")
    kind, api_version = scale.get("kind"), scale.get("apiVersion")
    if (kind and kind != "Scale") or (api_version and api_version != "autoscaling/v1"):
        raise BadRequest(
            f'{kind} in version "{str(api_version).rpartition("/")[2]}" cannot be handled as '
            "a Scale: the kind in the data does not match the expected kind (Scale)"
        )
    meta = scale.get("metadata") if isinstance(scale.get("metadata"), dict) else {}
    if meta.get("name") and meta["name"] != name:
        raise BadRequest(
            f"the name of the object ({meta['name']}) does not match the name on the URL ({name})"
        )
    replicas = (scale.get("spec") or {}).get("replicas") or 0
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        raise BadRequest(
            'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal '
            f"{go_json_type(replicas)} into Go struct field ScaleSpec.spec.replicas of type int32"
        )
    if replicas < 0:
        raise Invalid.fields(
            "Scale",
            "autoscaling",
            name,
            [
                Cause(
                    "FieldValueInvalid",
                    f"Invalid value: {replicas}: must be greater than or equal to 0",
                    "spec.replicas",
                )
            ],
        )
    obj = store.get(rt, name, namespace)
    uid = meta.get("uid")
    if uid and uid != obj["metadata"].get("uid"):
        raise Conflict.object(
            f"{rt.plural}/scale",
            rt.group,
            name,
            f"Precondition failed: UID in precondition: {uid}, "
            f"UID in object meta: {obj['metadata'].get('uid')}",
        )
    obj.setdefault("spec", {})["replicas"] = replicas
    rv = meta.get("resourceVersion")
    if rv:
        obj["metadata"]["resourceVersion"] = rv
    else:
        obj["metadata"].pop("resourceVersion", None)
    updated = store.update(rt, obj, name=name, namespace=namespace, dry_run=dry_run)
    return scale_of(rt, updated)


def patch_scale(
    store: Store,
    rt: ResourceType,
    name: str,
    namespace: str | None,
    patch_type: str,
    body: bytes,
    *,
    dry_run: bool = False,
) -> dict[str, Any]:
    """PATCH a Scale: the patch applies to the current Scale (carrying the workload's
    resourceVersion), then the result is written as a PUT would be."""
    current = get_scale(store, rt, name, namespace)
    patched = patching.apply_patch(patch_type, orjson.loads(orjson.dumps(current)), body)
    return update_scale(store, rt, name, namespace, patched, dry_run=dry_run)
