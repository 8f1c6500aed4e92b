"""The encoder tier: a token-classification model (ONNX) finding names, addresses and places.

Batches: every text is tokenised whole, cut into windows (long texts), windows of similar length
run together, and each document's token probabilities are decoded into typed mentions
(workers/detect/ner/labels.py), then checked for shape like LLM mentions (`mention_pattern`,
`proper_noun`). Spans carry the model's probability; spans under their type's `min_score` but at
least the hint floor are returned as hints (the pipeline drops them before redaction).
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from workers.detect.base import DetectorError
from workers.detect.ner.labels import LabelMap, NerModelError, join_mentions, label_spans
from workers.detect.ner.model import Encoder, find_files
from workers.detect.ner.names import dn_name_values, inverted_names
from workers.detect.ner.settings import NerSettings
from workers.detect.ner.windows import Window, buckets, plan_windows
from workers.detect.shape import ShapeCheck, uses_capitals
from workers.models import Span
from workers.taxonomy import Taxonomy

log = logging.getLogger(__name__)

# The least probability of a name label, on some word of a name-shaped DN common name, that makes
# it a hint (measured on Rampart: people's CNs 0.12-0.95, group CNs 0.000).
DN_NAME_EVIDENCE = 0.05


class NerDetector:
    name = "ner"

    def __init__(self, taxonomy: Taxonomy, model_dir: Path, settings: NerSettings | None = None):
        self.settings = settings or NerSettings()
        self.taxonomy = taxonomy
        self.labels = LabelMap(taxonomy)
        files = find_files(Path(model_dir))
        self.model_name = files.name
        _check_distilled(files.manifest, taxonomy, f"{self.model_name} ({files.root})")
        self.encoder = Encoder(files, threads=self._intra_op(), device=self.settings.device)
        # Checked when the detector starts (not when the taxonomy loads): the taxonomy names labels
        # of whatever model a deployment uses.
        self.labels.check_model(self.encoder.scheme, f"{self.model_name} ({files.root})")
        self._setup()

    @classmethod
    def from_encoder(cls, taxonomy: Taxonomy, encoder: Encoder, settings: NerSettings | None = None) -> NerDetector:
        """A detector around an already-built encoder (tests use a fake session this way)."""
        self = cls.__new__(cls)
        self.settings = settings or NerSettings()
        self.taxonomy = taxonomy
        self.labels = LabelMap(taxonomy)
        self.encoder = encoder
        self.model_name = encoder.files.name
        self.labels.check_model(encoder.scheme, self.model_name)
        self._setup()
        return self

    def _intra_op(self) -> int:
        return max(1, self.settings.threads // self._parallel())

    def _parallel(self) -> int:
        return max(1, min(self.settings.parallel or self.settings.threads, self.settings.threads))

    def _setup(self) -> None:
        # onnxruntime releases the GIL in run(); one session serves concurrent calls.
        self._pool = ThreadPoolExecutor(self._parallel(), thread_name_prefix="ner") if self._parallel() > 1 else None
        ents = self.taxonomy.ner_entities()
        self.shape = ShapeCheck(ents)
        # The types this tier covers, read by the LLM router (LLMDetector.follow): all of the
        # taxonomy's ner types, since check_model refused a model lacking any of their labels.
        self.entity_types = tuple(e.name for e in ents)
        # Spans below min(hint floor, min_score) are noise; at or above min_score they redact.
        self.keep_from = {e.name: min(self.settings.hint_floor, e.min_score) for e in ents}
        self.min_score = {e.name: e.min_score for e in ents}
        self.names = tuple(e.name for e in ents if e.proper_noun)
        # Person-name types (an inverted form is declared): hinted at name-shaped DN common names.
        self.person_types = tuple(n for n, r in self.labels.rules.items() if r.inverted)
        size = min(self.settings.window, self.encoder.max_positions) - self.encoder.specials
        self.window = size
        self.overlap = min(self.settings.stride, size // 2)

    def detect(self, texts: Sequence[str], prior: Sequence[Sequence[Span]]) -> list[list[Span]]:
        if len(prior) != len(texts):
            raise ValueError("prior must have one entry per text")
        try:
            return self._detect(texts)
        except DetectorError:
            raise
        except Exception as e:  # noqa: BLE001 - reported as a batch failure; never a silent pass
            log.exception("ner detector failed on a batch of %d texts", len(texts))
            raise DetectorError(f"ner: {type(e).__name__}") from e

    def _detect(self, texts: Sequence[str]) -> list[list[Span]]:
        encs = self.encoder.encode(texts)
        windows: list[Window] = []
        for d, enc in enumerate(encs):
            windows.extend(plan_windows(d, len(enc.ids), self.window, self.overlap))
        n_classes = len(self.encoder.scheme.classes)
        probs = [np.empty((len(enc.ids), n_classes), dtype=np.float32) for enc in encs]
        batches = buckets(windows, self.settings.batch_size, self.settings.batch_tokens)

        def run(batch: list[Window]) -> list[np.ndarray]:
            return self.encoder.run([encs[w.doc].ids[w.start : w.end] for w in batch])

        results = self._pool.map(run, batches) if self._pool is not None and len(batches) > 1 else map(run, batches)
        for batch, outs in zip(batches, results, strict=True):
            for w, p in zip(batch, outs, strict=True):
                probs[w.doc][w.own_start : w.own_end] = p[w.own_start - w.start : w.own_end - w.start]
        return [self._decode(t, enc, p) for t, enc, p in zip(texts, encs, probs, strict=True)]

    def _decode(self, text: str, enc: object, probs: np.ndarray) -> list[Span]:
        if probs.shape[0] == 0:
            return []
        floor = min(self.keep_from.values())
        spans = label_spans(self.encoder.scheme, probs, enc.word_ids, enc.offsets, floor)  # type: ignore[attr-defined]
        inverted = inverted_names(text, spans, self.labels, self.settings.score)
        mentions = inverted.mentions + join_mentions(text, inverted.rest, self.labels, self.settings.score)
        cased = uses_capitals(text)
        out: list[Span] = []
        for m in mentions:
            score = round(min(1.0, max(0.0, m.score)), 4)
            value = text[m.start : m.end]
            if score < self.keep_from[m.type] or self.labels.rules[m.type].excluded(value):
                continue
            if not self.shape.ok(m.type, value, cased_text=cased):
                out.extend(self._retyped(m.start, m.end, m.type, score, value, cased))
                continue
            out.append(Span(start=m.start, end=m.end, type=m.type, score=score, detector="ner"))
        values = dn_name_values(text)
        starts = [a for a, _ in enc.offsets] if values else []  # type: ignore[attr-defined]
        dn = [(a, b, t) for a, b in values for t in self._leaning(starts, probs, a, b)]
        out.extend(self._structure_hints(inverted.hints + dn, out, cased))
        return out

    def _leaning(self, starts: list[int], probs: np.ndarray, start: int, end: int) -> list[str]:
        """The person-name types whose labels the model gives some word in [start, end) at least
        DN_NAME_EVIDENCE, though under the hint floor: Rampart gives `CN=John Doe` 0.12
        GIVEN_NAME and group names (`CN=Domain Admins`, `CN=Help Desk`) 0.000, which the LLM would
        otherwise be asked about and might call people."""
        first, last = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
        if first >= last:
            return []
        scheme = self.encoder.scheme
        q, _ = scheme.label_probs(probs[first:last])
        out = []
        for t in self.person_types:
            cols = [scheme.labels.index(lab) for lab in self.labels.rules[t].labels if lab in scheme.labels]
            if cols and float(q[:, cols].max()) >= DN_NAME_EVIDENCE:
                out.append(t)
        return out

    def _structure_hints(self, want: list[tuple[int, int, str]], found: list[Span], cased: bool) -> list[Span]:
        """Zero-score hints where the text's structure suggests a name the model did not confirm:
        "Lopez, Travis" outside a quoted cell with "Lopez" unlabelled (a surname, or "Paris, John
        said"), and name-shaped DN common names. The router asks the LLM about them; nothing is
        redacted on structure alone. Skipped where a confident span of the type already covers
        the place, so a found name costs no LLM call."""
        if not cased or not want:
            return []
        # Per type: confident spans by start, with the furthest end reached so far (bisect: n log n).
        starts: dict[str, list[int]] = {}
        reach: dict[str, list[int]] = {}
        for s in sorted(found, key=lambda s: s.start):
            if s.score >= self.min_score[s.type]:
                ends = reach.setdefault(s.type, [])
                starts.setdefault(s.type, []).append(s.start)
                ends.append(max(s.end, ends[-1]) if ends else s.end)
        out: list[Span] = []
        for a, b, t in want:
            k = bisect.bisect_right(starts.get(t, []), a) - 1
            if k < 0 or reach[t][k] < b:
                out.append(Span(start=a, end=b, type=t, score=0.0, detector="ner"))
        return out

    def _retyped(self, start: int, end: int, rejected: str, score: float, value: str, cased: bool) -> list[Span]:
        """A mention the model is sure of whose type fails its shape ("Franco, Debra" in a CSV
        name column read as street + city: no digit, so no STREET_ADDRESS) is still an entity, of
        a type the model got wrong. Dropping it silently would keep the document from the LLM, so
        when it is shaped as a name (capitalised, in cased text) it becomes a zero-score hint of
        each proper-noun type of this tier it fits (people and places are what the model mixes
        up): the router asks the LLM about those types there, and nothing is redacted on the
        encoder's word alone (the type is unknown). An unsure mention of the wrong shape is noise,
        and so is a lower-case one ("robertfoster64" read as a name: a digit alone makes no address)."""
        if score < self.min_score[rejected] or not cased:
            return []
        return [
            Span(start=start, end=end, type=t, score=0.0, detector="ner")
            for t in self.names
            if t != rejected and self.shape.ok(t, value, cased_text=True) and not self.labels.rules[t].excluded(value)
        ]


def _check_distilled(manifest: dict[str, Any] | None, taxonomy: Taxonomy, model: str) -> None:
    """A student from `pii-worker distill` names its taxonomy: refuse another (workers/distill/manifest.py)."""
    from workers.distill.manifest import ModelMismatchError, check_student

    try:
        for w in check_student(manifest, taxonomy, model):
            log.warning("%s", w)
    except ModelMismatchError as e:
        raise NerModelError(str(e)) from None


def build_ner_detector(taxonomy: Taxonomy, settings: NerSettings | None = None) -> NerDetector:
    """The ner detector for `taxonomy`: `settings.model` is a packaged encoder name, a student's
    name in the model cache, or a directory (configured from PII_WORKER_NER_* by default)."""
    from workers.modelcache import ENCODERS, ProvisionError, resolve_encoder

    settings = settings or NerSettings()
    packaged = ENCODERS.get(settings.model)
    if packaged is not None and not packaged.runnable:
        raise NerModelError(f"{settings.model} is a base model for `pii-worker distill`, not a ner model")
    try:
        path = resolve_encoder(settings.model, settings.model_cache)
    except ProvisionError as e:
        raise NerModelError(str(e)) from None
    return NerDetector(taxonomy, path, settings)
