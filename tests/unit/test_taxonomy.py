from __future__ import annotations

from pathlib import Path

import pytest

from workers.taxonomy import TaxonomyError, load_taxonomy

REQUIRED = [
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "STREET_ADDRESS",
    "LOCATION",
    "DATE_OF_BIRTH",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "MAC_ADDRESS",
    "URL",
    "USERNAME",
    "PASSWORD",
    "API_KEY",
    "ACCESS_TOKEN",
    "CRYPTO",
    "MEDICAL_RECORD_NUMBER",
]


def test_default_taxonomy_covers_required_types() -> None:
    tax = load_taxonomy()
    assert set(REQUIRED) <= set(tax.names())
    national = {"US_ITIN", "UK_NHS", "ES_NIF", "IT_FISCAL_CODE", "IN_PAN", "IN_AADHAAR", "CA_SIN", "NL_BSN", "FR_NIR"}
    assert len(national & set(tax.names())) >= 5
    assert all(e.guideline for e in tax.entities)
    assert {e.name for e in tax.llm_entities()} >= {"PERSON", "STREET_ADDRESS", "LOCATION"}


def test_schemas_copy_is_the_packaged_default() -> None:
    root = Path(__file__).resolve().parents[2]
    assert load_taxonomy(root / "schemas" / "pii.yaml") == load_taxonomy()


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("name: t\nversion: '1'\nentities: []\n", "entities"),
        (
            "name: t\nversion: '1'\nentities:\n  - name: lower\n    guideline: a long enough text\n    detectors: [rules]\n",
            "entry 0 (lower) field 'name'",
        ),
        (
            "name: t\nversion: '1'\nentities:\n  - name: FOO\n    guideline: a long enough text\n    detectors: [regex]\n",
            "entry 0 (FOO) field 'detectors.0'",
        ),
        (
            "name: t\nversion: '1'\nentities:\n  - name: FOO\n    guideline: a long enough text\n    detectors: [rules]\n"
            "    operator: {kind: explode}\n",
            "entry 0 (FOO) field 'operator.kind'",
        ),
        (
            "name: t\nversion: '1'\nentities:\n  - name: FOO\n    guideline: a long enough text\n    detectors: [llm]\n"
            "    examples: {positive: [{text: 'hi there', values: ['bob']}]}\n",
            "does not occur",
        ),
        (
            "name: t\nversion: '1'\nentities:\n  - name: FOO\n    guideline: a long enough text\n    detectors: [llm]\n"
            "  - name: FOO\n    guideline: a long enough text\n    detectors: [llm]\n",
            "defined twice",
        ),
        (
            "name: t\nversion: '1'\nentities:\n  - name: FOO\n    guideline: a long enough text\n    detectors: [llm]\n"
            "    mention_pattern: 'a(?=b)'\n",
            "entry 0 (FOO) field 'mention_pattern'",
        ),
        ("- just\n- a list\n", "top level must be a mapping"),
        ("name: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_taxonomy_names_file_entry_and_field(tmp_path: Path, yaml_text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text)
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="not found"):
        load_taxonomy(tmp_path / "nope.yaml")
