"""Redaction operators applied to resolved (disjoint, sorted) spans. Pure."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping, Sequence

from workers.errors import ConfigError
from workers.models import Span
from workers.taxonomy import Operator, Taxonomy


class RedactionConfigError(ConfigError):
    """Operators that cannot run as configured (e.g. pseudonyms without a key)."""


# Hex characters of a keyed hash that stands in for an identifier (a record id, a Kafka key):
# 128 bits, so distinct ids stay distinct at any volume (the pseudonym operator's 12 are for text).
ID_HASH_CHARS = 32


def value_hash(key: bytes, value: str, entity_type: str = "") -> str:
    """Keyed hash of a value: stable across records and workers sharing the key, useless without it."""
    return hmac.new(key, f"{entity_type}\x00{value}".encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


class Redactor:
    def __init__(
        self,
        taxonomy: Taxonomy,
        key: bytes | None = None,
        overrides: Mapping[str, Operator] | None = None,
        default: Operator | None = None,
    ):
        self.ops: dict[str, Operator] = {e.name: e.operator for e in taxonomy.entities}
        for name, op in (overrides or {}).items():
            if name not in self.ops:
                raise RedactionConfigError(f"operator override for unknown entity type {name!r}")
            self.ops[name] = op
        # Types a detector may emit outside the taxonomy (custom LLM labels) still get redacted.
        self.default = default or Operator()
        needs_key = sorted(n for n, op in self.ops.items() if op.kind == "pseudonym")
        if self.default.kind == "pseudonym":
            needs_key.append("(default)")
        if needs_key and not key:
            raise RedactionConfigError(
                f"pseudonym operator configured for {', '.join(needs_key)} but no HMAC key is set "
                "(set PII_WORKER_HMAC_KEY): refusing to start rather than emit unkeyed, guessable hashes"
            )
        self.key = key
        # Identifiers holding an entity are pseudonymised whatever the operator (see pseudonymize);
        # without a configured key the pseudonyms are stable within this process only.
        self._id_key = key or os.urandom(32)
        self._fixed: dict[str, tuple[Operator, str]] = {}

    def replacement(self, entity_type: str, value: str) -> str:
        op = self.ops.get(entity_type, self.default)
        if op.kind == "replace":
            # Depends on the type and the (frozen) operator only: formatted once per pair.
            fixed = self._fixed.get(entity_type)
            if fixed is None or fixed[0] is not op:
                fixed = self._fixed[entity_type] = (op, op.template.format(type=entity_type))
            return fixed[1]
        if op.kind == "mask":
            keep = min(op.keep_last, len(value) // 3)  # never more than a third of the value
            return op.mask_char * (len(value) - keep) + (value[-keep:] if keep else "")
        if op.kind == "pseudonym":
            assert self.key is not None
            return f"[{entity_type}:{value_hash(self.key, value, entity_type)[:12]}]"
        if op.kind == "drop":
            return ""
        return value  # keep: annotate only

    def redact(self, text: str, spans: Sequence[Span]) -> str:
        parts: list[str] = []
        cur = 0
        for s in sorted(spans, key=lambda s: s.start):
            if s.start < cur:
                raise ValueError(f"overlapping spans reached redaction at {s.start}; resolve first")
            parts.append(text[cur : s.start])
            parts.append(self.replacement(s.type, text[s.start : s.end]))
            cur = s.end
        parts.append(text[cur:])
        return "".join(parts)

    def pseudonymize(self, text: str, spans: Sequence[Span]) -> str:
        """`text` with each entity replaced by `[TYPE:<keyed hash>]`, for strings that identify
        a record (its id): a fixed replacement would give every user's records one id, while
        equal values keep equal pseudonyms. An operator that keeps values keeps the text."""
        if self.redact(text, spans) == text:
            return text
        parts: list[str] = []
        cur = 0
        for s in sorted(spans, key=lambda s: s.start):
            parts.append(text[cur : s.start])
            parts.append(f"[{s.type}:{value_hash(self._id_key, text[s.start : s.end], s.type)[:ID_HASH_CHARS]}]")
            cur = s.end
        parts.append(text[cur:])
        return "".join(parts)
