"""fakekube and the real kube-apiserver answer every scenario alike, or the allowlist says why not.

One test per scenario (ids are the scenario ids). Both servers get the same requests in a
fresh namespace of the same name, concurrently; the transcripts are normalised
(:mod:`.normalize`) and compared (:mod:`.compare`); every difference must be allowlisted
and every allowlisted difference must still occur (:mod:`.allowlist`).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator

import aiohttp
import pytest

from conformance.differential import allowlist, catalog
from conformance.differential.compare import diff
from conformance.differential.normalize import normalize
from conformance.differential.runner import Backend, run
from conformance.differential.scenario import Scenario
from fakekube import FakeCluster
from fakekube.reference import ReferenceControlPlane

SCENARIOS = catalog.all_scenarios()
ALLOWED = allowlist.load()


@pytest.fixture
async def reference_http(reference: ReferenceControlPlane) -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(ssl=reference.ssl_context())
    async with aiohttp.ClientSession(connector=connector, headers=reference.headers) as s:
        yield s


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
async def test_fakekube_answers_like_kube_apiserver(
    scenario: Scenario,
    reference: ReferenceControlPlane,
    reference_http: aiohttp.ClientSession,
) -> None:
    ns = f"diff-{SCENARIOS.index(scenario):03d}-{os.urandom(3).hex()}"

    async def compact_reference(collection: str) -> None:
        await asyncio.to_thread(reference.compact, wait_for=[collection])

    async with FakeCluster() as fk, aiohttp.ClientSession() as fk_http:

        async def compact_fakekube(collection: str) -> None:
            fk.store.compact()

        fake = Backend("fakekube", fk.url, fk_http, compact_fakekube)
        real = Backend("reference", reference.url, reference_http, compact_reference)
        got, want = await asyncio.gather(run(scenario, fake, ns), run(scenario, real, ns))
    a, b = normalize(got), normalize(want)
    problems = allowlist.check(scenario.id, diff(a, b), ALLOWED)
    if problems:
        pytest.fail(
            f"{scenario.id}: {scenario.title}\n"
            + "\n".join(problems[:40])
            + f"\n\nfakekube:\n{json.dumps(a, indent=1)[:6000]}"
            + f"\n\nreference:\n{json.dumps(b, indent=1)[:6000]}",
            pytrace=False,
        )
