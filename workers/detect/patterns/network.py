"""Network recognizers: IP and MAC addresses, URLs."""

from __future__ import annotations

from workers.detect import validators as v
from workers.detect.patterns.recognizer import Recognizer

NETWORK: tuple[Recognizer, ...] = (
    # --- network -----------------------------------------------------------------------------
    Recognizer(
        "ipv4",
        "IP_ADDRESS",
        r"\b(?:\d{1,3}\.){3}\d{1,3}\b",
        0.9,
        v.ip_address,
        negative_context=("version", "release", "build"),
        reject_after=("/", "rv:", "v", "version ", "ver "),
    ),
    Recognizer(
        "ipv6",
        "IP_ADDRESS",
        # Full form, or compressed with "::" (so "10:00:00" timestamps are not even candidates).
        r"(?:\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b"
        r"|\b(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?"
        r"|::(?:ffff:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}))"
        r"(?:%[0-9A-Za-z]{1,16})?",
        0.9,
        v.ip_address,
    ),
    Recognizer("mac", "MAC_ADDRESS", r"\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b", 0.85),
    Recognizer("mac_dash", "MAC_ADDRESS", r"\b[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}\b", 0.85),
    Recognizer(
        "mac_cisco",
        "MAC_ADDRESS",
        r"\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b",
        0.7,
        standalone=True,
    ),
    Recognizer(
        "url",
        "URL",
        r"""\b(?:https?|ftp|wss?)://[^\s"'<>\\]{3,}""",
        0.6,
        strip_trailing=".,;:!?)]}'\"",
    ),
    Recognizer(
        "url_www",
        "URL",
        r"""\bwww\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+[^\s"'<>\\]*""",
        0.55,
        strip_trailing=".,;:!?)]}'\"",
    ),
)
