"""The taxonomy's `ner` detector kind and `ner:` blocks, validated at load (workers/taxonomy.py)."""

from __future__ import annotations

import pytest

from workers.config import PipelineSettings
from workers.taxonomy import TaxonomyError, load_taxonomy, parse_taxonomy

HEAD = "name: t\nversion: '1'\nentities:\n  - name: PERSON\n    guideline: a person's name\n"


def _load(body: str):
    import yaml

    return parse_taxonomy(yaml.safe_load(HEAD + body), source="t.yaml")


def test_default_taxonomy_maps_names_addresses_places_to_rampart_labels():
    tax = load_taxonomy()
    ner = {e.name: e for e in tax.ner_entities()}
    assert set(ner) == {"PERSON", "STREET_ADDRESS", "LOCATION"}
    assert ner["PERSON"].ner_labels() == ["GIVEN_NAME", "SURNAME"]
    assert {"CITY", "STATE"} <= set(ner["STREET_ADDRESS"].ner_labels()) and ner["LOCATION"].ner_labels() == [
        "CITY",
        "STATE",
    ]
    assert all("llm" in e.detectors for e in ner.values())  # the LLM still covers them (cascade)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("    detectors: [rules]\n    ner: {labels: [GIVEN_NAME]}\n", "entry 0 (PERSON) field '(entry)'"),
        ("    detectors: [ner]\n    ner: {labels: []}\n", "ner.labels"),
        ("    detectors: [ner]\n    ner: {labels: [given_name]}\n", "ner.labels.0"),
        ("    detectors: [ner]\n    ner: {labels: [A_B, A_B]}\n", "ner.labels"),
        ("    detectors: [ner]\n    ner: {labels: [GIVEN_NAME], requires: [SURNAME]}\n", "ner"),
        ("    detectors: [ner]\n    ner: {labels: [GIVEN_NAME], join: 'ab'}\n", "ner.join"),
        ("    detectors: [ner]\n    ner: {labels: [GIVEN_NAME], max_gap: 99}\n", "ner.max_gap"),
        ("    detectors: [ner]\n    ner: {labels: [GIVEN_NAME], weights: 2}\n", "ner.weights"),
        ("    detectors: [encoder]\n", "detectors.0"),
        ("    detectors: [ner]\n    ner: {labels: [GIVEN_NAME], exclude: ['two words']}\n", "ner.exclude"),
        ("    detectors: [ner]\n    ner: {labels: [GIVEN_NAME], join_words: ['apt.']}\n", "ner.join_words"),
    ],
)
def test_bad_ner_blocks_fail_naming_file_entry_and_field(body, field):
    with pytest.raises(TaxonomyError) as e:
        _load(body)
    assert "t.yaml" in str(e.value) and field in str(e.value)


def test_valid_block_and_implicit_label():
    tax = _load(
        '    detectors: [rules, ner, llm]\n    ner: {labels: [GIVEN_NAME, SURNAME], join: ".-\'"}\n'
        "  - {name: CUSTOMER_ID, guideline: a customer number, detectors: [ner]}\n"
    )
    assert [e.name for e in tax.ner_entities()] == ["PERSON", "CUSTOMER_ID"]
    assert tax.by_name["CUSTOMER_ID"].ner_labels() == ["CUSTOMER_ID"]


@pytest.mark.parametrize(
    ("given", "order"),
    [
        ("llm,ner,rules", ["rules", "ner", "llm"]),
        ("ner", ["ner"]),
        ("ner,rules", ["rules", "ner"]),
        ("llm,rules", ["rules", "llm"]),
    ],
)
def test_pipeline_runs_detectors_in_cascade_order(given, order):
    assert PipelineSettings(detectors=given).detectors == order


@pytest.mark.parametrize("env", ["ner,rules", '["ner", "rules"]', " rules , ner "])
def test_detectors_from_the_environment(monkeypatch, env):
    monkeypatch.setenv("PII_WORKER_DETECTORS", env)
    assert PipelineSettings().detectors == ["rules", "ner"]
