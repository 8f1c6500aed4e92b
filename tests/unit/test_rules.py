"""Text -> expected spans for the rule detectors (positives, look-alikes that must not fire)."""

from __future__ import annotations

import pytest

from workers.detect.rules import RulesDetector
from workers.models import Document
from workers.pipeline_factory import build_pipeline
from workers.taxonomy import load_taxonomy


@pytest.fixture(scope="module")
def rules() -> RulesDetector:
    return RulesDetector(load_taxonomy())


@pytest.fixture(scope="module")
def pipeline():
    return build_pipeline()


POSITIVE = [
    ("contact jane.doe+shop@example.co.uk today", "EMAIL_ADDRESS", "jane.doe+shop@example.co.uk"),
    ("card=4111 1111 1111 1111 declined", "CREDIT_CARD", "4111 1111 1111 1111"),
    ("amex 378282246310005 ok", "CREDIT_CARD", "378282246310005"),
    ("paid with 5555-5555-5555-4444", "CREDIT_CARD", "5555-5555-5555-4444"),
    ("refund to DE89 3704 0044 0532 0130 00 please", "IBAN_CODE", "DE89 3704 0044 0532 0130 00"),
    ("iban=GB82WEST12345698765432", "IBAN_CODE", "GB82WEST12345698765432"),
    ("ssn: 123-45-6789 on file", "US_SSN", "123-45-6789"),
    ("social security number 123456789", "US_SSN", "123456789"),
    ("client 203.0.113.7 - - GET /", "IP_ADDRESS", "203.0.113.7"),
    ("from 2001:db8::1 port 22", "IP_ADDRESS", "2001:db8::1"),
    ("peer fe80::1ff:fe23:4567:890a%eth0 up", "IP_ADDRESS", "fe80::1ff:fe23:4567:890a%eth0"),
    ("call +1 415-555-2671 tomorrow", "PHONE_NUMBER", "+1 415-555-2671"),
    ("phone: (415) 555-2671", "PHONE_NUMBER", "(415) 555-2671"),
    ("tel +44 20 7946 0958", "PHONE_NUMBER", "+44 20 7946 0958"),
    # "00"/"011" for the "+": the whole number, never a chunk of it
    ("mobile 0044 7911 123456", "PHONE_NUMBER", "0044 7911 123456"),
    ("call 0049 30 901820 now", "PHONE_NUMBER", "0049 30 901820"),
    ("ring 011 44 20 7946 0958 today", "PHONE_NUMBER", "011 44 20 7946 0958"),
    ("x 0033 1 42 68 53 00 y", "PHONE_NUMBER", "0033 1 42 68 53 00"),
    ("dhcp ack for 00:1a:2b:3c:4d:5e", "MAC_ADDRESS", "00:1a:2b:3c:4d:5e"),
    ("GET https://shop.example.com/u/jdoe?ref=mail.", "URL", "https://shop.example.com/u/jdoe?ref=mail"),
    ("db connect password=Hunter2! failed", "PASSWORD", "Hunter2!"),
    ('{"password": "correct horse battery"}', "PASSWORD", "correct horse battery"),
    ("postgres://app:s3cr3tPass@db:5432/x", "PASSWORD", "s3cr3tPass"),
    ("Failed password for jsmith from 10.1.1.1", "USERNAME", "jsmith"),
    ("login=alice_w ok", "USERNAME", "alice_w"),
    ("using key AKIAIOSFODNN7EXAMPLE", "API_KEY", "AKIAIOSFODNN7EXAMPLE"),
    ("api_key=9f8e7d6c5b4a39281706f5e4", "API_KEY", "9f8e7d6c5b4a39281706f5e4"),
    ("Authorization: Bearer abcdef0123456789ABCDEF", "ACCESS_TOKEN", "abcdef0123456789ABCDEF"),
    (
        "t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcDEF123_-x end",
        "ACCESS_TOKEN",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcDEF123_-x",
    ),
    ("send to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 now", "CRYPTO", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
    ("wallet bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "CRYPTO", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
    ("dob=1984-03-12 verified", "DATE_OF_BIRTH", "1984-03-12"),
    ("born on March 3, 1961 in", "DATE_OF_BIRTH", "March 3, 1961"),
    ("MRN: 00123456 admitted", "MEDICAL_RECORD_NUMBER", "00123456"),
    ("nhs number 943 476 5919", "UK_NHS", "943 476 5919"),
    ("codice fiscale RSSMRA85T10A562S", "IT_FISCAL_CODE", "RSSMRA85T10A562S"),
    ("DNI 12345678Z", "ES_NIF", "12345678Z"),
    ("aadhaar 2345 6789 0124", "IN_AADHAAR", "2345 6789 0124"),
    ("I tried password ixZ#&Vhz88E8!B4+ from home", "PASSWORD", "ixZ#&Vhz88E8!B4+"),
    ("DOB on file: November 8, 1982. Thanks", "DATE_OF_BIRTH", "November 8, 1982"),
    ('10.1.2.3 - chad7635 [09/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1"', "USERNAME", "chad7635"),
    ("host sudo[54419]: nicolejacobs41 : TTY=pts/4 ; PWD=/home/x", "USERNAME", "nicolejacobs41"),
    ("I can't log in as debra96 since Monday", "USERNAME", "debra96"),
    ("Can someone call me on 01.84.17.61.18?", "PHONE_NUMBER", "01.84.17.61.18"),
    ("phone:4155552671 verified", "PHONE_NUMBER", "4155552671"),
    ("CEF:0|Acme|WAF|1.4|1|x|4|src=10.1.1.1 suser=jim03 dpt=443", "USERNAME", "jim03"),
    ("sshd[1]: Accepted publickey for barbarareid18 from 10.0.0.2", "USERNAME", "barbarareid18"),
    ("From: Jane <jane.doe@example.com>", "EMAIL_ADDRESS", "jane.doe@example.com"),
    ("GET /lookup?phone=%2B61%202%209188%209869 HTTP/1.1", "PHONE_NUMBER", "%2B61%202%209188%209869"),
]


@pytest.mark.parametrize(("text", "etype", "value"), POSITIVE)
def test_detects(pipeline, text: str, etype: str, value: str) -> None:
    res = pipeline.run_one(Document(id="t", text=text))
    found = {(s.type, text[s.start : s.end]) for s in res.entities}
    assert (etype, value) in found, f"{etype} {value!r} not in {found}"
    assert value not in res.text


NEGATIVE = [
    "2026-01-23 12:07:48.114 +00:00 3211392695 3000 NOTICE",  # UTC offset, then an id
    "2024-05-01T10:00:00Z GET /health 200 12ms",
    "request took 1234567 ns, order 1234567890123 shipped",
    "version 1.2.3 build 2024-01-0005 released",
    "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "uuid 123e4567-e89b-12d3-a456-426614174000 created",
    "sudo: root : TTY=pts/0 ; COMMAND=/bin/ls",
    "password reset email sent",
    "listening on port 8080 pid 4242",
    "ts=1714557600123 epoch ms",
    "user=root logged out",
    "ratio 3.14159 and 2.71828",
    "api-7.example.internal:8443 upstream ok",
    "Mozilla/5.0 (Macintosh; PPC Mac OS X 10_7_9; rv:1.9.2.20) Gecko/20100101 Chrome/91.0.4472.124",
    "sudo: TTY=pts/4 ; PWD=/home/deploy/app ; USER=root",
    "worker-12 took 8080 10 ms",
    "Message-ID: <6cf5d32ae258462a.1243@mail.example.com>",
]


@pytest.mark.parametrize("text", NEGATIVE)
def test_look_alikes_do_not_fire(rules: RulesDetector, text: str) -> None:
    found = [(s.type, text[s.start : s.end]) for s in rules.detect_one(text)]
    assert found == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("card 4111 1111 1111 1112", "4111 1111 1111 1112"),  # Luhn fails
        ("iban GB82WEST12345698765431", "GB82WEST12345698765431"),  # mod-97 fails
        ("ssn 000-12-3456", "000-12-3456"),  # area 000 never issued
        ("ip 999.1.1.1", "999.1.1.1"),
    ],
)
def test_validators_reject_invalid(rules: RulesDetector, text: str, value: str) -> None:
    assert value not in {text[s.start : s.end] for s in rules.detect_one(text)}


def test_context_raises_score(rules: RulesDetector) -> None:
    bare = [s for s in rules.detect_one("ref 123456789 ok") if s.type == "US_SSN"]
    keyed = [s for s in rules.detect_one("ssn 123456789 ok") if s.type == "US_SSN"]
    assert bare == [] and len(keyed) == 1


def test_every_span_names_its_detector(rules: RulesDetector) -> None:
    spans = rules.detect_one("mail a@b.io ip 10.0.0.1 card 4111111111111111")
    assert spans and all(s.detector.startswith("rules:") for s in spans)


def test_taxonomy_custom_pattern_and_routing(tmp_path) -> None:
    from workers.taxonomy import load_taxonomy

    path = tmp_path / "t.yaml"
    path.write_text(
        "name: t\nversion: '1'\nentities:\n"
        "  - name: EMPLOYEE_ID\n    guideline: Internal employee number EMP-123456.\n    detectors: [rules]\n"
        "    patterns: [{name: emp, regex: 'EMP-\\d{6}', score: 0.9}]\n"
        "  - name: EMAIL_ADDRESS\n    guideline: An e-mail address of anyone.\n    detectors: [llm]\n"
    )
    det = RulesDetector(load_taxonomy(path))
    text = "EMP-004211 mailed x@y.org"
    assert [(s.type, text[s.start : s.end]) for s in det.detect_one(text)] == [("EMPLOYEE_ID", "EMP-004211")]
