"""The record contract shared by `pii-worker redact`, `POST /redact` and the stream worker.

A record is a JSON object or a line of plain text. Every string value in a JSON record, nested
objects and arrays included, is scanned and redacted, and so is the text of every number (a card
number sent as a JSON integer is still a card: a number with a detection in it comes out as the
redacted string) and every object key at any depth (careless producers key maps by e-mail or
phone number: a key with a detection in it is replaced by its redacted form). Booleans, numbers
and keys without detections are kept as they are (integers of any size exactly). Naming fields
(`RecordSpec.fields`) says where the text of a structured log is - no `text` field is then
required and a missing id is not an error - but never lets another string through unscanned:
unnamed strings are scanned too.

One detector call per record: the strings are laid out as one view text, each on its own line as
`<key>: <value>` (the key names are context for the rules, as in `ssn: 078-05-1121`; the main text
field has no prefix); a key whose value is not a non-empty string or number (an object, an array,
a boolean, null, "") gets a line of its own. Keys and values are separate fields. The pipeline
runs once on the view, and its spans are clipped to each field's range and redacted per field with
the pipeline's Redactor. A span crossing from one field into the next is split, never dropped.
Two keys of one object that redact to the same text keep both entries: the later one (in the
object's order) gets the first free suffix `#2`, `#3`, ... (workers.record_output). Building the
view, clipping and redacting are linear in the record.

The id's value is scanned like any string (careless producers key records by e-mail or phone),
but an entity in it is replaced by a keyed pseudonym `[TYPE:<hash>]` instead of its type's
operator (workers.record_output), so ids stay distinct and equal ids stay equal; an id without
an entity is kept as given. The id is never taken from the text. The keys of the id and of the
main text field are configuration and are not scanned. An id that is not a string or a number is
an error. Errors never carry the record's text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from workers.errors import PiiWorkerError
from workers.models import Document, Span

DEFAULT_MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
InputFormat = Literal["json", "text", "auto"]

# orjson reads integers past 64 bits as floats (precision lost): records with such a digit run
# take the standard library parser, which keeps Python ints exact.
_LONG_DIGITS = re.compile(rb"\d{19,}")
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_$@-]+$")
_SPAN = Span.__pydantic_validator__.validate_python


class RecordError(PiiWorkerError, ValueError):
    """A record that cannot be processed; the message names the problem, never the text."""

    def __init__(self, message: str, error_class: str, doc_id: str | None = None):
        super().__init__(message)
        self.error_class = error_class
        self.doc_id = doc_id


@dataclass(frozen=True, slots=True)
class RecordSpec:
    """How records are read: explicit parameters, the same for every host."""

    input_format: InputFormat = "json"
    id_field: str = "id"
    text_field: str = "text"
    # Dotted paths naming where the text is (structured logs); empty: the text field is required.
    fields: tuple[str, ...] = ()
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
    # Stream records need an id (or named fields); CLI lines fall back to their line number.
    require_id: bool = False

    def __post_init__(self) -> None:
        if self.id_field == self.text_field:
            raise ValueError(f"the id field and the text field must differ (both {self.id_field!r})")
        for path in (self.id_field, self.text_field, *self.fields):
            if not path or any(not part for part in path.split(".")):
                raise ValueError(f"invalid field path {path!r} (use dotted names like user.email)")
        if self.id_field in self.fields:
            raise ValueError(f"the id field {self.id_field!r} is scanned as the id: do not name it in fields")
        if self.max_document_bytes < 1:
            raise ValueError("max_document_bytes must be at least 1")


@dataclass(slots=True)
class _Node:
    """A container on the way down to a string: enough to name its path lazily and to write into
    it without walking from the root."""

    parent: _Node | None
    key: str | int | None
    container: Any  # the dict or list itself
    # Keys of this object replaced by their redacted form (set once, when the record is redacted):
    # paths name the output's keys, never the raw ones.
    renamed: dict[str, str] | None = None

    def out_key(self, key: str | int) -> str | int:
        return self.renamed.get(key, key) if self.renamed is not None and isinstance(key, str) else key


@dataclass(slots=True)
class FieldRef:
    """One scanned string - a value, or an object key when `is_key` - where it sits in the record
    and where it is in the view."""

    node: _Node | None  # the container holding it (None: plain-text record)
    key: str | int | None
    start: int
    end: int
    is_key: bool = False
    is_id: bool = False  # the record's id: pseudonymised, not redacted (record_output)

    @property
    def path(self) -> str | None:
        """JSON path in the output record (redacted keys, never raw ones); a key's own path ends
        in `~` (the JSONPath-Plus mark for a property name): `users["[EMAIL_ADDRESS]"]~`."""
        if self.node is None:
            return None
        keys: list[str | int] = [self.node.out_key(self.key)] if self.key is not None else []
        n: _Node | None = self.node
        while n is not None and n.key is not None and n.parent is not None:
            keys.append(n.parent.out_key(n.key))
            n = n.parent
        return _path(reversed(keys)) + ("~" if self.is_key else "")


def _path(keys: Any) -> str:
    out: list[str] = []
    for k in keys:
        if isinstance(k, int):
            out.append(f"[{k}]")
        elif _PLAIN_KEY.match(k):
            out.append(f".{k}" if out else k)
        else:  # keys with dots, brackets, spaces: quoted so the path stays unambiguous
            out.append(f"[{json.dumps(k, ensure_ascii=False)}]")
    return "".join(out)


@dataclass(slots=True)
class ParsedRecord:
    doc_id: str
    body: dict[str, Any] | None  # None: plain text
    view: str
    fields: list[FieldRef]
    _applied: bool = field(default=False, repr=False)

    def document(self) -> Document:
        return Document(id=self.doc_id, text=self.view)


@dataclass(slots=True)
class FieldSpan:
    """A span clipped to one field: offsets into that field's original string."""

    field: str | None
    span: Span
    index: int  # into ParsedRecord.fields


@dataclass(slots=True)
class RedactedRecord:
    body: dict[str, Any] | None
    text: str | None  # plain-text records
    entities: list[FieldSpan]
    doc_id: str | None = None  # the published id when the record's own held an entity


# ---------------------------------------------------------------------------------------------
# parsing


def loads(raw: bytes | str) -> Any:
    """JSON with integers of any size exact (see _LONG_DIGITS)."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if _LONG_DIGITS.search(data):
        return json.loads(data, parse_constant=_no_constant)
    return orjson.loads(data)


def dumps(obj: Any) -> bytes:
    try:
        return orjson.dumps(obj)
    except TypeError:  # an integer past 64 bits, or a lone surrogate from a \\ud800 escape
        return json.dumps(obj, ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_record(raw: bytes, spec: RecordSpec, fallback_id: str) -> ParsedRecord:
    """Raw bytes -> a record ready for the pipeline, or RecordError. `fallback_id` (line number,
    stream coordinates) is the id of plain text and of JSON records without one."""
    if len(raw) > spec.max_document_bytes:
        raise RecordError(
            f"document is {len(raw)} bytes, limit is {spec.max_document_bytes} (max_document_bytes)",
            "DocumentTooLarge",
            fallback_id,
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise RecordError(f"invalid UTF-8 at byte {e.start}", "InvalidUtf8", fallback_id) from None
    is_json = spec.input_format == "json" or (spec.input_format == "auto" and text.lstrip()[:1] in ("{", "["))
    if not is_json:
        if not text.strip():
            raise RecordError("empty text", "EmptyRecord", fallback_id)
        return ParsedRecord(doc_id=fallback_id, body=None, view=text, fields=[FieldRef(None, None, 0, len(text))])
    try:
        obj = loads(raw)
    except (orjson.JSONDecodeError, ValueError, RecursionError) as e:
        raise RecordError(f"invalid JSON: {_json_reason(e)}", "InvalidJson", fallback_id) from None
    return parse_object(obj, spec, fallback_id)


def _json_reason(e: Exception) -> str:
    # Both parsers' messages give a position and a reason, never more than a character of input.
    return str(e) if not isinstance(e, RecursionError) else "nested too deeply"


def parse_object(obj: Any, spec: RecordSpec, fallback_id: str) -> ParsedRecord:
    """An already-decoded JSON value -> ParsedRecord (HTTP JSON bodies)."""
    if not isinstance(obj, dict):
        raise RecordError(f"expected a JSON object, got {_json_type(obj)}", "InvalidDocument", fallback_id)
    id_holder, id_key, raw_id = _find(obj, spec.id_field)
    doc_id = _doc_id(raw_id, spec, fallback_id, found=id_holder is not None)
    if spec.fields:
        for path in spec.fields:
            _, _, value = _find(obj, path)
            if value is not None and not isinstance(value, str | dict | list):
                raise RecordError(
                    f"field {path!r} must hold text (a string, object or array), got {_json_type(value)}",
                    "InvalidField",
                    doc_id,
                )
    else:
        holder, _, value = _find(obj, spec.text_field)
        if holder is None or value is None:
            raise RecordError(f"missing field {spec.text_field!r}", "MissingField", doc_id)
        if not isinstance(value, str):
            raise RecordError(
                f"field {spec.text_field!r} must be a string, got {_json_type(value)}", "InvalidField", doc_id
            )
    view, fields = _layout(obj, (id_holder, id_key), spec.text_field)
    return ParsedRecord(doc_id=doc_id, body=obj, view=view, fields=fields)


def _find(obj: dict[str, Any], path: str) -> tuple[dict[str, Any] | None, str, Any]:
    cur: Any = obj
    parts = path.split(".")
    for part in parts[:-1]:
        if not isinstance(cur, dict) or part not in cur:
            return None, parts[-1], None
        cur = cur[part]
    if not isinstance(cur, dict) or parts[-1] not in cur:
        return None, parts[-1], None
    return cur, parts[-1], cur[parts[-1]]


def _doc_id(raw_id: Any, spec: RecordSpec, fallback_id: str, found: bool) -> str:
    if not found or raw_id is None:
        if spec.require_id and not spec.fields:
            raise RecordError(f"missing id field {spec.id_field!r}", "MissingField", fallback_id)
        return fallback_id
    if isinstance(raw_id, str) and raw_id:
        return raw_id
    if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
        return str(raw_id)
    raise RecordError(
        f"id field {spec.id_field!r} must be a non-empty string or a number, got {_json_type(raw_id)}",
        "InvalidField",
        fallback_id,
    )


def _json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "string"
    return "array" if isinstance(v, list) else "object"


def _layout(obj: dict[str, Any], skip: tuple[Any, str], text_field: str) -> tuple[str, list[FieldRef]]:
    """Keys and strings of an object or array in order, then its nested ones, depth-first; no
    recursion (the nesting depth is the input's choice)."""
    parts: list[str] = []
    fields: list[FieldRef] = []
    pos = 0
    root = _Node(None, None, obj)
    id_node: _Node | None = None
    # (node naming the container, label for its strings: nearest object key)
    stack: list[tuple[_Node, str]] = [(root, "")]
    while stack:
        node, label = stack.pop()
        container = node.container
        nested: list[tuple[_Node, str]] = []
        if isinstance(container, dict):
            for key, value in container.items():
                if container is skip[0] and key == skip[1]:
                    id_node = node
                    continue  # laid out last: the main text keeps offset 0
                value = _scannable(value)
                # Every key is scanned but the main text field's, which the configuration names.
                if not key or (node is root and key == text_field):
                    if isinstance(value, str) and value:  # the main text: no prefix
                        fields.append(FieldRef(node, key, pos, pos + len(value)))
                        parts.append(value + "\n")
                        pos += len(value) + 1
                else:
                    end = pos + len(key)
                    fields.append(FieldRef(node, key, pos, end, True))
                    if isinstance(value, str) and value:
                        # The key reads as context for its value: "ssn: 078-05-1121".
                        fields.append(FieldRef(node, key, end + 2, end + 2 + len(value)))
                        parts.append(f"{key}: {value}\n")
                        pos = end + len(value) + 3
                    else:  # an object, array, boolean, null or "": the key on a line of its own
                        parts.append(key + "\n")
                        pos = end + 1
                if isinstance(value, dict | list) and value:
                    nested.append((_Node(node, key, value), key or label))
        else:
            for i, value in enumerate(container):
                value = _scannable(value)
                if isinstance(value, str) and value:
                    # Array items read after the nearest object key, as context only.
                    start = pos + len(label) + 2
                    fields.append(FieldRef(node, i, start, start + len(value)))
                    parts.append(f"{label}: {value}\n")
                    pos = start + len(value) + 1
                elif isinstance(value, dict | list) and value:
                    nested.append((_Node(node, i, value), label))
        # Children are visited after their siblings' strings, in order; a stack pops the last
        # pushed first, so push them reversed.
        stack.extend(reversed(nested))
    if id_node is not None:
        # Careless producers key records by e-mail or phone: the id's value is scanned (its name
        # is configuration, like the text field's) and read after the key, as context.
        key = skip[1]
        value = _scannable(id_node.container[key])
        if isinstance(value, str) and value:
            fields.append(FieldRef(id_node, key, pos + len(key) + 2, pos + len(key) + 2 + len(value), is_id=True))
            parts.append(f"{key}: {value}\n")
    return "".join(parts), fields


def _scannable(value: Any) -> Any:
    """Careless producers send card numbers, phones and SSNs as JSON numbers: their text is
    scanned too; a number with a detection in it comes out as a redacted string."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value) if isinstance(value, int) else orjson.dumps(value).decode()
    return value
