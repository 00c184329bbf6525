"""The Batsim 4.x JSON protocol: message shapes and the checks real Batsim enforces.

Real Batsim ``xbt_assert``s on every malformed decision and the whole simulation aborts.
The embedded engine runs the same checks through :func:`check_decisions`, with the
wording of the abort, so a decision process developed against fakekube cannot make a
mistake that only shows up against real Batsim.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from procset import ProcSet

__all__ = [
    "BATSIM_EVENTS",
    "DECISION_EVENTS",
    "Message",
    "ProtocolError",
    "check_decisions",
    "event",
    "parse_alloc",
]

#: Event types Batsim sends to the decision process.
BATSIM_EVENTS = frozenset(
    {
        "SIMULATION_BEGINS",
        "SIMULATION_ENDS",
        "JOB_SUBMITTED",
        "JOB_COMPLETED",
        "JOB_KILLED",
        "REQUESTED_CALL",
        "RESOURCE_STATE_CHANGED",
        "NOTIFY",
        "QUERY",
        "ANSWER",
        "FROM_JOB_MSG",
    }
)
#: Event types Batsim accepts from the decision process; anything else aborts.
DECISION_EVENTS = frozenset(
    {
        "QUERY",
        "ANSWER",
        "REJECT_JOB",
        "EXECUTE_JOB",
        "CHANGE_JOB_STATE",
        "CALL_ME_LATER",
        "KILL_JOB",
        "REGISTER_JOB",
        "REGISTER_PROFILE",
        "SET_RESOURCE_STATE",
        "SET_JOB_METADATA",
        "NOTIFY",
        "TO_JOB_MSG",
    }
)


class ProtocolError(RuntimeError):
    """A message real Batsim would abort on; the text says which rule was broken."""


def event(timestamp: float, etype: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"timestamp": timestamp, "type": etype, "data": data}


@dataclass
class Message:
    """One envelope: ``{"now": …, "events": […]}``."""

    now: float
    events: list[dict[str, Any]]

    def encode(self) -> bytes:
        return orjson.dumps({"now": self.now, "events": self.events})

    @classmethod
    def decode(cls, raw: bytes, *, known: frozenset[str]) -> Message:
        """Parse and check the envelope as Batsim's reader does."""
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ProtocolError(f"message is not valid JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise ProtocolError("message is not a JSON object")
        now = doc.get("now")
        if isinstance(now, bool) or not isinstance(now, int | float):
            raise ProtocolError("message has no numeric 'now'")
        events = doc.get("events")
        if not isinstance(events, list):
            raise ProtocolError("message has no 'events' array")
        last = float("-inf")
        for i, ev in enumerate(events):
            if not isinstance(ev, dict):
                raise ProtocolError(f"event {i} is not an object")
            ts = ev.get("timestamp")
            if isinstance(ts, bool) or not isinstance(ts, int | float):
                raise ProtocolError(f"event {i} has no numeric 'timestamp'")
            if ts > now:
                raise ProtocolError(f"event {i} has timestamp {ts} > now {now}")
            if ts < last:
                raise ProtocolError(f"event {i} has timestamp {ts}, before the previous event")
            last = ts
            etype = ev.get("type")
            if etype not in known:
                raise ProtocolError(f"event {i} has unknown type {etype!r}")
            if not isinstance(ev.get("data"), dict):
                raise ProtocolError(f"event {i} ({etype}) has no 'data' object")
        return cls(float(now), events)


def parse_alloc(text: Any) -> ProcSet:
    if not isinstance(text, str):
        raise ProtocolError(f"alloc must be an interval set string, got {text!r}")
    try:
        return ProcSet.from_str(text)
    except Exception:
        raise ProtocolError(f"invalid interval set {text!r}") from None


def _members(etype: str, data: dict[str, Any], allowed: tuple[int, ...]) -> None:
    if len(data) not in allowed:
        want = " or ".join(str(n) for n in allowed)
        raise ProtocolError(f"{etype}: data must have {want} members, got {sorted(data)}")


def check_decisions(
    msg: Message,
    *,
    now: float,
    job_res: Mapping[str, int],
    submitted: set[str],
    nb_resources: int,
) -> None:
    """Batsim's aborts on a reply: alloc size, data members, past calls, job states.

    ``now`` is the time of the message being answered; ``submitted`` the jobs currently in
    state SUBMITTED; ``job_res`` every known job's ``res``.
    """
    if msg.now < now:
        raise ProtocolError(f"reply 'now' {msg.now} is before the request's {now}")
    for ev in msg.events:
        etype, data = ev["type"], ev["data"]
        if etype == "EXECUTE_JOB":
            _members(etype, data, (2, 3))
            job_id = data.get("job_id")
            if job_id not in job_res:
                raise ProtocolError(f"EXECUTE_JOB: unknown job {job_id!r}")
            if job_id not in submitted:
                raise ProtocolError(f"EXECUTE_JOB: job {job_id!r} is not in state SUBMITTED")
            alloc = parse_alloc(data.get("alloc"))
            if len(alloc) == 0:
                raise ProtocolError(f"EXECUTE_JOB {job_id}: empty alloc")
            if alloc.max >= nb_resources:
                raise ProtocolError(f"EXECUTE_JOB {job_id}: alloc {alloc} outside the machines")
            mapping = data.get("mapping")
            if len(data) == 3 and not isinstance(mapping, dict):
                raise ProtocolError(f"EXECUTE_JOB {job_id}: third member must be 'mapping'")
            if mapping is None and len(alloc) != job_res[job_id]:
                raise ProtocolError(
                    f"EXECUTE_JOB {job_id}: alloc {alloc} has {len(alloc)} machines, "
                    f"the job requests {job_res[job_id]}"
                )
            if mapping is not None:
                if len(mapping) != job_res[job_id]:
                    raise ProtocolError(
                        f"EXECUTE_JOB {job_id}: mapping has {len(mapping)} executors, "
                        f"the job requests {job_res[job_id]}"
                    )
                for k, v in mapping.items():
                    if not str(v).isdigit() or int(v) >= len(alloc):
                        raise ProtocolError(f"EXECUTE_JOB {job_id}: mapping {k}->{v} outside alloc")
        elif etype == "REJECT_JOB":
            _members(etype, data, (1,))
            if data.get("job_id") not in submitted:
                raise ProtocolError(f"REJECT_JOB: job {data.get('job_id')!r} is not SUBMITTED")
        elif etype == "KILL_JOB":
            _members(etype, data, (1,))
            ids = data.get("job_ids")
            if not isinstance(ids, list) or not ids:
                raise ProtocolError("KILL_JOB: job_ids must be a non-empty list")
        elif etype == "CALL_ME_LATER":
            _members(etype, data, (1,))
            ts = data.get("timestamp")
            if isinstance(ts, bool) or not isinstance(ts, int | float):
                raise ProtocolError("CALL_ME_LATER: timestamp must be a number")
            if ts <= msg.now:
                raise ProtocolError(
                    f"CALL_ME_LATER: requested time {ts} is not after the current time {msg.now}"
                )
        elif etype == "SET_JOB_METADATA":
            _members(etype, data, (2,))
        elif etype == "NOTIFY":
            if data.get("type") not in ("registration_finished", "continue_registration"):
                raise ProtocolError(f"NOTIFY: unknown type {data.get('type')!r}")
        elif etype in ("REGISTER_JOB", "REGISTER_PROFILE"):
            raise ProtocolError(f"{etype}: dynamic jobs are not enabled")
