"""The cascade router with a fake LLM engine: which documents reach the engine, with which types in
the prompt, what is masked, and how routed-away documents are recorded (skipped, never degraded)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.detect.base import DetectFailure, Skipped
from workers.detect.llm import LLMDetector, LLMSettings
from workers.detect.llm.engines import EngineRequest, EngineResult
from workers.detect.llm.route import CueMatcher, LLMRouter, _outside_longer
from workers.detect.rules import RulesDetector
from workers.models import Document, Failure, Result, Span
from workers.pipeline import Pipeline
from workers.redact import Redactor
from workers.taxonomy import TaxonomyError, default_taxonomy_path, load_taxonomy, parse_taxonomy

BASE = yaml.safe_load(default_taxonomy_path().read_text())


def taxonomy_with(*extra: dict):
    raw = dict(BASE, entities=[*BASE["entities"], *extra])
    return parse_taxonomy(raw)


EMPLOYEE = {
    "name": "EMPLOYEE_ID",
    "guideline": "An internal employee number such as E-12345.",
    "detectors": ["llm"],
    "cues": ["employee", "emp id", "staff"],
    "examples": {"positive": [{"text": "employee E-10442 badge", "values": ["E-10442"]}]},
}
TAX = taxonomy_with(EMPLOYEE)
RULES = RulesDetector(TAX)
NER_TYPES = ("PERSON", "STREET_ADDRESS", "LOCATION")


class FakeNer:
    """Stands in for the encoder tier: `found` maps a value to (type, score)."""

    name = "ner"
    entity_types = NER_TYPES

    def __init__(self, found: dict[str, tuple[str, float]]):
        self.found = found

    def detect(self, texts: Sequence[str], prior: Sequence[Sequence[Span]]) -> list[list[Span]]:
        out = []
        for t in texts:
            spans = []
            for value, (typ, score) in self.found.items():
                for m in re.finditer(re.escape(value), t):
                    spans.append(Span(start=m.start(), end=m.end(), type=typ, score=score, detector="ner"))
            out.append(spans)
        return out


def fenced(req: EngineRequest) -> str:
    m = re.search(r"^(`{3,})\n(.*)\n\1$", req.messages[-1]["content"], re.S | re.M)
    assert m is not None
    return m.group(2)


def prompt_types(req: EngineRequest) -> list[str]:
    return list(req.schema["properties"]["entities"]["items"]["properties"]["type"]["enum"])


class FakeEngine:
    """Answers with every known value of an asked type found in the fenced document."""

    name = "fake"

    def __init__(self, known: dict[str, str] | None = None, fail_on: str | None = None):
        self.known = known or {}
        self.fail_on = fail_on
        self.seen: list[tuple[str, list[str]]] = []  # (document as the model saw it, prompt types)
        self.requests: list[EngineRequest] = []

    def generate(self, requests: Sequence[EngineRequest]) -> list[EngineResult]:
        out = []
        for r in requests:
            doc, types = fenced(r), prompt_types(r)
            self.seen.append((doc, types))
            self.requests.append(r)
            if self.fail_on and self.fail_on in doc:
                out.append(EngineResult(error="boom"))
                continue
            ents = [{"text": v, "type": t} for v, t in self.known.items() if t in types and v in doc]
            out.append(EngineResult(text=json.dumps({"entities": ents}), finish_reason="stop"))
        return out


def build(
    route: str,
    ner: dict[str, tuple[str, float]] | None = None,
    *,
    with_ner: bool = True,
    policy: str = "dead_letter",
    engine: FakeEngine | None = None,
    **kw,
) -> tuple[Pipeline, LLMDetector, FakeEngine]:
    eng = engine or FakeEngine()
    llm = LLMDetector(TAX, LLMSettings(llm_route=route, **kw), engine=eng)
    dets = [RULES, *([FakeNer(ner or {})] if with_ner else []), llm]
    return Pipeline(TAX, dets, Redactor(TAX), on_detector_error=policy), llm, eng


def run(pipe: Pipeline, *texts: str) -> list[Result | Failure]:
    return pipe.run([Document(id=str(i), text=t) for i, t in enumerate(texts)])


ALL_LLM = tuple(e.name for e in TAX.llm_entities())
PLAIN = "GET /health 200 in 3ms"


# --- modes ------------------------------------------------------------------------------------


def test_all_sends_every_document_with_every_llm_type():
    pipe, llm, eng = build("all")
    res = run(pipe, PLAIN, "payment ok")
    assert [types for _, types in eng.seen] == [list(ALL_LLM)] * 2
    assert all(r.detectors == ["rules", "ner", "llm"] and r.skipped == [] for r in res)
    assert llm.stats.routed == 2 and llm.stats.routed_away == 0


def test_uncovered_asks_only_types_no_earlier_tier_produces_on_every_document():
    pipe, llm, eng = build("uncovered")
    run(pipe, PLAIN, "Ann Lee wrote")
    # rules cover DATE_OF_BIRTH, USERNAME, PASSWORD, MRN; the encoder PERSON, address, place.
    assert [types for _, types in eng.seen] == [["EMPLOYEE_ID"], ["EMPLOYEE_ID"]]
    assert llm.router.uncovered == ("EMPLOYEE_ID",)


def test_uncovered_without_custom_types_sends_nothing_and_records_the_skip():
    tax = load_taxonomy()
    eng = FakeEngine()
    llm = LLMDetector(tax, LLMSettings(llm_route="uncovered"), engine=eng)
    pipe = Pipeline(tax, [RulesDetector(tax), FakeNer({}), llm], Redactor(tax))
    (r,) = run(pipe, "Ann Lee wrote from Leeds")
    assert eng.seen == []
    assert isinstance(r, Result) and r.detectors == ["rules", "ner"] and r.skipped == ["llm"] and not r.degraded


UNCERTAIN_TABLE = [
    # (text, encoder spans {value: (type, score)}, types the LLM is asked about or None = not sent)
    (PLAIN, {}, None),
    ("Ticket from Ann Lee", {"Ann Lee": ("PERSON", 0.97)}, None),  # encoder sure
    ("Ticket from Ann Lee", {"Ann Lee": ("PERSON", 0.30)}, ["PERSON"]),  # encoder unsure
    ("moved to Leeds, Ann Lee", {"Leeds": ("LOCATION", 0.2), "Ann Lee": ("PERSON", 0.9)}, ["LOCATION"]),
    ("badge for employee E-10442", {}, ["EMPLOYEE_ID"]),  # a custom type's cue
    ("Emp-ID E-10442 revoked", {}, ["EMPLOYEE_ID"]),  # cue phrase joined by '-'
    ("handle of jsmith closed", {}, ["USERNAME"]),  # a covered type's cue, rules found nothing
    ("user logged in as jsmith", {}, None),  # ... and where the rules found it, not asked again
    (
        "patient Ann Lee born in spring",
        {"Ann Lee": ("PERSON", 0.35)},  # PERSON min_score is 0.4
        ["PERSON", "DATE_OF_BIRTH", "MEDICAL_RECORD_NUMBER"],
    ),
    ("employed since May", {}, None),  # "employee" is a whole word, "employed" is not
]


@pytest.mark.parametrize(("text", "ner", "asked"), UNCERTAIN_TABLE)
def test_uncertain_routes_by_encoder_doubt_and_cues(text, ner, asked):
    pipe, llm, eng = build("uncertain", ner)
    (r,) = run(pipe, text)
    assert isinstance(r, Result) and not r.degraded
    if asked is None:
        assert eng.seen == [] and r.skipped == ["llm"] and r.detectors == ["rules", "ner"]
        assert llm.stats.routed_away == 1
    else:
        assert [t for _, t in eng.seen] == [asked]
        assert r.detectors == ["rules", "ner", "llm"] and r.skipped == []
        assert llm.stats.routed == 1


def test_a_routed_document_is_prompted_with_only_the_types_that_routed_it():
    pipe, _, eng = build("all")
    run(pipe, "Ticket from Ann Lee")
    full = eng.requests[0]
    pipe, _, eng = build("uncertain", {"Ann Lee": ("PERSON", 0.30)})
    run(pipe, "Ticket from Ann Lee")
    (narrow,) = eng.requests
    system = narrow.messages[0]["content"]
    assert "- PERSON:" in system and not any(f"- {t}:" in system for t in ALL_LLM if t != "PERSON")
    assert len(system) < len(full.messages[0]["content"]) / 2


@pytest.mark.parametrize(
    ("route", "ner", "per_type", "items"),
    [
        ("all", {}, 4, 16),  # every type: max_items (7 x 4 is more)
        ("uncertain", {"Ann Lee": ("PERSON", 0.30)}, 4, 4),  # one type asked: 4 mentions at most
        ("uncertain", {"Ann Lee": ("PERSON", 0.30)}, 2, 2),
        ("uncertain", {"Ann Lee": ("PERSON", 0.30)}, 50, 16),  # never above max_items
    ],
)
def test_a_request_answers_at_most_max_items_per_type_asked(route, ner, per_type, items):
    pipe, llm, eng = build(route, ner, max_items_per_type=per_type)
    run(pipe, "Ticket from Ann Lee")
    (req,) = eng.requests
    assert req.schema["properties"]["entities"]["maxItems"] == items
    # the token cap fits the longest answer the schema allows, never cutting a valid one
    longest = json.dumps({"entities": [{"text": "x" * llm.settings.max_mention_chars, "type": "PERSON"}] * items})
    assert req.max_tokens >= min(llm.settings.max_tokens, len(longest))


def test_rule_found_covered_type_is_not_asked_again_despite_its_cue():
    pipe, _, eng = build("uncertain")
    run(pipe, "login=alice_w password=Hunter2! ok")
    asked = {t for _, ts in eng.seen for t in ts}
    assert "PASSWORD" not in asked  # rules found it (the cue "password" alone does not re-ask)


def test_confident_spans_are_masked_unsure_ones_are_shown():
    text = "Ann Lee and Bob Stone wrote to ann@example.com"
    pipe, _, eng = build("uncertain", {"Ann Lee": ("PERSON", 0.95), "Bob Stone": ("PERSON", 0.3)})
    run(pipe, text)
    (seen, types) = eng.seen[0]
    assert "Ann Lee" not in seen and "[PERSON]" in seen and "[EMAIL_ADDRESS]" in seen
    assert "Bob Stone" in seen and types == ["PERSON"]


def test_band_counts_spans_above_min_score_as_unsure():
    ner = {"Ann Lee": ("PERSON", 0.7)}
    pipe, _, eng = build("uncertain", ner)
    run(pipe, "Ticket from Ann Lee")
    assert eng.seen == []
    pipe, _, eng = build("uncertain", ner, route_band=(0.6, 0.8))
    run(pipe, "Ticket from Ann Lee")
    assert [t for _, t in eng.seen] == [["PERSON"]]


def test_without_an_encoder_its_types_are_uncovered_and_asked_everywhere():
    pipe, _, eng = build("uncertain", with_ner=False)
    run(pipe, PLAIN)
    assert [t for _, t in eng.seen] == [["PERSON", "STREET_ADDRESS", "LOCATION"]]


def test_an_llm_detector_outside_a_pipeline_treats_nothing_as_covered():
    eng = FakeEngine()
    llm = LLMDetector(TAX, LLMSettings(), engine=eng)
    out = llm.detect([PLAIN], [[]])
    assert not isinstance(out[0], Skipped)
    assert eng.seen[0][1] == ["PERSON", "STREET_ADDRESS", "LOCATION"]


def test_covered_types_setting_overrides_the_pipeline():
    pipe, llm, eng = build("uncertain", with_ner=False, covered_types=list(NER_TYPES))
    run(pipe, PLAIN)
    assert eng.seen == [] and llm.router.covered >= set(NER_TYPES)


def test_llm_spans_from_a_routed_document_are_redacted():
    eng = FakeEngine({"Bob Stone": "PERSON", "E-10442": "EMPLOYEE_ID"})
    pipe, _, _ = build("uncertain", {"Bob Stone": ("PERSON", 0.3)}, engine=eng)
    (r,) = run(pipe, "Bob Stone, employee E-10442")
    assert isinstance(r, Result)
    assert "Bob Stone" not in r.text and "E-10442" not in r.text
    assert {s.detector for s in r.entities} == {"llm"}


@pytest.mark.parametrize("policy", ["dead_letter", "degraded"])
def test_a_routed_document_whose_call_fails_follows_the_policy_routed_away_ones_do_not(policy):
    eng = FakeEngine(fail_on="employee")
    pipe, llm, _ = build("uncertain", policy=policy, engine=eng, retries=0)
    bad, away = run(pipe, "employee E-10442", PLAIN)
    assert isinstance(away, Result) and not away.degraded and away.skipped == ["llm"]
    if policy == "dead_letter":
        assert isinstance(bad, Failure) and "llm" in bad.message
    else:
        assert isinstance(bad, Result) and bad.degraded and "llm" not in bad.detectors + bad.skipped


def test_detector_reports_partial_failure_only_for_routed_documents():
    llm = LLMDetector(TAX, LLMSettings(retries=0), engine=FakeEngine(fail_on="employee"))
    llm.follow([RULES, FakeNer({})])
    away, bad = llm.detect([PLAIN, "employee E-10442"], [[], []])
    assert isinstance(away, Skipped) and isinstance(bad, DetectFailure)


def test_stats_count_routed_and_routed_away():
    pipe, llm, _ = build("uncertain")
    run(pipe, PLAIN, "employee E-1", "payment ok", "handle of bob closed")
    assert (llm.stats.routed, llm.stats.routed_away, llm.stats.docs) == (2, 2, 4)


def test_unknown_route_is_rejected():
    with pytest.raises(ValueError):
        LLMSettings(llm_route="some")
    with pytest.raises(ValueError):
        LLMSettings(route_band=(0.8, 0.2))


# --- cue satisfaction: a cue whose value slot earlier tiers explained does not route ----------

SLOT_TABLE = [
    # (text, encoder spans, types asked or None = not sent); rules run too
    ("password=Hunter2! rejected", {}, None),  # the rules' PASSWORD span fills the slot
    ("password: 'Hunter2!' rejected", {}, None),  # key separators and a quote before the value
    ("password reset requested for the team", {}, ["PASSWORD"]),  # slot is a word nothing explains
    ("handle Ann Lee", {"Ann Lee": ("PERSON", 0.95)}, None),  # any confident type explains the slot
    ("handle Ann Lee", {"Ann Lee": ("PERSON", 0.45)}, None),  # confident = at least min_score (0.4)
    ("handle Ann Lee", {"Ann Lee": ("PERSON", 0.30)}, ["PERSON", "USERNAME"]),  # unsure: hint, slot open
    ("handle         Ann Lee", {"Ann Lee": ("PERSON", 0.95)}, ["USERNAME"]),  # past the slot gap
    ("handle is Ann Lee", {"Ann Lee": ("PERSON", 0.95)}, ["USERNAME"]),  # a word before the span
    ("mail ann.user@example.com now", {}, None),  # the cue lies inside a confident span
    ("Failed password for jsmith from 10.0.0.1", {}, None),  # USERNAME's "password for" owns it
    ("Failed password for nobody", {}, ["USERNAME"]),  # rules decline a system account: asked
    ("handle Mr Lee and handle bobby", {}, ["USERNAME"]),  # one open occurrence is enough
    ("POST /api/password-reset?next=/home HTTP/1.1", {}, None),  # a compound name, not a key
    ("GET /reset-password?token=abc", {}, None),  # glued on the left: a name too
    ("user_name=alice_w ok", {}, ["USERNAME"]),  # a compound key: its slot follows the whole key
    ("user-name : 'bob42'", {}, ["USERNAME"]),
    ("user_name=Ann Lee", {"Ann Lee": ("PERSON", 0.95)}, None),  # ... and a span there explains it
    ("passphrase-policy updated", {}, None),
    ("a-" + "user-" * 20 + "x=1", {}, ["USERNAME"]),  # a run too long to be a key name: a lone cue
    # A custom (uncovered) type is asked wherever its cue occurs, slot explained or not.
    ("employee Ann Lee", {"Ann Lee": ("PERSON", 0.95)}, ["EMPLOYEE_ID"]),
    ("employee: a@b.io", {}, ["EMPLOYEE_ID"]),
]


@pytest.mark.parametrize(("text", "ner", "asked"), SLOT_TABLE)
def test_cue_satisfied_by_a_confident_span_in_its_value_slot(text, ner, asked):
    pipe, _, eng = build("uncertain", ner)
    (r,) = run(pipe, text)
    assert isinstance(r, Result) and not r.degraded
    assert ([t for _, t in eng.seen] or None) == (None if asked is None else [asked])


@pytest.mark.parametrize("mode", ["all", "uncovered"])
@pytest.mark.parametrize(("text", "ner"), [(t, n) for t, n, _ in SLOT_TABLE])
def test_slot_rule_is_only_for_uncertain_routing(mode, text, ner):
    pipe, llm, eng = build(mode, ner)
    run(pipe, text)
    expected = [list(ALL_LLM)] if mode == "all" else [list(llm.router.uncovered)]
    assert [t for _, t in eng.seen] == expected


OCC_TABLE = [
    # (own occurrences, another type's occurrences, kept)
    ([(7, 15)], [(7, 19)], []),  # inside a longer one, same start
    ([(11, 15)], [(7, 15)], []),  # inside, same end
    ([(7, 15)], [(7, 15)], [(7, 15)]),  # same length: not "longer"
    ([(0, 4), (20, 24)], [(18, 30)], [(0, 4)]),
    ([(0, 4), (20, 24)], [], [(0, 4), (20, 24)]),
    ([(5, 9)], [(0, 6)], [(5, 9)]),  # overlapping, not inside
]


@pytest.mark.parametrize(("own", "others", "kept"), OCC_TABLE)
def test_cue_occurrence_inside_a_longer_cue_of_another_type_is_dropped(own, others, kept):
    assert _outside_longer(own, others) == kept


@pytest.mark.parametrize(
    ("text", "hits"),
    [("user user=x", [(0, 4), (5, 9)]), ("USER-name", [(0, 4)]), ("superuser", []), ("a user", [(2, 6)])],
)
def test_cue_finditer_finds_adjacent_occurrences(text, hits):
    assert list(CueMatcher(["user"]).finditer(text)) == hits


# --- cues -------------------------------------------------------------------------------------

CUE_TABLE = [
    ("user_id=42", True),
    ("Username: x", True),
    ("superuser granted", False),
    ("the passenger left", False),
    ("Date-of-Birth 1980", True),
    ("date_of_birth=1980", True),
    ("dateofbirth", False),
    ("USER", True),
    ("", False),
]


@pytest.mark.parametrize(("text", "hit"), CUE_TABLE)
def test_cue_matcher_whole_words_any_case_phrase_separators(text, hit):
    m = CueMatcher(["user", "username", "pass", "date of birth"])
    assert m.search(text) is hit


@pytest.mark.parametrize(
    ("entity", "message"),
    [
        (dict(EMPLOYEE, cues=["employee", "Employee"]), "listed twice"),
        (
            dict(EMPLOYEE, cues=["badge"], examples={"positive": [{"text": "id E-1", "values": ["E-1"]}]}),
            "no cue occurs",
        ),
        (dict(EMPLOYEE, detectors=["rules"]), "only for types whose detectors include llm"),
        (dict(EMPLOYEE, cues=["--"]), "letter or digit"),
    ],
)
def test_bad_cues_fail_at_load_naming_the_entry(entity, message):
    with pytest.raises(TaxonomyError) as e:
        taxonomy_with(entity)
    assert "EMPLOYEE_ID" in str(e.value) and message in str(e.value)


def test_default_taxonomy_cues_cover_their_examples():
    tax = load_taxonomy()
    assert {e.name for e in tax.entities if e.cues} >= {"DATE_OF_BIRTH", "USERNAME", "PASSWORD"}


# --- properties -------------------------------------------------------------------------------

_TYPES = [e for e in TAX.llm_entities()]
span_st = st.builds(
    lambda t, s: Span(start=0, end=1, type=t, score=s, detector="ner"),
    st.sampled_from([e.name for e in TAX.entities]),
    st.floats(0.0, 1.0),
)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60), st.lists(span_st, max_size=4), st.sets(st.sampled_from([e.name for e in _TYPES])))
def test_router_picks_are_llm_types_in_order_and_within_all(text, prior, covered):
    modes = {}
    for mode in ("all", "uncovered", "uncertain"):
        r = LLMRouter(_TYPES, mode, min_score={e.name: e.min_score for e in TAX.entities}, covered=covered)  # type: ignore[arg-type]
        modes[mode] = r.types_for(text, prior)
    assert modes["all"] == ALL_LLM
    for pick in modes.values():
        assert list(pick) == [t for t in ALL_LLM if t in pick]
    # Every type an earlier tier was unsure about is asked; an uncovered type without cues too.
    for s in prior:
        if s.type in ALL_LLM and s.score < TAX.by_name[s.type].min_score:
            assert s.type in modes["uncertain"]
    for t in ALL_LLM:
        if t not in covered and not TAX.by_name[t].cues:
            assert t in modes["uncertain"] and t in modes["uncovered"]


_CUE_WORDS = sorted({c for e in _TYPES for c in (e.cues or [])})
cue_text = st.lists(
    st.one_of(st.sampled_from(_CUE_WORDS), st.sampled_from(["=", ": ", " ", "x1", "for", "-"])), max_size=8
)
span_at = st.builds(
    lambda t, a, n, s: Span(start=a, end=a + n, type=t, score=s, detector="ner"),
    st.sampled_from([e.name for e in TAX.entities]),
    st.integers(0, 40),
    st.integers(1, 12),
    st.floats(0.0, 1.0),
)


@settings(max_examples=200, deadline=None)
@given(cue_text, st.lists(span_at, max_size=4), st.sets(st.sampled_from([e.name for e in _TYPES])))
def test_spans_only_ever_satisfy_cues_never_add_cue_routes(words, spans, covered):
    text = "".join(words)
    prior = [s for s in spans if s.end <= len(text)]
    r = LLMRouter(_TYPES, "uncertain", min_score={e.name: e.min_score for e in TAX.entities}, covered=covered)  # type: ignore[arg-type]
    bare = set(r.types_for(text, []))
    hinted = {s.type for s in prior if r.unsure(s)}
    assert set(r.types_for(text, prior)) - hinted <= bare
