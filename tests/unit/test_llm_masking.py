from hypothesis import given
from hypothesis import strategies as st

from workers.detect.llm.masking import MaskedText
from workers.models import Span


def _s(a, b, t="EMAIL_ADDRESS"):
    return Span(start=a, end=b, type=t, score=1.0, detector="rules")


def test_prior_spans_become_placeholders():
    text = "mail bob@x.io or call 555-0100 now"
    m = MaskedText(text, [_s(5, 13), _s(22, 30, "PHONE_NUMBER")])
    assert m.text == "mail [EMAIL_ADDRESS] or call [PHONE_NUMBER] now"
    assert "bob@x.io" not in m.text


def test_offsets_after_placeholders_map_back():
    text = "mail bob@x.io to Maria Gonzalez"
    m = MaskedText(text, [_s(5, 13)])
    i = m.text.index("Maria Gonzalez")
    [(a, b)] = m.pieces(i, i + len("Maria Gonzalez"))
    assert text[a:b] == "Maria Gonzalez"


def test_mention_inside_a_placeholder_maps_to_nothing():
    m = MaskedText("mail bob@x.io now", [_s(5, 13)])
    i = m.text.index("[EMAIL_ADDRESS]")
    assert m.pieces(i, i + len("[EMAIL_ADDRESS]")) == []
    assert m.pieces(i + 1, i + 6) == []


def test_mention_straddling_a_placeholder_keeps_only_unmasked_parts():
    text = "Maria bob@x.io Gonzalez"
    m = MaskedText(text, [_s(6, 14)])
    assert m.text == "Maria [EMAIL_ADDRESS] Gonzalez"
    pieces = m.pieces(0, len(m.text))
    assert [text[a:b] for a, b in pieces] == ["Maria", "Gonzalez"]


def test_overlapping_priors_merge_into_one_hole():
    text = "x https://a.io/bob@x.io y"
    m = MaskedText(text, [_s(2, 23, "URL"), _s(15, 23)])
    assert m.text == "x [URL] y"


def test_no_prior_is_identity():
    m = MaskedText("plain text", [])
    assert m.text == "plain text" and m.pieces(0, 5) == [(0, 5)]


@given(st.text(alphabet="abc .@", min_size=1, max_size=50), st.data())
def test_unmasked_text_maps_back_exactly(text, data):
    n = len(text)
    cuts = sorted(set(data.draw(st.lists(st.integers(0, n), max_size=6))))
    spans = [_s(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if b > a]
    m = MaskedText(text, spans)
    # Every original character outside the spans survives in the masked text, in order.
    for a, b in m.pieces(0, len(m.text)):
        assert 0 <= a <= b <= n
        assert not any(s.start < b and a < s.end for s in spans)
