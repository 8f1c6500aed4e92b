"""Synthetic log lines with gold PII spans, shared by tests, `pii-worker gen` and `make bench`.

Every document is assembled piece by piece (literal text or a typed value), so gold offsets are
exact by construction. Values are valid where a validator exists (Luhn cards, mod-97 IBANs,
valid-form SSNs, parseable IPs, phonenumbers-valid phones, base58check/bech32 wallets), so a
detector that validates is not penalised for doing so. Look-alikes that must NOT be flagged
(order ids, UUIDs, timestamps, versions, hashes, ports, non-Luhn 16-digit numbers) are recorded
as `decoys` so evaluation can count how often a detector fires on them.

Deterministic: document i of seed s is the same whatever n is (each document has its own seed).
Faker is a test extra, so it is imported lazily inside `generate`.

Layout: gold.py (GoldDoc, the offset-recording builder), values.py (typed value generators),
formats.py and formats_heldout.py (one function per log format); this module holds the registry.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

from workers.loggen.formats import (
    _Fmt,
    fmt_apache,
    fmt_json,
    fmt_kv,
    fmt_nginx,
    fmt_sql,
    fmt_stacktrace,
    fmt_syslog,
    fmt_ticket,
)
from workers.loggen.formats_heldout import fmt_cef, fmt_csv, fmt_haproxy, fmt_k8s, fmt_mail
from workers.loggen.gold import DECOY_TYPES, PII_TYPES, GoldDoc, GoldSpan, _Builder
from workers.loggen.values import _Values

FORMATS: dict[str, _Fmt] = {
    "nginx": fmt_nginx,
    "apache": fmt_apache,
    "json": fmt_json,
    "syslog": fmt_syslog,
    "sql": fmt_sql,
    "stacktrace": fmt_stacktrace,
    "ticket": fmt_ticket,
    "kv": fmt_kv,
    "haproxy": fmt_haproxy,
    "k8s": fmt_k8s,
    "csv": fmt_csv,
    "mail": fmt_mail,
    "cef": fmt_cef,
}
# Added after the rules were first tuned on the formats above (see the comment before fmt_haproxy).
HELD_OUT_FORMATS: tuple[str, ...] = ("haproxy", "k8s", "csv", "mail", "cef")


def generate(n: int, seed: int = 0, formats: Sequence[str] | None = None, *, locale: str = "en_US") -> list[GoldDoc]:
    return list(iter_docs(n, seed, formats, locale=locale))


def iter_docs(
    n: int, seed: int = 0, formats: Sequence[str] | None = None, *, locale: str = "en_US"
) -> Iterator[GoldDoc]:
    """Yield n documents; document i depends only on (seed, i, formats)."""
    try:
        from faker import Faker
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise RuntimeError("the log generator needs Faker: pip install 'pii-workers[test]'") from e

    names = list(formats) if formats else list(FORMATS)
    unknown = [f for f in names if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format(s) {unknown}; known: {sorted(FORMATS)}")
    fake = Faker(locale)
    for i in range(n):
        doc_seed = (seed * 1_000_003 + i) & 0x7FFFFFFF
        rng = random.Random(doc_seed)
        fake.seed_instance(doc_seed)
        fmt = rng.choice(names)
        b = _Builder()
        FORMATS[fmt](b, _Values(fake, rng))
        yield GoldDoc(id=f"gen-{seed}-{i}", text=b.text(), spans=b.spans, format=fmt, decoys=b.decoys)


__all__ = [
    "DECOY_TYPES",
    "FORMATS",
    "HELD_OUT_FORMATS",
    "PII_TYPES",
    "GoldDoc",
    "GoldSpan",
    "_Builder",  # workers.distill.corpus writes its own documents with these two
    "_Values",
    "generate",
    "iter_docs",
]
