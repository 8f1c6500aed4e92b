"""The stream outputs are encoded without intermediate models (hot path): they must stay exactly
what the wire models (workers.messages) give, byte for byte, and validate against them."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.messages import AnnotationsMessage, EntityAnnotation, PiiMeta, RedactedMessage, SourceRef
from workers.models import Result, Span
from workers.records import dumps
from workers.redact import Redactor, value_hash
from workers.stream.config import StreamSettings
from workers.stream.ingest import Decoded, Inbound, decode
from workers.stream.output import annotation_hash, annotations_value, redact, redacted_value
from workers.taxonomy import load_taxonomy

REDACTOR = Redactor(load_taxonomy())
TYPES = ("EMAIL_ADDRESS", "US_SSN", "PHONE_NUMBER", "PERSON")


def _decoded(body: dict[str, Any], **kw: Any) -> Decoded:
    rec = Inbound("in", 3, 41, b"k", orjson.dumps(body), [], 1_000)
    out = decode(rec, StreamSettings.load(input_topic="in", **kw))
    assert isinstance(out, Decoded)
    return out


def _model_annotations(dec: Decoded, red: Any, version: str | None, key: bytes, include: bool) -> bytes:
    """The reference encoding: the models of workers.messages, as output.py built them before."""
    ents = []
    for e in red.entities:
        f = dec.parsed.fields[e.index]
        value = dec.parsed.view[f.start + e.span.start : f.start + e.span.end]
        ents.append(
            EntityAnnotation(
                type=e.span.type,
                start=e.span.start,
                end=e.span.end,
                score=e.span.score,
                detector=e.span.detector,
                field=e.field,
                value_hash=value_hash(key, value, e.span.type),
                value=value if include else None,
            )
        )
    msg = AnnotationsMessage(
        id=red.doc_id or dec.doc_id,
        source=SourceRef(topic="in", partition=3, offset=41),
        taxonomy_version=version,
        entities=ents,
    )
    out = msg.model_dump()
    out["entities"] = [x.model_dump(exclude_none=True) for x in msg.entities]
    return dumps(out)


words = st.text(alphabet="abcdefgh xyz.@-0123456789é", min_size=1, max_size=12)


@st.composite
def records(draw: st.DrawFn) -> tuple[dict[str, Any], list[tuple[int, int, str, float]]]:
    body: dict[str, Any] = {"id": "doc-1", "text": draw(words)}
    for k in range(draw(st.integers(0, 3))):
        body[f"f{k}"] = draw(st.one_of(words, st.lists(words, max_size=2), st.fixed_dictionaries({"x": words})))
    cuts = draw(
        st.lists(
            st.tuples(st.integers(0, 80), st.integers(1, 6), st.sampled_from(TYPES), st.sampled_from([0.5, 0.85, 1.0])),
            max_size=5,
        )
    )
    return body, cuts


@settings(max_examples=150, deadline=None)
@given(records(), st.sampled_from([None, "v7"]), st.booleans(), st.booleans())
def test_outputs_equal_the_wire_models(
    case: tuple[dict[str, Any], list[tuple[int, int, str, float]]], version: str | None, include: bool, degraded: bool
) -> None:
    body, cuts = case
    dec = _decoded(body)
    n = len(dec.parsed.view)
    spans: list[Span] = []
    cur = 0
    for a, length, etype, score in sorted(cuts):
        start = max(a % max(n, 1), cur)
        end = min(start + length, n)
        if end > start:  # disjoint, as resolve leaves them (spans may cross field boundaries)
            spans.append(Span(start=start, end=end, type=etype, score=score, detector="rules:t"))
            cur = end
    res = Result(id=dec.doc_id, text="", entities=spans, detectors=["rules"], degraded=degraded)
    red = redact(dec, res, REDACTOR)

    ann = annotations_value(dec, red, version, b"key", include)
    assert ann == _model_annotations(dec, red, version, b"key", include)
    AnnotationsMessage.model_validate_json(ann)

    out = redacted_value(dec, red, res, version, ["rules", "llm"])
    meta = PiiMeta(
        source=SourceRef(topic="in", partition=3, offset=41),
        taxonomy_version=version,
        detectors=["rules"],
        degraded=degraded,
    ).model_dump()
    assert orjson.loads(out)["_pii"] == meta
    assert RedactedMessage.model_validate_json(out).pii.degraded is degraded


def test_span_inside_a_later_field_gets_that_field_offsets() -> None:
    """Clipping without model_copy: a span in a later field is rebuilt at field offsets, one
    already at its field's offsets (the main text, laid out at 0) is passed through."""
    dec = _decoded({"id": "d", "text": "mail a@b.co", "note": "ssn 078-05-1120"})
    view = dec.parsed.view
    first = Span(start=5, end=11, type="EMAIL_ADDRESS", score=0.9, detector="rules:email")
    at = view.index("078-05-1120")
    second = Span(start=at, end=at + 11, type="US_SSN", score=0.85, detector="rules:us_ssn")
    res = Result(id="d", text="", entities=[first, second], detectors=["rules"])
    red = redact(dec, res, REDACTOR)
    assert red.entities[0].span is first
    assert (red.entities[1].field, red.entities[1].span.start, red.entities[1].span.end) == ("note", 4, 15)
    assert red.body is not None and red.body["note"] == "ssn [US_SSN]" and red.body["text"] == "mail [EMAIL_ADDRESS]"


@given(
    st.binary(min_size=16, max_size=64),
    st.lists(st.tuples(st.text(max_size=40), st.sampled_from(TYPES)), min_size=1, max_size=6),
)
def test_annotation_hash_is_the_redactors_value_hash(key: bytes, values: list[tuple[str, str]]) -> None:
    """The hot path hashes from a keyed state made once per key; consumers join on these hashes,
    so they must equal workers.redact.value_hash for every key, value (surrogates too) and type."""
    for value, etype in values + [("\ud800x", "PERSON")]:
        assert annotation_hash(key, value, etype) == value_hash(key, value, etype)
    assert annotation_hash(key, "a", "PERSON") != annotation_hash(key + b"!", "a", "PERSON")
