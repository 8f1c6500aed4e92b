"""The Kafka envelope of a record - its key and header values - scanned and redacted like its value.

Producers key records by e-mail address or user name (partitioning by user is common) and put
user ids in headers; passed on as they are, those would reach the redacted topic raw. With the
`redact` policy (the default) the key and every header value that is UTF-8 are laid out after the
record's own view text, one `<label>: <text>` line each, so the SAME pipeline call that scans the
value scans them too (no second call per record, and one outcome per record: if detection fails,
the whole record is dead-lettered, its key and headers with it). The record's own spans are those
before the envelope, so the value is redacted exactly as without it.

- Key: each entity in it becomes a keyed pseudonym `[TYPE:<hash>]` whose hash is the entity's
  annotation `value_hash` (prefix), so equal keys stay equal and per-key order holds downstream;
  the output partition is chosen from the ORIGINAL key by the worker, as before.
- Header values: redacted with the pipeline's own operators; header names are kept.
- A key or header value that is not UTF-8 cannot be scanned: it is replaced by its keyed hash.
- `hash`: the key is always replaced by its keyed hash (not scanned); header values as `redact`.
- `keep`: key and headers pass unchanged (the behaviour before this module; unsafe).

Entities found in the envelope are annotated with field `$key` or `$headers.<name>`, offsets into
that key or header value, never the raw value (unless include_values). Dead letters keep the
original key and headers: the dead-letter topic is the quarantine for raw input.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Literal

from workers.models import Document, Result, Span
from workers.records import _SPAN
from workers.redact import ID_HASH_CHARS, Redactor
from workers.stream.ingest import Decoded, Inbound
from workers.stream.output import annotation_hash, entity_annotation

EnvelopePolicy = Literal["redact", "hash", "keep"]

KEY_FIELD = "$key"
HEADER_FIELD = "$headers."
# The key's line label: context for the rules as an object key is ("user: alice@example.com").
KEY_LABEL = "key"
# Hex digits of a keyed hash in an output key: 128 bits, so two users' keys never merge in practice
# (a log-compacted topic would otherwise drop one user's records as the other's older ones).
HASH_CHARS = ID_HASH_CHARS


@dataclass(frozen=True, slots=True)
class _Part:
    field: str
    header: int | None  # index into the record's headers; None: the key
    start: int  # offsets of the key or header value in the document text
    end: int


@dataclass(frozen=True, slots=True)
class Envelope:
    """Where the key and header values sit in the document given to the pipeline."""

    base: int  # length of the record's own view: spans ending by here are the record's
    parts: tuple[_Part, ...]
    # Not UTF-8, so never scanned: replaced by their keyed hash.
    key_opaque: bool = False
    opaque_headers: frozenset[int] = frozenset()


@dataclass(slots=True)
class Sealed:
    """A record's key and headers as published, and the entities found in them (annotations)."""

    key: bytes | None
    headers: list[tuple[str, Any]]
    entities: list[dict[str, Any]]


def keyed_digest(hash_key: bytes, field: str, raw: bytes) -> bytes:
    """Keyed hash of raw bytes (a key or header value that could not be scanned): equal inputs stay
    equal, useless without the key. The field name keeps keys and header values apart."""
    mac = hmac.new(hash_key, field.encode("utf-8", "surrogatepass") + b"\x00" + raw, hashlib.sha256)
    return mac.hexdigest()[:HASH_CHARS].encode("ascii")


def _utf8(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def document(dec: Decoded, policy: EnvelopePolicy) -> tuple[Document, Envelope]:
    """The record's pipeline document: its view, then (unless `keep`) one line per UTF-8 key or
    header value. Linear in the record."""
    view = dec.parsed.view
    base = len(view)
    if policy == "keep":
        return dec.parsed.document(), Envelope(base, ())
    rec = dec.record
    lines: list[str] = []
    parts: list[_Part] = []
    pos = base + 1  # after the newline that separates the view from the envelope
    items: list[tuple[str, str, int | None]] = []
    key_opaque = False
    opaque: list[int] = []
    if policy == "redact" and rec.key:
        text = _utf8(rec.key)
        if text is None:
            key_opaque = True
        else:
            items.append((KEY_LABEL, text, None))
    for i, (name, value) in enumerate(rec.headers):
        if isinstance(value, bytes) and value:
            text = _utf8(value)
            if text is None:
                opaque.append(i)
            else:
                items.append((name, text, i))
    for label, text, header in items:
        start = pos + len(label) + 2
        field = KEY_FIELD if header is None else HEADER_FIELD + label
        parts.append(_Part(field, header, start, start + len(text)))
        lines.append(f"{label}: {text}")
        pos = start + len(text) + 1
    env = Envelope(base, tuple(parts), key_opaque, frozenset(opaque))
    if not parts:
        return dec.parsed.document(), env
    return Document(id=dec.doc_id, text=view + "\n" + "\n".join(lines)), env


def split(result: Result, env: Envelope) -> tuple[Result, list[Span]]:
    """The record's own result (spans within its view) and the spans in the envelope. A span that
    crosses from the view into the envelope is cut in two, never dropped."""
    if not env.parts or all(s.end <= env.base for s in result.entities):
        return result, []
    base = env.base
    own: list[Span] = []
    tail: list[Span] = []
    for s in result.entities:
        if s.end <= base:
            own.append(s)
        elif s.start >= base:
            tail.append(s)
        else:
            own.append(_clip(s, s.start, base, 0))
            tail.append(_clip(s, base, s.end, 0))
    return result.model_copy(update={"entities": own}), tail


def _clip(s: Span, lo: int, hi: int, origin: int) -> Span:
    return _SPAN({"start": lo - origin, "end": hi - origin, "type": s.type, "score": s.score, "detector": s.detector})


def seal(
    rec: Inbound,
    env: Envelope,
    tail: list[Span],
    policy: EnvelopePolicy,
    redactor: Redactor,
    hash_key: bytes,
    text: str,
    include_values: bool = False,
) -> Sealed:
    """The key and headers to publish for `rec`, given the envelope spans of its document `text`.
    Spans and parts are both sorted by offset, so one merge-walk clips them: O(parts + spans)."""
    if policy == "keep" or (policy == "redact" and not tail and not env.key_opaque and not env.opaque_headers):
        return Sealed(rec.key, rec.headers, [])  # nothing found, nothing unscannable: as they came
    per_part: list[list[Span]] = [[] for _ in env.parts]
    spans = sorted(tail, key=lambda s: s.start)
    j = 0
    for i, p in enumerate(env.parts):
        while j < len(spans) and spans[j].end <= p.start:
            j += 1
        k = j
        while k < len(spans) and spans[k].start < p.end:
            s = spans[k]
            lo, hi = max(s.start, p.start), min(s.end, p.end)
            if hi > lo:  # a span on a label or line break is in no part
                per_part[i].append(_clip(s, lo, hi, p.start))
            k += 1

    entities: list[dict[str, Any]] = []
    key = rec.key
    header_spans: dict[int, tuple[str, list[Span]]] = {}
    for p, found in zip(env.parts, per_part, strict=True):
        if not found:
            continue
        part = text[p.start : p.end]
        hashes: list[str] = []
        for sp in found:
            v = part[sp.start : sp.end]
            vh = annotation_hash(hash_key, v, sp.type)
            hashes.append(vh)
            entities.append(entity_annotation(sp, p.field, vh, v if include_values else None))
        if p.header is None:
            key = _pseudonymize(part, found, hashes).encode("utf-8")
        else:
            header_spans[p.header] = (part, found)

    if key is not None and (policy == "hash" or env.key_opaque):
        key = keyed_digest(hash_key, KEY_FIELD, key)
    headers: list[tuple[str, Any]] = []
    for i, (name, value) in enumerate(rec.headers):
        if i in header_spans:
            text_value, found = header_spans[i]
            headers.append((name, redactor.redact(text_value, found).encode("utf-8")))
        elif i in env.opaque_headers:
            headers.append((name, keyed_digest(hash_key, HEADER_FIELD + name, value)))
        else:
            headers.append((name, value))
    return Sealed(key, headers, entities)


def _pseudonymize(value: str, spans: list[Span], hashes: list[str]) -> str:
    """Each entity of a key replaced by `[TYPE:<hash>]` (its annotation value_hash, cut), whatever
    operator the value's entities get: a fixed replacement would give every user's records one key."""
    out: list[str] = []
    cur = 0
    for s, vh in zip(spans, hashes, strict=True):
        out.append(value[cur : s.start])
        out.append(f"[{s.type}:{vh[:HASH_CHARS]}]")
        cur = s.end
    out.append(value[cur:])
    return "".join(out)


__all__ = [
    "HEADER_FIELD",
    "KEY_FIELD",
    "Envelope",
    "EnvelopePolicy",
    "Sealed",
    "document",
    "keyed_digest",
    "seal",
    "split",
]
