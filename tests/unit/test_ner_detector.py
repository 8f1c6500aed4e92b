"""The ner detector end to end on a fake encoder: windows over long texts (no entity lost at a
cut), hints below min_score, shape checks, failures reported, not swallowed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.detect.base import DetectorError
from workers.detect.ner import LabelScheme, NerDetector, NerSettings
from workers.taxonomy import load_taxonomy

TAX = load_taxonomy()
TAGS = [
    "O",
    "B-GIVEN_NAME",
    "I-GIVEN_NAME",
    "B-SURNAME",
    "I-SURNAME",
    "B-CITY",
    "I-CITY",
    "B-STATE",
    "I-STATE",
    "B-STREET_NAME",
    "I-STREET_NAME",
    "B-BUILDING_NUMBER",
    "I-BUILDING_NUMBER",
    "B-SECONDARY_ADDRESS",
    "I-SECONDARY_ADDRESS",
    "B-ZIP_CODE",
    "I-ZIP_CODE",
]
LEXICON = {
    "maria": ("GIVEN_NAME", 0.95),
    "gonzalez": ("SURNAME", 0.9),
    "lyon": ("CITY", 0.9),
    "bearer": ("GIVEN_NAME", 0.9),
    "smith": ("SURNAME", 0.3),
}


@dataclass
class _Enc:
    ids: list[int]
    word_ids: list[int | None]
    offsets: list[tuple[int, int]]


@dataclass
class _Files:
    name: str = "fake"
    root: Path = Path("/nonexistent")


class FakeEncoder:
    """Words are \\w+ runs or single punctuation; each word is cut into 4-character sub-tokens.
    The 'model' knows a lexicon, but is blind within `blind` tokens of a window edge (a real
    encoder reads context both ways): only overlapping windows find entities near a cut. It is
    blind at the text's own ends too, so test texts start and end with two filler words."""

    def __init__(self, blind: int = 2, fail: bool = False, lexicon: dict[str, tuple[str, float]] | None = None):
        self.lexicon = LEXICON if lexicon is None else lexicon
        self.scheme = LabelScheme.from_id2label(dict(enumerate(TAGS)))
        self.max_positions = 512
        self.specials = 2
        self.files = _Files()
        self.vocab: dict[str, int] = {}
        self.words: list[str] = []
        self.blind = blind
        self.fail = fail
        self.calls: list[list[int]] = []

    def encode(self, texts):
        out = []
        for text in texts:
            ids, wids, offs = [], [], []
            for w, m in enumerate(re.finditer(r"\w+|[^\w\s]", text)):
                word = m.group().lower()
                if word not in self.vocab:
                    self.vocab[word] = len(self.words)
                    self.words.append(word)
                for a in range(m.start(), m.end(), 4):
                    ids.append(self.vocab[word])
                    wids.append(w)
                    offs.append((a, min(a + 4, m.end())))
            out.append(_Enc(ids, wids, offs))
        return out

    def run(self, windows):
        if self.fail:
            raise RuntimeError("onnxruntime exploded")
        self.calls.append([len(w) for w in windows])
        out = []
        for w in windows:
            p = np.full((len(w), len(TAGS)), 0.01, dtype=np.float32)
            p[:, 0] = 0.99
            for t, tok in enumerate(w):
                label, prob = self.lexicon.get(self.words[tok], (None, 0.0))
                if label is None or t < self.blind or t >= len(w) - self.blind:
                    continue
                p[t, :] = (1 - prob) / (len(TAGS) - 1)
                p[t, TAGS.index(f"B-{label}")] = prob
            out.append(p / p.sum(axis=1, keepdims=True))
        return out


def _det(window=16, stride=6, **kw) -> tuple[NerDetector, FakeEncoder]:
    enc = FakeEncoder(**{k: kw.pop(k) for k in ("blind", "fail", "lexicon") if k in kw})
    kw.setdefault("threads", 1)
    s = NerSettings(window=window, stride=stride, **kw)
    return NerDetector.from_encoder(TAX, enc, s), enc  # type: ignore[arg-type]


def _found(det, text):
    (spans,) = det.detect([text], [[]])
    return [(text[s.start : s.end], s.type) for s in spans if s.score >= 0.5]


@settings(max_examples=60, deadline=None)
@given(before=st.integers(0, 60), after=st.integers(0, 60))
def test_long_texts_find_entities_wherever_the_windows_cut(before, after):
    # 14 content tokens per window: the name lands at every offset relative to the cuts
    det, _ = _det()
    text = " ".join(["x"] * (before + 2) + ["Maria", "Gonzalez", "flew", "to", "Lyon"] + ["y"] * (after + 2))
    assert _found(det, text) == [("Maria Gonzalez", "PERSON"), ("Lyon", "LOCATION")]


def test_without_overlap_a_cut_loses_the_entity():
    # the control for the test above: with no shared tokens, a name at a window edge is missed
    det, _ = _det(stride=0)
    text = " ".join(["x"] * 13 + ["Maria"] + ["y"] * 20)
    assert _found(det, text) == []
    det, _ = _det(stride=6)
    assert _found(det, text) == [("Maria", "PERSON")]


def test_batches_are_length_bucketed():
    det, enc = _det(window=16, stride=6, batch_size=2)
    texts = ["a b", "a b c d e f g h", "a", "a b c d e f g"]
    det.detect(texts, [[]] * 4)
    assert enc.calls == [[1, 2], [7, 8]]
    det, enc = _det(window=16, stride=6, batch_size=8, batch_tokens=16)
    det.detect(texts, [[]] * 4)
    assert enc.calls == [[1, 2], [7, 8]]  # 3 x 7 tokens would pass the budget


def test_parallel_calls_give_the_same_answers():
    texts = [" ".join(["x"] * k + ["Maria", "Gonzalez", "in", "Lyon"] + ["y"] * (40 - k)) for k in range(0, 40, 3)]
    one, _ = _det(threads=1, batch_size=2)
    two, enc = _det(threads=2, batch_size=2)
    assert two.detect(texts, [[]] * len(texts)) == one.detect(texts, [[]] * len(texts))
    assert len(enc.calls) > 2


def test_unsure_spans_are_hints_and_shapes_are_checked():
    det, _ = _det(window=64, stride=8)
    text = "INFO ticket from Smith ; user Maria Gonzalez logged in"
    (spans,) = det.detect([text], [[]])
    got = {(text[s.start : s.end], s.type, s.score >= TAX.by_name[s.type].min_score) for s in spans}
    # "Smith" scores 0.3: returned (a hint for the LLM router), below PERSON's min_score
    assert got == {("Smith", "PERSON", False), ("Maria Gonzalez", "PERSON", True)}
    # below the hint floor it is not returned at all
    det, _ = _det(window=64, stride=8, hint_floor=0.38)  # "Smith": 0.3 + its I- share
    (spans,) = det.detect([text], [[]])
    assert [text[s.start : s.end] for s in spans] == ["Maria Gonzalez"]
    # the taxonomy's exclude words never make a PERSON, however sure the model is
    text = "INFO auth header Bearer abc for user Maria Gonzalez logged in"
    (spans,) = det.detect([text], [[]])
    assert [text[s.start : s.end] for s in spans] == ["Maria Gonzalez"]
    # proper_noun: in cased text a lower-case "maria" is not a PERSON
    (spans,) = det.detect(["Ticket from maria about Lyon today ."], [[]])
    assert [s.type for s in spans] == ["LOCATION"]
    assert all(s.detector == "ner" for s in spans)


def test_empty_and_whitespace_texts():
    det, _ = _det()
    assert det.detect(["", "   \n", "- -"], [[], [], []]) == [[], [], []]


def test_model_failure_is_a_detector_error_not_an_empty_answer():
    det, _ = _det(fail=True)
    with pytest.raises(DetectorError):
        det.detect(["Maria Gonzalez"], [[]])
    with pytest.raises(ValueError):
        det.detect(["a", "b"], [[]])


@pytest.mark.parametrize(("kw", "match"), [({"window": 64, "stride": 40}, "stride"), ({"threads": 0}, "threads")])
def test_settings_validation(kw, match):
    with pytest.raises(ValueError, match=match):
        NerSettings(**kw)


def test_settings_from_environment(monkeypatch):
    monkeypatch.setenv("PII_WORKER_NER_THREADS", "3")
    monkeypatch.setenv("PII_WORKER_NER_MODEL", "/models/student")
    s = NerSettings()
    assert (s.threads, s.model, s.hint_floor) == (3, "/models/student", 0.15)


# An inverted name in a CSV cell read as street + city (Rampart did this to "Franco, Debra" in the
# demo's samples): STREET_ADDRESS needs a digit, so the mention fails its shape.
PLACE_READ = {
    **LEXICON,
    "franco": ("STREET_NAME", 0.9),
    "debra": ("CITY", 0.9),
    "pine": ("STREET_NAME", 0.3),
    "robertfoster64": ("GIVEN_NAME", 0.9),
}
CSV_ROW = 'INFO y id,name,card\n679109,"Franco, Debra",4228 z w'


@pytest.mark.parametrize(
    ("text", "hints"),
    [
        # sure of an entity, wrong about its type: a zero-score hint of each type whose shape fits
        (CSV_ROW, {("Franco, Debra", "PERSON"), ("Franco, Debra", "LOCATION")}),
        # the same mention in lower case fits no proper-noun type: nothing to ask about
        (CSV_ROW.replace("Franco, Debra", "franco, debra"), set()),
        # unsure (0.3) and of the wrong shape: noise, not a hint
        ("x y lives on Pine today z w", set()),
        # a sure "name" in lower case: not shaped as a name, and a digit alone makes no address
        ("INFO y user robertfoster64 logged in z w", set()),
    ],
)
def test_a_sure_mention_of_the_wrong_shape_becomes_hints_of_the_types_it_fits(text, hints):
    det, _ = _det(window=64, stride=8, lexicon=PLACE_READ)
    (spans,) = det.detect([text], [[]])
    assert {(text[s.start : s.end], s.type) for s in spans} == hints
    # hints only: the encoder does not know the type, so nothing redacts on its word alone
    assert all(s.score < TAX.by_name[s.type].min_score and s.detector == "ner" for s in spans)


class _Engine:
    """A fake LLM engine: finds `value` as `type_` when asked about that type."""

    name = "fake"

    def __init__(self, value: str, type_: str):
        self.value, self.type = value, type_
        self.asked: list[list[str]] = []

    def generate(self, requests):
        import json

        from workers.detect.llm.engines import EngineResult

        out = []
        for r in requests:
            types = list(r.schema["properties"]["entities"]["items"]["properties"]["type"]["enum"])
            self.asked.append(types)
            found = [{"text": self.value, "type": self.type}] if self.type in types else []
            out.append(EngineResult(text=json.dumps({"entities": found}), finish_reason="stop"))
        return out


def test_the_cascade_asks_the_llm_about_a_mention_the_encoder_could_not_type():
    """The demo's leaked PERSON: before, the encoder dropped the mention and the router, seeing no
    unsure span, kept the document from the LLM, so the name was published raw."""
    from workers.detect.llm import LLMDetector, LLMSettings
    from workers.detect.rules import RulesDetector
    from workers.models import Document
    from workers.pipeline import Pipeline
    from workers.redact import Redactor

    det, _ = _det(window=64, stride=8, lexicon=PLACE_READ)
    engine = _Engine("Franco, Debra", "PERSON")
    llm = LLMDetector(TAX, LLMSettings(llm_route="uncertain"), engine=engine)
    pipe = Pipeline(TAX, [RulesDetector(TAX), det, llm], Redactor(TAX))
    (res,) = pipe.run([Document(id="1", text=CSV_ROW)])
    assert "PERSON" in engine.asked[0]
    assert "Franco" not in res.text and "Debra" not in res.text
    assert res.detectors == ["rules", "ner", "llm"]


@pytest.mark.parametrize(
    ("text", "redacts", "hints"),
    [
        # the model reads the given name only, as Rampart reads "Ramirez, Matthew" in a CSV cell
        ('INFO y id,name\n1,"Lopez, Maria",z w', {"Lopez, Maria"}, set()),
        # outside a quoted cell "Lopez" may be a place ("In Paris, Maria ..."): the LLM is asked
        ("INFO y Contact Lopez, Maria today z w", {"Maria"}, {"Lopez, Maria"}),
        # two CSV cells are two values, not one inverted name
        ('INFO y id,last,first\n1,"Lopez","Maria",z w', {"Maria"}, set()),
        # a DN common name the model leans to (under the hint floor) is asked about; a group's
        # name, where the model sees no name at all, is not; one it found costs no LLM call
        ("INFO y dn=CN=John Doe,OU=Users z w", set(), {"John Doe"}),
        ("INFO y memberOf CN=Domain Admins,OU=Groups z w", set(), set()),
        ("INFO y dn=CN=Maria Gonzalez,OU=Users z w", {"Maria Gonzalez"}, set()),
        ("info y dn=cn=john doe,ou=users z w", set(), set()),  # lower case: no name shape
    ],
)
def test_inverted_names_redact_whole_and_unsure_structure_is_a_hint(text, redacts, hints):
    det, _ = _det(window=64, stride=8, lexicon={**LEXICON, "john": ("GIVEN_NAME", 0.06)})
    (spans,) = det.detect([text], [[]])
    person = [s for s in spans if s.type == "PERSON"]
    assert {text[s.start : s.end] for s in person if s.score >= TAX.by_name["PERSON"].min_score} == redacts
    assert {text[s.start : s.end] for s in person if s.score == 0.0} == hints
