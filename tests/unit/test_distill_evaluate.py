"""evaluate: student vs teacher on held-out records, with the student's scores thresholded."""

from __future__ import annotations

from typing import Any

import pytest

from workers.distill.evaluate import evaluate, format_eval
from workers.distill.labels import CharSpan
from workers.taxonomy import parse_taxonomy

TAX = parse_taxonomy(
    {
        "name": "t",
        "version": "1",
        "entities": [
            {"name": "EMPLOYEE_ID", "guideline": "An employee number E123456.", "detectors": ["ner"], "min_score": 0.6},
            {"name": "PERSON", "guideline": "A person's name, given and family.", "detectors": ["ner"]},
        ],
    }
)
TYPES = ["EMPLOYEE_ID", "PERSON"]
TEXT = "Ann Lee has id E123456"
GOLD = [{"type": "PERSON", "start": 0, "end": 7}, {"type": "EMPLOYEE_ID", "start": 15, "end": 22}]


def _records(with_gold: bool, teacher_spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rec: dict[str, Any] = {"id": "d1", "text": TEXT, "spans": teacher_spans, "split": "heldout"}
    if with_gold:
        rec["gold"] = GOLD
    return [rec]


def _predict(found: list[tuple[CharSpan, float]]):  # noqa: ANN202
    return lambda texts: [list(found) for _ in texts]


def test_against_gold_both_are_scored_and_low_scores_are_dropped() -> None:
    teacher = [GOLD[0]]  # the teacher missed the id
    student = [(CharSpan("PERSON", 0, 7), 0.9), (CharSpan("EMPLOYEE_ID", 15, 22), 0.55)]  # under 0.6
    e = evaluate(
        _records(True, teacher), TAX, TYPES, _predict(student), teacher_docs_per_s=0.5, teacher_label="cascade"
    )
    assert e["reference"] == "gold"
    t, s = e["teacher_scores"], e["student_scores"]
    assert t["per_type"]["EMPLOYEE_ID"]["recall"] == 0.0 and s["per_type"]["EMPLOYEE_ID"]["recall"] == 0.0
    assert s["per_type"]["PERSON"]["recall"] == 1.0
    assert e["ratios"]["recall_ratio"] == {"EMPLOYEE_ID": None, "PERSON": 1.0}
    assert s["values_leaked"] == 1 and t["values_leaked"] == 1
    assert e["ratios"]["leak_points_over_teacher"] == 0.0
    assert e["ratios"]["speed_ratio"] > 0 and e["meets_quality_targets"]
    assert "EMPLOYEE_ID" in format_eval(e)


def test_without_gold_the_teacher_is_the_reference() -> None:
    student = [(CharSpan("PERSON", 0, 3), 0.9)]  # half the name: still an overlap hit
    e = evaluate(_records(False, GOLD), TAX, TYPES, _predict(student), teacher_docs_per_s=None, teacher_label="gold")
    assert e["reference"] == "teacher"
    assert e["teacher_scores"]["per_type"]["PERSON"]["recall"] == 1.0
    assert e["student_scores"]["per_type"]["EMPLOYEE_ID"]["recall"] == 0.0
    assert e["ratios"]["recall_ratio"]["EMPLOYEE_ID"] == 0.0
    # "Ann Lee" is no longer verbatim once "Ann" is redacted; the id leaks: 1 of 2 values, teacher 0.
    assert e["ratios"]["leak_points_over_teacher"] == pytest.approx(50.0)
    assert not e["meets_quality_targets"] and e["meets_speed_target"] is None
