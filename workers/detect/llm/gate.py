"""Optional cheap gate: skip the model for texts with no candidate for any LLM-handled type.

The LLM types here are names, places, addresses, handles, passwords and free-text identifiers.
A text (after rule spans are masked) with no capitalised word and no key word that introduces
such a value (user=, password:, born, address, ...) is unlikely to hold one. Capitalised words
glued to paths, versions or identifiers (`Mozilla/5.0`, `/Api`) do not count. Off by default; its
recall cost is measured in docs/benchmarks.md ("LLM extraction") before anyone turns it on.
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9_]*\]")
_CAPITALISED = re.compile(r"(?<![\w@./-])[A-Z][a-z\u00c0-\u024f'\-]+(?![\w/])")
_KEYWORDS = re.compile(
    r"\b(user(name)?|usr|login|account|handle|owner|name|customer|client|patient|mrn|chart|"
    r"pass(word)?|pwd|passphrase|pin|secret|dob|birth|born|address|street|road|avenue|city)\b",
    re.IGNORECASE,
)


def has_candidate(masked_text: str) -> bool:
    text = _PLACEHOLDER.sub(" ", masked_text)
    return bool(_CAPITALISED.search(text) or _KEYWORDS.search(text))
