import json

import jsonschema
import pytest

from workers.detect.llm.prompts import STYLES, PromptBuilder
from workers.detect.llm.schema import (
    MalformedOutput,
    extraction_schema,
    grouped_schema,
    parse_extraction,
    parse_grouped,
)
from workers.taxonomy import load_taxonomy

TAX = load_taxonomy()
LLM_TYPES = [e.name for e in TAX.llm_entities()]


@pytest.mark.parametrize("style", STYLES)
def test_taxonomy_prefix_is_identical_across_documents(style):
    pb = PromptBuilder(TAX.llm_entities(), style)
    a, b = pb.queries("Ann Lee paid"), pb.queries("something else entirely, 42")
    assert len(a) == len(b)
    for qa, qb in zip(a, b, strict=True):
        assert qa.messages[0] == qb.messages[0]  # system message: the taxonomy / instructions
        ua, ub = qa.messages[1]["content"], qb.messages[1]["content"]
        # The document comes last: everything before it is shared.
        assert ua.endswith("\n```\nAnn Lee paid\n```")  # fenced: quoted as data
        prefix = ua[: ua.rindex("Ann Lee paid")]
        assert ub.startswith(prefix)


@pytest.mark.parametrize("style", ["json", "gollie"])
def test_all_llm_types_with_guidelines_are_in_one_prompt(style):
    pb = PromptBuilder(TAX.llm_entities(), style)
    system = pb.system_prompt
    for e in TAX.llm_entities():
        assert e.name in system
        assert " ".join(e.guideline.split())[:40] in " ".join(system.split())
    assert "EMAIL_ADDRESS" not in system.replace("[EMAIL_ADDRESS]", "")  # rules-only types stay out


def test_gollie_renders_types_as_classes_with_docstrings():
    system = PromptBuilder(TAX.llm_entities(), "gollie").system_prompt
    assert "class PERSON(Entity):" in system and '"""The name of' in system


def test_per_type_has_one_query_per_type_with_its_header_first():
    qs = PromptBuilder(TAX.llm_entities(), "per-type").queries("Ann Lee")
    assert [q.type_name for q in qs] == LLM_TYPES
    assert all(q.messages[1]["content"].startswith(f"Entity type: {q.type_name}\n") for q in qs)


def test_schema_restricts_types_and_bounds_items():
    s = extraction_schema(LLM_TYPES, max_items=3, max_chars=20)
    jsonschema.Draft202012Validator.check_schema(s)
    ok = {"entities": [{"text": "Ann Lee", "type": "PERSON"}]}
    jsonschema.validate(ok, s)
    for bad in (
        {"entities": [{"text": "Ann", "type": "EMAIL_ADDRESS"}]},
        {"entities": [{"text": "a", "type": "PERSON"}] * 4},
        {"entities": [{"text": "x" * 21, "type": "PERSON"}]},
        {"entities": [{"text": "a", "type": "PERSON", "code": "import os"}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, s)


@pytest.mark.parametrize(
    "raw", ["", "{", "[]", '{"entities": "x"}', '{"entities": [{"type": "PERSON"}]}', "__import__('os').system('true')"]
)
def test_malformed_output_raises(raw):
    with pytest.raises(MalformedOutput):
        parse_extraction(raw, LLM_TYPES)


def test_parse_drops_unknown_types_and_blank_mentions():
    raw = json.dumps(
        {
            "entities": [
                {"text": "Ann", "type": "PERSON"},
                {"text": " ", "type": "PERSON"},
                {"text": "x@y.z", "type": "EMAIL_ADDRESS"},
            ]
        }
    )
    assert [(m.type, m.text) for m in parse_extraction(raw, LLM_TYPES)] == [("PERSON", "Ann")]


def test_unknown_style_rejected():
    with pytest.raises(ValueError):
        PromptBuilder(TAX.llm_entities(), "xml")  # type: ignore[arg-type]


def test_grouped_schema_keys_mentions_by_type():
    s = grouped_schema(LLM_TYPES, max_items=3, max_chars=20)
    jsonschema.Draft202012Validator.check_schema(s)
    for ok in ({}, {"PERSON": ["Ann Lee"], "LOCATION": ["Oslo"]}):
        jsonschema.validate(ok, s)
    for bad in (
        {"EMAIL_ADDRESS": ["a@b.c"]},
        {"PERSON": []},
        {"PERSON": ["a"] * 4},
        {"PERSON": ["x" * 21]},
        {"PERSON": "Ann"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, s)


@pytest.mark.parametrize("raw", ["", "[]", '{"PERSON": "Ann"}', '{"PERSON": [1]}', "__import__('os')"])
def test_malformed_grouped_output_raises(raw):
    with pytest.raises(MalformedOutput):
        parse_grouped(raw, LLM_TYPES)


def test_grouped_parse_drops_unknown_types_and_blank_mentions():
    raw = json.dumps({"PERSON": ["Ann", " "], "EMAIL_ADDRESS": ["x@y.z"], "LOCATION": ["Oslo"]})
    assert [(m.type, m.text) for m in parse_grouped(raw, LLM_TYPES)] == [("PERSON", "Ann"), ("LOCATION", "Oslo")]


@pytest.mark.parametrize("style", ["json", "gollie"])
def test_grouped_prompt_asks_for_the_grouped_shape(style):
    pb = PromptBuilder(TAX.llm_entities(), style, output="grouped")
    assert '{"<' in pb.system_prompt and '"entities"' not in pb.system_prompt
    q = pb.queries("Ann")[0]
    assert set(q.schema["properties"]) == set(LLM_TYPES)
    assert [(m.type, m.text) for m in pb.parse(q, '{"PERSON": ["Ann"]}')] == [("PERSON", "Ann")]
