"""The single source of truth: objects, the global resourceVersion, history and watchers.

Everything that changes cluster state (HTTP handlers, the Batsim sync, tests seeding a
fixture) goes through :class:`Store`. It is synchronous and does no I/O: a write is one
uninterrupted step that bumps the global counter, records the event and offers it to
every watcher, so event order is exactly resourceVersion order and the simulation can
change state without a request round trip. The semantics follow kube-apiserver's generic
registry (``k8s.io/apiserver/pkg/registry/generic/registry/store.go``) and etcd3 storage.
"""

from __future__ import annotations

import bisect
import random
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from fakekube import crds, defaults, patch
from fakekube.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Expired,
    NotFound,
    TooLargeResourceVersion,
    UnreasonedError,
)
from fakekube.registry import DEFAULT_NAMESPACES, Registry, ResourceType
from fakekube.selectors import (
    FieldSelector,
    LabelSelector,
    parse_field_selector,
    parse_label_selector,
)
from fakekube.store.entry import ADDED, DELETED, MODIFIED, Entry, Event
from fakekube.store.history import History, Snapshot
from fakekube.store.list_options import (
    UnknownServerError,
    decode_continue,
    encode_continue,
    parse_resource_version,
    validate,
    watch_defaults,
)
from fakekube.validation import validate_metadata
from fakekube.watch import Watcher

__all__ = ["ListResult", "Store", "decode_continue", "encode_continue"]

_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apiserver/pkg/storage/names
#: genericregistry.Store's maxNameGenerationCreateAttempts.
_NAME_GENERATION_ATTEMPTS = 8
_SERVER_META = (
    "uid",
    "creationTimestamp",
    "generation",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)

#: ObjectMeta fields that are ``omitempty`` in Go: an empty one is not stored.
_OMIT_EMPTY = ("labels", "annotations", "finalizers", "ownerReferences")

ResourceRef = ResourceType | str


@dataclass
class ListResult:
    """One LIST page: the items as stored entries plus the list metadata."""

    rt: ResourceType
    rv: int
    items: list[Entry]
    continue_token: str = ""
    remaining: int | None = None

    def objects(self) -> list[dict[str, Any]]:
        """Deep copies of the items, each with ``kind`` and ``apiVersion``."""
        return [orjson.loads(e.json()) for e in self.items]


class _Table:
    __slots__ = ("history", "objects", "rt", "watchers")

    def __init__(self, rt: ResourceType, history: History) -> None:
        self.rt = rt
        self.objects: dict[str, Entry] = {}
        self.history = history
        self.watchers: set[Watcher] = set()


def _copy(obj: Any) -> Any:
    try:
        return orjson.loads(orjson.dumps(obj))
    except (TypeError, orjson.JSONEncodeError) as exc:
        raise BadRequest(f"object is not valid JSON: {exc}") from None


#: Resources whose etcd key prefix is not their plural (kubernetes/kubernetes
#: ``pkg/registry/*/*/storage``: ``/registry/minions`` for nodes, and so on).
_STORAGE_PREFIX = {
    ("", "nodes"): "minions",
    ("", "services"): "services/specs",
    ("", "endpoints"): "services/endpoints",
    ("", "replicationcontrollers"): "controllers",
}


def _storage_key(rt: ResourceType, namespace: str | None, name: str) -> str:
    """The etcd key kube-apiserver stores an object under (quoted in StorageErrors)."""
    prefix = _STORAGE_PREFIX.get((rt.group, rt.plural), rt.plural)
    if rt.custom:
        prefix = f"{rt.group}/{rt.plural}"
    scope = f"{namespace}/" if rt.namespaced and namespace else ""
    return f"/registry/{prefix}/{scope}{name}"


def _key(namespace: str | None, name: str) -> str:
    return f"{namespace}/{name}" if namespace else name


def _normalized(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    """kind, apiVersion, metadata first, as Go's struct order serializes them."""
    out: dict[str, Any] = {
        "kind": rt.kind,
        "apiVersion": rt.api_version,
        "metadata": obj.get("metadata") or {},
    }
    for k, v in obj.items():
        if k not in out:
            out[k] = v
    meta = out["metadata"]
    for k in _OMIT_EMPTY:
        if k in meta and not meta[k]:
            del meta[k]
    defaults.on_write(rt, out)
    return out


class Store:
    """Objects of every registered resource, versioned by one global counter.

    ``clock`` gives the wall time stamped into objects (the simulation passes simulated
    time); ``monotonic`` ages history. Returned objects are copies: mutate freely.
    """

    def __init__(
        self,
        registry: Registry | None = None,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        history_max_events: int = 102_400,
        history_max_age: float | None = 300.0,
        max_watch_backlog: int = 100_000,
        namespaces: Iterable[str] = DEFAULT_NAMESPACES,
        uid_factory: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.registry = registry or Registry()
        self.clock = clock
        self._now_second: int | None = None
        self._now_text = ""
        self.monotonic = monotonic
        self.history_max_events = history_max_events
        self.history_max_age = history_max_age
        self.max_watch_backlog = max_watch_backlog
        self.uid_factory = uid_factory
        self._rng = random.Random()
        self._rv = 0
        self._tables: dict[tuple[str, str], _Table] = {}
        self._listeners: list[Callable[[Event], None]] = []
        #: The highest forced compaction: a resource first touched later has no event
        #: before its creation, so its history is complete from here, not from now.
        self._compacted = 0
        for ns in namespaces:
            self.create("namespaces", {"metadata": {"name": ns}})
        crds.serve(self)

    # -- bookkeeping -----------------------------------------------------------------
    @property
    def resource_version(self) -> int:
        """The newest resourceVersion handed out (0 before any write)."""
        return self._rv

    def resource(self, ref: ResourceRef) -> ResourceType:
        if isinstance(ref, ResourceType):
            return ref
        try:
            return self.registry.resolve(ref)
        except KeyError:
            raise NotFound.path() from None

    def _table(self, rt: ResourceType) -> _Table:
        table = self._tables.get((rt.group, rt.plural))
        if table is None:
            history = History(
                max_events=self.history_max_events,
                max_age=self.history_max_age,
                monotonic=self.monotonic,
            )
            table = _Table(rt, history)
            history.compacted_rv = self._compacted
            self._tables[(rt.group, rt.plural)] = table
        return table

    def now(self) -> str:
        """The current (possibly simulated) time as metav1.Time: RFC 3339, seconds.

        Formatted once per second of the clock: every create and binding stamps a time.
        """
        second = round(self.clock() * 1_000_000) // 1_000_000  # as fromtimestamp rounds
        if second != self._now_second:
            self._now_second = second
            self._now_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return self._now_text

    def add_listener(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``listener`` synchronously after every committed change; returns an undo."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _commit(
        self,
        table: _Table,
        key: str,
        obj: dict[str, Any] | None,
        etype: str,
        prev: Entry | None,
    ) -> Entry:
        self._rv += 1
        rv = self._rv
        if etype == DELETED:
            assert prev is not None
            entry = prev.with_rv(rv)
            del table.objects[key]
        else:
            assert obj is not None
            obj["metadata"]["resourceVersion"] = str(rv)
            entry = Entry(table.rt, key, obj, rv)
            table.objects[key] = entry
        event = Event(etype, entry, prev)
        table.history.append(event)
        for watcher in list(table.watchers):
            watcher.offer(event)
        for listener in list(self._listeners):
            listener(event)
        return entry

    def _entry(self, rt: ResourceType, namespace: str | None, name: str) -> Entry:
        entry = self._table(rt).objects.get(_key(namespace if rt.namespaced else None, name))
        if entry is None:
            raise NotFound.object(rt.plural, rt.group, name)
        return entry

    def _scope(self, rt: ResourceType, namespace: str | None) -> str | None:
        return (namespace or "default") if rt.namespaced else None

    # -- reads -----------------------------------------------------------------------
    def get_entry(self, ref: ResourceRef, name: str, namespace: str | None = None) -> Entry:
        rt = self.resource(ref)
        return self._entry(rt, self._scope(rt, namespace), name)

    def get(self, ref: ResourceRef, name: str, namespace: str | None = None) -> dict[str, Any]:
        """A copy of the object, or :class:`NotFound`."""
        return orjson.loads(self.get_entry(ref, name, namespace).json())

    def try_get(
        self, ref: ResourceRef, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        try:
            return self.get(ref, name, namespace)
        except NotFound:
            return None

    def count(self, ref: ResourceRef) -> int:
        return len(self._table(self.resource(ref)).objects)

    # -- create ----------------------------------------------------------------------
    def create(
        self,
        ref: ResourceRef,
        obj: Mapping[str, Any],
        *,
        namespace: str | None = None,
        dry_run: bool = False,
        keep_status: bool = False,
    ) -> dict[str, Any]:
        """Create an object as POST does: names, uid, timestamps, defaults, validation.

        ``namespace`` is the request's namespace (the URL's); the body's must agree.
        ``keep_status`` keeps a supplied status that the API would reset (seeding).
        """
        entry = self.create_entry(
            ref, _copy(obj), namespace=namespace, dry_run=dry_run, keep_status=keep_status
        )
        return orjson.loads(entry.json())  # type: ignore[no-any-return]

    def create_entry(
        self,
        ref: ResourceRef,
        new: Any,
        *,
        namespace: str | None = None,
        dry_run: bool = False,
        keep_status: bool = False,
    ) -> Entry:
        """:meth:`create` for the API server, which has the answer's bytes to send: the
        stored :class:`Entry` (a dry run's is not stored). ``new`` is the caller's to give
        away (a freshly decoded body): it is changed and kept, not copied."""
        rt = self.resource(ref)
        if not isinstance(new, dict):
            raise BadRequest(f"the body of the request must be a {rt.kind} object")
        self._check_type(rt, new)
        meta = new.get("metadata")
        if meta is None:
            meta = new["metadata"] = {}
        if not isinstance(meta, dict):
            raise BadRequest("metadata must be an object")
        if rt.namespaced:
            body_ns = meta.get("namespace")
            if namespace and body_ns and body_ns != namespace:
                raise BadRequest(
                    "the namespace of the provided object does not match the namespace "
                    "sent on the request"
                )
            meta["namespace"] = namespace or body_ns or "default"
        else:
            meta.pop("namespace", None)
        if meta.get("resourceVersion"):
            # A plain error in the registry's BeforeCreate: a reasonless 500 upstream.
            raise UnreasonedError("resourceVersion should not be set on objects to be created")
        generate = not meta.get("name") and meta.get("generateName")
        if generate:
            meta["name"] = self._generate_name(str(generate))
        validate_metadata(rt.kind, rt.group, new, namespaced=rt.namespaced)
        ns = meta.get("namespace") if rt.namespaced else None
        if rt.namespaced and ns not in self._table(self.resource("namespaces")).objects:
            raise NotFound.object("namespaces", "", str(ns))
        table = self._table(rt)
        key = _key(ns, meta["name"])
        attempts = 1
        while key in table.objects:
            # RetryGenerateName (GA in 1.32): a generated name that is taken is drawn
            # again, up to 8 attempts in all, before the create fails as AlreadyExists.
            if not generate or attempts >= _NAME_GENERATION_ATTEMPTS:
                raise AlreadyExists.object(rt.plural, rt.group, meta["name"])
            meta["name"] = self._generate_name(str(generate))
            key = _key(ns, meta["name"])
            attempts += 1
        for field in _SERVER_META:
            meta.pop(field, None)
        meta["uid"] = self.uid_factory()
        meta["creationTimestamp"] = self.now()
        if rt.tracks_generation:
            meta["generation"] = 1
        defaults.on_create(rt, new, self, keep_status=keep_status)
        new = _normalized(rt, new)
        if dry_run:
            # Never written, so no resourceVersion (etcd3's dry-run Create returns none).
            return Entry(rt, key, new, 0)
        return self._commit(table, key, new, ADDED, None)

    def _generate_name(self, prefix: str) -> str:
        # names.SimpleNameGenerator: the prefix, cut to 58 characters so that the name fits
        # in 63, and 5 random characters.
        return prefix[:58] + "".join(self._rng.choice(_NAME_CHARS) for _ in range(5))

    def _check_type(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        kind, api_version = obj.get("kind"), obj.get("apiVersion")
        if api_version and api_version != rt.api_version:
            raise BadRequest(
                f"the API version in the data ({api_version}) does not match the expected "
                f"API version ({rt.api_version})"
            )
        if kind and kind != rt.kind:
            raise BadRequest(
                f'{kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                f"the kind in the data ({kind}) does not match the expected kind ({rt.kind})"
            )

    # -- update / patch --------------------------------------------------------------
    def update(
        self,
        ref: ResourceRef,
        obj: Mapping[str, Any],
        *,
        name: str | None = None,
        namespace: str | None = None,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """PUT: optimistic concurrency on ``metadata.resourceVersion``; status split."""
        rt = self.resource(ref)
        new = _copy(obj)
        if not isinstance(new, dict):
            raise BadRequest(f"the body of the request must be a {rt.kind} object")
        self._check_type(rt, new)
        meta = new.get("metadata")
        if not isinstance(meta, dict):
            meta = new["metadata"] = {}
        body_name = meta.get("name")
        name = name or body_name
        if not name:
            raise BadRequest("name is required")
        if body_name and body_name != name:
            raise BadRequest(
                f"the name of the object ({body_name}) does not match the name on the URL ({name})"
            )
        meta["name"] = name
        ns = self._scope(rt, namespace or meta.get("namespace"))
        if rt.namespaced:
            if namespace and meta.get("namespace") and meta["namespace"] != namespace:
                raise BadRequest(
                    "the namespace of the provided object does not match the namespace "
                    "sent on the request"
                )
            meta["namespace"] = ns
        table = self._table(rt)
        key = _key(ns, name)
        old = table.objects.get(key)
        if old is None:
            if rt.create_on_update and subresource is None:
                meta.pop("resourceVersion", None)
                return self.create(rt, new, namespace=ns, dry_run=dry_run)
            raise NotFound.object(rt.plural, rt.group, name)
        rv = meta.get("resourceVersion")
        if rv and str(rv) != str(old.rv):
            raise Conflict.stale(rt.plural, rt.group, name)
        uid = meta.get("uid")
        if uid and uid != old.obj["metadata"].get("uid"):
            # GuaranteedUpdate's UID precondition: etcd3's invalid-object StorageError.
            raise Conflict.object(
                rt.plural,
                rt.group,
                name,
                f"StorageError: invalid object, Code: 4, Key: {_storage_key(rt, ns, name)}, "
                f"ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in "
                f"precondition: {uid}, UID in object meta: {old.obj['metadata'].get('uid')}",
            )
        return self._replace(table, old, new, subresource, dry_run=dry_run)

    def patch(
        self,
        ref: ResourceRef,
        name: str,
        patch_type: str,
        body: Any,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """PATCH with any of the three patch types (``fakekube.patch``) on the stored object."""
        rt = self.resource(ref)
        old = self._entry(rt, self._scope(rt, namespace), name)
        doc = orjson.loads(old.json())
        patched = patch.apply_patch(patch_type, doc, body, patch_schema_for(rt))
        if not isinstance(patched, dict):
            raise BadRequest("the patch must produce an object")
        meta = patched.get("metadata")
        if not isinstance(meta, dict):
            raise BadRequest("metadata must be an object")
        if meta.get("name") != name:
            raise BadRequest(
                f"the name of the object ({meta.get('name')}) does not match the name on the "
                f"URL ({name})"
            )
        rv = meta.get("resourceVersion")
        if rv and str(rv) != str(old.rv):
            raise Conflict.stale(rt.plural, rt.group, name)
        self._check_type(rt, patched)
        return self._replace(self._table(rt), old, patched, subresource, dry_run=dry_run)

    def _replace(
        self,
        table: _Table,
        old: Entry,
        new: dict[str, Any],
        subresource: str | None,
        *,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        rt = table.rt
        prev = old.obj
        if subresource == "status":
            merged = {k: v for k, v in prev.items() if k != "status"}
            if "status" in new:
                merged["status"] = new["status"]
            new = _copy(merged)
            qos = (prev.get("status") or {}).get("qosClass")
            if (
                rt.plural == "pods"
                and rt.group == ""
                and qos
                and isinstance(new.get("status"), dict)
            ):
                new["status"]["qosClass"] = qos  # podStatusStrategy keeps it: it is immutable
        elif subresource == "finalize":
            # namespaces/finalize changes spec.finalizers and nothing else.
            merged = _copy(prev)
            finalizers = (new.get("spec") or {}).get("finalizers")
            spec = merged.setdefault("spec", {})
            if finalizers:
                spec["finalizers"] = finalizers
            else:
                spec.pop("finalizers", None)
            new = merged
        else:
            meta = new["metadata"]
            for field in _SERVER_META:
                if field in prev["metadata"]:
                    meta[field] = prev["metadata"][field]
                else:
                    meta.pop(field, None)
            if rt.has_status:
                if "status" in prev:
                    new["status"] = _copy(prev["status"])
                else:
                    new.pop("status", None)
            if rt.namespaced:
                meta["namespace"] = prev["metadata"]["namespace"]
            # Defaults first (they apply at decode): a body that only omits them is no change.
            defaults.on_write(rt, new)
            if rt.tracks_generation and _spec_changed(prev, new):
                meta["generation"] = int(prev["metadata"].get("generation") or 1) + 1
        new = _normalized(rt, new)
        new["metadata"]["resourceVersion"] = prev["metadata"]["resourceVersion"]
        if new == prev:
            # etcd3's GuaranteedUpdate writes nothing when the bytes are unchanged: no new
            # resourceVersion and no watch event (kube-scheduler relies on this).
            return orjson.loads(old.json())
        if dry_run:
            return new
        meta = new["metadata"]
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            self._commit(table, old.key, None, DELETED, old)
            return new
        return orjson.loads(self._commit(table, old.key, new, MODIFIED, old).json())

    # -- delete ----------------------------------------------------------------------
    def delete(
        self,
        ref: ResourceRef,
        name: str,
        *,
        namespace: str | None = None,
        preconditions: Mapping[str, Any] | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """DELETE: preconditions, finalizers keep the object (with deletionTimestamp).

        Returns the object's final state. A pod is deleted gracefully as
        ``rest.BeforeDelete`` does (one write setting deletionTimestamp, its grace period and
        the next generation, seen as MODIFIED), then removed at once: an unscheduled pod has
        a grace period of 0, and for a bound one there is no kubelet to wait for.
        """
        rt = self.resource(ref)
        table = self._table(rt)
        old = self._entry(rt, self._scope(rt, namespace), name)
        meta = old.obj["metadata"]
        pre = preconditions or {}
        # rest.BeforeDelete names the kind, not the resource, in these conflicts.
        if pre.get("uid") and pre["uid"] != meta.get("uid"):
            raise Conflict.object(
                rt.kind,
                rt.group,
                name,
                f"the UID in the precondition ({pre['uid']}) does not match the UID in record "
                f"({meta.get('uid')}). The object might have been deleted and then recreated",
            )
        if pre.get("resourceVersion") and str(pre["resourceVersion"]) != str(old.rv):
            raise Conflict.object(
                rt.kind,
                rt.group,
                name,
                f"the ResourceVersion in the precondition ({pre['resourceVersion']}) does not "
                f"match the ResourceVersion in record ({old.rv}). The object might have been "
                "modified",
            )
        if dry_run:
            return orjson.loads(old.json())
        graceful = rt.plural == "pods" and rt.group == "" and not meta.get("deletionTimestamp")
        if graceful and not meta.get("finalizers"):
            spec = old.obj.get("spec") or {}
            grace = (
                int(spec.get("terminationGracePeriodSeconds", 30)) if spec.get("nodeName") else 0
            )
            # Only metadata changes: the rest is shared with the (immutable) old version.
            new = {**old.obj, "metadata": dict(meta)}
            new["metadata"]["deletionTimestamp"] = datetime.fromtimestamp(
                self.clock() + grace, UTC
            ).strftime("%Y-%m-%dT%H:%M:%SZ")
            new["metadata"]["deletionGracePeriodSeconds"] = grace
            if new["metadata"].get("generation"):
                new["metadata"]["generation"] = int(new["metadata"]["generation"]) + 1
            marked = self._commit(table, old.key, new, MODIFIED, old)
            return orjson.loads(self._commit(table, old.key, None, DELETED, marked).json())
        if meta.get("finalizers"):
            if meta.get("deletionTimestamp"):
                return orjson.loads(old.json())
            new = {**old.obj, "metadata": dict(meta)}
            new["metadata"]["deletionTimestamp"] = self.now()
            new["metadata"]["deletionGracePeriodSeconds"] = 0
            if graceful and new["metadata"].get("generation"):
                new["metadata"]["generation"] = int(new["metadata"]["generation"]) + 1
            return orjson.loads(self._commit(table, old.key, new, MODIFIED, old).json())
        if rt.plural == "namespaces" and rt.group == "":
            self._delete_namespace_contents(name)
        # etcd3's Delete decodes the last state at the deletion's revision.
        return orjson.loads(self._commit(table, old.key, None, DELETED, old).json())

    def _delete_namespace_contents(self, namespace: str) -> None:
        for table in list(self._tables.values()):
            if not table.rt.namespaced:
                continue
            prefix = namespace + "/"
            for key in sorted(k for k in table.objects if k.startswith(prefix)):
                self._commit(table, key, None, DELETED, table.objects[key])

    def delete_collection(
        self,
        ref: ResourceRef,
        *,
        namespace: str | None = None,
        label_selector: str | LabelSelector | None = None,
        field_selector: str | FieldSelector | None = None,
    ) -> list[dict[str, Any]]:
        """DELETE on a collection: every selected object, in key order."""
        result = self.list(
            ref, namespace=namespace, label_selector=label_selector, field_selector=field_selector
        )
        out = []
        for entry in result.items:
            try:
                self.delete(result.rt, entry.name, namespace=entry.namespace or None)
            except NotFound:
                continue
            # The registry's DeleteCollection answers with the objects as listed.
            out.append(orjson.loads(entry.json()))
        return out

    # -- pods/binding ------------------------------------------------------------------
    def bind(self, namespace: str, name: str, binding: Mapping[str, Any]) -> dict[str, Any]:
        """Assign a pod to a node as ``BindingREST.assignPod`` does; one MODIFIED event."""
        return orjson.loads(self.bind_entry(namespace, name, binding).json())  # type: ignore[no-any-return]

    def bind_entry(self, namespace: str, name: str, binding: Mapping[str, Any]) -> Entry:
        """:meth:`bind` for the API server, whose answer is a Status: the stored entry,
        not a decoded copy of the pod."""
        rt = self.resource("pods")
        table = self._table(rt)
        old = self._entry(rt, namespace, name)
        target = binding.get("target") or {}
        node = target.get("name") if isinstance(target, Mapping) else None
        if not node:
            # BindingREST.Create returns the field error list as a plain error.
            raise UnreasonedError("target.name: Required value")
        bmeta = binding.get("metadata") or {}
        meta = old.obj["metadata"]
        if bmeta.get("uid") and bmeta["uid"] != meta.get("uid"):
            # GuaranteedUpdate's UID precondition: etcd3's invalid-object StorageError.
            raise Conflict.object(
                "pods",
                "",
                name,
                "StorageError: invalid object, Code: 4, Key: "
                f"/registry/pods/{meta.get('namespace')}/{name}, ResourceVersion: 0, "
                f"AdditionalErrorMsg: Precondition failed: UID in precondition: {bmeta['uid']}, "
                f"UID in object meta: {meta.get('uid')}",
            )
        if meta.get("deletionTimestamp"):
            raise Conflict.object(
                "pods/binding",
                "",
                name,
                f"pod {name} is being deleted, cannot be assigned to a host",
            )
        if old.obj.get("spec", {}).get("nodeName"):
            raise Conflict.object(
                "pods/binding",
                "",
                name,
                f'pod {name} is already assigned to node "{old.obj["spec"]["nodeName"]}"',
            )
        # Entries are immutable, so the new version shares every subtree the binding does
        # not touch with the old one (containers, labels, volumes...): a deep copy would
        # make ~60 new containers per pod for CPython's GC to scan, at every binding.
        prev = old.obj
        new = {**prev, "spec": {**(prev.get("spec") or {}), "nodeName": node}}
        new["metadata"] = new_meta = dict(meta)
        if bmeta.get("annotations"):
            new_meta["annotations"] = {**(meta.get("annotations") or {}), **bmeta["annotations"]}
        status = prev.get("status") or {}
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        conditions.append(
            {
                "type": "PodScheduled",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": self.now(),
            }
        )
        new["status"] = {**status, "conditions": conditions}
        return self._commit(table, old.key, new, MODIFIED, old)

    # -- list ------------------------------------------------------------------------
    def list(
        self,
        ref: ResourceRef,
        *,
        namespace: str | None = None,
        label_selector: str | LabelSelector | None = None,
        field_selector: str | FieldSelector | None = None,
        resource_version: str | int | None = None,
        resource_version_match: str | None = None,
        limit: int = 0,
        continue_token: str | None = None,
        send_initial_events: bool | None = None,
    ) -> ListResult:
        """LIST with kube-apiserver's resourceVersion x resourceVersionMatch x paging rules.

        Checks run in kube-apiserver's order: selector syntax (400), ListOptions (422),
        field labels (400), then the continue token and the version against history.
        See ``pkg/storage/cacher/delegator/interface.go`` and ``etcd3/store.go``.
        """
        rt = self.resource(ref)
        labels, fields = self._parse_selectors(label_selector, field_selector)
        match = resource_version_match or ""
        rv_text = "" if resource_version is None else str(resource_version)
        validate(
            watch=False,
            resource_version=rv_text,
            match=match,
            continue_token=continue_token or "",
            send_initial_events=send_initial_events,
        )
        self._check_fields(rt, fields)
        table = self._table(rt)
        ns = namespace if rt.namespaced and namespace else None
        if continue_token:
            token_rv, start = decode_continue(continue_token)
            if rv_text and rv_text != "0":
                raise BadRequest("specifying resource version is not allowed when using continue")
            if token_rv < 0:  # an expired token's replacement: continue at the latest
                snap = table.history.snapshot(self._rv, table.objects, self._rv)
            elif token_rv > self._rv:
                raise self._too_large(token_rv)
            elif not table.history.available(token_rv):
                raise self._expired_continue(start)
            else:
                snap = table.history.snapshot(token_rv, table.objects, self._rv)
            return self._page(rt, snap, ns, labels, fields, limit, start)
        parsed = parse_resource_version(rv_text)
        if isinstance(parsed, str):
            raise BadRequest(f"invalid resource version: {parsed}")
        rv = parsed
        if rv > self._rv:
            raise self._too_large(rv)
        exact = match == "Exact" or (not match and rv > 0 and limit > 0)
        if rv_text == "0":
            # "any version": served from the watch cache, which ignores limit.
            limit = 0
        if exact and rv != self._rv:
            if not table.history.available(rv):
                raise Expired("The resourceVersion for the provided list is too old.")
            snap = table.history.snapshot(rv, table.objects, self._rv)
        elif limit > 0:
            snap = table.history.snapshot(self._rv, table.objects, self._rv)
        else:
            return self._full(rt, table, namespace, labels, fields)
        return self._page(rt, snap, ns, labels, fields, limit, "")

    def _parse_selectors(
        self, label: str | LabelSelector | None, field: str | FieldSelector | None
    ) -> tuple[LabelSelector, FieldSelector]:
        labels = label if isinstance(label, LabelSelector) else parse_label_selector(label or "")
        fields = field if isinstance(field, FieldSelector) else parse_field_selector(field or "")
        return labels, fields

    def _check_fields(self, rt: ResourceType, fields: FieldSelector) -> None:
        """The kind's field label conversion: the first unsupported label is a 400."""
        for name in fields.fields():
            if not rt.supports_field(name):
                raise BadRequest(rt.field_refusal(name))

    def _too_large(self, rv: int) -> TooLargeResourceVersion:
        """storage.NewTooLargeResourceVersionError, as the watch cache answers it."""
        return TooLargeResourceVersion(rv, self._rv)

    def _expired_continue(self, start: str) -> Expired:
        return Expired(
            "The provided continue parameter is too old to display a consistent list result. "
            "You can start a new list without the continue parameter, or use the continue "
            "token in this response to retrieve the remainder of the results. Continuing with "
            "the provided token results in an inconsistent list - objects that were created, "
            "modified, or deleted between the time the first chunk was returned and now may "
            "show up in the list.",
            continue_token=encode_continue(-1, start),
        )

    def _full(
        self,
        rt: ResourceType,
        table: _Table,
        namespace: str | None,
        labels: LabelSelector,
        fields: FieldSelector,
    ) -> ListResult:
        ns = namespace if rt.namespaced and namespace else None
        probe = _Probe(ns, labels, fields)
        items = [table.objects[k] for k in sorted(table.objects)]
        if not probe.all or ns is not None:  # probe.all means no selectors, not no namespace
            items = [e for e in items if probe.matches(e)]
        return ListResult(rt, self._rv, items)

    def _page(
        self,
        rt: ResourceType,
        snap: Snapshot,
        ns: str | None,
        labels: LabelSelector,
        fields: FieldSelector,
        limit: int,
        start: str,
    ) -> ListResult:
        """One page of ``snap`` from ``start`` (a key relative to the listed prefix).

        Like the watch cache: ``remainingItemCount`` only without selectors, and a
        continue token whenever keys remain, even if none of them match.
        """
        probe = _Probe(ns, labels, fields)
        keys = snap.keys
        prefix = ns + "/" if ns else ""
        lower = prefix + start if start else prefix
        lo = bisect.bisect_left(keys, lower)
        hi = bisect.bisect_left(keys, prefix[:-1] + "0") if prefix else len(keys)
        items: list[Entry] = []
        i = lo
        while i < hi:
            entry = snap.entries[keys[i]]
            i += 1
            if probe.matches(entry):
                items.append(entry)
                if limit and len(items) >= limit:
                    break
        token, remaining = "", None
        if limit and len(items) >= limit and i < hi:
            token = encode_continue(snap.rv, items[-1].key[len(prefix) :] + "\x00")
            if probe.all:
                remaining = hi - i
        return ListResult(rt, snap.rv, items, token, remaining)

    # -- watch -----------------------------------------------------------------------
    def watch(
        self,
        ref: ResourceRef,
        *,
        namespace: str | None = None,
        name: str | None = None,
        label_selector: str | LabelSelector | None = None,
        field_selector: str | FieldSelector | None = None,
        resource_version: str | int | None = None,
        resource_version_match: str | None = None,
        send_initial_events: bool | None = None,
        allow_bookmarks: bool = False,
        max_backlog: int | None = None,
    ) -> Watcher:
        """Open a watch; its buffer already holds the replay or initial events.

        ``name`` is a watch on one object (``/watch/.../pods/NAME``). Raises
        :class:`Expired` (too old) or :class:`Timeout` (too large, streaming lists only):
        a server sends those as an ERROR event on a 200 stream. A plain watch from a
        version the store has not reached waits for it, as the watch cache does.
        """
        rt = self.resource(ref)
        labels, fields = self._parse_selectors(label_selector, field_selector)
        rv_text = "" if resource_version is None else str(resource_version)
        match = resource_version_match or ""
        validate(
            watch=True,
            resource_version=rv_text,
            match=match,
            continue_token="",
            send_initial_events=send_initial_events,
        )
        match, send_initial_events = watch_defaults(rv_text, match, send_initial_events)
        self._check_fields(rt, fields)
        if name:
            if fields.empty():
                fields = parse_field_selector(f"metadata.name={_escape_field(name)}")
            elif fields.requires_exact("metadata.name") != name:
                raise BadRequest("fieldSelector metadata.name doesn't match requested name")
        parsed = parse_resource_version(rv_text)
        if isinstance(parsed, str):
            raise UnknownServerError(parsed)
        rv = parsed
        table = self._table(rt)
        watcher = Watcher(
            rt,
            namespace=namespace if rt.namespaced else None,
            label_selector=labels,
            field_selector=fields,
            max_backlog=max_backlog or self.max_watch_backlog,
            on_close=table.watchers.discard,
        )
        watcher.allow_bookmarks = allow_bookmarks
        watcher.send_initial_events = bool(send_initial_events)
        if send_initial_events:
            if rv > self._rv:
                raise self._too_large(rv)
            for key in sorted(table.objects):
                entry = table.objects[key]
                if watcher.matches(entry):
                    watcher.offer_initial(entry)
            watcher.rv = self._rv
            if allow_bookmarks:
                watcher.bookmark(self._rv, initial_events_end=True)
        elif rv == 0:  # sendInitialEvents=false from "" or "0": from now on
            watcher.rv = self._rv
        elif rv > self._rv:
            watcher.rv = watcher.floor = rv
        else:
            if not table.history.available(rv):
                raise Expired(f"too old resource version: {rv} ({table.history.compacted_rv})")
            watcher.rv = rv
            for event in table.history.since(rv):
                watcher.offer(event)
            watcher.rv = self._rv
        table.watchers.add(watcher)
        if watcher.overflowed:
            table.watchers.discard(watcher)
        return watcher

    def watchers(self) -> list[Watcher]:
        return [w for t in self._tables.values() for w in t.watchers]

    def close_watches(self) -> int:
        """Close every open watch (fault injection: a server restart, a load balancer)."""
        watchers = self.watchers()
        for w in watchers:
            w.close()
        return len(watchers)

    def drop(self, rt: ResourceType) -> int:
        """Delete every object of ``rt`` (a DELETED event each), end its watches and forget
        it: what deleting a CustomResourceDefinition does to its custom objects."""
        table = self._tables.pop((rt.group, rt.plural), None)
        if table is None:
            return 0
        keys = sorted(table.objects)
        for key in keys:
            self._commit(table, key, None, DELETED, table.objects[key])
        for watcher in list(table.watchers):
            watcher.close()
        return len(keys)

    def compact(self, rv: int | None = None) -> int:
        """Forget history at or below ``rv`` (default: everything so far), as etcd does.

        Watches and continue tokens from before it then get 410 Expired.
        """
        target = self._rv if rv is None else min(rv, self._rv)
        self._compacted = max(self._compacted, target)
        for rt in self.registry:
            self._table(rt).history.compact(target)
        return target


def _escape_field(value: str) -> str:
    """fields.EscapeValue."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


class _Probe:
    """A list filter: namespace plus selectors, compiled once per request."""

    __slots__ = ("all", "fields", "labels", "ns")

    def __init__(self, ns: str | None, labels: LabelSelector, fields: FieldSelector) -> None:
        self.ns = ns
        self.labels = labels
        self.fields = fields
        self.all = labels.empty() and fields.empty()

    def matches(self, entry: Entry) -> bool:
        if self.ns is not None and entry.namespace != self.ns:
            return False
        if self.all:
            return True
        if not self.labels.empty() and not self.labels.matches(entry.labels):
            return False
        return self.fields.empty() or self.fields.matches(entry.fields())


def _spec_changed(prev: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    skip = ("metadata", "status", "kind", "apiVersion")
    keys = (set(prev) | set(new)) - set(skip)
    return any(prev.get(k) != new.get(k) for k in keys)


def patch_schema_for(rt: ResourceType) -> Any:
    from fakekube import patch_schema

    return patch_schema.by_kind(rt.kind)
