"""Encoded evasions (workers/detect/encoded.py): base64 and hex tokens that decode to text holding
PII are reported as one span over the token; tokens that decode to binary, words and ids are not."""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from workers.detect.encoded import _RUN, MAX_DECODED, MIN_TOKEN, _is_token, decode_tokens, encoded_findings
from workers.detect.rules import RulesDetector
from workers.detect.validators.checksums import luhn_complete
from workers.taxonomy import load_taxonomy


@pytest.fixture(scope="module")
def rules() -> RulesDetector:
    return RulesDetector(load_taxonomy())


def _b64(value: str, urlsafe: bool = False, padded: bool = True) -> str:
    raw = value.encode()
    token = (base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)).decode()
    return token if padded else token.rstrip("=")


def _encoded_spans(rules: RulesDetector, text: str) -> list[tuple[str, str, str]]:
    return [
        (s.type, text[s.start : s.end], s.detector)
        for s in rules.detect_one(text)
        if s.detector in ("rules:base64", "rules:hex")
    ]


# (text, token, type, detector): the token is reported whole, with the type of what it hides.
ENCODED = [
    ("payload am9obi5kb2VAZXhhbXBsZS5jb20= sent", "am9obi5kb2VAZXhhbXBsZS5jb20=", "EMAIL_ADDRESS", "rules:base64"),
    ("payload am9obi5kb2VAZXhhbXBsZS5jb20 sent", "am9obi5kb2VAZXhhbXBsZS5jb20", "EMAIL_ADDRESS", "rules:base64"),
    ('{"blob":"am9obi5kb2VAZXhhbXBsZS5jb20="}', "am9obi5kb2VAZXhhbXBsZS5jb20=", "EMAIL_ADDRESS", "rules:base64"),
    ("card " + _b64("4111 1111 1111 1111"), _b64("4111 1111 1111 1111"), "CREDIT_CARD", "rules:base64"),
    ("x=" + _b64("ssn 536-22-1234", padded=False), _b64("ssn 536-22-1234", padded=False), "US_SSN", "rules:base64"),
    # URL-safe alphabet (- and _), no padding
    (
        "q " + _b64("https://example.com/?id=10.0.0.1&x=ok?", urlsafe=True, padded=False) + " end",
        _b64("https://example.com/?id=10.0.0.1&x=ok?", urlsafe=True, padded=False),
        "IP_ADDRESS",
        "rules:base64",
    ),
    # hex-encoded text
    (
        "x 6a6f686e2e646f65406578616d706c652e636f6d y",
        "6a6f686e2e646f65406578616d706c652e636f6d",
        "EMAIL_ADDRESS",
        "rules:hex",
    ),
    (
        "X 6A6F686E2E646F65406578616D706C652E636F6D y",
        "6A6F686E2E646F65406578616D706C652E636F6D",
        "EMAIL_ADDRESS",
        "rules:hex",
    ),
    # a lone base64 JSON segment (a signed session cookie, not a JWT)
    (
        "Cookie: session=eyJ1c2VyIjoiam9obkBleGFtcGxlLmNvbSJ9.ZbC3Kw.abcDEF123ghiJKL456mno",
        "eyJ1c2VyIjoiam9obkBleGFtcGxlLmNvbSJ9",
        "EMAIL_ADDRESS",
        "rules:base64",
    ),
    # an unsigned JWT: no recognizer reports it, its payload is decoded
    (
        "t eyJhbGciOiJub25lIn0.eyJzdWIiOiJqb2huLmRvZUBleGFtcGxlLmNvbSJ9.",
        "eyJzdWIiOiJqb2huLmRvZUBleGFtcGxlLmNvbSJ9",
        "EMAIL_ADDRESS",
        "rules:base64",
    ),
    # PowerShell -EncodedCommand: base64 of UTF-16LE
    (
        "powershell.exe -enc "
        + base64.b64encode("Send-MailMessage -To john.doe@example.com".encode("utf-16-le")).decode(),
        base64.b64encode("Send-MailMessage -To john.doe@example.com".encode("utf-16-le")).decode(),
        "EMAIL_ADDRESS",
        "rules:base64",
    ),
    # non-ASCII decoded text
    (
        "d " + _b64("Kontakt: jürgen.müller@example.de"),
        _b64("Kontakt: jürgen.müller@example.de"),
        "EMAIL_ADDRESS",
        "rules:base64",
    ),
]

# Tokens that must give no encoded span.
NOT_ENCODED = [
    "ConnectionRefusedException in /Users/JohnDoe/Documents",  # camel-case words, paths
    "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",  # hex of binary
    "request 123e4567-e89b-12d3-a456-426614174000 done",  # UUID: single case
    "ts 20231201120000 id 4155552671123",  # decimal ids
    "blob " + _b64("just some harmless words here"),  # text without PII
    "bad " + _b64("john.doe@example.com")[:-2] + "-_",  # both alphabets in one token
    "short " + _b64("a@b.io"),  # below the minimum token length
    "AKIAIOSFODNN7EXAMPLEKEYS and AAAAAAAAAAAAAAAA",  # single-case identifiers
    "bin " + base64.b64encode(bytes(range(200, 256))).decode(),  # decodes to invalid UTF-8
]


@pytest.mark.parametrize(("text", "token", "kind", "detector"), ENCODED)
def test_encoded_value_is_one_span_over_the_token(
    rules: RulesDetector, text: str, token: str, kind: str, detector: str
) -> None:
    assert _encoded_spans(rules, text) == [(kind, token, detector)]


@pytest.mark.parametrize("text", NOT_ENCODED)
def test_no_encoded_span(rules: RulesDetector, text: str) -> None:
    assert _encoded_spans(rules, text) == []


def test_decoded_text_must_be_mostly_printable(rules: RulesDetector) -> None:
    mostly_text = b"\x01john.doe@example.com"  # 1 of 21 characters is a control: kept
    mostly_binary = b"\x01\x02\x03\x04\x05\x06\x07\x08john@example.com"  # 8 of 24: dropped
    assert _encoded_spans(rules, "a " + base64.b64encode(mostly_text).decode())
    assert _encoded_spans(rules, "a " + base64.b64encode(mostly_binary).decode()) == []


def test_signed_jwt_is_left_to_the_jwt_recognizer(rules: RulesDetector) -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqb2huLmRvZUBleGFtcGxlLmNvbSJ9.abcdefghijk"
    found = [(s.type, s.detector) for s in rules.detect_one("auth " + jwt)]
    assert found == [("ACCESS_TOKEN", "rules:jwt")]


def test_decoded_once_not_recursively(rules: RulesDetector) -> None:
    twice = _b64(_b64("john.doe@example.com"))
    assert _encoded_spans(rules, "x " + twice) == []


def _fake_scan(found: list[str]):  # noqa: ANN202
    """A scanner reporting every '@' as a one-character finding, recording what it was given."""

    def scan(text: str) -> Sequence[tuple[int, int, str, float]]:
        found.append(text)
        return [(i, i + 1, "EMAIL_ADDRESS", 0.9) for i, c in enumerate(text) if c == "@"]

    return scan


def test_scanner_called_once_on_all_tokens() -> None:
    calls: list[str] = []
    text = " ".join(_b64(f"user{i}@example.com") for i in range(5))
    out = encoded_findings(text, _fake_scan(calls))
    assert len(calls) == 1
    assert [text[f.start : f.end] for f in out] == text.split(" ")


def test_no_token_no_scan() -> None:
    calls: list[str] = []
    assert encoded_findings("plain log line with words only 10.0.0.1", _fake_scan(calls)) == []
    assert calls == []


def test_finding_across_a_join_is_dropped() -> None:
    def across(text: str) -> Sequence[tuple[int, int, str, float]]:
        return [(0, len(text), "X", 0.9)]  # one span over every decoded token and the joins

    text = _b64("first token text") + " " + _b64("second token text")
    assert encoded_findings(text, across) == []


def test_highest_scoring_type_wins() -> None:
    def two(text: str) -> Sequence[tuple[int, int, str, float]]:
        return [(0, 2, "URL", 0.6), (3, 5, "IP_ADDRESS", 0.9), (6, 8, "DOMAIN_NAME", 0.7)]

    out = encoded_findings(_b64("http 10.0.0.1 x"), two)
    assert [(f.type, f.score) for f in out] == [("IP_ADDRESS", 0.9)]


def test_decoded_bytes_are_capped_per_document() -> None:
    text = " ".join(_b64(f"harmless text number {i:06d} here") for i in range(20000))
    tokens = decode_tokens(text, max_decoded=4096)
    assert sum(len(t.text.encode()) for t in tokens) <= 4096
    assert 0 < len(tokens) < 20000


def test_a_giant_token_is_decoded_up_to_the_cap() -> None:
    run = _b64("mail john.doe@example.com now. " * 50000)
    tokens = decode_tokens("x " + run + " y", max_decoded=MAX_DECODED)
    assert len(tokens) == 1
    assert len(tokens[0].text.encode()) <= MAX_DECODED
    assert tokens[0].start == 2 and tokens[0].end == 2 + len(run)  # still one span over all of it


_ENCODINGS = st.sampled_from([(False, True), (False, False), (True, True), (True, False)])


_EMAILS = st.builds(
    lambda user, host, tld: f"{user}@{host}.{tld}",
    st.from_regex(r"[a-z][a-z0-9._]{0,15}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9-]{1,15}[a-z0-9]", fullmatch=True),
    st.sampled_from(["com", "org", "net", "io", "co.uk", "de"]),
)
_CARDS = st.integers(0, 10**14 - 1).map(lambda n: luhn_complete(f"4{n:014d}"))
_IPS = st.ip_addresses(v=4).map(str)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(_EMAILS, _CARDS, _IPS), enc=_ENCODINGS, words=st.sampled_from(["", "data ", "blob="]))
def test_encoded_pii_is_covered(rules: RulesDetector, value: str, enc: tuple[bool, bool], words: str) -> None:
    urlsafe, padded = enc
    token = _b64(value, urlsafe=urlsafe, padded=padded)
    # The documented candidate rule: 12+ characters with mixed case or padding.
    assume(len(token) >= MIN_TOKEN and (token.endswith("=") or not (token.islower() or token.isupper())))
    # What the rules find in plain text they find encoded (0.0.0.0 is no finding either way).
    assume(rules.detect_one(f"event ok {value} done"))
    line = f"event ok {words}{token} done"
    start = line.index(token)
    spans = rules.detect_one(line)
    assert any(s.start <= start and start + len(token) <= s.end for s in spans), (value, token)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(min_size=9, max_size=300), enc=_ENCODINGS)
def test_random_bytes_give_no_span(rules: RulesDetector, raw: bytes, enc: tuple[bool, bool]) -> None:
    urlsafe, padded = enc
    token = (base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)).decode()
    token = token if padded else token.rstrip("=")
    assert rules.detect_one(f"blob {token} end") == []


# The token rule as documented: a run of 12+ base64 characters with the padding after it, or a
# shorter run of 10-11 that padding ends.
_DOCUMENTED_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{10}(?:[A-Za-z0-9+/_-]{2,}=*|[A-Za-z0-9+/_-]?=+)")


@settings(max_examples=400)
@given(text=st.text(alphabet="aB9+/_-=. \n", max_size=80))
def test_tokens_are_the_documented_runs(text: str) -> None:
    """The scan takes 10+ runs and drops short unpadded ones: the same tokens at the same places
    as the documented rule (every token tried, whatever it decodes to)."""
    got = [(m.span(), m.group()) for m in _RUN.finditer(text) if _is_token(m.group())]
    assert got == [(m.span(), m.group()) for m in _DOCUMENTED_TOKEN.finditer(text)]
