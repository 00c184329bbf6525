"""OpenAPI v2 as gnostic's ``openapi.v2.Document`` protobuf, the form kubectl downloads.

kubectl validates a ``kind: List`` (and any kind its OpenAPI v3 check cannot place) on
the client, against ``/openapi/v2`` fetched with
``Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`` (client-go
``DiscoveryClient.OpenAPISchema``) and no JSON fallback: a server without this form fails
the whole command. kube-apiserver produces it from its JSON document
(k8s.io/kube-openapi ``handler.ToProtoBinary``): gnostic's ``openapi_v2.ParseDocument``
reads the JSON into the message and ``proto.Marshal`` encodes it.

:func:`document` reads a JSON document the way ``ParseDocument`` does, driven by
:mod:`fakekube._proto.openapi_v2` (tables ``scripts/gen-openapi-v2-table`` extracts from
gnostic's ``OpenAPIv2.proto`` and generated readers), so the bytes match kube-apiserver's
for the same JSON: JSON keys map to fields (``$ref`` → ``_ref``); ``x-`` keys become
``NamedAny`` vendor extensions holding yaml.v3's text of the value
(:mod:`fakekube.go_yaml`); maps (definitions, properties, paths, responses) become
``Named*`` lists in document order; ``type`` becomes ``TypeItem``, ``items`` an
``ItemsItem`` of one schema, ``additionalProperties`` a schema or a bool; and each oneof
(a parameter body/query/path/header, a ``$ref`` or an inline response, a schema or a file
schema) takes the last alternative whose key checks pass, as gnostic's readers do.
A document gnostic would reject (a missing required key, an unknown key, a value of the
wrong type) raises :class:`InvalidDocument`.
"""

from __future__ import annotations

import re
from typing import Any

from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from fakekube import go_yaml
from fakekube._proto.openapi_v2 import CHECKS, MESSAGES

__all__ = ["CONTENT_TYPE", "MEDIA_TYPES", "InvalidDocument", "document", "encode", "message"]

#: What kube-apiserver answers with, whichever of :data:`MEDIA_TYPES` was asked for.
CONTENT_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
#: The media types kube-openapi serves the protobuf for; client-go asks for the first.
MEDIA_TYPES = (
    "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
    CONTENT_TYPE,
)

_PACKAGE = "openapi.v2"
_SCALARS = {
    "string": FieldDescriptor.TYPE_STRING,
    "bool": FieldDescriptor.TYPE_BOOL,
    "int64": FieldDescriptor.TYPE_INT64,
    "double": FieldDescriptor.TYPE_DOUBLE,
}
_NO_CHECKS: tuple[tuple[str, ...], tuple[str, ...] | None, tuple[str, ...], dict[str, Any]] = (
    (),
    None,
    (),
    {},
)


class InvalidDocument(ValueError):
    """The JSON is not an OpenAPI v2 document gnostic accepts (kube-openapi would fail too)."""


def _file() -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto(
        name="openapiv2/OpenAPIv2.proto",
        package=_PACKAGE,
        syntax="proto3",
        dependency=["google/protobuf/any.proto"],
    )
    for name, fields in MESSAGES.items():
        msg = proto.message_type.add(name=name)
        oneofs: list[str] = []
        for fname, number, label, ftype, how, arg in fields:
            field = msg.field.add(name=fname, number=number)
            field.label = (  # type: ignore[assignment]
                FieldDescriptor.LABEL_REPEATED
                if label == "repeated"
                else FieldDescriptor.LABEL_OPTIONAL
            )
            if ftype in _SCALARS:
                field.type = _SCALARS[ftype]  # type: ignore[assignment]
            else:
                field.type = FieldDescriptor.TYPE_MESSAGE  # type: ignore[assignment]
                field.type_name = "." + (ftype if "." in ftype else f"{_PACKAGE}.{ftype}")
            if how == "oneof":
                if arg not in oneofs:
                    oneofs.append(arg)
                    msg.oneof_decl.add(name=arg)
                field.oneof_index = oneofs.index(arg)
    return proto


def _classes() -> dict[str, type[Message]]:
    pool = descriptor_pool.DescriptorPool()
    pool.Add(descriptor_pb2.FileDescriptorProto.FromString(any_pb2.DESCRIPTOR.serialized_pb))
    pool.Add(_file())
    return {
        name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PACKAGE}.{name}"))
        for name in MESSAGES
    }


_CLASSES = _classes()


def message(name: str) -> type[Message]:
    """The message class of ``openapi.v2.<name>`` (``Document``, ``Schema``…)."""
    return _CLASSES[name]


def document(doc: Any) -> Message:
    """``doc`` (parsed JSON) as gnostic's ``openapi.v2.Document``."""
    msg, errors = _read("Document", doc, "$root")
    if errors:
        raise InvalidDocument("; ".join(errors))
    assert msg is not None
    return msg


def encode(doc: Any) -> bytes:
    """The bytes kube-apiserver serves for ``doc``: ``proto.Marshal`` of :func:`document`."""
    return document(doc).SerializeToString(deterministic=True)


# -- gnostic's readers: each returns the (possibly partial) message and its errors --------


def _reader(fields: tuple[tuple[str, int, str, str, str, str], ...]) -> str:
    hows = {how for _, _, _, _, how, _ in fields}
    for special in ("oneof", "item", "yaml", "scalars"):
        if special in hows:
            return special
    return "object"


#: message → how gnostic's ``NewX`` reads it: a oneof, the node as the one item of a
#: list (ItemsItem), as YAML text (Any), as strings (TypeItem, StringArray), or by keys.
_READERS = {name: _reader(fields) for name, fields in MESSAGES.items()}


def _read(name: str, node: Any, path: str) -> tuple[Message | None, list[str]]:
    reader = _READERS[name]
    if reader == "oneof":
        return _read_oneof(name, node, path)
    msg = _CLASSES[name]()
    if reader == "item":
        # NewItemsItem: the node is the one schema; a bad schema leaves ``items`` unset.
        schema, errors = _read("Schema", node, path)
        if errors:
            return None, errors
        msg.schema.append(schema)  # type: ignore[attr-defined]
        return msg, []
    if reader == "yaml":
        msg.yaml = go_yaml.marshal(node)  # type: ignore[attr-defined]
        return msg, []
    if reader == "scalars":
        return _read_scalars(msg, name, node, path)
    return _read_object(msg, name, node, path)


def _read_object(msg: Message, name: str, node: Any, path: str) -> tuple[Message, list[str]]:
    # gnostic's UnpackMap accepts any node; a non-mapping simply has no keys.
    mapping = node if isinstance(node, dict) else {}
    required, allowed, patterns, enums = CHECKS.get(name, _NO_CHECKS)
    errors = []
    missing = [key for key in required if key not in mapping]
    if missing:
        plural = "properties" if len(missing) > 1 else "property"
        errors.append(f"{path} is missing required {plural}: {', '.join(missing)}")
    if allowed is not None:
        invalid = [
            key
            for key in mapping
            if key not in allowed and not any(re.search(p, key) for p in patterns)
        ]
        if invalid:
            plural = "properties" if len(invalid) > 1 else "property"
            errors.append(f"{path} has invalid {plural}: {', '.join(invalid)}")
    for fname, _, label, ftype, how, arg in MESSAGES[name]:
        if how == "key" and arg in mapping:
            where = f"{path}.{arg}"
            value = mapping[arg]
            if label == "repeated":
                errors += _set_repeated(msg, fname, ftype, value, where, enums.get(fname))
            else:
                errors += _set_single(msg, fname, ftype, value, where, enums.get(fname))
        elif how == "map":
            for key, value in mapping.items():
                if not arg or re.search(arg, key):
                    errors += _add_named(getattr(msg, fname), ftype, key, value, f"{path}.{key}")
    return msg, errors


def _set_single(
    msg: Message, fname: str, ftype: str, value: Any, where: str, enum: tuple[str, ...] | None
) -> list[str]:
    if ftype in _SCALARS:
        ok, scalar = _scalar(ftype, value)
        if not ok:
            return [f"{where} has unexpected value: {value!r}"]
        if enum is not None and scalar not in enum:
            return [f"{where} has unexpected value: {value!r}"]
        setattr(msg, fname, scalar)
        return []
    sub, errors = _read(ftype, value, where)
    if sub is not None:
        _assign(getattr(msg, fname), sub)
    return errors


def _set_repeated(
    msg: Message, fname: str, ftype: str, value: Any, where: str, enum: tuple[str, ...] | None
) -> list[str]:
    target = getattr(msg, fname)
    if ftype == "string":
        if not isinstance(value, list):
            return [f"{where} has unexpected value: {value!r}"]
        strings = [s for ok, s in (_scalar("string", v) for v in value) if ok]
        target.extend(strings)
        if enum is not None and not all(s in enum for s in strings):
            return [f"{where} has unexpected value: {value!r}"]
        return []
    errors: list[str] = []
    # A repeated message field that is no sequence is silently left empty.
    for item in value if isinstance(value, list) else ():
        sub, item_errors = _read(ftype, item, where)
        errors += item_errors
        target.add().CopyFrom(sub or _CLASSES[ftype]())
    return errors


def _add_named(target: Any, named: str, key: str, value: Any, where: str) -> list[str]:
    pair = target.add()
    pair.name = key
    value_type = next(f[3] for f in MESSAGES[named] if f[0] == "value")
    if value_type == "string":  # NamedString (OAuth2 scopes): a non-string reads as ""
        pair.value = _scalar("string", value)[1]
        return []
    sub, errors = _read(value_type, value, where)
    if sub is not None:
        _assign(pair.value, sub)
    return errors


def _assign(field: Message, value: Message) -> None:
    """Set a message field, present even when empty: Go's non-nil pointer to an empty
    message (``paths: {}``, ``properties: {}``) is encoded, and kubectl reads a schema
    with empty properties as a struct, without as a map."""
    field.SetInParent()
    field.MergeFrom(value)


def _read_oneof(name: str, node: Any, path: str) -> tuple[Message, list[str]]:
    """gnostic tries every alternative in order; each one read without error replaces the
    previous, so the last that fits wins."""
    msg = _CLASSES[name]()
    matched = False
    for fname, _, _, ftype, _, _ in MESSAGES[name]:
        if ftype == "bool":
            if isinstance(node, bool):
                setattr(msg, fname, node)
                matched = True
            continue
        sub, errors = _read(ftype, node, path)
        if not errors and sub is not None:
            _assign(getattr(msg, fname), sub)
            matched = True
    if not matched:
        return msg, [f"{path} contains an invalid {name}"]
    return msg, []


def _read_scalars(msg: Message, name: str, node: Any, path: str) -> tuple[Message, list[str]]:
    target = msg.value  # type: ignore[attr-defined]
    if name == "StringArray":
        # NewStringArray: every scalar inside the node, "" for what is no string.
        items = node if isinstance(node, list) else []
        target.extend(_scalar("string", item)[1] for item in items)
        return msg, []
    # NewTypeItem: one type name, or a sequence of them.
    if isinstance(node, dict):
        return msg, [f"{path} has unexpected value for string array: {node!r}"]
    errors = []
    for item in node if isinstance(node, list) else [node]:
        if isinstance(item, dict | list):
            errors.append(f"{path} has unexpected value for string array element: {item!r}")
        else:
            target.append(_text(item))
    return msg, errors


def _scalar(ftype: str, value: Any) -> tuple[bool, Any]:
    """gnostic's ``StringForScalarNode`` & co on the YAML node JSON ``value`` parses to."""
    if isinstance(value, dict | list):
        return False, None
    if ftype == "bool":
        return (True, value) if isinstance(value, bool) else (False, None)
    if isinstance(value, bool):
        return False, None
    if ftype == "string":
        if value is None:
            return True, ""
        if isinstance(value, float):  # !!float is no string to gnostic, !!int is
            return False, None
        return True, str(value)
    if ftype == "int64":
        return (True, value) if isinstance(value, int) else (False, None)
    return (True, float(value)) if isinstance(value, int | float) else (False, None)


def _text(value: Any) -> str:
    """A scalar node's text, as yaml.v3 parsed it from JSON."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
