"""Scoring of detected spans and redacted text against gold spans: scoring.py (pure functions),
loading.py (gold, predictions, running a pipeline), report.py (the text report).

Gold comes either from the presidio-research format (a JSON list of
`{"full_text", "spans": [{"entity_type", "start_position", "end_position"}]}`; document ids are
the 0-based list index as a string) or from JSONL `{"id", "text", "spans": [{"type", "start", "end"}]}`
(what `pii-worker gen` writes). Predictions follow the `pii-worker redact` output contract:
`{"id", "text" (redacted), "entities": [{"type", "start", "end", ...}]}`, offsets into the original.

Type mapping (explicit, see DATASET_ALIASES): dataset labels are renamed to our taxonomy names
first (GPE -> LOCATION, DOMAIN_NAME -> URL). A gold label that is then not a scored type (e.g.
ORGANIZATION, TITLE, NRP, AGE, DATE_TIME, ZIP_CODE: things we do not target) is *untargeted*:
- it is removed from the gold side (no recall penalty), and reported as a count per label;
- a prediction overlapping an untargeted gold span and no targeted one is *neutral*: not a false
  positive, not a true positive, reported as a count; its characters are left out of the
  over-redaction denominator and numerator;
- a prediction whose type is not a scored type is dropped and reported per type.

Span metrics (typed: a prediction matches a gold span of the same type):
- overlap: a gold span is found if some prediction of its type overlaps it by >= 1 character;
  a prediction is correct if it overlaps some gold span of its type. Precision = correct
  predictions / predictions, recall = found gold / gold (so one long prediction covering two gold
  spans counts once on each side).
- exact: same, but start, end and type must all be equal.
- untyped overlap: like overlap, ignoring types (what matters for redaction).
Leak metrics:
- value leak rate: share of scored gold values with >= 4 characters (surrounding whitespace
  stripped) that still occur verbatim anywhere in the redacted text;
- character leak rate: share of gold characters not covered by any (untyped) prediction;
- over-redaction rate: share of non-PII characters (outside every gold span, targeted or not)
  covered by a prediction.
"""

from __future__ import annotations

from workers.evaluate.loading import (
    Progress,
    align,
    load_gold,
    load_predictions,
    predictions_from_results,
    run_pipeline,
)
from workers.evaluate.report import format_report
from workers.evaluate.scoring import (
    DATASET_ALIASES,
    KNOWN_UNTARGETED,
    MIN_LEAK_VALUE_LEN,
    DocScore,
    GoldDoc,
    GoldSpan,
    Prediction,
    PredSpan,
    TypeMap,
    char_mask,
    leaked_values,
    match_spans,
    overlaps,
    replace_spans,
    score,
    score_doc,
    summarize,
)

__all__ = [
    "DATASET_ALIASES",
    "KNOWN_UNTARGETED",
    "MIN_LEAK_VALUE_LEN",
    "DocScore",
    "GoldDoc",
    "GoldSpan",
    "PredSpan",
    "Prediction",
    "Progress",
    "TypeMap",
    "align",
    "char_mask",
    "format_report",
    "leaked_values",
    "load_gold",
    "load_predictions",
    "match_spans",
    "overlaps",
    "predictions_from_results",
    "replace_spans",
    "run_pipeline",
    "score",
    "score_doc",
    "summarize",
]
