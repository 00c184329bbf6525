"""Conformance-wide hooks. The ``reference`` fixture (real kube-apiserver + etcd, one pair
per session) comes from fakekube's pytest plugin, shared with tests/."""

from __future__ import annotations

import os

import pytest


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In update mode (``FAKEKUBE_UPDATE_MANIFESTS=1``), write the endpoint manifests the
    scheduler tests grew, and docs/endpoints.md from them."""
    if os.environ.get("FAKEKUBE_UPDATE_MANIFESTS", "") in ("", "0"):
        return  # the usual run: nothing to write (and nothing to import)
    from conformance.manifest import save_shared

    for path in save_shared():
        print(f"\nconformance: wrote {path}")
