"""CustomResourceDefinitions: creating one serves its kind, deleting it takes it away.

Operators (kopf, controller-runtime, client-go dynamic informers) find their kinds
through discovery and then list, watch and patch them like any built-in; all of that
reads the :class:`~fakekube.registry.Registry`, so serving a custom kind is adding its
:class:`~fakekube.registry.ResourceType` rows. This module turns a CRD into those rows
(one per served version), checks a CRD as apiextensions-apiserver's
``ValidateCustomResourceDefinition`` does for the fields that decide what is served,
fills in the defaults and the status (``NamesAccepted`` and ``Established`` at once:
there is no controller to wait for), and keeps the registry in step with the store
through a store listener. Deleting a CRD deletes its objects (a DELETED event each) and
ends their watches, as the ``customresourcecleanup`` finalizer would.

Not modelled: OpenAPI schema validation and pruning, defaulting from the schema,
conversion between versions (every version serves objects as stored), the ``scale``
subresource and ``additionalPrinterColumns``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from fakekube.errors import Cause, Invalid
from fakekube.registry import STANDARD_VERBS, FieldExtractor, ResourceType

if TYPE_CHECKING:
    from fakekube.store import Store
    from fakekube.store.entry import Event

__all__ = ["GROUP", "KIND", "prepare", "resource_types", "serve", "validate"]

GROUP = "apiextensions.k8s.io"
KIND = "CustomResourceDefinition"
_SCOPES = ("Cluster", "Namespaced")


def _names(crd: Mapping[str, Any]) -> dict[str, Any]:
    spec = crd.get("spec") or {}
    names = spec.get("names") if isinstance(spec, Mapping) else None
    return dict(names) if isinstance(names, Mapping) else {}


def validate(crd: Mapping[str, Any]) -> None:
    """Refuse a CRD that could not be served, with apiextensions' field errors (422)."""
    meta = crd.get("metadata") or {}
    name = str(meta.get("name") or "")
    spec = crd.get("spec")
    spec = spec if isinstance(spec, Mapping) else {}
    names = _names(crd)
    group = spec.get("group")
    plural, kind = names.get("plural"), names.get("kind")
    causes: list[Cause] = []

    def invalid(path: str, value: Any, why: str) -> None:
        causes.append(Cause("FieldValueInvalid", f'Invalid value: "{value}": {why}', path))

    def required(path: str) -> None:
        causes.append(Cause("FieldValueRequired", "Required value", path))

    if name != f"{plural}.{group}":
        invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group')
    if not group:
        required("spec.group")
    elif "." not in str(group):
        invalid("spec.group", group, "should be a domain with at least one dot")
    if not plural:
        required("spec.names.plural")
    if not kind:
        required("spec.names.kind")
    scope = spec.get("scope")
    if scope not in _SCOPES:
        causes.append(
            Cause(
                "FieldValueNotSupported",
                f'Unsupported value: "{scope or ""}": supported values: "Cluster", "Namespaced"',
                "spec.scope",
            )
        )
    versions = spec.get("versions")
    if not isinstance(versions, list) or not versions:
        required("spec.versions")
    else:
        seen: set[str] = set()
        for i, v in enumerate(versions):
            vname = v.get("name") if isinstance(v, Mapping) else None
            if not vname:
                required(f"spec.versions[{i}].name")
            elif vname in seen:
                causes.append(Cause("FieldValueDuplicate", f'Duplicate value: "{vname}"'))
            seen.add(str(vname))
        storage = [v for v in versions if isinstance(v, Mapping) and v.get("storage")]
        if len(storage) != 1:
            invalid(
                "spec.versions",
                "[...]",
                "must have exactly one version marked as storage version",
            )
        if not any(isinstance(v, Mapping) and v.get("served") for v in versions):
            invalid("spec.versions", "[...]", "must have at least one served version")
    if causes:
        raise Invalid.fields(KIND, GROUP, name, causes)


def prepare(crd: dict[str, Any]) -> None:
    """Validate, default the names, and mark the CRD accepted and established."""
    validate(crd)
    names = crd["spec"]["names"]
    names.setdefault("singular", str(names["kind"]).lower())
    names.setdefault("listKind", f"{names['kind']}List")
    crd["spec"].setdefault("conversion", {"strategy": "None"})
    storage = next(v["name"] for v in crd["spec"]["versions"] if v.get("storage"))
    crd["status"] = {
        "acceptedNames": dict(names),
        "conditions": [
            {
                "type": "NamesAccepted",
                "status": "True",
                "reason": "NoConflicts",
                "message": "no conflicts found",
            },
            {
                "type": "Established",
                "status": "True",
                "reason": "InitialNamesAccepted",
                "message": "the initial names have been accepted",
            },
        ],
        "storedVersions": [storage],
    }


def _json_path_field(path: str) -> FieldExtractor:
    """A ``selectableFields`` jsonPath (``.spec.color``) as a field-selector extractor."""
    parts = [p for p in path.strip().lstrip(".").split(".") if p]

    def extract(obj: Mapping[str, Any]) -> str:
        cur: Any = obj
        for part in parts:
            if not isinstance(cur, Mapping):
                return ""
            cur = cur.get(part)
        if cur is None:
            return ""
        if isinstance(cur, bool):
            return "true" if cur else "false"
        return str(cur)

    return extract


def resource_types(crd: Mapping[str, Any]) -> list[ResourceType]:
    """The resource rows a valid CRD serves: one per served version."""
    spec = crd["spec"]
    names = _names(crd)
    out = []
    for version in spec["versions"]:
        if not version.get("served"):
            continue
        subresources = version.get("subresources") or {}
        fields = {
            str(f["jsonPath"]).lstrip("."): _json_path_field(str(f["jsonPath"]))
            for f in version.get("selectableFields") or []
            if isinstance(f, Mapping) and f.get("jsonPath")
        }
        out.append(
            ResourceType(
                group=str(spec["group"]),
                version=str(version["name"]),
                kind=str(names["kind"]),
                plural=str(names["plural"]),
                namespaced=spec["scope"] == "Namespaced",
                short_names=tuple(names.get("shortNames") or ()),
                subresources=frozenset({"status"} if "status" in subresources else ()),
                fields=fields,
                categories=tuple(names.get("categories") or ()),
                verbs=STANDARD_VERBS,
                singular=str(names.get("singular") or ""),
                custom=True,
            )
        )
    return out


def serve(store: Store) -> Callable[[], None]:
    """Keep ``store``'s registry in step with its CRDs; returns the undo."""
    served: dict[str, list[ResourceType]] = {}

    def on_event(event: Event) -> None:
        rt = event.entry.rt
        if rt.group != GROUP or rt.kind != KIND:
            return
        name = event.entry.name
        old = served.pop(name, [])
        if event.type == "DELETED":
            for gone in old:
                store.registry.remove(gone.group, gone.version, gone.plural)
            if old:
                store.drop(old[0])
            return
        try:
            new = resource_types(event.entry.obj)
        except (KeyError, TypeError, AttributeError):
            new = []  # an update made it unservable: keep nothing, like a failed establish
        keep = {(r.group, r.version, r.plural) for r in new}
        for gone in old:
            if (gone.group, gone.version, gone.plural) not in keep:
                store.registry.remove(gone.group, gone.version, gone.plural)
        for r in new:
            store.registry.add(r)
        served[name] = new

    return store.add_listener(on_event)
