from hypothesis import given
from hypothesis import strategies as st

from workers.detect.llm.align import NormalisedText, align
from workers.detect.llm.schema import Mention


def _spans(text, mentions):
    aligned, stats = align(text, [Mention(type=t, text=m) for t, m in mentions])
    return [(text[a.start : a.end], a.type, a.exact) for a in aligned], stats


def test_every_occurrence_is_aligned():
    text = "Bob paid; later Bob called and bob hung up"
    got, stats = _spans(text, [("PERSON", "Bob")])
    assert [g[0] for g in got] == ["Bob", "Bob"]  # exact matches win; no case-folded third
    assert stats.hallucinations == 0


def test_whitespace_and_case_normalised_when_no_exact_match():
    text = "ship to 12  Rue de\nRivoli, Paris"
    got, stats = _spans(text, [("STREET_ADDRESS", "12 rue de rivoli")])
    assert got == [("12  Rue de\nRivoli", "STREET_ADDRESS", False)]
    assert stats.normalised == 1 and stats.hallucinations == 0


def test_mentions_not_in_text_are_dropped_and_counted():
    got, stats = _spans("user alice logged in", [("PERSON", "Mallory"), ("USERNAME", "alice")])
    assert got == [("alice", "USERNAME", True)]
    assert stats.mentions == 2 and stats.hallucinations == 1


def test_matches_inside_longer_words_are_skipped():
    got, stats = _spans("Also Al arrived", [("PERSON", "Al")])
    assert got == [("Al", "PERSON", True)]
    got, stats = _spans("Alison arrived", [("PERSON", "Al")])
    assert got == [] and stats.hallucinations == 1


def test_single_characters_are_never_aligned():
    got, stats = _spans("a b c", [("PERSON", "a")])
    assert got == [] and stats.hallucinations == 1


def test_mention_with_surrounding_whitespace_is_stripped():
    got, _ = _spans("hi Maria Gonzalez!", [("PERSON", "  Maria Gonzalez ")])
    assert got == [("Maria Gonzalez", "PERSON", True)]


@given(st.text(min_size=1, max_size=60))
def test_normalised_map_points_back_into_the_original(text):
    n = NormalisedText(text)
    for i in range(len(n.text)):
        a, b = n.to_original(i, i + 1)
        assert 0 <= a < b <= len(text)


@given(st.text(alphabet=st.sampled_from("ab XY\n\t"), min_size=1, max_size=40), st.data())
def test_aligned_offsets_always_cover_matching_text(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    needle = text[start:end]
    aligned, _ = align(text, [Mention(type="PERSON", text=needle)])
    for a in aligned:
        assert " ".join(text[a.start : a.end].casefold().split()) == " ".join(needle.casefold().split())
