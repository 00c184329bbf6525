"""Label and field selectors on LIST, including the ones the API refuses."""

from __future__ import annotations

from urllib.parse import quote

from conformance.differential.scenario import case, get, post
from conformance.differential.scenarios.objects import cm, cms, pod, pods


def _setup() -> tuple[object, ...]:
    return (
        post(cms(), cm("a", labels={"app": "web", "tier": "front"})),
        post(cms(), cm("b", labels={"app": "db", "tier": "back"})),
        post(cms(), cm("c", labels={"app": "web"})),
        post(cms(), cm("d")),
    )


def _label(id: str, selector: str) -> object:
    return case(
        f"selectors/label-{id}",
        f"labelSelector {selector!r}",
        *_setup(),
        get(cms() + "?labelSelector=" + quote(selector, safe="")),
    )


def _field(id: str, selector: str, path: str = "") -> object:
    return case(
        f"selectors/field-{id}",
        f"fieldSelector {selector!r}",
        *_setup(),
        get((path or cms()) + "?fieldSelector=" + quote(selector, safe="")),
    )


SCENARIOS = [
    _label("equals", "app=web"),
    _label("double-equals", "app==web"),
    _label("not-equals", "app!=web"),
    _label("in", "app in (web,db)"),
    _label("notin", "app notin (web)"),
    _label("exists", "tier"),
    _label("not-exists", "!tier"),
    _label("and", "app=web,tier=front"),
    _label("empty-value", "app="),
    _label("invalid-operator", "app=~web"),
    _label("invalid-value", "app=not valid"),
    _label("empty-in", "app in ()"),
    _label("unclosed-in", "app in (web"),
    _field("name", "metadata.name=b"),
    _field("name-not-equal", "metadata.name!=b"),
    _field("namespace", "metadata.namespace={ns}"),
    _field("unsupported", "data.k=v"),
    _field("syntax", "metadata.name"),
    _field("set-based-refused", "metadata.name in (a,b)"),
    case(
        "selectors/field-pod-node-name",
        "pods by spec.nodeName (unscheduled ones have it empty)",
        post(pods(), pod("p1")),
        post(pods(), pod("p2", nodeName="{ns}-n1")),
        get(pods() + "?fieldSelector=spec.nodeName%3D"),
        get(pods() + "?fieldSelector=spec.nodeName%3D{ns}-n1"),
    ),
    case(
        "selectors/field-pod-phase",
        "kube-scheduler's selector: not Succeeded, not Failed",
        post(pods(), pod("p1")),
        get(pods() + "?fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed"),
    ),
    case(
        "selectors/label-and-field",
        "a label and a field selector together",
        *_setup(),
        get(cms() + "?labelSelector=app%3Dweb&fieldSelector=metadata.name%3Dc"),
    ),
    case(
        "selectors/pod-unsupported-field",
        "a pod field that is not selectable",
        get(pods() + "?fieldSelector=spec.restartPolicy%3DAlways"),
    ),
]
