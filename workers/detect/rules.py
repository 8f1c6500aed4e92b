"""Validated rule detection: candidate patterns -> validators -> context scoring -> spans."""

from __future__ import annotations

from collections.abc import Sequence

from workers.detect.engine import MatchEngine
from workers.detect.patterns.builtin import BUILTIN, Recognizer
from workers.models import Span
from workers.taxonomy import Taxonomy

CONTEXT_BOOST = 0.35
CONTEXT_BEFORE = 48  # characters scanned for context words before a candidate
CONTEXT_AFTER = 16


class RulesDetector:
    """Runs every built-in and taxonomy-defined recognizer whose entity the taxonomy routes to rules."""

    name = "rules"

    def __init__(self, taxonomy: Taxonomy, recognizers: Sequence[Recognizer] = BUILTIN):
        wanted = {e.name: e for e in taxonomy.rule_entities()}
        recs = [r for r in recognizers if r.entity in wanted]
        for ent in wanted.values():
            for p in ent.patterns:
                recs.append(Recognizer(f"custom_{p.name}", ent.name, p.regex, p.score, group=p.group,
                                       ignore_case=p.ignore_case))
        extra_ctx = {n: tuple(w.lower() for w in e.context) for n, e in wanted.items()}
        self.recognizers = [
            r if not extra_ctx.get(r.entity) else _with_context(r, extra_ctx[r.entity]) for r in recs
        ]
        self.min_score = {n: e.min_score for n, e in wanted.items()}
        self.engine = MatchEngine([r.regex for r in self.recognizers], [r.ignore_case for r in self.recognizers])
        self.entity_types = sorted(wanted)

    def detect(self, texts: Sequence[str], prior: Sequence[Sequence[Span]] = ()) -> list[list[Span]]:
        return [self.detect_one(t) for t in texts]

    def detect_one(self, text: str) -> list[Span]:
        out: list[Span] = []
        lowered: str | None = None
        for pid, m in self.engine.scan(text):
            rec = self.recognizers[pid]
            start, end = m.span(rec.group)
            if start < 0 or end <= start:
                continue
            if rec.strip_trailing:
                while end > start and text[end - 1] in rec.strip_trailing:
                    end -= 1
            if rec.standalone and _glued(text, start, end):
                continue
            end = _validated_end(rec, text, start, end)
            if end is None:
                continue
            value = text[start:end]
            score = rec.score
            if rec.strong_check is not None and rec.strong_check(value):
                score += rec.strong_bonus
            if rec.context or rec.negative_context:
                if lowered is None:
                    lowered = text.lower()
                ms, me = m.span()
                window = lowered[max(0, ms - CONTEXT_BEFORE) : ms] + " " + lowered[me : me + CONTEXT_AFTER]
                if any(w in window for w in rec.context):
                    score = max(score + CONTEXT_BOOST, rec.context_score or 0.0)
                elif any(w in window for w in rec.negative_context):
                    score -= CONTEXT_BOOST
            score = min(1.0, max(0.0, score))
            if score >= self.min_score[rec.entity]:
                # Offsets are valid by construction; skip re-validation on the hot path.
                out.append(Span.model_construct(start=start, end=end, type=rec.entity,
                                                score=round(score, 3), detector=f"rules:{rec.name}"))
        return out


def _validated_end(rec: Recognizer, text: str, start: int, end: int) -> int | None:
    if rec.validate is None or rec.validate(text[start:end]):
        return end
    if rec.trim_chunks:
        # The pattern may have swallowed a following group ("GB29 NWBK ... 26 2024"): drop chunks.
        cut = end
        for _ in range(3):
            cut = max(text.rfind(" ", start, cut), text.rfind("-", start, cut))
            if cut <= start:
                break
            if rec.validate(text[start:cut]):
                return cut
    return None


def _glued(text: str, start: int, end: int) -> bool:
    """True when [start, end) continues a larger token across - _ / . (e.g. a UUID's last group)."""
    if start >= 2 and text[start - 1] in "-_/." and text[start - 2].isalnum():
        return True
    return end + 1 < len(text) and text[end] in "-_/." and text[end + 1].isdigit()


def _with_context(r: Recognizer, words: tuple[str, ...]) -> Recognizer:
    from dataclasses import replace

    return replace(r, context=r.context + words)
