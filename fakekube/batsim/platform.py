"""Platforms: the compute hosts a simulation runs on, read as Batsim reads them.

Batsim numbers compute resources by *sorted host name*, not by file order (its
``machines.cpp`` enumerates SimGrid's name-sorted host list), and it excludes the
``master`` host. Every consumer of resource ids in fakekube goes through this module, so
that rule lives in one place. Properties are strings, as SimGrid hands them to Batsim,
and always include ``role``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Host", "Platform", "PlatformError", "load_platform", "parse_speed"]


class PlatformError(ValueError):
    """The platform file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Host:
    """One compute resource as SIMULATION_BEGINS describes it."""

    id: int
    name: str
    speed: float  # flop/s of the first pstate
    properties: dict[str, str] = field(default_factory=dict)
    zone_properties: dict[str, str] = field(default_factory=dict)

    def to_batsim(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "state": "idle",
            "properties": dict(self.properties),
            "zone_properties": dict(self.zone_properties),
        }


@dataclass(frozen=True)
class Platform:
    hosts: list[Host]
    master: str

    def by_id(self, rid: int) -> Host:
        return self.hosts[rid]

    def __len__(self) -> int:
        return len(self.hosts)


_UNITS = {
    "": 1.0,
    "k": 1e3,
    "m": 1e6,
    "g": 1e9,
    "t": 1e12,
    "p": 1e15,
    "e": 1e18,
    "ki": 2**10,
    "mi": 2**20,
    "gi": 2**30,
    "ti": 2**40,
}
_SPEED = re.compile(r"^\s*([0-9.]+(?:[eE][-+]?[0-9]+)?)\s*([kKmMgGtTpPeE]i?)?f(?:lops)?\s*$")


def parse_speed(text: str) -> float:
    """SimGrid's speed syntax (``98.095Mf``, ``1Gf``, ``1e9f``); a pstate list takes the first."""
    first = text.split(",")[0].strip()
    m = _SPEED.match(first)
    if not m:
        try:
            return float(first)
        except ValueError:
            raise PlatformError(f"invalid host speed {text!r}") from None
    return float(m.group(1)) * _UNITS[(m.group(2) or "").lower()]


def _radicals(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            out.extend(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def _props(elem: ET.Element) -> dict[str, str]:
    return {p.get("id", ""): p.get("value", "") for p in elem.findall("prop")}


def _from_xml(path: Path, master_host: str) -> Platform:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise PlatformError(f"{path}: not valid SimGrid XML: {exc}") from None
    raw: list[tuple[str, float, dict[str, str], dict[str, str]]] = []

    def walk(elem: ET.Element, zone_props: dict[str, str]) -> None:
        for child in elem:
            if child.tag in ("zone", "AS"):
                walk(child, {**zone_props, **_props(child)})
            elif child.tag == "host":
                raw.append(
                    (
                        child.get("id", ""),
                        parse_speed(child.get("speed", "1f")),
                        _props(child),
                        zone_props,
                    )
                )
            elif child.tag == "cluster":
                props = _props(child)
                speed = parse_speed(child.get("speed", "1f"))
                for r in _radicals(child.get("radical", "")):
                    name = f"{child.get('prefix', '')}{r}{child.get('suffix', '')}"
                    raw.append((name, speed, dict(props), zone_props))

    walk(root, {})
    if not raw:
        raise PlatformError(f"{path}: no <host> or <cluster> found")
    return _assemble(path, raw, master_host)


def _assemble(
    path: Path,
    raw: list[tuple[str, float, dict[str, str], dict[str, str]]],
    master_host: str,
) -> Platform:
    masters = [name for name, _, props, _ in raw if props.get("role") == "master"]
    if len(masters) > 1:
        raise PlatformError(f"{path}: several hosts have role=master: {', '.join(masters)}")
    master = masters[0] if masters else master_host
    names = [name for name, *_ in raw]
    if master not in names:
        raise PlatformError(
            f'{path}: no master host (set <prop id="role" value="master"/> on one host '
            f"or name one {master_host!r})"
        )
    if len(set(names)) != len(names):
        raise PlatformError(f"{path}: duplicate host names")
    compute = [
        (name, speed, props, zprops)
        for name, speed, props, zprops in raw
        if name != master and props.get("role", "compute_node") in ("compute_node", "")
    ]
    compute.sort(key=lambda h: h[0])
    hosts = [
        Host(i, name, speed, {"role": "", **props} if "role" not in props else props, zprops)
        for i, (name, speed, props, zprops) in enumerate(compute)
    ]
    if not hosts:
        raise PlatformError(f"{path}: no compute host besides the master {master!r}")
    return Platform(hosts, master)


def _from_list(path: Path, doc: Any) -> Platform:
    """``{"nodes": [{"name": "n1", "speed": "1Gf", "properties": {...}}, ...]}`` or a bare list."""
    nodes = doc.get("nodes") if isinstance(doc, dict) else doc
    if not isinstance(nodes, list) or not nodes:
        raise PlatformError(f"{path}: expected a non-empty list of nodes under 'nodes'")
    raw = []
    for i, node in enumerate(nodes):
        if not isinstance(node, dict) or not isinstance(node.get("name"), str):
            raise PlatformError(f"{path}: nodes[{i}] needs a string 'name'")
        props = {str(k): str(v) for k, v in (node.get("properties") or {}).items()}
        speed = parse_speed(str(node.get("speed", "1Gf")))
        raw.append((node["name"], speed, props, {}))
    raw.append(("master_host", 1e9, {"role": "master"}, {}))
    return _assemble(path, raw, "master_host")


def load_platform(path: str | Path, *, master_host: str = "master_host") -> Platform:
    """A SimGrid XML platform, or a YAML/JSON node list for quick experiments."""
    p = Path(path)
    if not p.is_file():
        raise PlatformError(f"{p}: no such platform file")
    if p.suffix == ".xml":
        return _from_xml(p, master_host)
    try:
        doc = json.loads(p.read_text()) if p.suffix == ".json" else yaml.safe_load(p.read_text())
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise PlatformError(f"{p}: cannot parse: {exc}") from None
    return _from_list(p, doc)
