"""Optional cheap gate: skip the model for texts with no candidate for any LLM-handled type.

The LLM types here are names, places, addresses, handles, passwords and free-text identifiers.
A text (after rule spans are masked) with no capitalised word and no key word that introduces
such a value (user=, password:, born, address, ...) is very unlikely to hold one. The gate is off
by default; its recall cost is measured in eval (docs/benchmarks.md) before anyone turns it on.
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9_]*\]")
_CAPITALISED = re.compile(r"(?<![\w@.])[A-Z][a-z\u00c0-\u024f'\-]+")
_KEYWORDS = re.compile(
    r"(user|usr|login|account|handle|owner|name|customer|client|patient|mrn|chart|"
    r"pass|pwd|passphrase|pin|secret|dob|birth|born|address|street|road|avenue|ave|"
    r"city|lives|live|moved|from|to|at|@)",
    re.IGNORECASE,
)
_WORDLIKE_KEY = re.compile(r"\b(" + _KEYWORDS.pattern[1:-1] + r")\b|[=:@]", re.IGNORECASE)


def has_candidate(masked_text: str) -> bool:
    text = _PLACEHOLDER.sub(" ", masked_text)
    if _CAPITALISED.search(text):
        return True
    return bool(_WORDLIKE_KEY.search(text))
