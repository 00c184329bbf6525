"""The Priority admission plugin on pod create, as kube-apiserver 1.35 answers it.

Messages are kube-apiserver's (``plugin/pkg/admission/priority/admission.go``), checked
against the real server: a pod may not state a priority or preemption policy other than
the one its PriorityClass (or the global default, or none) gives.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from fakekube import FakeCluster


def pod(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "nginx"}], **spec},
    }


async def never_class(cluster: FakeCluster) -> None:
    scheduling = client.SchedulingV1Api(cluster.api_client())
    await scheduling.create_priority_class(
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {"name": "high"},
            "value": 1000,
            "preemptionPolicy": "Never",
        }
    )


async def test_pod_takes_priority_and_preemption_policy_from_its_class(
    cluster: FakeCluster,
) -> None:
    await never_class(cluster)
    core = client.CoreV1Api(cluster.api_client())
    created = await core.create_namespaced_pod("default", pod("p", priorityClassName="high"))
    assert (created.spec.priority, created.spec.preemption_policy) == (1000, "Never")
    plain = await core.create_namespaced_pod("default", pod("q"))
    assert (plain.spec.priority, plain.spec.preemption_policy) == (0, "PreemptLowerPriority")


async def test_pod_stating_another_preemption_policy_than_its_class_is_forbidden(
    cluster: FakeCluster,
) -> None:
    await never_class(cluster)
    core = client.CoreV1Api(cluster.api_client())
    body = pod("p", priorityClassName="high", preemptionPolicy="PreemptLowerPriority")
    with pytest.raises(ApiException) as err:
        await core.create_namespaced_pod("default", body)
    assert err.value.status == 403
    assert orjson.loads(err.value.body)["message"] == (
        'pods "p" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) '
        "must not be provided in pod spec; priority admission controller computed Never from "
        "the given PriorityClass name"
    )
    assert cluster.store.try_get("pods", "p", "default") is None


async def test_pod_stating_a_priority_without_a_class_is_forbidden(cluster: FakeCluster) -> None:
    core = client.CoreV1Api(cluster.api_client())
    with pytest.raises(ApiException) as err:
        await core.create_namespaced_pod("default", pod("p", priority=7))
    assert err.value.status == 403
    assert orjson.loads(err.value.body)["message"] == (
        'pods "p" is forbidden: the integer value of priority (7) must not be provided in pod '
        "spec; priority admission controller computed 0 from the given PriorityClass name"
    )
