"""410 after compaction: exact lists, continue tokens and watches below the compacted version."""

from __future__ import annotations

from conformance.differential.scenario import case, collect, compact, get, post, watch
from conformance.differential.scenarios.objects import cm, cms

SCENARIOS = [
    case(
        "compaction/gone-after-compaction",
        "after compaction: an exact list and a continue token below it get 410 Expired "
        "(the token's 410 carries a fresh one); a watch from before it",
        post(cms(), cm("a"), save={"rv1": "metadata.resourceVersion"}),
        post(cms(), cm("b")),
        post(cms(), cm("c")),
        get(cms() + "?limit=1", save={"c1": "metadata.continue"}),
        post(cms(), cm("d")),
        compact(cms()),
        get(cms() + "?resourceVersion={rv1}&resourceVersionMatch=Exact"),
        get(cms() + "?limit=1&continue={c1}", save={"c2": "metadata.continue"}),
        get(cms() + "?limit=1&continue={c2}"),
        get(cms() + "?resourceVersion={rv1}&limit=1"),
        watch("w", cms() + "?watch=1&timeoutSeconds=30&resourceVersion={rv1}"),
        collect("w", 3),
    ),
]
