"""Endpoint usage manifests: every API endpoint a scheduler uses, checked in per version.

The claim under test is that a scheduler runs against fakekube unchanged. The request log
proves it only if someone looks at it, so each conformance run compares what the
scheduler asked with a checked-in manifest (``conformance/manifests/<scheduler>-<version>
.json``) and fails on an endpoint the manifest does not list, or on an answer that means
fakekube let the scheduler down: 405, 415, 422 or 5xx anywhere, or 404 outside the few
calls where the real API answers 404 as part of the protocol (:data:`EXPECTED_404`).

An endpoint is a method, a path template (names abstracted), the query parameter names,
the request content type, the client's user agent (platform dropped) and the scheduler
profile that made the call. Manifests only grow when asked (``FAKEKUBE_UPDATE_MANIFESTS=1``
or ``python -m conformance.manifest --update``), and docs/endpoints.md is rendered from them.
Growing is a union, so an endpoint used only now and then (a relist, an event series) is
never lost; to drop what a scheduler stopped using, delete its file and update.

    python -m conformance.manifest --update   # run the conformance tests, merge, render
    python -m conformance.manifest --render   # rewrite docs/endpoints.md from the manifests
    python -m conformance.manifest --check    # exit 1 if docs/endpoints.md is stale
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from fakekube.api.state import RequestRecord

__all__ = [
    "EXPECTED_404",
    "Endpoint",
    "Manifest",
    "check",
    "forbidden",
    "render",
    "save_shared",
    "shared",
    "update_mode",
    "user_agent",
]

ROOT = Path(__file__).resolve().parents[1]
MANIFESTS = ROOT / "conformance" / "manifests"
DOC = ROOT / "docs" / "endpoints.md"
UPDATE_ENV = "FAKEKUBE_UPDATE_MANIFESTS"

#: (method, path template) pairs where a 404 is the real API's normal answer: leader
#: election's first GET of a Lease that nobody created yet, and an event series PATCH on
#: an event that expired (client-go then POSTs it anew).
EXPECTED_404 = frozenset(
    {
        ("GET", "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}"),
        ("PATCH", "/apis/events.k8s.io/v1/namespaces/{namespace}/events/{name}"),
    }
)

_PLATFORM = re.compile(r"\s*\([^)]*\)")


def user_agent(raw: str) -> str:
    """The User-Agent without its ``(os/arch)`` part, which says nothing about the client."""
    return " ".join(_PLATFORM.sub("", raw).split())


def forbidden(record: RequestRecord) -> bool:
    """An answer that means fakekube failed the scheduler (never part of a manifest)."""
    status = record.status
    if status == 404:
        return (record.method, record.template) not in EXPECTED_404
    return status in (405, 415, 422) or status >= 500


@dataclass(frozen=True, order=True)
class Endpoint:
    """One row of a manifest: how a scheduler calls one API endpoint."""

    verb: str
    method: str
    path: str
    query: tuple[str, ...]
    content_type: str
    user_agent: str

    @classmethod
    def of(cls, record: RequestRecord) -> Endpoint:
        return cls(
            verb=record.verb,
            method=record.method,
            path=record.template,
            query=tuple(sorted(record.query)),
            content_type=record.content_type,
            user_agent=user_agent(record.user_agent),
        )

    def describe(self) -> str:
        query = "?" + "&".join(self.query) if self.query else ""
        body = f" [{self.content_type}]" if self.content_type else ""
        return f"{self.method} {self.path}{query}{body} ({self.user_agent})"


@dataclass
class _Usage:
    statuses: set[int] = field(default_factory=set)
    profiles: set[str] = field(default_factory=set)


@dataclass
class Manifest:
    """The endpoints one scheduler build is known to use, with the statuses it got."""

    scheduler: str
    version: str
    endpoints: dict[Endpoint, _Usage] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.scheduler}-{self.version}"

    @property
    def path(self) -> Path:
        return MANIFESTS / f"{self.name}.json"

    @classmethod
    def load(cls, scheduler: str, version: str) -> Manifest:
        """The checked-in manifest, or an empty one if there is none yet."""
        path = MANIFESTS / f"{scheduler}-{version}.json"
        if not path.exists():
            return cls(scheduler, version)
        return cls.from_json(path.read_text())

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        doc = json.loads(text)
        manifest = cls(doc["scheduler"], doc["version"])
        for row in doc["endpoints"]:
            ep = Endpoint(
                verb=row["verb"],
                method=row["method"],
                path=row["path"],
                query=tuple(row["query"]),
                content_type=row["contentType"],
                user_agent=row["userAgent"],
            )
            manifest.endpoints[ep] = _Usage(set(row["statuses"]), set(row["profiles"]))
        return manifest

    @classmethod
    def all(cls) -> list[Manifest]:
        """Every checked-in manifest, by file name."""
        return [cls.from_json(p.read_text()) for p in sorted(MANIFESTS.glob("*.json"))]

    def allows(self, endpoint: Endpoint, profile: str) -> bool:
        usage = self.endpoints.get(endpoint)
        return usage is not None and profile in usage.profiles

    def merge(self, records: Iterable[RequestRecord], profile: str) -> None:
        """Add what ``records`` used (forbidden answers are never added)."""
        for rec in records:
            if forbidden(rec):
                continue
            usage = self.endpoints.setdefault(Endpoint.of(rec), _Usage())
            usage.statuses.add(rec.status)
            usage.profiles.add(profile)

    def to_json(self) -> str:
        rows = [
            {
                "verb": ep.verb,
                "method": ep.method,
                "path": ep.path,
                "query": list(ep.query),
                "contentType": ep.content_type,
                "userAgent": ep.user_agent,
                "statuses": sorted(usage.statuses),
                "profiles": sorted(usage.profiles),
            }
            for ep, usage in sorted(self.endpoints.items())
        ]
        doc = {"scheduler": self.scheduler, "version": self.version, "endpoints": rows}
        return json.dumps(doc, indent=1) + "\n"

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(self.to_json())


_SHARED: dict[tuple[str, str], Manifest] = {}


def shared(scheduler: str, version: str) -> Manifest:
    """The manifest of one scheduler build, loaded once per process (so a run in update
    mode merges every test's usage into the same object before :func:`save_shared`)."""
    key = (scheduler, version)
    if key not in _SHARED:
        _SHARED[key] = Manifest.load(scheduler, version)
    return _SHARED[key]


def save_shared() -> list[Path]:
    """Write every manifest this process loaded, and docs/endpoints.md from all of them."""
    for m in _SHARED.values():
        m.save()
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(render())
    return [m.path for m in _SHARED.values()]


def check(records: Iterable[RequestRecord], manifest: Manifest, profile: str) -> list[str]:
    """What is wrong with a run: forbidden answers, and endpoints the manifest lacks."""
    problems: list[str] = []
    unknown: dict[Endpoint, RequestRecord] = {}
    for rec in records:
        if forbidden(rec):
            query = "&".join(f"{k}={v}" for k, v in rec.query.items())
            problems.append(
                f"{rec.status} for {rec.method} {rec.path}{'?' + query if query else ''} "
                f"({user_agent(rec.user_agent)})"
            )
            continue
        ep = Endpoint.of(rec)
        if not manifest.allows(ep, profile):
            unknown.setdefault(ep, rec)
    for ep in sorted(unknown):
        problems.append(
            f"endpoint not in {manifest.path.name} (profile {profile}): {ep.describe()}"
        )
    return problems


def update_mode() -> bool:
    """True when the run should grow the manifests instead of checking against them."""
    return os.environ.get(UPDATE_ENV, "") not in ("", "0")


# -- docs/endpoints.md ---------------------------------------------------------------------

#: One line under each scheduler's heading in docs/endpoints.md.
ABOUT = {
    "kube-scheduler": "The real kube-scheduler, unmodified, built from the k8s.io/kubernetes "
    "Go module (`conformance/kube-scheduler`, `scripts/build-kube-scheduler`).",
    "go-scheduler": "A small custom scheduler on client-go informers "
    "(`conformance/go-scheduler`, `scripts/build-go-scheduler`).",
    "first-fit": "`python -m fakekube.schedulers.first_fit`, on `informers/`.",
    "best-fit": "`python -m fakekube.schedulers.best_fit`, on `informers/`.",
    "random": "`python -m fakekube.schedulers.random_scheduler`, on `informers/`.",
    "least-allocated-example": "`python examples/schedulers/least_allocated.py`, written "
    "directly on `informers/`.",
}

_ROLES = ("Discovery", "Lists", "Watches", "Reads", "Writes")


def _role(ep: Endpoint) -> str:
    """Discovery, Lists, Watches, Reads (GET by name) or Writes."""
    if ep.verb == "list":
        return "Lists"
    if ep.verb == "watch":
        return "Watches"
    if ep.method == "GET":
        return "Reads" if "{name}" in ep.path else "Discovery"
    return "Writes"


def _version_key(m: Manifest) -> tuple[bool, str, tuple[int, ...]]:
    """kube-scheduler first, then the others by name; versions in numeric order."""
    nums = tuple(int(x) for x in re.findall(r"\d+", m.version))
    return m.scheduler != "kube-scheduler", m.scheduler, nums


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(manifests: Iterable[Manifest] | None = None) -> str:
    """docs/endpoints.md: per scheduler and version, what it lists, watches and writes."""
    ms = sorted(manifests if manifests is not None else Manifest.all(), key=_version_key)
    lines = [
        "# Endpoints each scheduler uses",
        "",
        "Generated by `python -m conformance.manifest --render` from `conformance/manifests/`,",
        "which the conformance tests (`python3 -m pytest conformance`) check every run",
        "against: a call outside its manifest, or a 404 (beyond a Lease or event-series",
        "lookup), 405, 415, 422 or 5xx answer, fails the run. Do not edit by hand.",
        "",
        "Profiles: `default` is kube-scheduler with nothing but a kubeconfig (protobuf",
        "bodies, leader election, QPS 50, streaming lists on 1.35); `simulation` is the",
        "configuration `fakekube simulate` runs (JSON, QPS 5000, no leader election).",
        "Other schedulers run as they are (`default`).",
        "",
    ]
    by_scheduler: dict[str, list[Manifest]] = {}
    for m in ms:
        by_scheduler.setdefault(m.scheduler, []).append(m)
    lines += ["| Scheduler | Versions | Endpoints |", "|---|---|---|"]
    for sched, group in by_scheduler.items():
        versions = ", ".join(m.version for m in group)
        counts = ", ".join(str(len({(e.method, e.path) for e in m.endpoints})) for m in group)
        lines.append(f"| {sched} | {versions} | {counts} |")
    lines.append("")
    for sched, group in by_scheduler.items():
        lines += [f"## {sched}", ""]
        if sched in ABOUT:
            lines += [ABOUT[sched], ""]
        if len(group) > 1:
            lines += _matrix(group)
        for m in group:
            lines += [f"### {m.name}", ""]
            lines += _table(m)
    return "\n".join(lines).rstrip() + "\n"


def _matrix(group: list[Manifest]) -> list[str]:
    """Which version uses which (method, path): the differences at a glance."""
    rows: dict[tuple[str, str, str], set[str]] = {}
    for m in group:
        for ep in m.endpoints:
            rows.setdefault((_role(ep), ep.method, ep.path), set()).add(m.version)
    head = "| Role | Method | Path | " + " | ".join(m.version for m in group) + " |"
    out = [head, "|---|---|---|" + "---|" * len(group)]
    order = list(_ROLES)
    for (role, method, path), versions in sorted(
        rows.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][2], kv[0][1])
    ):
        marks = " | ".join("✓" if m.version in versions else "" for m in group)
        out.append(f"| {role} | {method} | `{path}` | {marks} |")
    return [*out, ""]


def _table(m: Manifest) -> list[str]:
    out = [
        "| Role | Method | Path | Query parameters | Body | Status | Profiles | User agent |",
        "|---|---|---|---|---|---|---|---|",
    ]
    order = list(_ROLES)
    for ep, usage in sorted(m.endpoints.items(), key=lambda kv: (order.index(_role(kv[0])), kv[0])):
        out.append(
            f"| {_role(ep)} | {ep.method} | `{ep.path}` | {_cell(', '.join(ep.query)) or '-'} "
            f"| {ep.content_type or '-'} | {', '.join(map(str, sorted(usage.statuses)))} "
            f"| {', '.join(sorted(usage.profiles))} | {_cell(ep.user_agent)} |"
        )
    return [*out, ""]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m conformance.manifest", description=__doc__)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--update", action="store_true", help="run the tests, grow manifests")
    mode.add_argument("--render", action="store_true", help="rewrite docs/endpoints.md")
    mode.add_argument("--check", action="store_true", help="fail if docs/endpoints.md is stale")
    ap.add_argument("pytest_args", nargs="*", help="extra pytest arguments for --update")
    args = ap.parse_args(argv)
    if args.update:
        env = {**os.environ, UPDATE_ENV: "1"}
        cmd = [sys.executable, "-m", "pytest", "-q", "conformance", *args.pytest_args]
        code = subprocess.call(cmd, cwd=ROOT, env=env)
        DOC.write_text(render())
        return code
    if args.render:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(render())
        return 0
    stale = not DOC.exists() or DOC.read_text() != render()
    if stale:
        print(f"{DOC.relative_to(ROOT)} is stale: python -m conformance.manifest --render")
    return int(stale)


if __name__ == "__main__":
    raise SystemExit(main())
