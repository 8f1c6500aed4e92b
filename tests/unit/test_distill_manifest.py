"""A distilled student refuses a taxonomy it was not made for, naming both."""

from __future__ import annotations

from typing import Any

import pytest

from workers.distill.manifest import ModelMismatchError, check_student, taxonomy_ref
from workers.taxonomy import Taxonomy, parse_taxonomy


def _tax(name: str = "acme", version: str = "1", guideline: str = "An employee number E123456.") -> Taxonomy:
    return parse_taxonomy(
        {
            "name": name,
            "version": version,
            "entities": [
                {"name": "EMPLOYEE_ID", "guideline": guideline, "detectors": ["ner", "llm"]},
                {"name": "PERSON", "guideline": "A person's name, given and family.", "detectors": ["ner"]},
            ],
        }
    )


def _manifest(t: Taxonomy, labels: list[str] | None = None) -> dict[str, Any]:
    return {"kind": "ner", "taxonomy": taxonomy_ref(t), "labels": labels or ["EMPLOYEE_ID", "PERSON"]}


def test_same_taxonomy_passes_silently() -> None:
    t = _tax()
    assert check_student(_manifest(t), t, "stu") == []


@pytest.mark.parametrize("manifest", [None, {}, {"kind": "ner"}, {"kind": "ner", "taxonomy": "x"}])
def test_models_without_a_taxonomy_are_not_checked_here(manifest: dict[str, Any] | None) -> None:
    assert check_student(manifest, _tax(), "rampart") == []


@pytest.mark.parametrize(
    ("other", "why"),
    [
        (_tax(name="pii-default"), "pii-default"),
        (_tax(version="2"), "version '2'"),
    ],
)
def test_other_name_or_version_fails_naming_model_and_both_taxonomies(other: Taxonomy, why: str) -> None:
    made_for = _tax()
    with pytest.raises(ModelMismatchError) as e:
        check_student(_manifest(made_for), other, "stu")
    msg = str(e.value)
    assert "'stu'" in msg and "'acme'" in msg and why in msg
    assert made_for.fingerprint in msg and other.fingerprint in msg


def test_a_label_the_taxonomy_lacks_fails() -> None:
    t = _tax()
    with pytest.raises(ModelMismatchError, match="MEDICAL_RECORD_NUMBER"):
        check_student(_manifest(t, ["EMPLOYEE_ID", "MEDICAL_RECORD_NUMBER"]), t, "stu")


def test_same_name_and_version_other_content_warns() -> None:
    made_for = _tax()
    edited = _tax(guideline="An employee number such as E123456 or EMP-12345.")
    assert edited.fingerprint != made_for.fingerprint
    [w] = check_student(_manifest(made_for), edited, "stu")
    assert made_for.fingerprint in w and edited.fingerprint in w
