"""Object validation kube-apiserver performs before anything is stored.

Only what clients observably depend on: name rules (their exact messages come from
k8s.io/apimachinery ``pkg/util/validation/validation.go``), required metadata, and the
``Invalid`` (422) error that aggregates field errors like ``field.ErrorList`` does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fakekube.errors import Cause, Invalid

__all__ = [
    "dns1123_label_errors",
    "dns1123_subdomain_errors",
    "label_key_errors",
    "label_value_errors",
    "validate_metadata",
]

_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL + "(\\." + _LABEL + ")*"
_SUBDOMAIN_RE = re.compile(f"^{_SUBDOMAIN_FMT}$")
_LABEL_RE = re.compile(rf"^{_LABEL}$")
_DNS1035_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")

_SUBDOMAIN_TEXT = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character"
)
_SUBDOMAIN_MSG = (
    f"{_SUBDOMAIN_TEXT} (e.g. 'example.com', regex used for validation is '{_SUBDOMAIN_FMT}')"
)
_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
    "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)

#: Kinds whose names are DNS-1123 labels rather than subdomains (ValidateNamespaceName…).
_LABEL_NAMED = {"Namespace"}
_DNS1035_NAMED = {"Service"}


def dns1123_subdomain_errors(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append("must be no more than 253 characters")
    if not _SUBDOMAIN_RE.match(value):
        errs.append(_SUBDOMAIN_MSG)
    return errs


def dns1123_label_errors(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _LABEL_RE.match(value):
        errs.append(_LABEL_MSG)
    return errs


def _dns1035_errors(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _DNS1035_RE.match(value):
        errs.append(_DNS1035_MSG)
    return errs


# -- k8s.io/apimachinery/pkg/api/validate/content: label keys and values ---------------
_LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_KEY = re.compile(f"^{_LABEL_KEY_FMT}$")
_LABEL_VALUE_FMT = f"({_LABEL_KEY_FMT})?"
_LABEL_VALUE = re.compile(f"^{_LABEL_VALUE_FMT}$")
_KEY_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character"
)
_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', "
    "'_' or '.', and must start and end with an alphanumeric character"
)


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    """content.RegexError, down to its double spaces before each ``or``."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    out = msg + " (e.g. "
    for i, example in enumerate(examples):
        if i > 0:
            out += " or "
        out += f"'{example}', "
    return out + f"regex used for validation is '{fmt}')"


def label_key_errors(key: str) -> list[str]:
    """content.IsLabelKey (IsQualifiedName): label keys, annotation keys, selector keys.

    Lengths are in bytes, as apimachinery 1.35 counts them (object *names* still use
    the older per-character rules above).
    """
    errs: list[str] = []
    parts = key.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            sub: list[str] = []
            if len(prefix.encode()) > 253:
                sub.append("must be no more than 253 bytes")
            if not _SUBDOMAIN_RE.match(prefix):
                sub.append(_regex_error(_SUBDOMAIN_TEXT, _SUBDOMAIN_FMT, "example.com"))
            errs.extend("prefix part " + m for m in sub)
    else:
        return [
            "a valid label key "
            + _regex_error(_KEY_MSG, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name.encode()) > 63:
        errs.append("name part must be no more than 63 bytes")
    if not _LABEL_KEY.match(name):
        errs.append(
            "name part " + _regex_error(_KEY_MSG, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


def label_value_errors(value: str) -> list[str]:
    """content.IsLabelValue."""
    errs = []
    if len(value.encode()) > 63:
        errs.append("must be no more than 63 bytes")
    if not _LABEL_VALUE.match(value):
        errs.append(_regex_error(_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def _label_and_annotation_causes(meta: Mapping[str, Any]) -> list[Cause]:
    """ValidateLabels and ValidateAnnotations (keys only for annotations), in map order."""
    causes: list[Cause] = []
    labels = meta.get("labels")
    if isinstance(labels, Mapping):
        for k, v in labels.items():
            causes += [_invalid_value("metadata.labels", k, e) for e in label_key_errors(k)]
            if isinstance(v, str):
                causes += [_invalid_value("metadata.labels", v, e) for e in label_value_errors(v)]
    annotations = meta.get("annotations")
    if isinstance(annotations, Mapping):
        for k in annotations:
            causes += [
                _invalid_value("metadata.annotations", k, e) for e in label_key_errors(k.lower())
            ]
    return causes


_CONFIG_KEY_RE = re.compile(r"^[-._a-zA-Z0-9]+$")
_CONFIG_KEY_MSG = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
    "'[-._a-zA-Z0-9]+')"
)
#: core.MaxSecretSize, which ValidateConfigMap also applies to ConfigMaps.
_MAX_CONFIG_BYTES = 1024 * 1024


def _configmap_causes(obj: Mapping[str, Any]) -> list[Cause]:
    """ValidateConfigMap: key syntax in data and binaryData, and their total size."""
    causes: list[Cause] = []
    total = 0
    for field in ("data", "binaryData"):
        values = obj.get(field)
        if not isinstance(values, Mapping):
            continue
        for key, value in values.items():
            errs = []
            if len(key) > 253:
                errs.append("must be no more than 253 characters")
            if not _CONFIG_KEY_RE.match(key):
                errs.append(_CONFIG_KEY_MSG)
            causes += [_invalid_value(f"{field}[{key}]", key, e) for e in errs]
            total += len(value) if isinstance(value, str) else 0
    if total > _MAX_CONFIG_BYTES:
        causes.append(
            Cause(
                "FieldValueTooLong",
                f"Too long: may not be more than {_MAX_CONFIG_BYTES} bytes",
                "[]",
            )
        )
    return causes


#: Kind-specific rules checked with the metadata: (group, kind) -> causes.
_KIND_RULES = {("", "ConfigMap"): _configmap_causes}


def _invalid_value(field: str, value: str, detail: str) -> Cause:
    return Cause("FieldValueInvalid", f'Invalid value: "{value}": {detail}', field)


def validate_metadata(kind: str, group: str, obj: Mapping[str, Any], *, namespaced: bool) -> None:
    """Raise :class:`Invalid` the way ``ValidateObjectMeta`` would for a create, together
    with the few kind rules in :data:`_KIND_RULES` (one error lists every cause, as upstream)."""
    meta = obj.get("metadata")
    name = meta.get("name", "") if isinstance(meta, Mapping) else ""
    causes: list[Cause] = []
    if not name:
        causes.append(
            Cause(
                "FieldValueRequired",
                "Required value: name or generateName is required",
                "metadata.name",
            )
        )
    elif not isinstance(name, str):
        causes.append(_invalid_value("metadata.name", str(name), "must be a string"))
    else:
        if kind in _LABEL_NAMED:
            errs = dns1123_label_errors(name)
        elif kind in _DNS1035_NAMED:
            errs = _dns1035_errors(name)
        else:
            errs = dns1123_subdomain_errors(name)
        causes.extend(_invalid_value("metadata.name", name, e) for e in errs)
    if namespaced and isinstance(meta, Mapping) and not meta.get("namespace"):
        causes.append(Cause("FieldValueRequired", "Required value", "metadata.namespace"))
    for key in ("labels", "annotations"):
        value = meta.get(key) if isinstance(meta, Mapping) else None
        if value is not None and not (
            isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values())
        ):
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    "Invalid value: must be a map of strings",
                    f"metadata.{key}",
                )
            )
    if isinstance(meta, Mapping):
        causes += _label_and_annotation_causes(meta)
    rule = _KIND_RULES.get((group, kind))
    if rule is not None:
        causes += rule(obj)
    if causes:
        raise Invalid.fields(kind, group, str(name) if name else "", causes)
