"""The real Rampart encoder (onnxruntime, 4-bit ONNX) on a few documents. Needs
`pii-worker model fetch rampart` (part of `make test`'s setup; ~12 MB, seconds)."""

from __future__ import annotations

import pytest

from workers.detect.ner import NerDetector, NerModelError, NerSettings, build_ner_detector
from workers.models import Span
from workers.taxonomy import load_taxonomy, parse_taxonomy

pytestmark = [pytest.mark.ner]

TAX = load_taxonomy()


@pytest.fixture(scope="module")
def ner() -> NerDetector:
    try:
        return build_ner_detector(TAX, NerSettings(threads=1))
    except NerModelError as e:
        pytest.fail(f"{e} (the test setup runs `pii-worker model fetch rampart`)")


def _found(det: NerDetector, text: str) -> set[tuple[str, str]]:
    (spans,) = det.detect([text], [[]])
    return {(s.type, text[s.start : s.end]) for s in spans if s.score >= TAX.by_name[s.type].min_score}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ticket opened by Maria Gonzalez about a refund", {("PERSON", "Maria Gonzalez")}),
        (
            "ship to 221 Baker Street, Apt 4, Springfield, IL 62704 before Friday",
            {("STREET_ADDRESS", "221 Baker Street, Apt 4, Springfield, IL 62704")},
        ),
        (
            'From: Melissa Baxter <stephanie88@example.com>\nTo: "Melissa Pittman" <lisa95@yahoo.com>',
            {("PERSON", "Melissa Baxter"), ("PERSON", "Melissa Pittman")},
        ),
        ("customer relocated from Lyon last spring", {("LOCATION", "Lyon")}),
        # an inverted name in a CSV cell: Rampart reads "Matthew" and leaves "Ramirez" outside
        (
            'id,name,card_number,iban,ip\n651199,"Ramirez, Matthew",4069032617607166,GB68 VGEV 6176 0716 4608 17',
            {("PERSON", "Ramirez, Matthew")},
        ),
    ],
)
def test_finds_names_addresses_places(ner, text, expected):
    assert expected <= _found(ner, text)


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01T10:00:00Z INFO auth user=root Authorization: Bearer 9f8a7b6c5d4e3f21 port 8443",
        "GET /v2/items/4fda524d-80aa-4114-91ee-8a337f6baaaf HTTP/1.1 200 49388 upstream=10.0.0.7:8443",
    ],
)
def test_log_syntax_is_not_read_as_names(ner, text):
    assert not {t for t, _ in _found(ner, text)} & {"PERSON", "LOCATION"}


def test_long_text_windows_keep_entities_everywhere(ner):
    filler = "the service restarted after the deploy finished and the cache was warmed again. " * 80
    text = (
        f"Opened by Maria Gonzalez. {filler} Closed by Maria Gonzalez, ship to 221 Baker Street, Springfield, IL 62704."
    )
    (spans,) = ner.detect([text], [[]])
    assert len(ner.encoder.encode([text])[0].ids) > 1000  # several windows
    persons = [s for s in spans if s.type == "PERSON" and text[s.start : s.end] == "Maria Gonzalez"]
    assert len(persons) == 2 and any(s.type == "STREET_ADDRESS" for s in spans)
    assert all(isinstance(s, Span) and s.detector == "ner" for s in spans)


def test_batch_answers_match_single_answers(ner):
    texts = ["Maria Gonzalez called", "no pii at all here", "ship to 221 Baker Street, Springfield, IL 62704"]
    batched = ner.detect(texts, [[]] * 3)
    assert batched == [ner.detect([t], [[]])[0] for t in texts]


def test_taxonomy_asking_for_unknown_labels_fails_naming_model_and_taxonomy():
    tax = parse_taxonomy(
        {
            "name": "mine",
            "version": "7",
            "entities": [{"name": "CUSTOMER_ID", "guideline": "a customer number", "detectors": ["ner"]}],
        }
    )
    with pytest.raises(NerModelError) as e:
        build_ner_detector(tax, NerSettings(threads=1))
    assert "rampart" in str(e.value) and "mine 7" in str(e.value) and "CUSTOMER_ID" in str(e.value)


def test_rules_plus_ner_pipeline_redacts(ner):
    from workers.detect.rules import RulesDetector
    from workers.models import Document, Result
    from workers.pipeline import Pipeline
    from workers.redact import Redactor

    p = Pipeline(TAX, [RulesDetector(TAX), ner], Redactor(TAX))
    (r,) = p.run(
        [Document(id="1", text="Maria Gonzalez <maria.g@example.com> moved to 221 Baker Street, Springfield, IL 62704")]
    )
    assert isinstance(r, Result)
    assert r.text == "[PERSON] <[EMAIL_ADDRESS]> moved to [STREET_ADDRESS]"
