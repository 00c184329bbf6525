"""client-go's shared-informer machinery for asyncio Python, on kubernetes-asyncio.

    factory = SharedInformerFactory(api_client)
    pods = factory.informer("pods")
    pods.add_event_handler(on_add=lambda pod, initial: queue.add(key(pod)))
    await factory.start()
    await factory.wait_for_cache_sync()

``SharedInformerFactory(api_client, lazy=True)`` caches :class:`LazyObject` instances
(JSON bytes with only the metadata decoded) instead of dicts: less memory and GC work for
large caches whose objects are rarely read in full.

Work queues live in :mod:`informers.workqueue`; test doubles in :mod:`informers.testing`.
See docs/informers.md for a guide.
"""

from informers.backoff import BackoffManager
from informers.clock import Clock, FakeClock, RealClock
from informers.errors import (
    ApiError,
    ConnectionRefused,
    InformerError,
    TransportError,
    is_connection_refused,
    is_expired,
    is_internal_error,
    is_too_large_resource_version,
    is_too_many_requests,
)
from informers.factory import SharedInformerFactory
from informers.fifo import Delta, DeltaType, RealFIFO
from informers.labels import Selector, parse_selector
from informers.lazy import LazyObject
from informers.listers import Lister, NamespaceLister, NotFoundError
from informers.listwatch import ListerWatcher, ListWatch, WatchStream
from informers.models import ModelDecoder
from informers.reflector import Reflector, VeryShortWatch, WatchStalled
from informers.resources import KNOWN_RESOURCES, Resource
from informers.shared_informer import (
    HandlerRegistration,
    ResourceEventHandler,
    ResourceEventHandlerFuncs,
    SharedIndexInformer,
)
from informers.store import (
    NAMESPACE_INDEX,
    DeletedFinalStateUnknown,
    Indexer,
    IndexerConflict,
    meta_namespace_index_func,
    meta_namespace_key_func,
    split_meta_namespace_key,
)

__all__ = [
    "KNOWN_RESOURCES",
    "NAMESPACE_INDEX",
    "ApiError",
    "BackoffManager",
    "Clock",
    "ConnectionRefused",
    "DeletedFinalStateUnknown",
    "Delta",
    "DeltaType",
    "FakeClock",
    "HandlerRegistration",
    "Indexer",
    "IndexerConflict",
    "InformerError",
    "LazyObject",
    "ListWatch",
    "Lister",
    "ListerWatcher",
    "ModelDecoder",
    "NamespaceLister",
    "NotFoundError",
    "RealClock",
    "RealFIFO",
    "Reflector",
    "Resource",
    "ResourceEventHandler",
    "ResourceEventHandlerFuncs",
    "Selector",
    "SharedIndexInformer",
    "SharedInformerFactory",
    "TransportError",
    "VeryShortWatch",
    "WatchStalled",
    "WatchStream",
    "is_connection_refused",
    "is_expired",
    "is_internal_error",
    "is_too_large_resource_version",
    "is_too_many_requests",
    "meta_namespace_index_func",
    "meta_namespace_key_func",
    "parse_selector",
    "split_meta_namespace_key",
]
