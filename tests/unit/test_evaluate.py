"""Pure scoring functions of workers/evaluate.py, table-driven."""

from __future__ import annotations

import json

import pytest

from workers.evaluate import (
    GoldDoc,
    GoldSpan,
    Prediction,
    PredSpan,
    TypeMap,
    align,
    char_mask,
    leaked_values,
    load_gold,
    load_predictions,
    match_spans,
    replace_spans,
    score,
    score_doc,
)

TYPES = TypeMap(scored=frozenset({"EMAIL_ADDRESS", "PERSON", "LOCATION", "US_SSN", "URL"}))


def G(t: str, a: int, b: int) -> GoldSpan:
    return GoldSpan(type=t, start=a, end=b)


def P(t: str, a: int, b: int) -> PredSpan:
    return PredSpan(type=t, start=a, end=b)


@pytest.mark.parametrize(
    ("gold", "pred", "exact", "typed", "found", "correct"),
    [
        ([G("A", 0, 5)], [P("A", 0, 5)], False, True, [True], [True]),
        ([G("A", 0, 5)], [P("A", 4, 9)], False, True, [True], [True]),  # 1 char overlap counts
        ([G("A", 0, 5)], [P("A", 5, 9)], False, True, [False], [False]),  # touching is not overlap
        ([G("A", 0, 5)], [P("B", 0, 5)], False, True, [False], [False]),  # wrong type
        ([G("A", 0, 5)], [P("B", 0, 5)], False, False, [True], [True]),  # untyped ignores type
        ([G("A", 0, 5)], [P("A", 0, 4)], True, True, [False], [False]),  # exact needs both ends
        ([G("A", 0, 5), G("A", 6, 9)], [P("A", 0, 9)], False, True, [True, True], [True]),  # one pred, two gold
        ([G("A", 0, 5)], [P("A", 0, 2), P("A", 3, 5)], False, True, [True], [True, True]),  # split pred
        ([], [P("A", 0, 2)], False, True, [], [False]),
        ([G("A", 0, 2)], [], False, True, [False], []),
    ],
)
def test_match_spans(gold, pred, exact, typed, found, correct) -> None:
    assert match_spans(gold, pred, exact=exact, typed=typed) == (found, correct)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("GPE", "LOCATION"),
        ("DOMAIN_NAME", "URL"),
        ("PERSON", "PERSON"),
        ("ORGANIZATION", None),
        ("TITLE", None),
        ("NRP", None),
        ("AGE", None),
        ("DATE_TIME", None),
        ("CREDIT_CARD", None),  # not in this scored set
    ],
)
def test_type_mapping(label: str, expected: str | None) -> None:
    assert TYPES.gold_type(label) == expected


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("call bob at 5", [P("PERSON", 5, 8)], "call [PERSON] at 5"),
        ("abcdef", [P("X", 0, 3), P("Y", 2, 5)], "[X]f"),  # overlaps merged, first type wins
        ("abcdef", [P("X", 1, 2), P("X", 1, 2)], "a[X]cdef"),
        ("abc", [], "abc"),
    ],
)
def test_replace_spans(text: str, spans, expected: str) -> None:
    assert replace_spans(text, spans) == expected


@pytest.mark.parametrize(
    ("text", "gold", "redacted", "checked", "leaked"),
    [
        ("mail bob@x.io now", [G("EMAIL_ADDRESS", 5, 13)], "mail [EMAIL] now", 1, 0),
        ("mail bob@x.io now", [G("EMAIL_ADDRESS", 5, 13)], "mail bob@x.io now", 1, 1),
        ("hi Al and Al", [G("PERSON", 3, 5)], "hi Al and Al", 0, 0),  # < 4 chars: not checked
        # the value survives elsewhere in the text: still a leak
        ("Anna saw Anna", [G("PERSON", 0, 4)], "[PERSON] saw Anna", 1, 1),
    ],
)
def test_leaked_values(text, gold, redacted, checked, leaked) -> None:
    c, n, _ = leaked_values(text, gold, redacted)
    assert (c, n) == (checked, leaked)


def test_char_mask_clips_to_text() -> None:
    assert list(char_mask(4, [P("X", 1, 3), P("X", 2, 9)])) == [0, 1, 1, 1]


def _doc(text: str, spans: list[GoldSpan], decoys: list[GoldSpan] | None = None) -> GoldDoc:
    return GoldDoc(id="d", text=text, spans=spans, decoys=decoys or [])


def test_score_doc_untargeted_gold_is_neutral_on_both_sides() -> None:
    # "Acme" is ORGANIZATION (untargeted), "Bob" PERSON.
    text = "Bob works at Acme in Paris"
    gold = _doc(text, [G("PERSON", 0, 3), G("ORGANIZATION", 13, 17), G("GPE", 21, 26)])
    pred = Prediction(id="d", spans=[P("PERSON", 0, 3), P("LOCATION", 13, 17), P("DATE_TIME", 4, 9)])
    sc = score_doc(gold, pred, TYPES)
    assert sc.untargeted_gold == {"ORGANIZATION": 1}
    assert sc.neutral_pred == 1  # LOCATION on Acme
    assert sc.ignored_pred == {"DATE_TIME": 1}
    assert sc.gold == {"PERSON": 1, "LOCATION": 1}
    assert sc.found == {"PERSON": 1, "LOCATION": 0}
    assert sc.pred == {"PERSON": 1} and sc.correct == {"PERSON": 1}
    # chars: gold = Bob(3)+Paris(5); Paris leaked. Non-PII = len - 8 - 4 (Acme neutral); none redacted
    assert (sc.gold_chars, sc.gold_chars_leaked) == (8, 5)
    assert (sc.other_chars, sc.other_chars_redacted) == (len(text) - 12, 0)
    assert (sc.values_checked, sc.values_leaked) == (1, 1)  # "Paris" (Bob is < 4 chars)


def test_score_doc_over_redaction_and_decoys() -> None:
    text = "order 1234567 for ann@x.io"
    gold = _doc(text, [G("EMAIL_ADDRESS", 18, 26)], decoys=[G("ORDER_ID", 6, 13)])
    pred = Prediction(
        id="d", spans=[P("US_SSN", 6, 13), P("EMAIL_ADDRESS", 18, 26)], redacted="order [US_SSN] for [EMAIL_ADDRESS]"
    )
    sc = score_doc(gold, pred, TYPES)
    assert sc.other_chars == len(text) - 8
    assert sc.other_chars_redacted == 7
    assert sc.decoy_hits == {"ORDER_ID": 1}
    assert sc.pred == {"US_SSN": 1, "EMAIL_ADDRESS": 1} and sc.correct == {"EMAIL_ADDRESS": 1, "US_SSN": 0}
    assert sc.false["US_SSN"] and "«1234567»" in sc.false["US_SSN"][0]


def test_failed_prediction_is_counted_not_scored() -> None:
    sc = score_doc(_doc("x bob@y.io", [G("EMAIL_ADDRESS", 2, 10)]), Prediction(id="d", spans=[], failed=True), TYPES)
    assert sc.failures == 1 and not sc.gold


@pytest.mark.parametrize(
    ("pred_spans", "p", "r", "exact_r"),
    [
        ([P("PERSON", 0, 3), P("EMAIL_ADDRESS", 4, 12)], 1.0, 1.0, 1.0),
        ([P("PERSON", 0, 3)], 1.0, 0.5, 0.5),
        ([P("PERSON", 0, 2), P("EMAIL_ADDRESS", 4, 12), P("URL", 13, 15)], 2 / 3, 1.0, 0.5),
        ([], None, 0.0, 0.0),
    ],
)
def test_score_aggregates(pred_spans, p, r, exact_r) -> None:
    text = "Bob bob@x.io ok"
    gold = [GoldDoc(id="1", text=text, spans=[G("PERSON", 0, 3), G("EMAIL_ADDRESS", 4, 12)])]
    rep = score(gold, [Prediction(id="1", spans=pred_spans)], TYPES)
    o = rep["span"]["overlap"]
    assert o["precision"] == (pytest.approx(p) if p is not None else None)
    assert o["recall"] == pytest.approx(r)
    assert rep["span"]["exact"]["recall"] == pytest.approx(exact_r)
    assert rep["per_type"]["EMAIL_ADDRESS"]["gold"] == 1


def test_score_rejects_misaligned_ids() -> None:
    with pytest.raises(ValueError, match="does not match"):
        score([GoldDoc(id="1", text="a", spans=[])], [Prediction(id="2", spans=[])], TYPES)


def test_load_presidio_and_jsonl_gold(tmp_path) -> None:
    pres = tmp_path / "p.json"
    pres.write_text(
        json.dumps(
            [
                {
                    "full_text": "I am Bob",
                    "spans": [{"entity_type": "PERSON", "entity_value": "Bob", "start_position": 5, "end_position": 8}],
                }
            ]
        )
    )
    (d,) = load_gold(pres)
    assert (d.id, d.text[d.spans[0].start : d.spans[0].end]) == ("0", "Bob")
    jl = tmp_path / "g.jsonl"
    jl.write_text(json.dumps({"id": "a", "text": "Bob", "spans": [{"type": "PERSON", "start": 0, "end": 3}]}) + "\n\n")
    assert load_gold(jl)[0].spans == [G("PERSON", 0, 3)]
    bad = tmp_path / "b.jsonl"
    bad.write_text(json.dumps({"id": "a", "text": "Bob", "spans": [{"type": "PERSON", "start": 0, "end": 9}]}) + "\n")
    with pytest.raises(ValueError, match="past text length"):
        load_gold(bad)


def test_load_predictions_contract(tmp_path) -> None:
    f = tmp_path / "p.jsonl"
    f.write_text(
        json.dumps(
            {
                "id": "a",
                "text": "[PERSON]",
                "entities": [{"type": "PERSON", "start": 0, "end": 3, "score": 0.9, "detector": "x"}],
            }
        )
        + "\n"
        + json.dumps({"id": "b", "error": "bad line"})
        + "\n"
    )
    preds = load_predictions(f)
    assert preds["a"].redacted == "[PERSON]" and preds["a"].spans == [P("PERSON", 0, 3)]
    assert preds["b"].failed
    with pytest.raises(ValueError, match="no prediction"):
        align([GoldDoc(id="c", text="x", spans=[])], preds)


def test_perfect_and_empty_predictions_on_generated_logs() -> None:
    from workers.loggen import PII_TYPES, generate

    gold = generate(60, seed=21)
    types = TypeMap(scored=frozenset(PII_TYPES))
    perfect = [Prediction(id=g.id, spans=[P(s.type, s.start, s.end) for s in g.spans]) for g in gold]
    rep = score(gold, perfect, types)
    assert rep["span"]["exact"]["f1"] == 1.0 and rep["value_leak_rate"] == 0.0
    assert rep["char_leak_rate"] == 0.0 and rep["over_redaction_rate"] == 0.0
    assert all(v["hit"] == 0 for v in rep["decoys"].values())
    empty = score(gold, [Prediction(id=g.id, spans=[]) for g in gold], types)
    assert empty["span"]["overlap"]["recall"] == 0.0 and empty["span"]["overlap"]["precision"] is None
    assert empty["char_leak_rate"] == 1.0 and empty["over_redaction_rate"] == 0.0
    # every value of >= 4 chars survives when nothing is redacted
    assert empty["value_leak_rate"] == 1.0
