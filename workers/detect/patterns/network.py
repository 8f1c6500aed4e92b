"""Network recognizers: IP and MAC addresses, URLs."""

from __future__ import annotations

from workers.detect import validators as v
from workers.detect.patterns.recognizer import Recognizer

_H = r"[0-9A-Fa-f]{1,4}"
_HEXDIGITS = "0123456789abcdef"
# Context checks for values that must not sit inside a longer run of the same separator: the
# text before is lower-cased (reject_after), the text after is not (reject_before).
_HEX_COLON = tuple(c + ":" for c in _HEXDIGITS)
_COLON_HEX = tuple(":" + c for c in _HEXDIGITS + "ABCDEF")
_HEX_DASH = tuple(c + "-" for c in _HEXDIGITS)
_DASH_HEX = tuple("-" + c for c in _HEXDIGITS + "ABCDEF")
_DIGIT_DOT = tuple(c + "." for c in "0123456789")
_DOT_DIGIT = tuple("." + c for c in "0123456789")

NETWORK: tuple[Recognizer, ...] = (
    # --- network -----------------------------------------------------------------------------
    Recognizer(
        "ipv4",
        "IP_ADDRESS",
        r"\b(?:\d{1,3}\.){3}\d{1,3}\b",
        0.9,
        v.ip_address,
        negative_context=("version", "release", "build"),
        # Four dotted numbers inside a longer dotted run (SNMP OIDs "1.3.6.1.4.1.2021") are no address.
        reject_after=("/", "rv:", "v", "version ", "ver ", *_DIGIT_DOT),
        reject_before=_DOT_DIGIT,
    ),
    Recognizer(
        "ipv6",
        "IP_ADDRESS",
        # Full form, or compressed with "::" (so "10:00:00" timestamps are not even candidates).
        # Every form ends on a token boundary and a leading "::" follows no word character: an
        # address never starts or ends inside a longer token ("arn:aws:iam::123456789012:" holds
        # no "::1234"). A run of more colon groups (an iptables MAC header) is rejected by the
        # hex-colon checks on either side.
        r"(?:\b(?:" + _H + r":){7}" + _H + r"\b"
        r"|\b(?:" + _H + r":){1,6}:(?:" + _H + r"(?::" + _H + r"){0,5}\b|\B)"
        r"|\B::(?:ffff:\d{1,3}(?:\.\d{1,3}){3}\b|" + _H + r"(?::" + _H + r"){0,6}\b))"
        r"(?:%[0-9A-Za-z]{1,16})?",
        0.9,
        v.ip_address,
        reject_after=_HEX_COLON,
        reject_before=_COLON_HEX,
    ),
    # Six groups inside a longer run (an SSH key fingerprint, a link-layer header) are not a MAC.
    Recognizer(
        "mac",
        "MAC_ADDRESS",
        r"\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b",
        0.85,
        reject_after=_HEX_COLON,
        reject_before=_COLON_HEX,
    ),
    Recognizer(
        "mac_dash",
        "MAC_ADDRESS",
        r"\b[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}\b",
        0.85,
        reject_after=_HEX_DASH,
        reject_before=_DASH_HEX,
    ),
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
        # An XML namespace names a schema, not a resource anyone visits (Windows event XML).
        reject_after=("xmlns='", 'xmlns="'),
    ),
    Recognizer(
        "url_www",
        "URL",
        # The host, then a path, query, fragment or port: "www.example.com,O=Example Inc" (an
        # X.509 subject) ends at the host.
        r"""\bwww\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:[/?#:][^\s"'<>\\]*)?""",
        0.55,
        strip_trailing=".,;:!?)]}'\"",
    ),
    Recognizer(
        # netfilter's MAC= field: destination MAC, source MAC and EtherType in one run (14 bytes on
        # Ethernet), one span; the plain recognizers reject the pieces of a longer run.
        "mac_header",
        "MAC_ADDRESS",
        r"\bMAC=([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){6,31})\b",
        0.85,
        group=1,
    ),
    Recognizer(
        # An address right after a JSON-escaped tab or line break ("Source Network Address:\\t10.1.2.3"
        # in a rendered Windows event inside JSON), where ipv4's \b fails.
        "ipv4_after_escape",
        "IP_ADDRESS",
        r"\\[tnr]((?:\d{1,3}\.){3}\d{1,3})\b",
        0.9,
        v.ip_address,
        group=1,
        negative_context=("version", "release", "build"),
        reject_before=_DOT_DIGIT,
    ),
)
