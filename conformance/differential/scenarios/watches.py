"""Watch: replay from a resourceVersion, initial events, selector transitions, bookmarks,
streaming lists and what each event carries."""

from __future__ import annotations

from conformance.differential.scenario import (
    STRATEGIC,
    case,
    collect,
    delete,
    get,
    patch,
    post,
    put,
    watch,
)
from conformance.differential.scenarios.objects import cm, cms, node, nodes, pod, pods

_W = "watch=1&timeoutSeconds=30"


def _bind(name: str, node_name: str) -> object:
    return post(
        pods(name) + "/binding",
        {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": name},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node_name},
        },
    )


SCENARIOS = [
    case(
        "watch/replay-from-resourceversion",
        "a watch from a resourceVersion replays every later change in order",
        post(cms(), cm("a", {"k": "1"}), save={"rv": "metadata.resourceVersion"}),
        put(cms("a"), cm("a", {"k": "2"})),
        post(cms(), cm("b")),
        delete(cms("a")),
        watch("w", cms() + f"?{_W}&resourceVersion={{rv}}"),
        collect("w", 3),
    ),
    case(
        "watch/rv0-starts-with-current-state",
        "resourceVersion=0 sends the current objects as ADDED, then live events",
        post(cms(), cm("a")),
        post(cms(), cm("b")),
        get(cms()),  # a consistent read: the reference's watch cache has both after it
        watch("w", cms() + f"?{_W}&resourceVersion=0"),
        post(cms(), cm("c")),
        collect("w", 3),
    ),
    case(
        "watch/no-resourceversion-starts-with-current-state",
        "a watch without resourceVersion also begins with synthetic ADDED events",
        post(cms(), cm("a")),
        watch("w", cms() + f"?{_W}"),
        post(cms(), cm("b")),
        collect("w", 2),
    ),
    case(
        "watch/live-create-update-delete",
        "ADDED, MODIFIED and DELETED carry each state; DELETED the last one",
        post(cms(), cm("x"), save={"rv": "metadata.resourceVersion"}),
        watch("w", cms() + f"?{_W}&resourceVersion={{rv}}"),
        post(cms(), cm("a", {"k": "1"})),
        patch(cms("a"), {"data": {"k": "2"}}),
        delete(cms("a")),
        collect("w", 3),
    ),
    case(
        "watch/unbound-pod-delete-events",
        "deleting an unscheduled pod: the events the deletion makes",
        post(pods(), pod("p"), save={"rv": "metadata.resourceVersion"}),
        watch("w", pods() + f"?{_W}&resourceVersion={{rv}}"),
        delete(pods("p")),
        post(pods(), pod("sentinel")),
        collect("w", 3),
    ),
    case(
        "watch/label-selector-transitions",
        "an object entering a label selector is ADDED, leaving it is DELETED",
        post(cms(), cm("a", labels={"tier": "db"}), save={"rv": "metadata.resourceVersion"}),
        watch("w", cms() + f"?{_W}&labelSelector=tier%3Dweb&resourceVersion={{rv}}"),
        patch(cms("a"), {"metadata": {"labels": {"tier": "web"}}}),
        patch(cms("a"), {"data": {"k": "v"}}),
        patch(cms("a"), {"metadata": {"labels": {"tier": "db"}}}),
        patch(cms("a"), {"data": {"k": "w"}}),
        post(cms(), cm("sentinel", labels={"tier": "web"})),
        collect("w", 4),
    ),
    case(
        "watch/field-selector-transition-by-binding",
        "binding moves a pod into a spec.nodeName field selector (ADDED)",
        post(pods(), pod("p"), save={"rv": "metadata.resourceVersion"}),
        watch(
            "w", pods() + f"?{_W}&fieldSelector=spec.nodeName%3D{{ns}}-n1&resourceVersion={{rv}}"
        ),
        _bind("p", "{ns}-n1"),
        collect("w", 1),
    ),
    case(
        "watch/unscheduled-pods-selector",
        "kube-scheduler's watch (spec.nodeName=) sees a bound pod leave as DELETED",
        post(pods(), pod("p"), save={"rv": "metadata.resourceVersion"}),
        watch(
            "w",
            pods()
            + f"?{_W}&fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed"
            + "%2Cspec.nodeName%3D&resourceVersion={rv}",
        ),
        _bind("p", "{ns}-n1"),
        post(pods(), pod("sentinel")),
        collect("w", 2),
    ),
    case(
        "watch/single-object-by-name",
        "metadata.name field selector watches one object only",
        post(cms(), cm("a"), save={"rv": "metadata.resourceVersion"}),
        watch("w", cms() + f"?{_W}&fieldSelector=metadata.name%3Db&resourceVersion={{rv}}"),
        post(cms(), cm("b")),
        patch(cms("a"), {"data": {"x": "1"}}),
        patch(cms("b"), {"data": {"x": "1"}}),
        collect("w", 2),
    ),
    case(
        "watch/legacy-watch-path",
        "the deprecated /api/v1/watch/... path streams the same events",
        post(cms(), cm("a"), save={"rv": "metadata.resourceVersion"}),
        watch(
            "w", "/api/v1/watch/namespaces/{ns}/configmaps?timeoutSeconds=30&resourceVersion={rv}"
        ),
        post(cms(), cm("b")),
        collect("w", 1),
    ),
    case(
        "watch/ends-at-timeout",
        "timeoutSeconds ends the stream cleanly with no error event",
        watch("w", cms() + "?watch=1&timeoutSeconds=1"),
        collect("w", None),
    ),
    case(
        "watch/no-bookmark-when-nothing-changed",
        "a quiet watch gets no BOOKMARK: there is no newer version to report",
        post(cms(), cm("a"), save={"rv": "metadata.resourceVersion"}),
        watch(
            "w",
            cms() + "?watch=1&timeoutSeconds=4&allowWatchBookmarks=true&resourceVersion={rv}",
        ),
        collect("w", None, bookmarks=True),
    ),
    case(
        "watch/legacy-initial-events-end-bookmark",
        "a watch without resourceVersion but with bookmarks ends its initial events with "
        "the initial-events-end BOOKMARK",
        post(cms(), cm("a")),
        watch("w", cms() + "?watch=1&timeoutSeconds=30&allowWatchBookmarks=true"),
        collect("w", 2, bookmarks=True),
    ),
    case(
        "watch/future-version",
        "a watch from a resourceVersion the server has not reached",
        post(cms(), cm("a")),
        watch("w", cms() + "?watch=1&timeoutSeconds=30&resourceVersion=900000000"),
        collect("w", None),
    ),
    case(
        "watch/rv0-with-bookmarks",
        "resourceVersion=0 with bookmarks: initial events, then what ends them",
        post(cms(), cm("a")),
        # resourceVersion=0 is "any version": a consistent read first, or the reference may
        # serve its watch cache from before the write (seen under load: BOOKMARK, then 'a').
        get(cms()),
        watch("w", cms() + "?watch=1&timeoutSeconds=30&allowWatchBookmarks=true&resourceVersion=0"),
        # No live write after: the cacher's next (timer-driven) bookmark would race it.
        collect("w", 2, bookmarks=True),
    ),
    case(
        "watch/bookmark-before-timeout",
        "a watch gets a BOOKMARK 2 s before it times out carrying a write it did not select",
        post("/api/v1/namespaces", {"metadata": {"name": "{ns}-other"}}),
        post(cms(), cm("a"), save={"rv": "metadata.resourceVersion"}),
        watch(
            "w",
            cms() + "?watch=1&timeoutSeconds=4&allowWatchBookmarks=true&resourceVersion={rv}",
        ),
        post("/api/v1/namespaces/{ns}-other/configmaps", cm("elsewhere")),
        # Only the first: when a second one comes depends on the cacher's 1 s timer buckets.
        collect("w", 1, bookmarks=True),
    ),
    case(
        "watch/streaming-list",
        "sendInitialEvents: current objects, then the initial-events-end bookmark, then live",
        post(cms(), cm("a")),
        post(cms(), cm("b")),
        watch(
            "w",
            cms()
            + f"?{_W}&sendInitialEvents=true&allowWatchBookmarks=true"
            + "&resourceVersionMatch=NotOlderThan&resourceVersion=",
        ),
        post(cms(), cm("c")),
        collect("w", 4),
    ),
    case(
        "watch/streaming-list-with-selector",
        "a streaming list honours its label selector in the initial events",
        post(cms(), cm("a", labels={"x": "1"})),
        post(cms(), cm("b", labels={"x": "2"})),
        watch(
            "w",
            cms()
            + f"?{_W}&sendInitialEvents=true&allowWatchBookmarks=true&labelSelector=x%3D1"
            + "&resourceVersionMatch=NotOlderThan&resourceVersion=",
        ),
        collect("w", 2),
    ),
    case(
        "watch/streaming-list-empty",
        "a streaming list of nothing is just the initial-events-end bookmark",
        watch(
            "w",
            cms()
            + f"?{_W}&sendInitialEvents=true&allowWatchBookmarks=true"
            + "&resourceVersionMatch=NotOlderThan&resourceVersion=",
        ),
        collect("w", 1),
    ),
    case(
        "watch/send-initial-events-false",
        "sendInitialEvents=false with resourceVersion=0 starts from now, no initial events",
        post(cms(), cm("a")),
        watch(
            "w",
            cms()
            + f"?{_W}&sendInitialEvents=false&allowWatchBookmarks=true"
            + "&resourceVersionMatch=NotOlderThan&resourceVersion=0",
        ),
        post(cms(), cm("b")),
        collect("w", 1),
    ),
    case(
        "watch/send-initial-events-without-match",
        "sendInitialEvents without resourceVersionMatch=NotOlderThan is refused",
        watch(
            "w", cms() + "?watch=1&timeoutSeconds=2&sendInitialEvents=true&allowWatchBookmarks=true"
        ),
        collect("w"),
    ),
    case(
        "watch/send-initial-events-without-bookmarks",
        "sendInitialEvents without allowWatchBookmarks is refused",
        watch(
            "w",
            cms()
            + "?watch=1&timeoutSeconds=2&sendInitialEvents=true"
            + "&resourceVersionMatch=NotOlderThan&resourceVersion=",
        ),
        collect("w"),
    ),
    case(
        "watch/resourceversionmatch-without-send-initial-events",
        "resourceVersionMatch on a plain watch is refused",
        watch(
            "w",
            cms() + "?watch=1&timeoutSeconds=2&resourceVersionMatch=NotOlderThan&resourceVersion=1",
        ),
        collect("w"),
    ),
    case(
        "watch/invalid-resourceversion",
        "a resourceVersion that is not a number",
        watch("w", cms() + "?watch=1&timeoutSeconds=2&resourceVersion=abc"),
        collect("w"),
    ),
    case(
        "watch/binding-event",
        "a binding is one MODIFIED event with nodeName and PodScheduled",
        post(pods(), pod("p"), save={"rv": "metadata.resourceVersion"}),
        watch("w", pods() + f"?{_W}&resourceVersion={{rv}}"),
        _bind("p", "{ns}-n1"),
        collect("w", 1),
    ),
    case(
        "watch/status-update-event",
        "a status write is a MODIFIED event with the new status",
        post(pods(), pod("p"), save={"rv": "metadata.resourceVersion"}),
        watch("w", pods() + f"?{_W}&resourceVersion={{rv}}"),
        patch(
            pods("p") + "/status",
            {"status": {"conditions": [{"type": "Ready", "status": "False"}]}},
            STRATEGIC,
        ),
        collect("w", 1),
    ),
    case(
        "watch/deletecollection-events",
        "DELETE on a collection makes one DELETED event per object, in order",
        post(cms(), cm("a")),
        post(cms(), cm("b"), save={"rv": "metadata.resourceVersion"}),
        watch("w", cms() + f"?{_W}&resourceVersion={{rv}}"),
        delete(cms()),
        collect("w", 2),
    ),
    case(
        "watch/all-namespaces-with-label",
        "a cluster-wide watch filtered by label sees this namespace's objects",
        post(cms(), cm("a", labels={"scenario": "{ns}"}), save={"rv": "metadata.resourceVersion"}),
        watch(
            "w", f"/api/v1/configmaps?{_W}&labelSelector=scenario%3D{{ns}}&resourceVersion={{rv}}"
        ),
        post(cms(), cm("b", labels={"scenario": "{ns}"})),
        collect("w", 1),
    ),
    case(
        "watch/cluster-scoped-nodes",
        "a node watch by label sees a node created and its status patched",
        post(nodes(), node("{ns}-n1", scenario="{ns}"), save={"rv": "metadata.resourceVersion"}),
        watch("w", f"/api/v1/nodes?{_W}&labelSelector=scenario%3D{{ns}}&resourceVersion={{rv}}"),
        patch(
            nodes("{ns}-n1") + "/status",
            {"status": {"conditions": [{"type": "Ready", "status": "True"}]}},
            STRATEGIC,
        ),
        collect("w", 1),
    ),
    case(
        "watch/finalizer-deletion-events",
        "deleting an object with a finalizer is MODIFIED; removing the finalizer DELETED",
        post(
            cms(), cm("a", finalizers=["example.com/hold"]), save={"rv": "metadata.resourceVersion"}
        ),
        watch("w", cms() + f"?{_W}&resourceVersion={{rv}}"),
        delete(cms("a")),
        patch(cms("a"), {"metadata": {"finalizers": None}}),
        collect("w", 2),
    ),
]
