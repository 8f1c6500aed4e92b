"""Adversarial tables for the rule detectors (issue 10, points 1, 4, 5 and 5b).

Each category has values that must be detected (several formats, separators, key spellings,
regions) and look-alikes that must stay as they are. Property tests cover the invariants: a
checksum-valid card is a card whatever words precede it, a PEM block is covered to its END line,
a host under a public suffix is a DOMAIN_NAME.
"""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workers.detect.rules import RulesDetector
from workers.detect.validators.checksums import luhn_complete
from workers.models import Document
from workers.pipeline_factory import build_pipeline
from workers.taxonomy import load_taxonomy

TAX = load_taxonomy()
RULES = RulesDetector(TAX)  # compiling the patterns takes a moment: one per module


def _covered(text: str, etype: str, value: str, det: RulesDetector = RULES) -> bool:
    """Every character of the first occurrence of `value` lies in some span of type `etype`."""
    start = text.index(value)
    mask = [False] * len(text)
    for s in det.detect_one(text):
        if s.type == etype:
            mask[s.start : s.end] = [True] * (s.end - s.start)
    return all(mask[start : start + len(value)])


def _types_over(text: str, value: str, det: RulesDetector = RULES) -> set[str]:
    """Types of the spans that overlap the first occurrence of `value`."""
    a = text.index(value)
    b = a + len(value)
    return {s.type for s in det.detect_one(text) if s.start < b and a < s.end}


@pytest.fixture(scope="module")
def pipeline():
    return build_pipeline()


# ------------------------------------------------------------------ 1. validated types vs context

CARDS = [  # (network, number): Luhn-valid, issuer-valid
    ("visa16", "4111111111111111"),
    ("visa16b", "4012888888881881"),
    ("visa13", "4222222222222"),
    ("mastercard", "5555555555554444"),
    ("mastercard2", "2223003122003222"),
    ("amex", "378282246310005"),
    ("discover", "6011000990139424"),
    ("diners", "30569309025904"),
    ("jcb", "3530111333300000"),
    ("unionpay", "6200000000000005"),
    ("maestro", "6759649826438453"),
]
NEGATIVE_WORDS = [
    "order",
    "invoice",
    "transaction id",
    "build",
    "version",
    "sku",
    "tracking",
    "txn",
    "request id",
    "timestamp",
    "trace",
    "epoch",
]


@pytest.mark.parametrize("word", NEGATIVE_WORDS)
@pytest.mark.parametrize(("network", "card"), CARDS)
def test_negative_words_never_drop_a_valid_card(network: str, card: str, word: str) -> None:
    for text in (f"{word} {card} shipped", f"{word}={card}", f"{word}: #{card} ok", f"{word} no. {card}"):
        assert _covered(text, "CREDIT_CARD", card), (network, text)


@pytest.mark.parametrize(("network", "card"), CARDS)
def test_card_glued_to_a_word_is_still_a_card(network: str, card: str) -> None:
    for text in (f"order-{card}", f"ref txn/{card} settled", f"sku_{card} ok"):
        assert _covered(text, "CREDIT_CARD", card), (network, text)


@pytest.mark.parametrize(
    "text",
    [
        "order 4111111111111112 shipped",  # Luhn fails
        "uuid 123e4567-e89b-12d3-a456-501234567896 created",  # UUID tail, even Luhn-valid
        "build a456-501234567896",  # glued to an alphanumeric id
        "blob a3f_4111111111111111 stored",  # same, with an underscore
        "sku 7992739871300001 ok",  # no issuer prefix, no card key
        "ts=1714557600123 epoch ms",
    ],
)
def test_card_look_alikes_stay(text: str) -> None:
    assert "CREDIT_CARD" not in {s.type for s in RULES.detect_one(text)}


def test_negative_context_still_lowers_unvalidated_guesses() -> None:
    """A phone-shaped number next to "build" is not a phone; the same number next to "call" is."""
    assert RULES.detect_one("build 4155552671 done") == []
    assert _covered("call 4155552671 today", "PHONE_NUMBER", "4155552671")


KEYED_CARDS = [  # Luhn-valid, prefixes outside the network table, right after a card key
    ("card=799273987138", "799273987138"),
    ("pan: 880012345679", "880012345679"),
    ('{"card_number": "70123456789012340"}', "70123456789012340"),
    ("cc_num=501234567896 status=ok", "501234567896"),
    ("CardNumber: 6703 4567 8908", "6703 4567 8908"),
    ("payment_card_number='799273987138'", "799273987138"),
    ("CREDIT-CARD = 880012345679", "880012345679"),
]


@pytest.mark.parametrize(("text", "card"), KEYED_CARDS)
def test_luhn_valid_number_after_a_card_key_is_a_card(text: str, card: str) -> None:
    assert _covered(text, "CREDIT_CARD", card), text


@pytest.mark.parametrize(
    "text",
    [
        "card=799273987139",  # Luhn fails
        "card=111111111111",  # one repeated digit
        "card_id=799273987138",  # not a card key
        "order=799273987138",  # no key, unknown prefix
        "discard=799273987138",  # "card" inside another word
    ],
)
def test_keyed_card_look_alikes_stay(text: str) -> None:
    assert "CREDIT_CARD" not in {s.type for s in RULES.detect_one(text)}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("iban for order 1234: DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00"),
        ("build artefact paid to GB82WEST12345698765432", "GB82WEST12345698765432"),
        ("version 2 wallet bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
        ("invoice sent to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
    ],
)
def test_other_checksum_types_ignore_id_words(text: str, value: str) -> None:
    assert _types_over(text, value) - {"PHONE_NUMBER"}, text


_NETWORKS = st.sampled_from(
    [
        ("4", 16),
        ("4", 13),
        ("51", 16),
        ("55", 16),
        ("2221", 16),
        ("34", 15),
        ("37", 15),
        ("6011", 16),
        ("65", 16),
        ("35", 16),
        ("62", 16),
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    network=_NETWORKS,
    rest=st.text("0123456789", min_size=18, max_size=18),
    sep=st.sampled_from(["", " ", "-", ".", "/"]),
    word=st.sampled_from(NEGATIVE_WORDS + ["", "ref", "id"]),
    glue=st.sampled_from([" ", ": ", "=", " #"]),
)
def test_property_valid_card_after_any_id_word_is_covered(
    network: tuple[str, int], rest: str, sep: str, word: str, glue: str
) -> None:
    prefix, length = network
    number = luhn_complete((prefix + rest)[: length - 1])
    if len(set(number)) < 3:
        return
    groups = (
        [number[i : i + 4] for i in range(0, length, 4)] if length != 15 else [number[:4], number[4:10], number[10:]]
    )
    card = sep.join(groups)
    text = f"{word}{glue}{card} processed" if word else f"{card} processed"
    assert _covered(text, "CREDIT_CARD", card), text


# ------------------------------------------------------------------ 4. secrets


@pytest.mark.parametrize(
    ("text", "card"),
    [
        ("card 4111.1111.1111.1111 charged", "4111.1111.1111.1111"),
        ("paid 5555/5555/5555/4444 ok", "5555/5555/5555/4444"),
        ("amex 3782.822463.10005", "3782.822463.10005"),
        ("order 6011/0009/9013/9424", "6011/0009/9013/9424"),
    ],
)
def test_cards_with_dot_or_slash_separators(pipeline, text: str, card: str) -> None:
    res = pipeline.run_one(Document(id="t", text=text))
    assert {e.type for e in res.entities if text[e.start : e.end] == card} == {"CREDIT_CARD"}, res.entities
    assert card not in res.text and "MAC_ADDRESS" not in {e.type for e in res.entities}


@pytest.mark.parametrize(
    ("text", "value", "etype"),
    [
        ("switch port 0011.2233.4455 up", "0011.2233.4455", "MAC_ADDRESS"),  # Cisco MAC stays a MAC
        ("card 4111.1111.1111.1112 declined", None, None),  # Luhn fails: neither card nor MAC
        ("checksum 1234.5678.9012.3456 ok", None, None),
        ("frame 4111/1111/1111/1112 x", None, None),
    ],
)
def test_dotted_look_alikes(text: str, value: str | None, etype: str | None) -> None:
    found = {(s.type, text[s.start : s.end]) for s in RULES.detect_one(text)}
    assert found == ({(etype, value)} if value else set()), found


_B64_LINES = [
    "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi",
    "Z1BjP5CE/Wm/Rr500P",
    "RK+Lh9x5eJPo5CAZ3/ANBE0sTK0ZsDGMak2m1g7",
    "3Q==",
]


def _pem(kind: str, nl: str, end: bool = True, headers: str = "") -> str:
    label = f"{kind} PRIVATE KEY" if kind != "PGP" else "PGP PRIVATE KEY BLOCK"
    if kind == "PLAIN":
        label = "PRIVATE KEY"
    body = nl.join(_B64_LINES)
    block = f"-----BEGIN {label}-----{nl}{headers}{body}{nl}"
    return block + (f"-----END {label}-----" if end else "")


PEM_CASES = [
    (kind, nl)
    for kind in ("RSA", "EC", "DSA", "OPENSSH", "ENCRYPTED", "PLAIN", "PGP")
    for nl in ("\n", "\r\n", "\\n", "\\r\\n")
]


@pytest.mark.parametrize(("kind", "nl"), PEM_CASES)
def test_pem_private_key_blocks(kind: str, nl: str) -> None:
    block = _pem(kind, nl)
    for text in (f"loaded key {block} from vault", '{"private_key": "' + block + '", "ok": true}'):
        assert _covered(text, "API_KEY", block), text
        tail = text[text.index(block) + len(block) :]
        assert not any(
            s.end > text.index(block) + len(block) + 1 for s in RULES.detect_one(text) if s.type == "API_KEY"
        ), tail


def test_pem_with_encryption_headers_and_truncated_block() -> None:
    headers = "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,2AF25325A9B286F4CBD6D7B1B0AE3D5E\n\n"
    block = _pem("RSA", "\n", headers=headers)
    assert _covered(f"key:\n{block}\n", "API_KEY", block)
    cut = _pem("EC", "\\n", end=False)  # a log line cut before the END line
    text = '{"msg": "' + cut
    assert _covered(text, "API_KEY", cut)


@pytest.mark.parametrize(
    "text",
    [
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUP\n-----END CERTIFICATE-----",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host",
    ],
)
def test_public_material_is_not_a_private_key(text: str) -> None:
    assert "API_KEY" not in {s.type for s in RULES.detect_one(text)}


_BASIC = base64.b64encode(b"alice:correct horse battery").decode()
_BASIC2 = base64.b64encode(b"svc-deploy:S3cr3t!").decode()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (f"Authorization: Basic {_BASIC}", _BASIC),
        (f"authorization: basic {_BASIC2}\r\nHost: x", _BASIC2),
        (f'{{"headers": {{"Authorization": "Basic {_BASIC}"}}}}', _BASIC),
        (f"curl -H 'Authorization: Basic {_BASIC2}' https://api.example.com", _BASIC2),
        (f"Proxy-Authorization: Basic {_BASIC}", _BASIC),
        (f"headers={{'authorization': 'Basic {_BASIC2}'}}", _BASIC2),
        ("Authorization: Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"),
        (f"sent basic {_BASIC} to upstream", _BASIC),  # no header name: must decode to user:password
    ],
)
def test_authorization_basic_credentials(text: str, value: str) -> None:
    assert _covered(text, "ACCESS_TOKEN", value), text


@pytest.mark.parametrize(
    "text",
    [
        "Basic information about the service",
        "basic auth disabled for /health",
        "Basic configuration loaded",
        "basic SGVsbG8gV29ybGQ= greeting",  # base64 of "Hello World": no user:password
    ],
)
def test_basic_look_alikes_stay(text: str) -> None:
    assert "ACCESS_TOKEN" not in {s.type for s in RULES.detect_one(text)}


PASSPHRASES = [
    ('password="correct horse battery staple"', "correct horse battery staple"),
    ("passphrase='my dog has fleas 42'", "my dog has fleas 42"),
    ('DB_PASSWORD = "two words"', "two words"),
    ('{"cmd": "login --password=\\"open sesame now\\""}', "open sesame now"),
    ('PGPASSWORD="pg pass 1"', "pg pass 1"),
    ("spring.datasource.password: 'spring has sprung'", "spring has sprung"),
    ('mysql-root-password="root pw here"', "root pw here"),
    ('user.password="dotted key value"', "dotted key value"),
    ('new_password="n3w one"', "n3w one"),
    ('pwd: "short but spaced"', "short but spaced"),
    ('{"password": "correct horse battery"}', "correct horse battery"),
    (':password => "ruby hash value"', "ruby hash value"),
    ("array('db_pass' => 'php array value')", "php array value"),
]


@pytest.mark.parametrize(("text", "value"), PASSPHRASES)
def test_quoted_passphrases_are_covered_whole(text: str, value: str) -> None:
    assert _covered(text, "PASSWORD", value), text


@pytest.mark.parametrize(
    "text",
    [
        "DB_PASSWORD=s3cr3t!x",
        "PGPASSWORD=Tr0ub4dor#3",
        "app.admin-password:hunter2hunter2",
    ],
)
def test_prefixed_password_keys(text: str) -> None:
    value = text.split("=", 1)[-1] if "=" in text else text.split(":", 1)[-1]
    assert _covered(text, "PASSWORD", value), text


@pytest.mark.parametrize(
    "text",
    [
        'password_reset="requested by user"',
        'password="********"',
        'password=""',
        'spinner="loading data"',
        "password reset email sent",
        'bypass="cache layer"',
    ],
)
def test_password_look_alikes_stay(text: str) -> None:
    assert "PASSWORD" not in {s.type for s in RULES.detect_one(text)}


# ------------------------------------------------------------------ 5. phone numbers

NATIONAL_PHONES = [  # no country code, no context word: the number's own format and region
    ("ring (01223) 456789 after lunch", "(01223) 456789"),  # GB, 5-digit area code
    ("office (0161) 496 0000", "(0161) 496 0000"),  # GB
    ("Zentrale (030) 12345678", "(030) 12345678"),  # DE
    ("Filiale (089) 123456", "(089) 123456"),  # DE
    ("Sydney (02) 9188 9869", "(02) 9188 9869"),  # AU
    ("Delhi office (011) 2345 6789", "(011) 2345 6789"),  # IN
    ("São Paulo (11) 91234-5678", "(11) 91234-5678"),  # BR mobile
    ("001-415-555-2671x1803 left a message", "001-415-555-2671x1803"),  # US IDD + extension
    ("dialled 011 44 20 7946 0958 twice", "011 44 20 7946 0958"),  # NANP IDD to GB
    ("dialled 0044 20 7946 0958", "0044 20 7946 0958"),  # 00 IDD
    ("(415) 555-2671 ext. 204 is the desk", "(415) 555-2671 ext. 204"),
    ("+1-415-555-2671x1803 escalated", "+1-415-555-2671x1803"),
    ("desk 415.555.2671 x 99 ok", "415.555.2671 x 99"),
]


@pytest.mark.parametrize(("text", "value"), NATIONAL_PHONES)
def test_national_phone_formats(text: str, value: str) -> None:
    assert _covered(text, "PHONE_NUMBER", value), [(s.type, text[s.start : s.end]) for s in RULES.detect_one(text)]


FIELD_PHONES = [
    ("mobile_number=07700900123", "07700900123"),
    ('{"phoneNumber": "4155552671"}', "4155552671"),
    ('{"msisdn": 447700900123}', "447700900123"),
    ("contact_phone: 02 9188 9869", "02 9188 9869"),
    ("HOME_TEL=0301234567", "0301234567"),
    ("Phone No.: 0412 345 678", "0412 345 678"),
    ("customer.cellphone=5558675309", "5558675309"),
    ("work_phone=(415) 555-2671 x12", "(415) 555-2671 x12"),
]


@pytest.mark.parametrize(("text", "value"), FIELD_PHONES)
def test_bare_numbers_in_phone_fields(text: str, value: str) -> None:
    assert _covered(text, "PHONE_NUMBER", value), text


def _table(delim: str, header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(delim.join(r) for r in [header, *rows])


_FILLER = "a long free-text note column that pushes the number far from its header"
TABLES = [
    _table(
        ",", ["id", "name", "note", "phone"], [[str(i), f"User {i}", _FILLER, f"41555{i:05d}"] for i in range(1, 8)]
    ),
    _table("\t", ["Mobile", "Name", "Comment"], [[f"0770090{i:04d}", f"P{i}", _FILLER] for i in range(1, 8)]),
    _table(";", ["kunde", "tel_nr", "notiz"], [[f"K{i}", f"030{i}245{i}67", _FILLER] for i in range(1, 8)]),
    _table(
        "|",
        ["", " Name ", " Phone Number ", " Note ", ""],
        [["", f" U{i} ", f" 0412 345 {i:03d} ", f" {_FILLER} ", ""] for i in range(1, 8)],
    ),
    _table(
        ",", ['"id"', '"phone"', '"city"'], [[f'"{i}"', f'"+61 2 9188 98{i:02d}"', '"Sydney"'] for i in range(1, 8)]
    ),
]


@pytest.mark.parametrize("table", TABLES)
def test_bare_numbers_in_phone_columns(table: str) -> None:
    lines = table.split("\n")
    header_cells = [c.strip().strip('"').lower() for c in lines[0].split(_delim(lines[0]))]
    col = next(i for i, c in enumerate(header_cells) if "phone" in c or "tel" in c or "mobile" in c)
    for line in lines[1:]:
        value = line.split(_delim(lines[0]))[col].strip().strip('"')
        assert _covered(table, "PHONE_NUMBER", value), value


def _delim(line: str) -> str:
    return next(d for d in ("\t", ";", "|", ",") if d in line)


def test_phone_column_look_alikes_stay() -> None:
    """Only the phone column counts, only while rows keep the header's cell count, only phone-shaped cells."""
    table = _table(
        ",",
        ["id", "phone", "amount_cents", "zip"],
        [
            ["1", "n/a", "1234567890", "94105"],
            ["2", "", "9876543210", "10001"],
            ["3", "12.5", "5550001234", "2024-01-02"],
            ["4", "10.0.0.1", "", ""],
        ],
    )
    table += "\nsummary line without commas\nx,y\n1234567,7654321"  # the table has ended
    found = {table[s.start : s.end] for s in RULES.detect_one(table) if s.detector == "rules:column_phone"}
    assert found == set(), found


def test_phone_regions_are_configurable() -> None:
    text = "Seoul branch 010-1234-5678 open"  # valid in KR, not in the default regions; no context word
    assert not _covered(text, "PHONE_NUMBER", "010-1234-5678")
    kr = RulesDetector(TAX, phone_regions=["kr", "US"])
    assert _covered(text, "PHONE_NUMBER", "010-1234-5678", det=kr)


@pytest.mark.parametrize("regions", [["XX"], ["US", "atlantis"], [], [" "]])
def test_unknown_phone_region_fails_at_start(regions: list[str]) -> None:
    with pytest.raises(ValueError, match="region"):
        RulesDetector(TAX, phone_regions=regions)


def test_phone_regions_setting_reaches_the_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    from workers.config import ConfigError, PipelineSettings, load_settings

    monkeypatch.setenv("PII_WORKER_PHONE_REGIONS", "kr,gb")
    s = load_settings(PipelineSettings)
    assert s.phone_regions == ["KR", "GB"]
    pipe = build_pipeline(s)
    text = "Seoul branch 010-1234-5678 open"
    assert "010-1234-5678" not in pipe.run_one(Document(id="t", text=text)).text
    monkeypatch.setenv("PII_WORKER_PHONE_REGIONS", "US,XX")
    with pytest.raises(ConfigError, match="PHONE_REGIONS"):
        load_settings(PipelineSettings)


# ------------------------------------------------------------------ 5b. host and domain names

DOMAINS = [
    ("connect to shop.example-retail.com failed", "shop.example-retail.com"),
    ("TLS handshake with api.customer.kz failed", "api.customer.kz"),
    ("relay=mx1.mail.example.co.uk[10.0.0.5]", "mx1.mail.example.co.uk"),
    ("pages at docs.acme.github.io built", "docs.acme.github.io"),
    ("Received: from intranet.acme.de ([10.1.1.1])", "intranet.acme.de"),
    ("upstream cdn-3.assets.example.net:443 timeout", "cdn-3.assets.example.net"),
    ("SNI=login.bank-secure.fr rejected", "login.bank-secure.fr"),
    ("resolved API.EXAMPLE.COM to 10.0.0.1", "API.EXAMPLE.COM"),
    ("peer xn--mnchen-3ya.de answered", "xn--mnchen-3ya.de"),
    ("host db-primary.prod.example.org is down", "db-primary.prod.example.org"),
    ("forwarded to ScrapbookInsider.com.pt", "ScrapbookInsider.com.pt"),
    ("lookup web2.site ok", "web2.site"),
]


@pytest.mark.parametrize(("text", "value"), DOMAINS)
def test_domain_names(text: str, value: str) -> None:
    found = {(s.type, text[s.start : s.end]) for s in RULES.detect_one(text)}
    assert ("DOMAIN_NAME", value) in found, found


NOT_DOMAINS = [
    "saved report.pdf and setup.py next to README.md",
    "loaded libssl.so.1.1 for Main.java",
    "path = os.path.join(base, name)",
    "value = self.config.value",
    "sent to request.user.email today",
    "user.name and host.name are ECS fields",
    'logger.info("started")',
    "upgraded to v1.2.3 from 1.2.3.4",
    "at com.example.app.MainActivity.onCreate",
    "Hello.World is not a host",
    "db.host=10.0.0.1",
    "np.linalg.norm(x)",
    "api-7.example.internal:8443 and build.local",
    "e.g. this, i.e. that",
    "ran run.sh then login.do",
    "item.id=42 and trace.id=abc",
]


@pytest.mark.parametrize("text", NOT_DOMAINS)
def test_domain_look_alikes_stay(text: str) -> None:
    found = [text[s.start : s.end] for s in RULES.detect_one(text) if s.type == "DOMAIN_NAME"]
    assert found == []


@pytest.mark.parametrize(
    ("text", "value", "etype"),
    [
        ("GET https://shop.example.com/u/jdoe?ref=mail done", "https://shop.example.com/u/jdoe?ref=mail", "URL"),
        ("visit www.example.org today", "www.example.org", "URL"),
        ("mail jane@mail.example.org now", "jane@mail.example.org", "EMAIL_ADDRESS"),
        ("Message-ID: <6cf5d32ae258462a.1243@mail.example.com>", None, None),
    ],
)
def test_urls_and_emails_keep_their_type(pipeline, text: str, value: str | None, etype: str | None) -> None:
    res = pipeline.run_one(Document(id="t", text=text))
    got = {(e.type, text[e.start : e.end]) for e in res.entities}
    assert got == ({(etype, value)} if value else set()), got


_LABEL = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)
_SUFFIX = st.sampled_from(["com", "co.uk", "kz", "de", "org", "net", "io", "com.au", "fr", "com.br"])


@settings(max_examples=100, deadline=None)
@given(
    labels=st.lists(_LABEL, min_size=1, max_size=3), suffix=_SUFFIX, lead=st.sampled_from(["to ", "host ", "(", "'"])
)
def test_property_host_under_public_suffix_is_a_domain(labels: list[str], suffix: str, lead: str) -> None:
    host = ".".join(["srv-" + labels[0], *labels[1:], suffix])  # "srv-" keeps the first label off code roots
    text = f"connect {lead}{host} ok"
    found = {(s.type, text[s.start : s.end]) for s in RULES.detect_one(text)}
    assert ("DOMAIN_NAME", host) in found, found


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(["RSA", "EC", "DSA", "OPENSSH", "ENCRYPTED", "PLAIN", "PGP"]),
    nl=st.sampled_from(["\n", "\r\n", "\\n"]),
    lines=st.lists(st.from_regex(r"[A-Za-z0-9+/]{4,64}", fullmatch=True), min_size=1, max_size=6),
    after=st.sampled_from(["", " tail words", '", "next": "value"', "\nINFO next line"]),
)
def test_property_pem_block_covered_to_its_end(kind: str, nl: str, lines: list[str], after: str) -> None:
    label = {"PLAIN": "PRIVATE KEY", "PGP": "PGP PRIVATE KEY BLOCK"}.get(kind, f"{kind} PRIVATE KEY")
    block = f"-----BEGIN {label}-----{nl}{nl.join(lines)}{nl}-----END {label}-----"
    text = f"key {block}{after}"
    assert _covered(text, "API_KEY", block)
    end = text.index(block) + len(block)
    assert all(s.end <= end for s in RULES.detect_one(text) if s.type == "API_KEY")
