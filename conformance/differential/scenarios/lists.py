"""LIST: resourceVersion and resourceVersionMatch, paging with continue tokens, tables."""

from __future__ import annotations

from conformance.differential.scenario import case, delete, get, post, put
from conformance.differential.scenarios.objects import cm, cms, pod, pods

_TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


#: A continue token as kube-apiserver encodes one (unpadded URL-safe base64 of
#: {"v":"meta.k8s.io/v1","rv":900000000,"start":"a\u0000"}), from a version not reached.
_FUTURE_CONTINUE = "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6OTAwMDAwMDAwLCJzdGFydCI6ImFcdTAwMDAifQ"


def _three() -> tuple[object, ...]:
    return (
        post(cms(), cm("a", labels={"x": "1"}), save={"rv1": "metadata.resourceVersion"}),
        post(cms(), cm("b", labels={"x": "2"}), save={"rv2": "metadata.resourceVersion"}),
        post(cms(), cm("c", labels={"x": "1"}), save={"rv3": "metadata.resourceVersion"}),
    )


SCENARIOS = [
    case("list/empty", "an empty collection", get(cms())),
    case(
        "list/sorted-by-name",
        "items come back in name order",
        post(cms(), cm("b")),
        post(cms(), cm("a")),
        get(cms()),
    ),
    case(
        "list/paging",
        "limit=1 pages with continue tokens and remainingItemCount",
        *_three(),
        get(cms() + "?limit=1", save={"c1": "metadata.continue"}),
        get(cms() + "?limit=1&continue={c1}", save={"c2": "metadata.continue"}),
        get(cms() + "?limit=1&continue={c2}"),
    ),
    case(
        "list/paging-is-a-snapshot",
        "later pages show the list as of the first page, despite writes in between",
        *_three(),
        get(cms() + "?limit=1", save={"c1": "metadata.continue"}),
        delete(cms("b")),
        post(cms(), cm("bb")),
        get(cms() + "?limit=5&continue={c1}"),
    ),
    case(
        "list/limit-larger-than-collection",
        "a limit above the count returns everything and no token",
        *_three(),
        get(cms() + "?limit=10"),
    ),
    case(
        "list/limit-with-selector",
        "a selector with a limit: no remainingItemCount",
        *_three(),
        get(cms() + "?limit=1&labelSelector=x%3D1"),
    ),
    case("list/limit-zero", "limit=0 means no limit", *_three(), get(cms() + "?limit=0")),
    case("list/limit-negative", "a negative limit", *_three(), get(cms() + "?limit=-1")),
    case("list/limit-not-a-number", "limit=abc", get(cms() + "?limit=abc")),
    case(
        "list/rv0-any-version",
        "resourceVersion=0 serves the cache and ignores limit",
        *_three(),
        get(cms()),  # a consistent read: the reference's watch cache has all three after it
        get(cms() + "?resourceVersion=0&limit=1"),
    ),
    case(
        "list/future-version",
        "a resourceVersion the server has not reached: waited for, then Too large",
        post(cms(), cm("a")),
        get(cms() + "?resourceVersion=900000000"),
    ),
    case(
        "list/future-version-exact",
        "resourceVersionMatch=Exact at a version the server has not reached",
        post(cms(), cm("a")),
        get(cms() + "?resourceVersion=900000000&resourceVersionMatch=Exact"),
    ),
    case(
        "list/future-version-continue",
        "a continue token from a version the server has not reached",
        post(cms(), cm("a")),
        post(cms(), cm("b")),
        get(cms() + f"?limit=1&continue={_FUTURE_CONTINUE}"),
    ),
    case(
        "list/exact-at-past-version",
        "resourceVersionMatch=Exact shows the collection as it was",
        *_three(),
        get(cms() + "?resourceVersion={rv2}&resourceVersionMatch=Exact"),
    ),
    case(
        "list/exact-after-delete",
        "Exact at a version before a delete still shows the object",
        *_three(),
        delete(cms("a")),
        get(cms() + "?resourceVersion={rv3}&resourceVersionMatch=Exact"),
    ),
    case(
        "list/legacy-exact-with-limit",
        "resourceVersion with a limit and no match is an exact read",
        *_three(),
        get(cms() + "?resourceVersion={rv2}&limit=5"),
    ),
    case(
        "list/not-older-than",
        "NotOlderThan at an older version returns the current state",
        *_three(),
        get(cms() + "?resourceVersion={rv1}&resourceVersionMatch=NotOlderThan"),
    ),
    case(
        "list/exact-without-resourceversion",
        "resourceVersionMatch without resourceVersion is Invalid",
        get(cms() + "?resourceVersionMatch=Exact"),
    ),
    case(
        "list/exact-at-zero",
        "Exact with resourceVersion=0 is Invalid",
        get(cms() + "?resourceVersion=0&resourceVersionMatch=Exact"),
    ),
    case(
        "list/unknown-match",
        "an unknown resourceVersionMatch value",
        get(cms() + "?resourceVersion=1&resourceVersionMatch=Sometimes"),
    ),
    case(
        "list/invalid-resourceversion", "resourceVersion=abc", get(cms() + "?resourceVersion=abc")
    ),
    case(
        "list/continue-with-resourceversion",
        "a continue token with a resourceVersion is refused",
        *_three(),
        get(cms() + "?limit=1", save={"c1": "metadata.continue"}),
        get(cms() + "?limit=1&continue={c1}&resourceVersion={rv1}"),
    ),
    case(
        "list/continue-with-match",
        "a continue token with resourceVersionMatch is refused",
        *_three(),
        get(cms() + "?limit=1", save={"c1": "metadata.continue"}),
        get(cms() + "?limit=1&continue={c1}&resourceVersionMatch=NotOlderThan"),
    ),
    case(
        "list/garbage-continue",
        "a continue token that is not base64",
        get(cms() + "?continue=%21%21%21"),
    ),
    case(
        "list/continue-wrong-version",
        "a continue token of an unknown version",
        get(cms() + "?continue=eyJ2IjoibWV0YS5rOHMuaW8vdjAiLCJydiI6MSwic3RhcnQiOiJhIn0"),
    ),
    case(
        "list/send-initial-events-on-list",
        "sendInitialEvents on a plain list is refused",
        get(cms() + "?sendInitialEvents=true"),
    ),
    case(
        "list/all-namespaces-by-label",
        "a cluster-wide list filtered to this namespace's label",
        post(cms(), cm("a", labels={"scenario": "{ns}"})),
        get("/api/v1/configmaps?labelSelector=scenario%3D{ns}"),
    ),
    case(
        "list/table",
        "a list as a Table has the kind's columns",
        post(pods(), pod("p")),
        get(pods(), accept=_TABLE),
    ),
    case(
        "list/table-configmaps",
        "ConfigMaps as a Table",
        post(cms(), cm("a", {"k": "v"})),
        get(cms(), accept=_TABLE),
    ),
    case(
        "list/after-update-order",
        "an update keeps list order by name and shows the new version",
        *_three(),
        put(cms("a"), cm("a", {"k": "v"}, labels={"x": "1"})),
        get(cms()),
    ),
]
