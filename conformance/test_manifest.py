"""The endpoint manifests themselves: what counts as a failure, and that the checked-in
files and docs/endpoints.md agree with each other and with the schedulers under test."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance.manifest import DOC, Manifest, check, forbidden, render, user_agent
from conformance.runners import CUSTOM, kube_scheduler_versions
from fakekube.api.state import RequestRecord

UA = "kube-scheduler/v1.35.4 (linux/amd64) kubernetes/$Format/scheduler"
LEASE = "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}"
BINDING = "/api/v1/namespaces/{namespace}/pods/{name}/binding"


def record(
    method: str = "POST", template: str = BINDING, status: int = 201, **kw: object
) -> RequestRecord:
    fields: dict[str, object] = {
        "method": method,
        "path": template.replace("{namespace}", "ns").replace("{name}", "x"),
        "template": template,
        "verb": {"POST": "create", "GET": "get", "PUT": "update"}.get(method, method.lower()),
        "resource": "pods",
        "subresource": "binding",
        "query": {},
        "content_type": "application/vnd.kubernetes.protobuf",
        "status": status,
        "user_agent": UA,
    }
    fields.update(kw)
    return RequestRecord(**fields)  # type: ignore[arg-type]


def test_user_agent_drops_only_the_platform() -> None:
    assert user_agent(UA) == "kube-scheduler/v1.35.4 kubernetes/$Format/scheduler"
    assert user_agent("fakekube-first-fit") == "fakekube-first-fit"


@pytest.mark.parametrize("status", [405, 415, 422, 500, 503, 504])
def test_statuses_that_mean_fakekube_failed_are_forbidden(status: int) -> None:
    assert forbidden(record(status=status))


@pytest.mark.parametrize("status", [200, 201, 409, 410, 429])
def test_statuses_the_api_answers_in_normal_operation_are_not_forbidden(status: int) -> None:
    assert not forbidden(record(status=status))


def test_404_is_forbidden_except_where_the_protocol_expects_it() -> None:
    assert forbidden(record(status=404))
    assert forbidden(record("GET", "/api/v1/namespaces/{namespace}/pods/{name}", 404))
    assert not forbidden(record("GET", LEASE, 404, content_type=""))


def test_check_passes_a_run_within_the_manifest() -> None:
    m = Manifest("kube-scheduler", "1.35.4")
    m.merge([record(), record("GET", LEASE, 404, content_type="")], "default")
    assert check([record(), record("GET", LEASE, 404, content_type="")], m, "default") == []


def test_check_reports_an_endpoint_missing_from_the_manifest() -> None:
    m = Manifest("kube-scheduler", "1.35.4")
    m.merge([record()], "default")
    json_body = record(content_type="application/json")
    [problem] = check([record(), json_body], m, "default")
    assert "endpoint not in kube-scheduler-1.35.4.json" in problem
    assert "[application/json]" in problem


def test_check_reports_an_endpoint_used_by_another_profile_only() -> None:
    m = Manifest("kube-scheduler", "1.35.4")
    m.merge([record()], "default")
    [problem] = check([record()], m, "simulation")
    assert "profile simulation" in problem


def test_check_reports_query_parameters_the_manifest_lacks() -> None:
    m = Manifest("kube-scheduler", "1.35.4")
    m.merge([record("GET", LEASE, 200, content_type="", query={"timeout": "5s"})], "default")
    assert (
        check([record("GET", LEASE, 200, content_type="", query={"timeout": "9s"})], m, "default")
        == []
    )
    assert check([record("GET", LEASE, 200, content_type="", query={"x": "1"})], m, "default")


def test_check_reports_forbidden_answers_even_on_known_endpoints() -> None:
    m = Manifest("kube-scheduler", "1.35.4")
    m.merge([record()], "default")
    [problem] = check([record(status=415)], m, "default")
    assert problem.startswith("415 for POST /api/v1/namespaces/ns/pods/x/binding")


def test_merge_never_records_a_forbidden_answer() -> None:
    m = Manifest("kube-scheduler", "1.35.4")
    m.merge([record(status=500), record(status=422)], "default")
    assert m.endpoints == {}


def test_manifest_json_round_trips() -> None:
    m = Manifest("kube-scheduler", "1.35.4")
    m.merge([record(), record("GET", LEASE, 404, content_type="", query={"timeout": "5s"})], "d")
    again = Manifest.from_json(m.to_json())
    assert again.endpoints == m.endpoints
    assert (again.scheduler, again.version) == ("kube-scheduler", "1.35.4")


def test_every_scheduler_under_test_has_a_checked_in_manifest() -> None:
    names = {m.name for m in Manifest.all()}
    wanted = {f"kube-scheduler-{v}" for v in kube_scheduler_versions()}
    wanted |= {f"{s.scheduler}-{s.version}" for s in CUSTOM}
    assert wanted <= names, f"missing: {sorted(wanted - names)}"
    assert names <= wanted, f"stale manifests: {sorted(names - wanted)}"


def test_checked_in_manifests_hold_no_forbidden_answer() -> None:
    for m in Manifest.all():
        for ep, usage in m.endpoints.items():
            for status in usage.statuses:
                rec = record(ep.method, ep.path, status)
                assert not forbidden(replace(rec, template=ep.path)), (m.name, ep, status)
            assert usage.profiles <= {"default", "simulation"}, (m.name, ep)


def test_endpoints_doc_is_rendered_from_the_manifests() -> None:
    assert DOC.read_text() == render(), (
        "docs/endpoints.md is stale: python -m conformance.manifest --render"
    )
