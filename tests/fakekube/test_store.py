"""Store semantics: object lifecycle, optimistic concurrency, binding, history."""

from __future__ import annotations

import orjson
import pytest

from fakekube.errors import AlreadyExists, BadRequest, Conflict, Expired, Invalid, NotFound, Timeout
from fakekube.store import Store


def pod(name: str, **labels: str) -> dict:
    return {
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]},
    }


@pytest.fixture
def store() -> Store:
    return Store()


def test_default_namespaces_exist_at_start(store: Store) -> None:
    names = [e.name for e in store.list("namespaces").items]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]


def test_create_sets_server_fields_and_global_resource_version(store: Store) -> None:
    before = store.resource_version
    created = store.create("pods", pod("a"))
    meta = created["metadata"]
    assert meta["resourceVersion"] == str(before + 1)
    assert meta["uid"] and meta["creationTimestamp"].endswith("Z")
    assert meta["generation"] == 1
    assert created["kind"] == "Pod" and created["apiVersion"] == "v1"
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    assert created["spec"]["schedulerName"] == "default-scheduler"
    node = store.create("nodes", {"metadata": {"name": "n1"}})
    assert int(node["metadata"]["resourceVersion"]) == before + 2


def test_create_with_generate_name_appends_five_characters(store: Store) -> None:
    created = store.create("pods", {"metadata": {"generateName": "web-"}, "spec": {}})
    name = created["metadata"]["name"]
    assert name.startswith("web-") and len(name) == len("web-") + 5


def test_a_generated_name_that_is_taken_is_drawn_again_up_to_eight_times(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # RetryGenerateName (GA in 1.32): 8 draws in all, then AlreadyExists.
    store.create("pods", pod("web-bbbbb"))
    draws = iter("b" * 5 * 7 + "c" * 5)
    monkeypatch.setattr(store._rng, "choice", lambda chars: next(draws))
    created = store.create("pods", {"metadata": {"generateName": "web-"}, "spec": {}})
    assert created["metadata"]["name"] == "web-ccccc"
    monkeypatch.setattr(store._rng, "choice", lambda chars: "b")
    with pytest.raises(AlreadyExists) as err:
        store.create("pods", {"metadata": {"generateName": "web-"}, "spec": {}})
    assert err.value.message == 'pods "web-bbbbb" already exists'


def test_a_long_generate_name_is_cut_to_leave_room_for_the_suffix(store: Store) -> None:
    created = store.create("pods", {"metadata": {"generateName": "x" * 70}, "spec": {}})
    name = created["metadata"]["name"]
    assert len(name) == 63 and name.startswith("x" * 58)


def test_create_twice_is_already_exists_with_the_real_message(store: Store) -> None:
    store.create("pods", pod("a"))
    with pytest.raises(AlreadyExists) as err:
        store.create("pods", pod("a"))
    assert err.value.message == 'pods "a" already exists'
    assert err.value.to_status()["details"] == {"name": "a", "kind": "pods"}


def test_create_in_a_missing_namespace_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound) as err:
        store.create("pods", pod("a"), namespace="nope")
    assert err.value.message == 'namespaces "nope" not found'


def test_invalid_name_is_422_with_a_field_cause(store: Store) -> None:
    with pytest.raises(Invalid) as err:
        store.create("pods", pod("Bad_Name"))
    status = err.value.to_status()
    assert status["code"] == 422
    assert status["message"].startswith(
        'Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": '
        "a lowercase RFC 1123 subdomain"
    )
    assert status["details"]["causes"][0]["field"] == "metadata.name"


def test_failed_create_leaves_store_unchanged(store: Store) -> None:
    rv = store.resource_version
    for bad in (pod("Bad_Name"), {"kind": "Node", "metadata": {"name": "x"}}):
        with pytest.raises((Invalid, BadRequest)):
            store.create("pods", bad)
    assert store.resource_version == rv
    assert store.count("pods") == 0


def test_update_with_stale_resource_version_is_conflict(store: Store) -> None:
    created = store.create("pods", pod("a"))
    store.update("pods", {**created, "metadata": {**created["metadata"], "labels": {"x": "1"}}})
    with pytest.raises(Conflict) as err:
        store.update("pods", created)
    assert err.value.message == (
        'Operation cannot be fulfilled on pods "a": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_update_that_changes_nothing_keeps_the_resource_version(store: Store) -> None:
    created = store.create("pods", pod("a"))
    again = store.update("pods", created)
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert store.resource_version == int(created["metadata"]["resourceVersion"])


def test_main_update_ignores_status_and_status_update_ignores_spec(store: Store) -> None:
    created = store.create("pods", pod("a"))
    changed = {**created, "status": {"phase": "Running"}}
    changed["spec"] = {**created["spec"], "activeDeadlineSeconds": 5}
    after = store.update("pods", changed)
    assert after["status"]["phase"] == "Pending"
    assert after["spec"]["activeDeadlineSeconds"] == 5
    assert after["metadata"]["generation"] == 2
    status_only = {**after, "status": {"phase": "Running"}, "spec": {"containers": []}}
    final = store.update("pods", status_only, subresource="status")
    # The QoS class is immutable: podStatusStrategy keeps it through status writes.
    assert final["status"] == {"phase": "Running", "qosClass": "BestEffort"}
    assert final["spec"]["activeDeadlineSeconds"] == 5
    assert final["metadata"]["generation"] == 2


def test_update_of_a_missing_object_is_not_found_unless_the_kind_allows_create(
    store: Store,
) -> None:
    with pytest.raises(NotFound):
        store.update("pods", pod("ghost"))
    event = {"metadata": {"name": "e1"}, "reason": "Test", "involvedObject": {"kind": "Pod"}}
    created = store.update("events", event)
    assert created["metadata"]["uid"]


def test_delete_with_finalizers_keeps_object_until_they_are_removed(store: Store) -> None:
    obj = pod("a")
    obj["metadata"]["finalizers"] = ["example.com/keep"]
    store.create("pods", obj)
    marked = store.delete("pods", "a")
    assert marked["metadata"]["deletionTimestamp"]
    assert store.get("pods", "a")["metadata"]["deletionTimestamp"]
    current = store.get("pods", "a")
    current["metadata"]["finalizers"] = []
    store.update("pods", current)
    assert store.try_get("pods", "a") is None


@pytest.mark.parametrize("finalizers", [[], ["example.com/keep"]])
def test_delete_leaves_the_previous_version_as_it_was(store: Store, finalizers: list) -> None:
    obj = pod("a")
    obj["metadata"]["finalizers"] = finalizers
    created = store.create("pods", obj)
    rv = created["metadata"]["resourceVersion"]
    store.delete("pods", "a")
    past = store.list("pods", resource_version=rv, resource_version_match="Exact").items[0]
    assert past.obj == created and orjson.loads(past.json()) == created


def test_delete_preconditions_are_checked(store: Store) -> None:
    store.create("pods", pod("a"))
    with pytest.raises(Conflict) as err:
        store.delete("pods", "a", preconditions={"uid": "other"})
    assert err.value.message.startswith(
        'Operation cannot be fulfilled on Pod "a": the UID in the precondition (other) does '
        "not match the UID in record ("
    )
    deleted = store.delete("pods", "a")
    assert deleted["metadata"]["name"] == "a"
    with pytest.raises(NotFound):
        store.delete("pods", "a")


def test_deleting_a_namespace_deletes_its_objects(store: Store) -> None:
    store.create("namespaces", {"metadata": {"name": "team"}})
    store.create("pods", pod("a"), namespace="team")
    store.create("pods", pod("b"))
    store.delete("namespaces", "team")
    assert [e.key for e in store.list("pods").items] == ["default/b"]


def test_bind_sets_node_and_condition_with_one_event(store: Store) -> None:
    created = store.create("pods", pod("a"))
    watcher = store.watch("pods", resource_version=created["metadata"]["resourceVersion"])
    store.bind(
        "default",
        "a",
        {
            "metadata": {"name": "a", "uid": created["metadata"]["uid"]},
            "target": {"kind": "Node", "name": "n1"},
        },
    )
    frames = watcher.drain()
    assert len(frames) == 1 and frames[0].startswith(b'{"type":"MODIFIED"')
    bound = store.get("pods", "a")
    assert bound["spec"]["nodeName"] == "n1"
    assert {"type": "PodScheduled", "status": "True"}.items() <= bound["status"]["conditions"][
        0
    ].items()


def test_bind_conflicts_when_already_bound_or_uid_differs(store: Store) -> None:
    store.create("pods", pod("a"))
    target = {"target": {"kind": "Node", "name": "n1"}}
    with pytest.raises(Conflict):
        store.bind("default", "a", {"metadata": {"name": "a", "uid": "wrong"}, **target})
    store.bind("default", "a", target)
    with pytest.raises(Conflict) as err:
        store.bind("default", "a", target)
    assert err.value.message == (
        'Operation cannot be fulfilled on pods/binding "a": pod a is already assigned to node "n1"'
    )
    with pytest.raises(NotFound):
        store.bind("default", "missing", target)


def test_bind_leaves_the_previous_version_as_it_was(store: Store) -> None:
    before = pod("a", app="web")
    before["metadata"]["annotations"] = {"keep": "1"}
    before["status"] = {"conditions": [{"type": "Ready", "status": "False"}]}
    created = store.create("pods", before, keep_status=True)
    rv = created["metadata"]["resourceVersion"]
    store.bind(
        "default",
        "a",
        {"metadata": {"name": "a", "annotations": {"added": "2"}}, "target": {"name": "n1"}},
    )
    past = store.list("pods", resource_version=rv, resource_version_match="Exact").items[0]
    assert orjson.loads(past.json()) == created
    assert past.obj == created
    bound = store.get("pods", "a")
    assert bound["metadata"]["annotations"] == {"keep": "1", "added": "2"}
    assert [c["type"] for c in bound["status"]["conditions"]] == ["Ready", "PodScheduled"]
    assert bound["metadata"]["labels"] == {"app": "web"}


def test_list_paginates_with_consistent_continue_tokens(store: Store) -> None:
    for i in range(5):
        store.create("pods", pod(f"p{i}"))
    first = store.list("pods", limit=2)
    assert [e.name for e in first.items] == ["p0", "p1"]
    assert first.remaining == 3 and first.continue_token
    store.create("pods", pod("p2a"))  # after the list's version: not in later pages
    second = store.list("pods", limit=2, continue_token=first.continue_token)
    assert [e.name for e in second.items] == ["p2", "p3"]
    assert second.rv == first.rv
    third = store.list("pods", limit=2, continue_token=second.continue_token)
    assert [e.name for e in third.items] == ["p4"] and third.continue_token == ""


def test_list_at_resource_version_zero_ignores_limit(store: Store) -> None:
    for i in range(3):
        store.create("pods", pod(f"p{i}"))
    result = store.list("pods", resource_version="0", limit=1)
    assert len(result.items) == 3 and result.continue_token == ""


def test_exact_list_shows_the_past_state(store: Store) -> None:
    a = store.create("pods", pod("a"))
    store.create("pods", pod("b"))
    store.delete("pods", "a")
    rv = a["metadata"]["resourceVersion"]
    past = store.list("pods", resource_version=rv, resource_version_match="Exact")
    assert [e.name for e in past.items] == ["a"] and past.rv == int(rv)


def test_continue_after_compaction_is_expired_with_a_fresh_token(store: Store) -> None:
    for i in range(3):
        store.create("pods", pod(f"p{i}"))
    first = store.list("pods", limit=1)
    store.create("pods", pod("later"))
    store.compact()
    with pytest.raises(Expired) as err:
        store.list("pods", limit=1, continue_token=first.continue_token)
    status = err.value.to_status()
    assert status["code"] == 410 and status["reason"] == "Expired"
    fresh = status["metadata"]["continue"]
    rest = store.list("pods", limit=10, continue_token=fresh)
    assert [e.name for e in rest.items] == ["p1", "p2"]


def test_too_large_resource_version_is_a_timeout_status(store: Store) -> None:
    with pytest.raises(Timeout) as err:
        store.list("pods", resource_version=str(store.resource_version + 10))
    status = err.value.to_status()
    assert status["code"] == 504
    assert status["details"]["causes"][0]["reason"] == "ResourceVersionTooLarge"


def test_resource_version_match_rules(store: Store) -> None:
    with pytest.raises(Invalid):
        store.list("pods", resource_version_match="Exact")
    with pytest.raises(Invalid):
        store.list("pods", resource_version="0", resource_version_match="Exact")
    token = store.list("pods", limit=1).continue_token or "x"
    with pytest.raises(BadRequest):
        store.list("pods", resource_version="5", continue_token=token)


def test_watch_replays_missed_events_in_order(store: Store) -> None:
    start = store.create("pods", pod("a"))["metadata"]["resourceVersion"]
    store.create("pods", pod("b"))
    store.delete("pods", "a")
    watcher = store.watch("pods", resource_version=start)
    frames = b"".join(watcher.drain())
    # Graceful pod deletion: the deletionTimestamp write, then the removal.
    assert frames.index(b'"ADDED"') < frames.index(b'"MODIFIED"') < frames.index(b'"DELETED"')
    assert frames.count(b"\n") == 3


def test_watch_from_compacted_version_is_expired(store: Store) -> None:
    start = store.create("pods", pod("a"))["metadata"]["resourceVersion"]
    store.create("pods", pod("b"))
    store.compact()
    with pytest.raises(Expired) as err:
        store.watch("pods", resource_version=start)
    assert err.value.message.startswith(f"too old resource version: {start} (")


def test_history_window_by_count_compacts_like_etcd() -> None:
    store = Store(history_max_events=3, namespaces=["default"])
    first = store.create("pods", pod("p0"))["metadata"]["resourceVersion"]
    for i in range(1, 6):
        store.create("pods", pod(f"p{i}"))
    with pytest.raises(Expired):
        store.watch("pods", resource_version=first)
    recent = str(store.resource_version - 2)
    assert len(store.watch("pods", resource_version=recent).drain()) == 2


def test_selector_transitions_become_added_and_deleted(store: Store) -> None:
    store.create("pods", pod("a"))
    watcher = store.watch(
        "pods",
        field_selector="status.phase!=Succeeded",
        resource_version=str(store.resource_version),
    )
    current = store.get("pods", "a")
    current["status"]["phase"] = "Succeeded"
    store.update("pods", current, subresource="status")
    frames = watcher.drain()
    assert len(frames) == 1 and frames[0].startswith(b'{"type":"DELETED"')
    assert b'"phase":"Pending"' in frames[0]  # previous content
    assert f'"resourceVersion":"{store.resource_version}"'.encode() in frames[0]
    labelled = store.watch(
        "pods", label_selector="app=web", resource_version=str(store.resource_version)
    )
    current = store.get("pods", "a")
    current["metadata"]["labels"] = {"app": "web"}
    store.update("pods", current)
    assert labelled.drain()[0].startswith(b'{"type":"ADDED"')


def test_send_initial_events_ends_with_annotated_bookmark(store: Store) -> None:
    store.create("pods", pod("a"))
    store.create("pods", pod("b"))
    watcher = store.watch(
        "pods",
        send_initial_events=True,
        resource_version_match="NotOlderThan",
        allow_bookmarks=True,
    )
    frames = watcher.drain()
    assert [f[:18] for f in frames[:2]] == [b'{"type":"ADDED","o'] * 2
    assert b'"k8s.io/initial-events-end":"true"' in frames[2]
    assert f'"resourceVersion":"{store.resource_version}"'.encode() in frames[2]


def test_send_initial_events_requires_not_older_than(store: Store) -> None:
    with pytest.raises(Invalid) as err:
        store.watch("pods", send_initial_events=True, allow_bookmarks=True)
    assert err.value.to_status()["details"]["kind"] == "ListOptions"
    assert err.value.to_status()["details"]["group"] == "meta.k8s.io"


def test_slow_watcher_is_closed_without_affecting_others(store: Store) -> None:
    slow = store.watch("pods", resource_version=str(store.resource_version), max_backlog=3)
    fast = store.watch("pods", resource_version=str(store.resource_version))
    for i in range(5):
        store.create("pods", pod(f"p{i}"))
    assert slow.closed and slow.overflowed
    assert len(fast.drain()) == 5
    assert slow not in store.watchers()


def test_each_event_is_serialized_once_for_all_watchers(store: Store) -> None:
    watchers = [store.watch("pods", resource_version=str(store.resource_version)) for _ in range(3)]
    store.create("pods", pod("a"))
    frames = [w.drain()[0] for w in watchers]
    assert frames[0] is frames[1] is frames[2]


def test_history_window_by_age_compacts_like_etcd() -> None:
    now = [0.0]
    store = Store(history_max_age=75.0, monotonic=lambda: now[0], namespaces=["default"])
    before = str(store.resource_version)
    store.create("pods", pod("p0"))
    now[0] = 60.0
    recent = store.create("pods", pod("p1"))["metadata"]["resourceVersion"]
    store.create("pods", pod("p2"))
    assert len(store.watch("pods", resource_version=before).drain()) == 3
    now[0] = 100.0  # p0's event is older than 75 s now: a watch needing it is too old
    with pytest.raises(Expired):
        store.watch("pods", resource_version=before)
    assert len(store.watch("pods", resource_version=recent).drain()) == 1


def test_too_large_resource_version_message_is_the_watch_caches(store: Store) -> None:
    ahead = store.resource_version + 10
    with pytest.raises(Timeout) as err:
        store.list("pods", resource_version=str(ahead), limit=5)
    assert err.value.message == (
        f"Timeout: Too large resource version: {ahead}, current: {store.resource_version}"
    )
    assert err.value.to_status()["details"]["retryAfterSeconds"] == 1


def test_thousand_watchers_share_one_frame_per_event(store: Store) -> None:
    rv = str(store.resource_version)
    watchers = [store.watch("pods", resource_version=rv) for _ in range(1000)]
    store.create("pods", pod("a"))
    store.delete("pods", "a")
    frames = [w.drain() for w in watchers]
    assert all(len(f) == 3 for f in frames)  # ADDED, MODIFIED (deletionTimestamp), DELETED
    assert all(all(a is b for a, b in zip(f, frames[0], strict=True)) for f in frames)


def test_watch_from_a_future_version_skips_events_up_to_it(store: Store) -> None:
    future = store.resource_version + 1
    watcher = store.watch("pods", resource_version=str(future))
    store.create("pods", pod("skipped"))
    store.create("pods", pod("seen"))
    (frame,) = watcher.drain()
    assert b'"name":"seen"' in frame
