"""The public surface is deliberate: ``informers.__all__`` is pinned here, every name in it
exists, the package ships ``py.typed``, and each module imports on its own (no cycles)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import informers
import informers.workqueue

EXPECTED = [
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

EXPECTED_WORKQUEUE = [
    "BucketRateLimiter",
    "DelayingQueue",
    "ItemExponentialFailureRateLimiter",
    "ItemFastSlowRateLimiter",
    "MaxOfRateLimiter",
    "Queue",
    "RateLimiter",
    "RateLimitingQueue",
    "ShutDown",
    "default_controller_rate_limiter",
]


def test_all_is_pinned_and_every_name_exists() -> None:
    assert informers.__all__ == EXPECTED
    assert informers.workqueue.__all__ == EXPECTED_WORKQUEUE
    for module, names in ((informers, EXPECTED), (informers.workqueue, EXPECTED_WORKQUEUE)):
        missing = [n for n in names if not hasattr(module, n)]
        assert missing == []


def test_public_names_are_not_underscored_and_documented() -> None:
    undocumented = [
        n
        for n in EXPECTED + EXPECTED_WORKQUEUE
        if callable(obj := getattr(informers, n, None) or getattr(informers.workqueue, n))
        and not (obj.__doc__ or "").strip()
    ]
    assert undocumented == []


def test_package_ships_py_typed() -> None:
    assert (Path(informers.__file__).parent / "py.typed").is_file()


def test_every_module_imports_alone() -> None:
    names = [
        m.name
        for m in pkgutil.walk_packages(informers.__path__, prefix="informers.")
        if not m.name.split(".")[-1].startswith("_")
    ]
    assert "informers.reflector" in names and "informers.workqueue.queue" in names
    # Each module is imported first in a clean module table: an import cycle or a hidden
    # dependency on import order shows up as an ImportError.
    code = (
        "import importlib, sys\n"
        "for n in sys.argv[1:]:\n"
        "    for m in [m for m in sys.modules if m.split('.')[0] == 'informers']:\n"
        "        del sys.modules[m]\n"
        "    importlib.import_module(n)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *names], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr[-800:]
    assert importlib.import_module("informers.testing").FakeListerWatcher
