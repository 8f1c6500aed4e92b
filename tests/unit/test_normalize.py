"""Unicode and encoding evasion (issue 10.3): detection on a normalised view, spans mapped back to
exact original offsets, redaction removing the original characters."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workers.config import PipelineSettings
from workers.detect import normalize
from workers.detect.normalize import Utf8Offsets, normalized_view
from workers.detect.rules import RulesDetector
from workers.models import Document, Result
from workers.pipeline import Pipeline
from workers.pipeline_factory import build_pipeline
from workers.taxonomy import load_taxonomy

ZWSP, ZWJ, SHY, BOM, NBSP, LRM = "\u200b", "\u200d", "\u00ad", "\ufeff", "\u00a0", "\u200e"


@pytest.fixture(scope="module")
def rules() -> RulesDetector:
    return RulesDetector(load_taxonomy())


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return build_pipeline(PipelineSettings(detectors=["rules"]))


# (category, text, type, the value exactly as it stands in the original text)
EVASIONS = [
    # invisible characters inside a value
    (
        "zero-width in e-mail",
        f"mail jane{ZWSP}.doe@exam{ZWSP}ple.com now",
        "EMAIL_ADDRESS",
        f"jane{ZWSP}.doe@exam{ZWSP}ple.com",
    ),
    ("zwj in e-mail", f"to: bob{ZWJ}by@corp{ZWJ}.io", "EMAIL_ADDRESS", f"bob{ZWJ}by@corp{ZWJ}.io"),
    (
        "soft hyphen in e-mail",
        f"reply to ali{SHY}ce@exam{SHY}ple.org.",
        "EMAIL_ADDRESS",
        f"ali{SHY}ce@exam{SHY}ple.org",
    ),
    ("bom in e-mail", f"from {BOM}carol@{BOM}example.net", "EMAIL_ADDRESS", f"carol@{BOM}example.net"),
    ("bidi mark in e-mail", f"x dave@exa{LRM}mple.com", "EMAIL_ADDRESS", f"dave@exa{LRM}mple.com"),
    (
        "zero-width between card groups",
        f"card 4111{ZWSP}1111{ZWSP}1111{ZWSP}1111 ok",
        "CREDIT_CARD",
        f"4111{ZWSP}1111{ZWSP}1111{ZWSP}1111",
    ),
    (
        "soft hyphens in a card",
        f"pan 5555{SHY}5555{SHY}5555{SHY}4444",
        "CREDIT_CARD",
        f"5555{SHY}5555{SHY}5555{SHY}4444",
    ),
    (
        "nbsp between card groups",
        f"card 4111{NBSP}1111{NBSP}1111{NBSP}1111",
        "CREDIT_CARD",
        f"4111{NBSP}1111{NBSP}1111{NBSP}1111",
    ),
    (
        "thin spaces between card groups",
        "card 4111\u20091111\u20091111\u20091111",
        "CREDIT_CARD",
        "4111\u20091111\u20091111\u20091111",
    ),
    ("zero-width in an ip", f"client 203.0{ZWSP}.113.7 GET", "IP_ADDRESS", f"203.0{ZWSP}.113.7"),
    (
        "zero-width in an iban",
        f"iban DE89{ZWSP}3704 0044 0532 0130 00",
        "IBAN_CODE",
        f"DE89{ZWSP}3704 0044 0532 0130 00",
    ),
    # other digits and dashes
    (
        "fullwidth digits",
        "card ４１１１ １１１１ １１１１ １１１１",
        "CREDIT_CARD",
        "４１１１ １１１１ １１１１ １１１１",
    ),
    ("fullwidth e-mail", "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "EMAIL_ADDRESS", "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ"),
    ("fullwidth at only", "mail jane＠example.com", "EMAIL_ADDRESS", "jane＠example.com"),
    ("arabic-indic digits", "card ٤١١١ ١١١١ ١١١١ ١١١١", "CREDIT_CARD", "٤١١١ ١١١١ ١١١١ ١١١١"),
    ("extended arabic-indic ssn", "ssn ۵۳۶-۲۲-۸۷۲۶", "US_SSN", "۵۳۶-۲۲-۸۷۲۶"),
    ("devanagari phone", "call +१ ४१५-५५५-२६७१", "PHONE_NUMBER", "+१ ४१५-५५५-२६७१"),
    ("en dashes in ssn", "ssn 536–22–8726", "US_SSN", "536–22–8726"),
    ("em dashes in ssn", "ssn 536—22—8726", "US_SSN", "536—22—8726"),
    ("non-breaking hyphens in phone", "call +1 415\u2011555\u20112671", "PHONE_NUMBER", "+1 415\u2011555\u20112671"),
    ("fullwidth ip", "from １９２.１６８.１.２０", "IP_ADDRESS", "１９２.１６８.１.２０"),
    # look-alike letters
    ("cyrillic look-alikes", "mail jоhn@exаmple.com", "EMAIL_ADDRESS", "jоhn@exаmple.com"),
    ("greek look-alikes", "mail rοb@εxample.org", "EMAIL_ADDRESS", "rοb@εxample.org"),
    ("cyrillic in a key name", "pаssword=Hunter2! ok", "PASSWORD", "Hunter2!"),
    # internationalised addresses
    ("idn domain", "mail jürgen@müller.de now", "EMAIL_ADDRESS", "jürgen@müller.de"),
    ("cyrillic address", "почта юзер@почта.рф, спасибо", "EMAIL_ADDRESS", "юзер@почта.рф"),
    ("greek address", "email δοκιμή@παράδειγμα.δοκιμή", "EMAIL_ADDRESS", "δοκιμή@παράδειγμα.δοκιμή"),
    ("chinese address", "邮件 用户@例子.广告 谢谢", "EMAIL_ADDRESS", "用户@例子.广告"),
    # escapes
    ("percent-encoded @", "u=jane%40example.com&x=1", "EMAIL_ADDRESS", "jane%40example.com"),
    ("percent-encoded @ and dots", "to=a.b%40mail%2Eexample%2Eorg", "EMAIL_ADDRESS", "a.b%40mail%2Eexample%2Eorg"),
    ("html decimal", "<a>jane&#64;example&#46;com</a>", "EMAIL_ADDRESS", "jane&#64;example&#46;com"),
    ("html hex", "jane&#x40;example.com", "EMAIL_ADDRESS", "jane&#x40;example.com"),
    ("html named", "jane&commat;example&period;com", "EMAIL_ADDRESS", "jane&commat;example&period;com"),
    ("json escape", r'{"m": "jane\u0040example.com"}', "EMAIL_ADDRESS", r"jane\u0040example.com"),
    ("c escape", r"printf jane\x40example.com", "EMAIL_ADDRESS", r"jane\x40example.com"),
    ("html digits of a card", "card &#52;111 1111 1111 1111", "CREDIT_CARD", "&#52;111 1111 1111 1111"),
    ("escaped zero-width", r"jane\u200b@example.com", "EMAIL_ADDRESS", r"jane\u200b@example.com"),
    # spelled forms
    ("spelled at dot", "write to jane at example dot com please", "EMAIL_ADDRESS", "jane at example dot com"),
    ("bracketed", "jane [at] example [dot] com", "EMAIL_ADDRESS", "jane [at] example [dot] com"),
    ("bracketed no spaces", "jane[at]example[dot]co[dot]uk", "EMAIL_ADDRESS", "jane[at]example[dot]co[dot]uk"),
    ("parenthesised", "jane(at)example(dot)org", "EMAIL_ADDRESS", "jane(at)example(dot)org"),
    ("braces", "jane{at}example{dot}org", "EMAIL_ADDRESS", "jane{at}example{dot}org"),
    ("upper case", "JANE AT EXAMPLE DOT COM", "EMAIL_ADDRESS", "JANE AT EXAMPLE DOT COM"),
    (
        "spelled dot in local part",
        "john dot smith at example dot com",
        "EMAIL_ADDRESS",
        "john dot smith at example dot com",
    ),
    ("at with a literal dot domain", "mail john at example.com", "EMAIL_ADDRESS", "john at example.com"),
    ("spaced @", "mail john @ example.com", "EMAIL_ADDRESS", "john @ example.com"),
    # defanged indicators (threat intel, SIEM exports) and CJK full stops
    ("defanged ipv4", "blocked src 203[.]0[.]113[.]7 dport 443", "IP_ADDRESS", "203[.]0[.]113[.]7"),
    ("defanged ipv4 parens", "ioc=198.51.100(.)23", "IP_ADDRESS", "198.51.100(.)23"),
    ("defanged at", "phish from jane.doe[@]example.com", "EMAIL_ADDRESS", "jane.doe[@]example.com"),
    ("defanged domain", "reply-to: jane.doe@example[.]com", "EMAIL_ADDRESS", "jane.doe@example[.]com"),
    ("defanged both", "sender { jane.doe(@)example{.}co{.}uk }", "EMAIL_ADDRESS", "jane.doe(@)example{.}co{.}uk"),
    ("ideographic full stop", "連絡先 jane.doe@example\u3002com まで", "EMAIL_ADDRESS", "jane.doe@example\u3002com"),
    # combinations
    ("fullwidth + bracketed", "jane［at］example．com", "EMAIL_ADDRESS", "jane［at］example．com"),
    ("zero-width + percent", f"jane{ZWSP}%40example.com", "EMAIL_ADDRESS", f"jane{ZWSP}%40example.com"),
]


def _core(s: str) -> str:
    """Letters and digits of `s` after normalisation: what a reader would recover."""
    view = normalized_view(s)
    t = view.text if view is not None else s
    return "".join(c for c in unicodedata.normalize("NFKC", t).lower() if c.isalnum())


@pytest.mark.parametrize(("category", "text", "etype", "value"), EVASIONS, ids=[e[0] for e in EVASIONS])
def test_evasion_detected_at_original_offsets(
    rules: RulesDetector, category: str, text: str, etype: str, value: str
) -> None:
    start = text.index(value)
    end = start + len(value)
    spans = rules.detect_one(text)
    assert any(s.type == etype and s.start <= start and s.end >= end for s in spans), (category, spans)
    # Exact: the span covering the value starts and ends on it (no neighbouring word swallowed).
    assert any(s.type == etype and (s.start, s.end) == (start, end) for s in spans), (category, spans)


@pytest.mark.parametrize(("category", "text", "etype", "value"), EVASIONS, ids=[e[0] for e in EVASIONS])
def test_evasion_redacted_through_pipeline(
    pipeline: Pipeline, category: str, text: str, etype: str, value: str
) -> None:
    out = pipeline.run([Document(id="d", text=text)])[0]
    assert isinstance(out, Result)
    assert _core(value) not in _core(out.text), (category, out.text)
    start = text.index(value)
    # Every original character of the value is gone (the invisible ones between included).
    assert any(e.start <= start and e.end >= start + len(value) for e in out.entities)


# Ordinary text that must not change, or not become a detection.
UNCHANGED = [
    "meet at noon. Then lunch at 1 pm",
    "look at example.com for details",
    "the build ran at 10.0.0.1 dot release",
    "GET /search?q=a%20b%2Fc HTTP/1.1",
    "Привет мир, как дела?",
    "Москва and Πάτρα are cities",
    "price 5 &amp; 6 &lt; 7",
    "plain ascii log line user=42 status=ok",
    "items[0].name (a) {b} [x] f(.5)",
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_ordinary_text_is_left_alone(text: str) -> None:
    view = normalized_view(text)
    assert view is None or view.text == text


def test_meet_at_noon_is_not_an_address(rules: RulesDetector) -> None:
    for text in ("meet at noon.Then lunch", "look at example.com", "we arrived at site.Next"):
        assert not [s for s in rules.detect_one(text) if s.type == "EMAIL_ADDRESS"], text


# (original, expected view)
VIEWS = [
    (f"a{ZWSP}b{SHY}c{BOM}d", "abcd"),
    ("x\u00a0y\u2009z\u3000w", "x y z w"),
    ("1–2—3\u22124", "1-2-3-4"),
    ("٠١٢٣٤٥٦٧٨٩ ०१२", "0123456789 012"),
    ("ＡＢＣ１２３＠．", "ABC123@."),
    ("jоhn Привет", "john Привет"),
    ("a%40b%2Ec %2F %41", "a@b.c %2F %41"),
    ("a&#64;b&#x2e;c &commat; &period; &amp;", "a@b.c @ . &amp;"),
    (r"a\u0040b\x2ec \u0041", r"a@b.c \u0041"),
    ("ann at host dot org", "ann@host.org"),
    ("ann [at] host [dot] org and bob(at)x(dot)io", "ann@host.org and bob@x.io"),
    ("10[.]0( . )0{.}1 a[@]b hxxp[:]//x", "10.0.0.1 a@b hxxp://x"),
    ("終わり。jane@x\uff61io", "終わり.jane@x.io"),
]


@pytest.mark.parametrize(("text", "expected"), VIEWS)
def test_view_text(text: str, expected: str) -> None:
    view = normalized_view(text)
    assert view is not None and view.text == expected


def test_span_maps_to_smallest_original_range() -> None:
    text = f"to: a{ZWSP}b%40c{SHY}d.com!"
    view = normalized_view(text)
    assert view is not None and view.text == "to: ab@cd.com!"
    s = view.text.index("ab@cd.com")
    assert view.to_original(s, s + len("ab@cd.com")) == (4, text.index("!"))
    at = view.text.index("@")
    assert view.to_original(at, at + 1) == (text.index("%40"), text.index("%40") + 3)  # the whole escape
    assert view.to_original(0, 3) == (0, 3)


@given(
    st.text(
        alphabet=st.sampled_from(list("ab1@. -%4&#;x0\\u") + [ZWSP, SHY, NBSP, "–", "１", "٣", "о", "ｏ", "ﬁ", "😀"]),
        max_size=60,
    )
)
def test_view_map_is_monotone_and_in_bounds(text: str) -> None:
    view = normalized_view(text)
    if view is None:
        return
    prev = (0, 0)
    for i in range(len(view.text)):
        a, b = view.to_original(i, i + 1)
        assert 0 <= a < b <= len(text)
        assert a >= prev[0] and b >= prev[1]
        prev = (a, b)
    if view.text:
        assert view.to_original(0, len(view.text))[1] <= len(text)


@given(st.text(max_size=80))
def test_utf8_offsets_round_trip(text: str) -> None:
    offsets = Utf8Offsets(text)
    for i in range(len(text) + 1):
        b = len(text[:i].encode("utf-8", "surrogatepass"))
        assert offsets.byte(i) == b and offsets.char(b) == i


# Documents whose value the rules detect in plain form; the property inserts invisible characters.
BASES = [
    ("contact jane.doe+shop@example.co.uk today", "jane.doe+shop@example.co.uk"),
    ("card=4111 1111 1111 1111 declined", "4111 1111 1111 1111"),
    ("paid with 5555-5555-5555-4444", "5555-5555-5555-4444"),
    ("amex 378282246310005 ok", "378282246310005"),
    ("client 203.0.113.7 - - GET /", "203.0.113.7"),
    ("call +1 415-555-2671 tomorrow", "+1 415-555-2671"),
    ("ssn: 536-22-8726 on file", "536-22-8726"),
    ("refund to DE89 3704 0044 0532 0130 00 please", "DE89 3704 0044 0532 0130 00"),
    ("dhcp ack for 00:1a:2b:3c:4d:5e", "00:1a:2b:3c:4d:5e"),
    ("using key AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    ("db connect password=Hunter2! failed", "Hunter2!"),
    ("GET https://shop.example.com/u/jdoe?ref=mail.", "https://shop.example.com/u/jdoe?ref=mail"),
    ("Failed password for jsmith from 10.1.1.1", "jsmith"),
    ("nhs number 943 476 5919", "943 476 5919"),
    ("mail jürgen@müller.de now", "jürgen@müller.de"),
    ("write to jane at example dot com please", "jane at example dot com"),
]
INVISIBLE = [ZWSP, ZWJ, SHY, BOM, "\u2060", LRM]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    base=st.sampled_from(BASES),
    pick=st.integers(0, 50),
    inserts=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(INVISIBLE)), min_size=1, max_size=6),
    nbsp=st.booleans(),
)
def test_invisible_characters_inside_a_detected_value_still_detected(
    rules: RulesDetector, base: tuple[str, str], pick: int, inserts: list[tuple[int, str]], nbsp: bool
) -> None:
    """Any span the rules find in the plain document (not only the listed value) is found again,
    covering all of it, once invisible characters are put inside it."""
    text, _ = base
    found = sorted({(s.start, s.end) for s in rules.detect_one(text) if s.end - s.start >= 2})
    assert found
    start, end = found[pick % len(found)]
    chars = list(text[start:end])
    if nbsp:
        chars = [NBSP if c == " " else c for c in chars]  # no-break spaces between groups
    for pos, ch in sorted(inserts, reverse=True):
        chars.insert(1 + pos % (len(chars) - 1), ch)  # strictly inside the value
    hidden = "".join(chars)
    doc = text[:start] + hidden + text[end:]
    spans = rules.detect_one(doc)
    assert any(s.start <= start and s.end >= start + len(hidden) for s in spans), (doc, spans)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(base=st.sampled_from(BASES), prefix=st.text(alphabet="жé中😀ß", min_size=1, max_size=12))
def test_non_ascii_text_gives_the_same_spans_at_shifted_offsets(
    rules: RulesDetector, base: tuple[str, str], prefix: str
) -> None:
    """Non-ASCII documents are matched as UTF-8 bytes and mapped back to characters."""
    text, value = base
    shift = len(prefix) + 1
    plain = {(s.start, s.end, s.type) for s in rules.detect_one(text)}
    moved = {(s.start - shift, s.end - shift, s.type) for s in rules.detect_one(prefix + " " + text)}
    assert plain <= moved
    start = text.index(value)
    assert any(a <= start and b >= start + len(value) for a, b, _ in moved)


# Text made of what the view's escapes, spelled forms and their neighbours are built from.
_FORM_TEXT = st.text(alphabet="abtoAT dDx%&#;\\u4069[](){}<>@.\t\n-_+=", max_size=60)


@settings(max_examples=400)
@given(text=_FORM_TEXT, pos=st.integers(0, 60))
def test_spelled_form_search_needs_a_seam(text: str, pos: int) -> None:
    """The stage-2 fast exit: wherever an address with spelled separators can match, the seam
    (local-part character, at-form, domain character) occurs at or after the same position."""
    if normalize._SPELLED_RX.search(text, pos) is not None:
        assert normalize._AT_SEAM_RX.search(text, pos) is not None


@settings(max_examples=400)
@given(text=_FORM_TEXT)
def test_ascii_escape_needs_a_lead_character(text: str) -> None:
    """The stage-1 fast exit: an ASCII text without % & \\ holds no escape the view decodes."""
    found = [m for m in normalize._STAGE1_RX.finditer(text) if m.lastgroup != "na"]
    assert not found or normalize._may_escape(text)
    assert normalize._stage1(text) is None or normalize._may_escape(text)
