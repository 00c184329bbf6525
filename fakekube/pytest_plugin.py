"""The pytest plugin: ``fake_cluster`` and ``fake_cluster_sync`` fixtures, no setup needed.

Registered through the ``pytest11`` entry point, so installing fakekube is enough. Each
test gets its own server (fresh store, fresh request log, no faults left over), started
in a few milliseconds. What it starts with comes from, in order of precedence:

1. ``@pytest.mark.fake_cluster(nodes=3, objects=[...], config=ServerConfig(...))`` on the
   test, then its class, then its module (``pytestmark``): the closest marker wins per key;
2. the ``fake_cluster_options`` fixture (override it in a ``conftest.py`` for a directory).

When a test fails, its report gains a "fakekube requests" section with the tail of the
request log: usually the quickest way to see what a controller actually asked.

Wider scopes share one server between tests by design; build such a fixture with
:func:`fake_cluster_fixture` (``fake_cluster = fake_cluster_fixture(scope="module")``).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from fakekube.api.state import ServerConfig
from fakekube.cluster import FakeCluster, FakeClusterSync

__all__ = ["fake_cluster_fixture"]

#: Keys a marker or ``fake_cluster_options`` may set.
OPTIONS = ("nodes", "objects", "config")
#: How many requests a failing test's report shows.
LOG_TAIL = 40

try:  # strict mode needs pytest-asyncio's own decorator on async fixtures
    import pytest_asyncio

    _LOOP_SCOPE = "loop_scope" in inspect.signature(pytest_asyncio.fixture).parameters

    def _async_fixture(scope: str, name: str | None = None) -> Callable[[Any], Any]:
        # The loop must live as long as the server (pytest-asyncio >= 0.24 says so).
        extra = {"loop_scope": scope} if _LOOP_SCOPE else {}
        return pytest_asyncio.fixture(scope=scope, name=name, **extra)  # type: ignore[call-overload, no-any-return]

except ImportError:  # pragma: no cover - any other asyncio plugin (anyio, pytest-aiohttp)

    def _async_fixture(scope: str, name: str | None = None) -> Callable[[Any], Any]:
        return pytest.fixture(scope=scope, name=name)  # type: ignore[call-overload, no-any-return]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "fake_cluster(nodes=0, objects=(), config=None): what the fake_cluster and "
        "fake_cluster_sync fixtures seed and how they configure the server",
    )
    config.addinivalue_line(
        "markers",
        "reference: uses the real kube-apiserver + etcd (the reference fixture)",
    )


def cluster_options(request: pytest.FixtureRequest, defaults: dict[str, Any]) -> dict[str, Any]:
    """``defaults`` overlaid with the test's ``fake_cluster`` markers, closest last."""
    options = dict(defaults)
    for marker in reversed(list(request.node.iter_markers("fake_cluster"))):
        if marker.args:
            raise pytest.UsageError("@pytest.mark.fake_cluster takes keyword arguments only")
        options.update(marker.kwargs)
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise pytest.UsageError(
            f"unknown fake_cluster option(s) {sorted(unknown)}; known: {', '.join(OPTIONS)}"
        )
    config = options.get("config")
    if config is not None and not isinstance(config, ServerConfig):
        raise pytest.UsageError("fake_cluster(config=...) must be a fakekube ServerConfig")
    return options


@pytest.fixture
def fake_cluster_options() -> dict[str, Any]:
    """Defaults for ``fake_cluster``/``fake_cluster_sync``; override to change them."""
    return {}


def fake_cluster_fixture(
    scope: str = "function", *, sync: bool = False, **options: Any
) -> Callable[..., Any]:
    """A cluster fixture with its own scope and options, for a ``conftest.py``.

    Tests in the scope share the server and its state; faults are still undone when the
    scope ends. Assign it to the fixture name it should provide::

        fake_cluster = fake_cluster_fixture(scope="module", nodes=3)
    """
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise TypeError(f"unknown fake_cluster option(s) {sorted(unknown)}")
    if sync:

        @pytest.fixture(scope=scope)  # type: ignore[call-overload, misc]
        def sync_cluster(request: pytest.FixtureRequest) -> Iterator[FakeClusterSync]:
            with FakeClusterSync(**cluster_options(request, options)) as cluster:
                yield cluster

        return sync_cluster  # type: ignore[no-any-return]

    @_async_fixture(scope)
    async def async_cluster(request: pytest.FixtureRequest) -> AsyncIterator[FakeCluster]:
        async with FakeCluster(**cluster_options(request, options)) as cluster:
            yield cluster

    return async_cluster  # type: ignore[no-any-return]


@_async_fixture("function", name="fake_cluster")
async def _fake_cluster(
    request: pytest.FixtureRequest, fake_cluster_options: dict[str, Any]
) -> AsyncIterator[FakeCluster]:
    """A fresh fake API server in the test's event loop (see :class:`FakeCluster`)."""
    async with FakeCluster(**cluster_options(request, fake_cluster_options)) as cluster:
        yield cluster


@pytest.fixture(name="fake_cluster_sync")
def _fake_cluster_sync(
    request: pytest.FixtureRequest, fake_cluster_options: dict[str, Any]
) -> Iterator[FakeClusterSync]:
    """A fresh fake API server on a background thread (see :class:`FakeClusterSync`)."""
    with FakeClusterSync(**cluster_options(request, fake_cluster_options)) as cluster:
        yield cluster


@pytest.fixture(scope="session", name="reference")
def _reference() -> Iterator[Any]:
    """The real kube-apiserver v1.35 + etcd on loopback (:mod:`fakekube.reference`), one
    pair per session because starting them takes seconds.

    Tests using it are marked ``reference`` (``-m "not reference"`` leaves them out).
    Missing binaries FAIL the test naming ``scripts/build-reference``: a skipped
    comparison would read as a passed one.
    """
    from fakekube.reference import ReferenceControlPlane, ReferenceNotBuilt

    try:
        plane = ReferenceControlPlane()
    except ReferenceNotBuilt as exc:
        pytest.fail(str(exc), pytrace=False)
    with plane:
        yield plane


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "reference" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.reference)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed:
        for value in _clusters(item):
            try:
                tail = value.request_log(LOG_TAIL)
            except RuntimeError:  # already stopped
                continue
            report.sections.append(
                (f"fakekube requests (last {LOG_TAIL}) {value.url}", tail or "(none)")
            )
    return report


def _clusters(item: pytest.Item) -> list[FakeCluster | FakeClusterSync]:
    funcargs = getattr(item, "funcargs", None) or {}
    seen: list[FakeCluster | FakeClusterSync] = []
    for value in funcargs.values():
        if isinstance(value, FakeCluster | FakeClusterSync) and value not in seen:
            seen.append(value)
    return seen
