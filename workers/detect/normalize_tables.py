"""Character tables of the normalised view (workers.detect.normalize): which decoded escapes are
applied, HTML named entities, and the Cyrillic/Greek letters folded to their Latin look-alikes."""

from __future__ import annotations

# Decoded escapes are applied only when they yield one of these: e-mail punctuation, digits and
# the plus of phone numbers. Decoding `%20`, `%2F` or `%3D` would change URLs for nothing.
_DECODE_OK = frozenset("@.-_+0123456789")

_HTML_NAMED = {
    "commat": "@",
    "period": ".",
    "hyphen": "-",
    "dash": "-",
    "lowbar": "_",
    "plus": "+",
    "nbsp": " ",
    "shy": "",
    "zwsp": "",
    "zwj": "",
    "zwnj": "",
    "lrm": "",
    "rlm": "",
}

# Letters of Cyrillic and Greek that render like a Latin letter in common fonts. Folded only in
# tokens that also hold ASCII letters and no other non-Latin letter ("jоhn@exаmple.com" with
# Cyrillic о and а), so Russian or Greek words are left alone.
_CONFUSABLES = {
    # Cyrillic lower case
    "а": "a",
    "в": "b",
    "е": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ѕ": "s",
    "і": "i",
    "ј": "j",
    "ԁ": "d",
    "һ": "h",
    "ӏ": "l",
    "ԛ": "q",
    "ԝ": "w",
    "ɡ": "g",
    # Cyrillic upper case
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "У": "Y",
    "Х": "X",
    "Ѕ": "S",
    "І": "I",
    "Ј": "J",
    "Ԛ": "Q",
    "Ԝ": "W",
    # Greek
    "α": "a",
    "ο": "o",
    "ρ": "p",
    "ν": "v",
    "ι": "i",
    "κ": "k",
    "χ": "x",
    "υ": "u",
    "ε": "e",
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ζ": "Z",
    "Η": "H",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Υ": "Y",
    "Χ": "X",
}
