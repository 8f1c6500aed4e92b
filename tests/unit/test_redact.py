from __future__ import annotations

import pytest

from workers.models import Span
from workers.redact import RedactionConfigError, Redactor, value_hash
from workers.taxonomy import Operator, load_taxonomy

TAX = load_taxonomy()
TEXT = "mail a.b@example.com card 4111111111111111 end"
SPANS = [
    Span(start=5, end=20, type="EMAIL_ADDRESS", score=0.9, detector="rules:email"),
    Span(start=26, end=42, type="CREDIT_CARD", score=1.0, detector="rules:credit_card"),
]


@pytest.mark.parametrize(
    ("op", "expected_email"),
    [
        (Operator(kind="replace"), "[EMAIL_ADDRESS]"),
        (Operator(kind="mask"), "*" * 15),
        (Operator(kind="drop"), ""),
        (Operator(kind="replace", template="<{type}>"), "<EMAIL_ADDRESS>"),
    ],
)
def test_operators(op: Operator, expected_email: str) -> None:
    r = Redactor(TAX, overrides={"EMAIL_ADDRESS": op})
    assert r.redact(TEXT, SPANS) == f"mail {expected_email} card ************1111 end"


def test_pseudonym_is_stable_keyed_and_refuses_without_key() -> None:
    op = {"EMAIL_ADDRESS": Operator(kind="pseudonym")}
    with pytest.raises(RedactionConfigError, match="no HMAC key"):
        Redactor(TAX, key=None, overrides=op)
    a = Redactor(TAX, key=b"k1", overrides=op)
    b = Redactor(TAX, key=b"k1", overrides=op)
    c = Redactor(TAX, key=b"k2", overrides=op)
    t1 = a.redact("x a.b@example.com", [Span(start=2, end=17, type="EMAIL_ADDRESS", score=1, detector="d")])
    t2 = b.redact("y: a.b@example.com", [Span(start=3, end=18, type="EMAIL_ADDRESS", score=1, detector="d")])
    t3 = c.redact("x a.b@example.com", [Span(start=2, end=17, type="EMAIL_ADDRESS", score=1, detector="d")])
    assert t1.split()[-1] == t2.split()[-1] != t3.split()[-1]
    assert "a.b@example.com" not in t1


def test_value_hash_depends_on_key_and_type() -> None:
    assert value_hash(b"k", "v", "A") != value_hash(b"k", "v", "B") != value_hash(b"j", "v", "B")


def test_unknown_override_rejected() -> None:
    with pytest.raises(RedactionConfigError, match="unknown entity type"):
        Redactor(TAX, overrides={"NOPE": Operator()})


def test_overlapping_spans_rejected() -> None:
    with pytest.raises(ValueError, match="resolve first"):
        Redactor(TAX).redact(
            "abcdef",
            [
                Span(start=0, end=3, type="A", score=1, detector="d"),
                Span(start=2, end=4, type="A", score=1, detector="d"),
            ],
        )


def test_mask_never_reveals_most_of_a_short_value() -> None:
    r = Redactor(TAX)  # CREDIT_CARD default: mask keep_last 4
    assert r.replacement("CREDIT_CARD", "12345") == "****5"


def test_replace_text_follows_an_operator_changed_after_use() -> None:
    tax = load_taxonomy()
    r = Redactor(tax)
    spans = [Span(start=0, end=3, type="EMAIL_ADDRESS", score=0.9, detector="t")]
    assert r.redact("abc!", spans) == "[EMAIL_ADDRESS]!"
    r.ops["EMAIL_ADDRESS"] = Operator(kind="replace", template="<{type}>")
    assert r.redact("abc!", spans) == "<EMAIL_ADDRESS>!"


def test_id_pseudonyms_are_keyed_long_and_follow_keep() -> None:
    tax = load_taxonomy()
    text = "user:bob@example.com:7"
    spans = [Span(start=5, end=20, type="EMAIL_ADDRESS", score=1.0, detector="t")]
    keyed = Redactor(tax, key=b"k" * 32)
    want = f"user:[EMAIL_ADDRESS:{value_hash(b'k' * 32, 'bob@example.com', 'EMAIL_ADDRESS')[:32]}]:7"
    assert keyed.pseudonymize(text, spans) == want
    # No key configured: a process-wide random one, still stable for equal values.
    unkeyed = Redactor(tax)
    assert unkeyed.pseudonymize(text, spans) == unkeyed.pseudonymize(text, spans) != want
    # An annotate-only operator keeps the value, so the id stays as given too.
    keep = Redactor(tax, overrides={"EMAIL_ADDRESS": Operator(kind="keep")})
    assert keep.pseudonymize(text, spans) == text
