"""Host-name recognizers (Public Suffix List)."""

from __future__ import annotations

from workers.detect import validators as v
from workers.detect.patterns.recognizer import Recognizer

HOSTS: tuple[Recognizer, ...] = (
    # --- hosts --------------------------------------------------------------------------------
    Recognizer(
        # Host names under a public suffix (validated offline against the packaged Public Suffix
        # List). Deferred: names inside URLs and e-mail addresses already belong to those spans.
        "domain_name",
        "DOMAIN_NAME",
        r"\b(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,16}(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})\b",
        0.6,
        v.domain_name,
        context=("host", "hostname", "domain", "server", "fqdn", "sni", "dns", "resolve"),
        reject_after=("@", "://", "."),
        reject_before=("(", "=", '":', "':", "-", "_", "@"),
        defer=True,
    ),
)
