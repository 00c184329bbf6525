"""Fixtures for tests against real Kubernetes components.

``reference``: the real kube-apiserver and etcd (:mod:`fakekube.reference`), one pair per
session because starting them takes seconds. Every test that uses it is marked
``reference`` automatically, so ``-m "not reference"`` leaves them out; when the binaries
are missing the test FAILS and names ``scripts/build-reference``: a skipped comparison
would read as a passed one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from fakekube.reference import ReferenceControlPlane, ReferenceNotBuilt


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "reference" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.reference)


@pytest.fixture(scope="session")
def reference() -> Iterator[ReferenceControlPlane]:
    """A running kube-apiserver v1.35 + etcd on loopback, shared by the whole session."""
    try:
        plane = ReferenceControlPlane()
    except ReferenceNotBuilt as exc:
        pytest.fail(str(exc), pytrace=False)
    with plane:
        yield plane


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In update mode (``FAKEKUBE_UPDATE_MANIFESTS=1``), write the endpoint manifests the
    scheduler tests grew, and docs/endpoints.md from them."""
    if os.environ.get("FAKEKUBE_UPDATE_MANIFESTS", "") in ("", "0"):
        return  # the usual run: nothing to write (and nothing to import)
    from conformance.manifest import save_shared

    for path in save_shared():
        print(f"\nconformance: wrote {path}")
