"""The informer against fakekube over HTTP, with faults injected through ``cluster.faults``.

The last section runs lazy-object informers (``lazy=True``) through the same faults: the
same semantics, with objects decoded only when something reads past their metadata.

kubernetes-asyncio carries every request; the server is the real fake API server. The
informers run on a fake clock so backoffs and the watchdog take no wall time: a test
steps the clock when the reflector is waiting, and waits (with a timeout) for what the
server and the cache then show.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from fakekube import FakeCluster
from informers import DeletedFinalStateUnknown, LazyObject, Reflector, SharedIndexInformer
from informers.clock import FakeClock
from informers.factory import SharedInformerFactory
from informers.listwatch import ListWatch
from informers.store import Indexer


def pod(name: str, ns: str = "default", **labels: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def on_add(self, obj: dict[str, Any], initial: bool) -> None:
        self.events.append(("add-initial" if initial else "add", obj["metadata"]["name"]))

    def on_update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.events.append(("update", new["metadata"]["name"]))

    def on_delete(self, obj: Any) -> None:
        if isinstance(obj, DeletedFinalStateUnknown):
            self.events.append(("delete-unknown", obj.obj["metadata"]["name"]))
        else:
            self.events.append(("delete", obj["metadata"]["name"]))


def cache_equals_server(cluster: FakeCluster, informer: SharedIndexInformer) -> bool:
    server = {
        f"{p['metadata']['namespace']}/{p['metadata']['name']}": p["metadata"]["resourceVersion"]
        for p in cluster.store.list("pods").objects()
    }
    cached = {k: informer.indexer.get_by_key(k) for k in informer.indexer.list_keys()}
    return server == {k: o["metadata"]["resourceVersion"] for k, o in cached.items() if o}


def list_queries(cluster: FakeCluster) -> list[dict[str, str]]:
    return [dict(r.query) for r in cluster.requests(verb="list", resource="pods")]


def watch_queries(cluster: FakeCluster) -> list[dict[str, str]]:
    """Watches the server has started serving (logged when their headers go out)."""
    return [dict(r.query) for r in cluster.requests(verb="watch", resource="pods")]


def reflector_of(informer: SharedIndexInformer) -> Reflector:
    assert informer.reflector is not None
    return informer.reflector


class Harness:
    """One factory on a fake clock, one pods informer with a recording handler."""

    def __init__(
        self, cluster: FakeCluster, *, use_watch_list: bool = False, lazy: bool = False
    ) -> None:
        self.cluster = cluster
        self.clock = FakeClock()
        self.factory = SharedInformerFactory(
            cluster.api_client(), use_watch_list=use_watch_list, lazy=lazy, clock=self.clock
        )
        self.informer = self.factory.informer("pods")
        self.rec = Recorder()
        self.errors: list[BaseException] = []
        self.informer.add_event_handler(self.rec)
        self.informer.set_watch_error_handler(lambda _r, e: self.errors.append(e))

    @property
    def reflector(self) -> Reflector:
        return reflector_of(self.informer)

    async def start(self) -> None:
        await self.factory.start()
        assert list((await self.factory.wait_for_cache_sync(10)).values()) == [True]
        await self.watching()

    async def watching(self, n: int = 1) -> None:
        """Until the server has ``n`` open pod watches."""
        await self.cluster.wait_for(
            lambda: sum(w.rt.plural == "pods" for w in self.cluster.store.watchers()) == n
        )

    async def past_backoff(self) -> None:
        """Wait for the reflector to back off, then step the clock past the longest
        first-or-second backoff (0.8 s and 1.6 s, each plus up to 100% jitter)."""
        await self.cluster.wait_for(lambda: self.reflector.backoff.waiting)
        self.clock.step(3.2)

    def aged(self) -> None:
        """Let the current watch look older than a second (no "very short watch")."""
        self.clock.step(2.0)


@pytest.fixture(params=[False, True], ids=["list-watch", "streaming-list"])
async def harness(
    request: pytest.FixtureRequest, fake_cluster: FakeCluster
) -> AsyncIterator[Harness]:
    h = Harness(fake_cluster, use_watch_list=request.param)
    yield h
    await h.factory.shutdown()


@pytest.fixture
async def listwatch_harness(fake_cluster: FakeCluster) -> AsyncIterator[Harness]:
    h = Harness(fake_cluster)
    yield h
    await h.factory.shutdown()


async def test_first_sync_lists_at_zero_with_limit_500_then_watches_from_the_list_version(
    listwatch_harness: Harness,
) -> None:
    h = listwatch_harness
    for i in range(3):
        h.cluster.store.create("pods", pod(f"p{i}"))
    list_rv = str(h.cluster.store.resource_version)
    await h.start()
    assert list_queries(h.cluster) == [{"resourceVersion": "0", "limit": "500"}]
    assert h.informer.last_sync_resource_version == list_rv
    (watch,) = watch_queries(h.cluster)
    assert watch["watch"] == "true"
    assert watch["resourceVersion"] == list_rv
    assert watch["allowWatchBookmarks"] == "true"
    assert 300 <= int(watch["timeoutSeconds"]) < 600
    assert h.rec.events == [("add-initial", "p0"), ("add-initial", "p1"), ("add-initial", "p2")]


async def test_initial_sync_then_live_events_in_order(harness: Harness) -> None:
    h = harness
    for i in range(3):
        h.cluster.store.create("pods", pod(f"p{i}"))
    await h.start()
    h.cluster.store.create("pods", pod("late"))
    p = h.cluster.store.get("pods", "p1", namespace="default")
    p["metadata"]["labels"] = {"x": "y"}
    h.cluster.store.update("pods", p)
    h.cluster.store.delete("pods", "p0", namespace="default")
    # Deleting a pod writes its deletionTimestamp first (MODIFIED), then removes it.
    await h.cluster.wait_for(lambda: len(h.rec.events) == 7)
    assert h.rec.events == [
        ("add-initial", "p0"),
        ("add-initial", "p1"),
        ("add-initial", "p2"),
        ("add", "late"),
        ("update", "p1"),
        ("update", "p0"),
        ("delete", "p0"),
    ]
    assert cache_equals_server(h.cluster, h.informer)
    # The streaming list never LISTs: the initial state came on the watch itself.
    assert len(list_queries(h.cluster)) == (0 if h.factory.use_watch_list else 1)


async def test_bookmarks_advance_the_version_without_calling_handlers(
    fake_cluster: FakeCluster,
) -> None:
    # A pod in another namespace moves the version without any event for this informer:
    # only the server's bookmark (every 0.3 s in this suite) tells it.
    f = SharedInformerFactory(fake_cluster.api_client(), namespace="default")
    inf = f.informer("pods")
    rec = Recorder()
    inf.add_event_handler(rec)
    await f.start()
    await f.wait_for_cache_sync(5)
    fake_cluster.store.create("pods", pod("elsewhere", ns="kube-system"))
    rv = str(fake_cluster.store.resource_version)
    await fake_cluster.wait_for(lambda: inf.last_sync_resource_version == rv)
    assert rec.events == [] and len(inf.indexer) == 0
    await f.shutdown()


async def test_dropped_watches_resume_from_the_last_version_without_relisting(
    harness: Harness,
) -> None:
    h = harness
    h.cluster.store.create("pods", pod("a"))
    await h.start()
    lists = len(list_queries(h.cluster))
    for round_ in range(3):
        h.cluster.store.create("pods", pod(f"before-drop-{round_}"))
        await h.cluster.wait_for(lambda: cache_equals_server(h.cluster, h.informer))
        rv = h.informer.last_sync_resource_version
        h.aged()
        assert h.cluster.faults.drop_watches() == 1
        await h.watching()
        started = round_ + 2  # the first watch, then one per drop

        def rewatched(n: int = started) -> bool:
            return len(watch_queries(h.cluster)) == n

        await h.cluster.wait_for(rewatched)
        assert watch_queries(h.cluster)[-1]["resourceVersion"] == rv
    h.cluster.store.create("pods", pod("after-drops"))
    await h.cluster.wait_for(lambda: cache_equals_server(h.cluster, h.informer))
    assert len(list_queries(h.cluster)) == lists
    assert h.errors == [] and not h.reflector.backoff.waiting


async def relist_after_compaction_behind_the_watch(h: Harness) -> None:
    """Cut the watch, delete p1, add p9 and compact before the watch can resume: the
    version it resumes from is gone (410), so it must back off, relist, and infer the
    deletion it never saw."""
    h.aged()
    h.cluster.faults.drop_watches()
    h.cluster.store.delete("pods", "p1", namespace="default")
    h.cluster.store.create("pods", pod("p9"))
    h.cluster.faults.compact()
    await h.past_backoff()
    assert any(getattr(e, "code", None) == 410 for e in h.errors)
    await h.cluster.wait_for(lambda: cache_equals_server(h.cluster, h.informer))
    await h.cluster.wait_for(lambda: ("delete-unknown", "p1") in h.rec.events)
    assert ("add", "p9") in h.rec.events


async def test_forced_compaction_relists_and_delivers_missed_deletions_as_final_state_unknown(
    harness: Harness,
) -> None:
    h = harness
    for i in range(3):
        h.cluster.store.create("pods", pod(f"p{i}"))
    await h.start()
    last_rv = h.informer.last_sync_resource_version
    await relist_after_compaction_behind_the_watch(h)
    assert ("delete", "p1") not in h.rec.events
    tail = h.rec.events[3:]
    assert tail.index(("delete-unknown", "p1")) < tail.index(("add", "p9"))
    if not h.factory.use_watch_list:
        # The relist asks for the last version seen, unpaged (watch-cache friendly).
        assert list_queries(h.cluster)[1] == {"resourceVersion": last_rv}


async def test_too_many_requests_on_watch_start_backs_off_and_retries_without_relisting(
    listwatch_harness: Harness,
) -> None:
    h = listwatch_harness
    await h.start()
    throttle = h.cluster.faults.respond(429, verb="watch", resource="pods", times=2)
    h.aged()
    h.cluster.faults.drop_watches()
    await h.cluster.wait_for(lambda: throttle.hits == 1 and h.reflector.backoff.waiting)
    h.clock.step(1.6)  # a 0.8-1.6 s backoff (Retry-After: 1 s is shorter)
    await h.cluster.wait_for(lambda: throttle.hits == 2 and h.reflector.backoff.waiting)
    h.clock.step(3.2)
    await h.watching()
    h.cluster.store.create("pods", pod("after"))
    await h.cluster.wait_for(lambda: cache_equals_server(h.cluster, h.informer))
    assert len(list_queries(h.cluster)) == 1  # no relist
    assert h.errors == []  # retried inside the round: nothing ended it


async def test_internal_error_on_list_is_reported_and_retried_after_backoff(
    listwatch_harness: Harness,
) -> None:
    h = listwatch_harness
    h.cluster.store.create("pods", pod("a"))
    fault = h.cluster.faults.respond(500, verb="list", resource="pods", times=1)
    await h.factory.start()
    await h.past_backoff()
    assert await h.factory.wait_for_cache_sync(10) == {"pods": True}
    assert fault.hits == 1
    assert [getattr(e, "code", None) for e in h.errors] == [500]
    assert len(list_queries(h.cluster)) == 2
    assert h.rec.events == [("add-initial", "a")]


async def test_stalled_watch_is_restarted_by_the_inactivity_watchdog(
    listwatch_harness: Harness,
) -> None:
    h = listwatch_harness
    await h.start()
    # The server has the watch before the client reads its headers: the watchdog's
    # deadline is only set once the client side is watching too.
    await h.cluster.wait_for(lambda: h.clock.has_waiters())
    stall = h.cluster.faults.stall_watches()
    h.cluster.store.create("pods", pod("during-stall"))
    h.clock.step(179.0)
    await h.cluster.wait_for(lambda: h.clock.has_waiters())
    assert h.reflector.stalls == 0
    h.clock.step(1.0)  # 180 s without a byte, not even a bookmark: restart the watch
    await h.cluster.wait_for(lambda: h.reflector.stalls == 1)
    await h.cluster.wait_for(lambda: len(watch_queries(h.cluster)) == 2)  # a new watch
    stall.undo()
    await h.cluster.wait_for(lambda: cache_equals_server(h.cluster, h.informer))
    assert len(list_queries(h.cluster)) == 1  # resumed, not relisted


async def test_refused_connection_on_watch_start_backs_off_and_retries_the_watch(
    listwatch_harness: Harness,
) -> None:
    h = listwatch_harness
    await h.start()
    h.aged()
    down = h.cluster.faults.unreachable()  # cuts the open watch, refuses new connections
    await h.cluster.wait_for(lambda: h.reflector.backoff.waiting)
    assert h.reflector.watches >= 2  # the cut watch, then a refused retry
    down.undo()
    h.clock.step(3.2)
    await h.watching()
    h.cluster.store.create("pods", pod("after"))
    await h.cluster.wait_for(lambda: cache_equals_server(h.cluster, h.informer))
    assert len(list_queries(h.cluster)) == 1  # no relist: the watch resumed


async def test_quorum_relist_follows_continue_and_an_expired_token_means_one_full_list(
    fake_cluster: FakeCluster,
) -> None:
    # A LIST at the last version is refused with 410 (an etcd-served list would say so);
    # the quorum read at "" then fails with a 500, so the next round lists at "" paged;
    # history is compacted between its pages, so page 2's token has expired and the
    # pager falls back to one unpaged list. Every step is a fault the server injects.
    cluster = fake_cluster
    for i in range(1100):
        cluster.store.create("pods", pod(f"p{i:04}"))

    class CompactBetweenPages(ListWatch):
        async def list(self, **params: str) -> dict[str, Any]:
            page = await super().list(**params)
            if params.get("limit") and (page.get("metadata") or {}).get("continue"):
                cluster.store.create("pods", pod(f"between-{len(cluster.requests())}"))
                cluster.faults.compact()
            return page

    clock = FakeClock()
    inf = SharedIndexInformer(
        CompactBetweenPages(cluster.api_client(), "pods"), kind="Pod", clock=clock
    )
    await inf.start()
    assert await inf.wait_for_sync(10)
    reflector = reflector_of(inf)
    try:
        await cluster.wait_for(lambda: len(cluster.store.watchers()) == 1)
        last_rv = inf.last_sync_resource_version
        cluster.faults.respond(410, verb="list", resource="pods", times=1)
        cluster.faults.respond(500, verb="list", resource="pods", times=1)
        clock.step(2.0)
        cluster.faults.drop_watches()
        cluster.store.create("pods", pod("p9999"))
        cluster.faults.compact()  # so the resumed watch gets 410 and the round ends
        for n in (1, 2):  # after the watch's 410, after the list's 500

            def backing_off(n: int = n) -> bool:
                return reflector.backoff.waits == n

            await cluster.wait_for(backing_off)
            clock.step(3.2)
        await cluster.wait_for(lambda: len(list_queries(cluster)) == 6)
        queries = list_queries(cluster)
        assert queries[1:3] == [{"resourceVersion": last_rv}, {}]  # 410, then "" (500)
        assert queries[3] == {"limit": "500"}  # the next round: "" paged
        assert queries[4]["limit"] == "500" and queries[4]["continue"]  # expired token
        assert queries[5] == {}  # one full list at the original ("") version
        await cluster.wait_for(lambda: cache_equals_server(cluster, inf))
        assert len(inf.indexer) == cluster.store.count("pods") > 1101
    finally:
        await inf.stop()


async def test_label_selected_informer_sees_selector_transitions_as_add_and_delete(
    fake_cluster: FakeCluster,
) -> None:
    f = SharedInformerFactory(fake_cluster.api_client())
    inf = f.informer("pods", label_selector="tier=web")
    rec = Recorder()
    inf.add_event_handler(rec)
    await f.start()
    await f.wait_for_cache_sync(5)
    fake_cluster.store.create("pods", pod("p", tier="db"))
    for tier in ("web", "db"):
        p = fake_cluster.store.get("pods", "p", namespace="default")
        p["metadata"]["labels"]["tier"] = tier
        fake_cluster.store.update("pods", p)
    await fake_cluster.wait_for(lambda: len(rec.events) == 2)
    assert rec.events == [("add", "p"), ("delete", "p")]
    await f.shutdown()


# -- lazy objects ---------------------------------------------------------------------------


@pytest.fixture(params=[False, True], ids=["list-watch", "streaming-list"])
async def lazy_harness(
    request: pytest.FixtureRequest, fake_cluster: FakeCluster
) -> AsyncIterator[Harness]:
    h = Harness(fake_cluster, use_watch_list=request.param, lazy=True)
    yield h
    await h.factory.shutdown()


def cached(h: Harness) -> dict[str, Any]:
    return {k: h.informer.indexer.get_by_key(k) for k in h.informer.indexer.list_keys()}


async def test_factory_lazy_option_makes_lazy_informers_and_refuses_models(
    fake_cluster: FakeCluster,
) -> None:
    api = fake_cluster.api_client()
    factory = SharedInformerFactory(api, lazy=True)
    pods = factory.informer("pods")
    assert isinstance(pods.lw, ListWatch) and pods.lw.lazy
    assert factory.informer("pods") is pods
    plain = factory.informer("pods", lazy=False)
    assert plain is not pods and isinstance(plain.lw, ListWatch) and not plain.lw.lazy
    assert list(factory.informers) == ["pods[lazy]", "pods"]
    default = SharedInformerFactory(api).informer("pods")
    assert isinstance(default.lw, ListWatch) and not default.lw.lazy
    with pytest.raises(ValueError, match="cannot be combined"):
        SharedInformerFactory(api, models=True, lazy=True)
    with pytest.raises(ValueError, match="cannot be combined"):
        factory.informer("nodes", models=True)
    await factory.shutdown()


async def test_lazy_informer_syncs_watches_and_serves_listers_without_decoding(
    lazy_harness: Harness,
) -> None:
    h = lazy_harness
    h.informer.add_indexers({"app": lambda o: [o["metadata"]["labels"].get("app", "")]})
    transformed: list[type] = []

    def transform(obj: Any) -> Any:
        transformed.append(type(obj))
        return obj

    h.informer.set_transform(transform)
    h.cluster.store.create("pods", pod("a", app="web"))
    h.cluster.store.create("pods", pod("b", ns="kube-system", app="db"))
    await h.start()
    h.cluster.store.create("pods", pod("c", app="web"))
    p = h.cluster.store.get("pods", "a", namespace="default")
    p["metadata"]["labels"] = {"app": "web", "tier": "front"}
    h.cluster.store.update("pods", p)
    await h.cluster.wait_for(lambda: cache_equals_server(h.cluster, h.informer))
    await h.cluster.wait_for(lambda: ("update", "a") in h.rec.events)
    assert h.rec.events[:3] == [("add-initial", "a"), ("add-initial", "b"), ("add", "c")]
    assert set(transformed) == {LazyObject}
    objs = cached(h)
    assert all(type(o) is LazyObject for o in objs.values())
    lister = h.factory.lister("pods")
    assert lister.get("kube-system", "b")["metadata"]["name"] == "b"
    assert [o["metadata"]["name"] for o in lister.list("tier=front")] == ["a"]
    assert [o["metadata"]["name"] for o in lister.namespace("default").list()] == ["a", "c"]
    assert h.informer.indexer.index_keys("app", "web") == ["default/a", "default/c"]
    assert not any(o.decoded for o in objs.values())
    # Reading past the metadata decodes that one object, and gives what the server holds.
    a = lister.get("default", "a")
    assert a["spec"]["containers"][0]["image"] == "busybox" and a.decoded
    assert a["kind"] == "Pod" and a["apiVersion"] == "v1"
    assert a.to_dict() == h.cluster.store.get("pods", "a", namespace="default")
    assert [o.decoded for o in objs.values()].count(True) == 1


async def test_lazy_informer_after_forced_compaction_matches_the_server_with_lazy_tombstones(
    lazy_harness: Harness,
) -> None:
    h = lazy_harness
    tombstones: list[Any] = []
    h.informer.add_event_handler(on_delete=tombstones.append)
    for i in range(3):
        h.cluster.store.create("pods", pod(f"p{i}"))
    await h.start()
    last_p1 = h.informer.indexer.get_by_key("default/p1")
    await relist_after_compaction_behind_the_watch(h)
    tomb = next(t for t in tombstones if isinstance(t, DeletedFinalStateUnknown))
    assert tomb.key == "default/p1" and tomb.obj is last_p1 and type(tomb.obj) is LazyObject
    rv = str(h.cluster.store.resource_version)
    await h.cluster.wait_for(lambda: h.informer.last_sync_resource_version == rv)
    server = {f"default/{p['metadata']['name']}": p for p in h.cluster.store.list("pods").objects()}
    assert cached(h) == server  # whole objects, not only versions


async def test_relist_of_unchanged_lazy_objects_decodes_none_of_them(
    fake_cluster: FakeCluster,
) -> None:
    h = Harness(fake_cluster, lazy=True)
    try:
        for i in range(3):
            h.cluster.store.create("pods", pod(f"p{i}"))
        await h.start()
        before = cached(h)
        # A change elsewhere moves the version; compacting past it forces a relist in
        # which every pod is unchanged.
        h.cluster.store.create("namespaces", {"metadata": {"name": "elsewhere"}})
        h.aged()
        h.cluster.faults.drop_watches()
        h.cluster.faults.compact()
        await h.past_backoff()

        def relisted() -> bool:
            now = cached(h)
            return now.keys() == before.keys() and all(now[k] is not before[k] for k in now)

        await h.cluster.wait_for(relisted)
        await h.cluster.wait_for(h.informer.quiescent)
        after = cached(h)
        assert len(list_queries(h.cluster)) >= 2 and h.errors
        assert not any(o.decoded for o in [*before.values(), *after.values()])
        # Unchanged resourceVersions: no handler without a due resync heard of it.
        assert h.rec.events == [("add-initial", f"p{i}") for i in range(3)]
    finally:
        await h.factory.shutdown()


async def test_lazy_reflector_follows_continue_into_lazy_list_items(
    fake_cluster: FakeCluster,
) -> None:
    for i in range(5):
        fake_cluster.store.create("pods", pod(f"p{i}"))
    # A list at "0" is served whole (as from a watch cache); after its 410 the quorum
    # read at "" is paged.
    fake_cluster.faults.respond(410, verb="list", resource="pods", times=1)
    store = Indexer()
    lw = ListWatch(fake_cluster.api_client(), "pods", lazy=True)
    reflector = Reflector(lw, store, expected_kind="Pod", page_size=2, clock=FakeClock())
    task = asyncio.create_task(reflector.run())
    try:
        await fake_cluster.wait_for(lambda: len(fake_cluster.store.watchers()) == 1)
        queries = list_queries(fake_cluster)
        assert [q.get("limit") for q in queries] == ["2", "2", "2", "2"]
        assert "continue" not in queries[1] and all(q["continue"] for q in queries[2:])
        objs = store.list()
        assert sorted(o["metadata"]["name"] for o in objs) == [f"p{i}" for i in range(5)]
        assert all(type(o) is LazyObject and not o.decoded for o in objs)
        assert all(o["kind"] == "Pod" and o["apiVersion"] == "v1" for o in objs)
        assert reflector.last_sync_resource_version == str(fake_cluster.store.resource_version)
        # A live event after the paged list arrives lazy too.
        fake_cluster.store.create("pods", pod("late"))
        await fake_cluster.wait_for(lambda: "default/late" in store)
        assert type(store.get_by_key("default/late")) is LazyObject
    finally:
        await reflector.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_lazy_bookmarks_advance_the_version_without_calling_handlers(
    fake_cluster: FakeCluster,
) -> None:
    f = SharedInformerFactory(fake_cluster.api_client(), namespace="default", lazy=True)
    inf = f.informer("pods")
    rec = Recorder()
    inf.add_event_handler(rec)
    await f.start()
    assert await f.wait_for_cache_sync(5) == {"pods[lazy]?namespace=default": True}
    fake_cluster.store.create("pods", pod("elsewhere", ns="kube-system"))
    rv = str(fake_cluster.store.resource_version)
    await fake_cluster.wait_for(lambda: inf.last_sync_resource_version == rv)
    assert rec.events == [] and len(inf.indexer) == 0
    await f.shutdown()
