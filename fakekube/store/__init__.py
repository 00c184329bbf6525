"""The object store: see :mod:`fakekube.store.store`."""

from fakekube.store.entry import Entry, Event
from fakekube.store.store import ListResult, Store

__all__ = ["Entry", "Event", "ListResult", "Store"]
