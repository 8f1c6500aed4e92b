"""Label sets, BIO aggregation into label spans, and label joining into typed mentions
(workers/detect/ner/labels.py), on synthetic probabilities."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from workers.detect.ner.labels import (
    LabelMap,
    LabelScheme,
    LabelSpan,
    NerModelError,
    join_mentions,
    label_spans,
)
from workers.detect.ner.names import dn_name_values, inverted_names, quoted_cell
from workers.taxonomy import load_taxonomy, parse_taxonomy

RAMPART_LABELS = [
    "GIVEN_NAME",
    "SURNAME",
    "EMAIL",
    "PHONE",
    "URL",
    "TAX_ID",
    "BANK_ACCOUNT",
    "ROUTING_NUMBER",
    "GOVERNMENT_ID",
    "PASSPORT",
    "DRIVERS_LICENSE",
    "BUILDING_NUMBER",
    "STREET_NAME",
    "SECONDARY_ADDRESS",
    "CITY",
    "STATE",
    "ZIP_CODE",
]
ID2LABEL = {str(i): t for i, t in enumerate(["O"] + [f"{p}-{x}" for x in RAMPART_LABELS for p in "BI"])}
SCHEME = LabelScheme.from_id2label(ID2LABEL)
LMAP = LabelMap(load_taxonomy())


def test_scheme_from_bio_bioes_and_bare_tags():
    assert SCHEME.labels == tuple(RAMPART_LABELS) and SCHEME.outside == 0
    assert SCHEME.begin[0] == 1 and SCHEME.inside[0] == 2
    bioes = LabelScheme.from_id2label({0: "O", 1: "S-CITY", 2: "B-CITY", 3: "E-CITY", 4: "I-CITY"})
    assert bioes.labels == ("CITY",) and bioes.begin == (1,) and bioes.inside == (3,)
    bare = LabelScheme.from_id2label({"0": "O", "1": "PERSON"})
    assert bare.labels == ("PERSON",) and bare.begin == (-1,) and bare.inside == (1,)


@pytest.mark.parametrize(
    ("id2label", "match"),
    [
        ({"0": "B-X", "1": "I-X"}, "no O class"),
        ({"0": "O"}, "no entity labels"),
        ({"0": "O", "2": "B-X"}, "0..n-1"),
        ({"a": "O"}, "integers"),
    ],
)
def test_scheme_rejects_malformed_label_sets(id2label, match):
    with pytest.raises(NerModelError, match=match):
        LabelScheme.from_id2label(id2label)


def _doc(words: list[tuple[str, str | None, float]]) -> tuple[str, np.ndarray, list[int | None], list[tuple[int, int]]]:
    """A text from (word, tag or None, p) triples; each word is split into 3-character sub-tokens
    that all carry the tag (as Rampart tags "spring ##field" B-CITY B-CITY)."""
    text, ids, offsets, rows = "", [], [], []
    n_classes = len(SCHEME.classes)
    for w_i, (word, tag, p) in enumerate(words):
        if text:
            text += "" if word in ",." else " "
        start = len(text)
        text += word
        for a in range(0, len(word), 3):
            row = np.full(n_classes, (1 - p) / (n_classes - 1), dtype=np.float32)
            row[SCHEME.classes.index(tag) if tag else 0] = p
            rows.append(row)
            ids.append(w_i)
            offsets.append((start + a, start + min(a + 3, len(word))))
    return text, np.stack(rows), ids, offsets


def _spans(words, floor=0.15):
    text, probs, ids, offs = _doc(words)
    return text, [(text[s.start : s.end], s.label) for s in label_spans(SCHEME, probs, ids, offs, floor)]


def test_subtokens_of_one_word_never_split_and_b_starts_new_span():
    _, got = _spans(
        [
            ("at", None, 0.9),
            ("Springfield", "B-CITY", 0.9),
            ("Mary", "B-GIVEN_NAME", 0.9),
            ("Ann", "B-GIVEN_NAME", 0.9),
            ("Lee", "I-GIVEN_NAME", 0.9),
        ]
    )
    assert got == [("Springfield", "CITY"), ("Mary", "GIVEN_NAME"), ("Ann Lee", "GIVEN_NAME")]


def test_floor_decides_membership_and_scores_are_per_word():
    text, probs, ids, offs = _doc([("Paris", "B-CITY", 0.4), ("is", None, 0.95), ("Rome", "B-CITY", 0.1)])
    spans = label_spans(SCHEME, probs, ids, offs, floor=0.15)
    # a word's label probability is P(B-) + P(I-): here 0.4 plus the I-CITY share of the rest
    expected = 0.4 + 0.6 / (len(SCHEME.classes) - 1)
    assert [(text[s.start : s.end], s.scores) for s in spans] == [("Paris", pytest.approx((expected,), abs=1e-4))]


# (words, expected mentions (text, type)) with the default taxonomy's ner blocks
JOIN_CASES = [
    ([("Maria", "B-GIVEN_NAME", 0.9), ("Gonzalez", "B-SURNAME", 0.9)], [("Maria Gonzalez", "PERSON")]),
    # a city standing alone is a LOCATION; with a street it is part of the address
    ([("from", None, 0.9), ("Lyon", "B-CITY", 0.9)], [("Lyon", "LOCATION")]),
    (
        [
            ("221", "B-BUILDING_NUMBER", 0.9),
            ("Baker", "B-STREET_NAME", 0.9),
            ("Street", "I-STREET_NAME", 0.9),
            (",", None, 0.9),
            ("Springfield", "B-CITY", 0.9),
            (",", None, 0.9),
            ("IL", "B-STATE", 0.9),
            ("62704", "B-ZIP_CODE", 0.9),
        ],
        [("221 Baker Street, Springfield, IL 62704", "STREET_ADDRESS")],
    ),
    # no street name: not an address; the city and state are still a place, the zip alone nothing
    (
        [("Springfield", "B-CITY", 0.9), (",", None, 0.9), ("IL", "B-STATE", 0.9), ("62704", "B-ZIP_CODE", 0.9)],
        [("Springfield, IL", "LOCATION")],
    ),
    # a lone building number (a port, a count) is nothing
    ([("port", None, 0.9), ("8443", "B-BUILDING_NUMBER", 0.9)], []),
    # a word between two names keeps them apart
    (
        [("Lyon", "B-CITY", 0.9), ("to", None, 0.9), ("Montreal", "B-CITY", 0.9)],
        [("Lyon", "LOCATION"), ("Montreal", "LOCATION")],
    ),
    # different types do not join: a person next to a city
    ([("Maria", "B-GIVEN_NAME", 0.9), ("Lyon", "B-CITY", 0.9)], [("Maria", "PERSON"), ("Lyon", "LOCATION")]),
    # labels no ner type lists are ignored (TAX_ID)
    ([("id", None, 0.9), ("9f8a7b", "B-TAX_ID", 0.9)], []),
    # address keywords the model leaves unlabelled still join the parts (join_words)
    (
        [
            ("8", "B-BUILDING_NUMBER", 0.6),
            ("Wolfe", "B-STREET_NAME", 0.9),
            ("Views", "I-STREET_NAME", 0.9),
            ("Suite", None, 0.9),
            ("381", "B-BUILDING_NUMBER", 0.9),
            (",", None, 0.9),
            ("Roseton", "B-CITY", 0.9),
        ],
        [("8 Wolfe Views Suite 381, Roseton", "STREET_ADDRESS")],
    ),
    # ... but other words do not
    (
        [("Wolfe", "B-STREET_NAME", 0.9), ("near", None, 0.9), ("Roseton", "B-CITY", 0.9)],
        [("Wolfe", "STREET_ADDRESS"), ("Roseton", "LOCATION")],
    ),
    # a lone apartment is an address part (requires: STREET_NAME or SECONDARY_ADDRESS)
    (
        [("moved", None, 0.9), ("Apt", "B-SECONDARY_ADDRESS", 0.9), ("4", "I-SECONDARY_ADDRESS", 0.9)],
        [("Apt 4", "STREET_ADDRESS")],
    ),
]


@pytest.mark.parametrize(("words", "expected"), JOIN_CASES)
def test_join_table(words, expected):
    text, probs, ids, offs = _doc(words)
    spans = label_spans(SCHEME, probs, ids, offs, 0.15)
    got = [(text[m.start : m.end], m.type) for m in join_mentions(text, spans, LMAP)]
    assert got == expected


def test_separator_rules_limit_joining():
    text = "Maria , Gonzalez"  # ", " is not a PERSON separator (join: ".-'")
    spans = [LabelSpan(0, 5, "GIVEN_NAME", (0.9,)), LabelSpan(8, 16, "SURNAME", (0.8,))]
    assert [m.type for m in join_mentions(text, spans, LMAP)] == ["PERSON", "PERSON"]
    text = "Jean-Luc"
    spans = [LabelSpan(0, 4, "GIVEN_NAME", (0.9,)), LabelSpan(5, 8, "GIVEN_NAME", (0.7,))]
    (m,) = join_mentions(text, spans, LMAP)
    assert (m.start, m.end, m.type) == (0, 8, "PERSON")


@pytest.mark.parametrize(("mode", "expected"), [("mean", 0.6), ("min", 0.4)])
def test_mention_score_is_mean_or_min_over_words(mode, expected):
    text = "Maria Gonzalez Lopez"
    spans = [LabelSpan(0, 5, "GIVEN_NAME", (0.8,)), LabelSpan(6, 20, "SURNAME", (0.6, 0.4))]
    (m,) = join_mentions(text, spans, LMAP, score=mode)
    assert m.score == pytest.approx(expected)


def test_check_model_names_model_taxonomy_and_labels():
    LMAP.check_model(SCHEME, "rampart")  # the default taxonomy fits Rampart
    small = LabelScheme.from_id2label({"0": "O", "1": "B-GIVEN_NAME", "2": "I-GIVEN_NAME"})
    with pytest.raises(NerModelError) as e:
        LMAP.check_model(small, "tiny-model")
    msg = str(e.value)
    assert "tiny-model" in msg and "pii-default" in msg and "PERSON needs SURNAME" in msg
    assert "STREET_ADDRESS needs" in msg


def _tax(entities_yaml: str):
    return parse_taxonomy(__import__("yaml").safe_load("name: t\nversion: '1'\nentities:\n" + entities_yaml))


def test_types_without_a_block_use_their_own_name():
    # a distilled student whose labels are the taxonomy's type names loads with no mapping
    tax = _tax(
        "  - {name: CUSTOMER_ID, guideline: a customer number, detectors: [ner]}\n"
        "  - {name: EMAIL_ADDRESS, guideline: an e-mail address, detectors: [rules]}\n"
    )
    lmap = LabelMap(tax)
    student = LabelScheme.from_id2label({"0": "O", "1": "B-CUSTOMER_ID", "2": "I-CUSTOMER_ID"})
    lmap.check_model(student, "student")
    assert lmap.by_label == {"CUSTOMER_ID": ["CUSTOMER_ID"]}
    with pytest.raises(NerModelError, match=re.escape("CUSTOMER_ID needs CUSTOMER_ID")):
        lmap.check_model(SCHEME, "rampart")


def test_taxonomy_without_ner_types_is_refused_when_ner_starts():
    tax = _tax("  - {name: EMAIL_ADDRESS, guideline: an e-mail address, detectors: [rules]}\n")
    with pytest.raises(NerModelError, match="no entity type with detector ner"):
        LabelMap(tax).check_model(SCHEME, "rampart")


@pytest.mark.parametrize(
    ("mention", "excluded"),
    [("Bearer", True), ("bearer", True), ("ROOT", True), ("Bearer Smith", False), ("Maria", False), ("(Basic)", True)],
)
def test_excluded_words_never_make_a_person_alone(mention, excluded):
    assert LMAP.rules["PERSON"].excluded(mention) is excluded


def _labelled(text: str, marks: list[tuple[str, str, float]]) -> list[LabelSpan]:
    """Label spans at the first occurrence, after the previous one, of each marked word."""
    out, at = [], 0
    for word, label, p in marks:
        start = text.index(word, at)
        out.append(LabelSpan(start, start + len(word), label, tuple(p for _ in word.split())))
        at = start + len(word)
    return out


# (text, label spans (word, label, p), inverted mentions (text, score), hints, label spans left)
INVERTED_CASES = [
    # a quoted CSV cell: the model reads the given name and says nothing of the surname
    ('1,"Franco, Debra",x', [("Debra", "GIVEN_NAME", 0.9)], [("Franco, Debra", 0.9)], [], []),
    # ... or reads the surname as a city: the cell is one PERSON; the city span is left to
    # resolution (the PERSON covers it and scores higher), so nothing is un-redacted
    (
        '1,"Jackson, Kelly",x',
        [("Jackson", "CITY", 0.37), ("Kelly", "GIVEN_NAME", 0.95)],
        [("Jackson, Kelly", 0.95)],
        [],
        ["Jackson"],
    ),
    # the surname's own low score never makes the joined mention less sure than the given name
    (
        'x;"Webb, Michael";y',
        [("Webb", "SURNAME", 0.2), ("Michael", "GIVEN_NAME", 0.9)],
        [("Webb, Michael", 0.9)],
        [],
        [],
    ),
    # unsure given name: the joined mention stays unsure (the detector makes it a hint)
    ('1,"Williams, Dean",x', [("Dean", "GIVEN_NAME", 0.25)], [("Williams, Dean", 0.25)], [], []),
    # multi-word surnames and a middle initial fill the quoted cell
    (
        'owner="De La Cruz, Maria Elena" prio=2',
        [("Maria Elena", "GIVEN_NAME", 0.9)],
        [("De La Cruz, Maria Elena", 0.9)],
        [],
        [],
    ),
    ("name='Franco, Debra A.' ok", [("Debra", "GIVEN_NAME", 0.8)], [("Franco, Debra A.", 0.8)], [], []),
    # outside a quoted cell: joined when the model says SURNAME ...
    (
        "Contact Lopez, Travis about it",
        [("Lopez", "SURNAME", 0.3), ("Travis", "GIVEN_NAME", 0.9)],
        [("Lopez, Travis", 0.9)],
        [],
        [],
    ),
    # ... else a hint ("In Paris, John met ..."), and the given name is left to join_mentions
    ("Contact Lopez, Travis about it", [("Travis", "GIVEN_NAME", 0.9)], [], ["Lopez, Travis"], ["Travis"]),
    # never across CSV cell boundaries, a key, or an unquoted CSV column (no space)
    ('1,"Franco","Debra",x', [("Debra", "GIVEN_NAME", 0.9)], [], [], ["Debra"]),
    ('1,"Franco", "Debra",x', [("Debra", "GIVEN_NAME", 0.9)], [], [], ["Debra"]),
    ("last=Franco, first=Debra", [("Debra", "GIVEN_NAME", 0.9)], [], [], ["Debra"]),
    (
        "id,Franco,Debra,x",
        [("Franco", "SURNAME", 0.9), ("Debra", "GIVEN_NAME", 0.9)],
        [],
        [],
        ["Franco", "Debra"],
    ),
    # a list of names is not an inverted name, and needs no LLM when the model read every one
    (
        "cc: Travis, Mary and Bob",
        [("Travis", "SURNAME", 0.9), ("Mary", "GIVEN_NAME", 0.9), ("Bob", "GIVEN_NAME", 0.9)],
        [],
        [],
        ["Travis", "Mary", "Bob"],
    ),
    # greetings (PERSON exclude) and lower-case words are no surname
    ('msg="Thanks, John"', [("John", "GIVEN_NAME", 0.9)], [], [], ["John"]),
    ('1,"franco, Debra",x', [("Debra", "GIVEN_NAME", 0.9)], [], [], ["Debra"]),
    # a quoted value that goes on past the name is not a name cell: a hint
    ('msg="Franco, Debra called back"', [("Debra", "GIVEN_NAME", 0.9)], [], ["Franco, Debra"], ["Debra"]),
]


@pytest.mark.parametrize(("text", "marks", "mentions", "hints", "rest"), INVERTED_CASES)
def test_inverted_names_table(text, marks, mentions, hints, rest):
    got = inverted_names(text, _labelled(text, marks), LMAP)
    assert [(text[m.start : m.end], round(m.score, 4)) for m in got.mentions] == mentions
    assert all(m.type == "PERSON" for m in got.mentions)
    assert [text[a:b] for a, b, t in got.hints] == hints and all(t == "PERSON" for *_, t in got.hints)
    assert [text[s.start : s.end] for s in got.rest] == rest


def test_inverted_names_are_declared_in_the_taxonomy():
    plain = _tax("""
  - name: PERSON
    guideline: A person's name, written in any order.
    detectors: [ner]
    ner: {labels: [GIVEN_NAME, SURNAME]}
""")
    text = '1,"Franco, Debra",x'
    spans = _labelled(text, [("Debra", "GIVEN_NAME", 0.9)])
    assert inverted_names(text, spans, LabelMap(plain)).mentions == []
    with pytest.raises(Exception, match="inverted"):
        _tax("""
  - name: PERSON
    guideline: A person's name, written in any order.
    detectors: [ner]
    ner: {labels: [GIVEN_NAME, SURNAME], inverted: [SURNAME, CITY]}
""")


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('1,"Franco, Debra",x', "Franco, Debra"),
        ('"Franco, Debra"', "Franco, Debra"),
        ('note: "Franco, Debra called"', None),  # the quote does not close after the name
        ('x"Franco, Debra"', None),  # the quote does not open a field
        ('"Franco, Debra"x', None),  # nor does it close one
    ],
)
def test_quoted_cell(text, cell):
    start, end = text.index("Franco"), text.index("Debra") + len("Debra")
    got = quoted_cell(text, start, end)
    assert (text[got[0] : got[1]] if got else None) == cell


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("dn=CN=John Doe,OU=Users,DC=corp,DC=example", ["John Doe"]),
        ("member: cn=Maria J. Gonzalez;ou=Staff", ["Maria J. Gonzalez"]),
        ("memberOf CN=Admins,OU=Groups", []),  # one word: a group
        ("subject=CN=www.example.com,O=Example Inc,C=US", []),
        ("CN=John Doe Smith Jones Brown,OU=x", []),  # five words: a title, not a name
        ("CN=john doe,OU=x", []),
        ("CN=John Doe and more text", []),  # the value does not end at a DN separator
    ],
)
def test_dn_name_values(text, values):
    assert [text[a:b] for a, b in dn_name_values(text)] == values


# Cells of CSV rows, key=value lines and prose, in which an inverted name may or may not stand.
_CELLS = [
    '"{S}, {G}"',
    "{S}, {G}",
    '"{S}", "{G}"',
    '"{S}","{G}"',
    "{S},{G}",
    "a={S}, b={G}",
    "{G}",
    "{S}, {G} and {G}",
    "{S}",
]
_SURNAMES = ["Franco", "Lyon", "franco", "Thanks", "De La Cruz"]
_SEPARATORS = [",", ";", " ", "\n", " = "]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_CELLS),
            st.sampled_from(_SURNAMES),
            st.sampled_from([None, "SURNAME", "CITY", "GIVEN_NAME"]),
            st.floats(0.05, 1.0),
            st.sampled_from(_SEPARATORS),
        ),
        max_size=12,
    )
)
def test_inverted_names_never_lose_a_span_nor_cross_a_cell(cells):
    text, spans = "", []
    for cell, surname, label, p, sep in cells:
        text += sep if text else ""
        for part in re.split(r"(\{[SG]\})", cell):
            if part == "{S}" and label is not None:
                spans.append(LabelSpan(len(text), len(text) + len(surname), label, (p,)))
            if part == "{G}":
                spans.append(LabelSpan(len(text), len(text) + 5, "GIVEN_NAME", (1.0 - p / 2,)))
            text += {"{S}": surname, "{G}": "Debra"}.get(part, part)
    got = inverted_names(text, spans, LMAP)
    event(f"inverted mentions: {min(len(got.mentions), 2)}")
    for s in spans:  # every label span is left for joining or read into an inverted mention
        assert s in got.rest or any(m.start <= s.start and s.end <= m.end for m in got.mentions)
    for m in got.mentions:  # one name: never across a quote, a key, a line or a list
        inner = text[m.start : m.end]
        assert inner.count(", ") == 1 and not set(inner) & set('"=\n;') and " and " not in inner
        assert m.score >= min(x for s in spans if m.start <= s.start < m.end for x in s.scores)
