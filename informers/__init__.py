"""client-go's shared-informer machinery for asyncio Python, on kubernetes-asyncio.

factory = SharedInformerFactory(api_client)
pods = factory.informer("pods")
pods.add_event_handler(on_add=lambda pod, initial: queue.add(key(pod)))
await factory.start()
await factory.wait_for_cache_sync()
"""

from informers.clock import Clock, FakeClock, RealClock
from informers.factory import SharedInformerFactory
from informers.fifo import Delta, DeltaType, RealFIFO
from informers.listers import Lister, NamespaceLister, NotFoundError
from informers.listwatch import ApiError, ListerWatcher, ListWatch
from informers.reflector import Reflector
from informers.shared_informer import HandlerRegistration, ResourceEventHandler, SharedIndexInformer
from informers.store import (
    DeletedFinalStateUnknown,
    Indexer,
    meta_namespace_index_func,
    meta_namespace_key_func,
)

__all__ = [
    "ApiError",
    "Clock",
    "DeletedFinalStateUnknown",
    "Delta",
    "DeltaType",
    "FakeClock",
    "HandlerRegistration",
    "Indexer",
    "ListWatch",
    "Lister",
    "ListerWatcher",
    "NamespaceLister",
    "NotFoundError",
    "RealClock",
    "RealFIFO",
    "Reflector",
    "ResourceEventHandler",
    "SharedIndexInformer",
    "SharedInformerFactory",
    "meta_namespace_index_func",
    "meta_namespace_key_func",
]
