"""The trusted constructors build the same objects as validation does."""

from __future__ import annotations

import copy
import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from workers.models import Result, Span, result_unchecked, span_unchecked

SPAN_FIELDS = st.fixed_dictionaries(
    {
        "start": st.integers(0, 10_000),
        "end": st.integers(1, 10),
        "type": st.sampled_from(["EMAIL_ADDRESS", "PHONE_NUMBER", "X"]),
        "score": st.floats(0, 1, allow_nan=False),
        "detector": st.sampled_from(["rules:email", "llm", "ner"]),
    }
).map(lambda d: {**d, "end": d["start"] + d["end"]})


@given(SPAN_FIELDS)
@settings(deadline=None)
def test_span_unchecked_is_a_span(fields: dict) -> None:
    fast, checked = span_unchecked(**fields), Span(**fields)
    assert fast == checked and hash(fast) == hash(checked)
    assert fast.model_dump() == checked.model_dump()
    assert fast.model_dump_json() == checked.model_dump_json()
    assert fast.model_fields_set == checked.model_fields_set
    assert pickle.loads(pickle.dumps(fast)) == checked
    assert copy.deepcopy(fast) == checked
    moved = fast.model_copy(update={"end": fields["end"] + 1})
    assert moved.end == fields["end"] + 1 and fast.end == fields["end"]  # own fields-set, untouched


@given(st.lists(SPAN_FIELDS, max_size=4), st.booleans())
@settings(deadline=None)
def test_result_unchecked_is_a_result(spans: list[dict], degraded: bool) -> None:
    ents = [Span(**f) for f in spans]
    fields = dict(id="d1", text="t", entities=ents, detectors=["rules"], degraded=degraded, extra={"k": 1}, skipped=[])
    fast, checked = result_unchecked(**fields), Result(**fields)
    assert fast == checked
    assert fast.model_dump_json() == checked.model_dump_json()
    assert Result.model_validate_json(fast.model_dump_json()) == checked


def test_unchecked_objects_stay_frozen_where_the_model_is() -> None:
    s = span_unchecked(start=1, end=2, type="X", score=0.5, detector="d")
    try:
        s.start = 0  # type: ignore[misc]
    except Exception:  # noqa: BLE001 - pydantic raises its ValidationError for frozen models
        return
    raise AssertionError("a frozen Span accepted an assignment")
