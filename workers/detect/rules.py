"""Validated rule detection: candidate patterns -> validators -> context scoring -> spans."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import replace
from functools import partial

import phonenumbers.re_util

from workers.detect import validators as v
from workers.detect.candidates import (
    _after_word,
    _below_floor,
    _glued,
    _glued_left,
    _next_chunk,
    _strong_end,
    _validated_end,
)
from workers.detect.context import Lowered, compile_terms
from workers.detect.encoded import encoded_findings
from workers.detect.engine import MatchEngine
from workers.detect.normalize import VIEW_HINTS, Utf8Offsets, normalized_view
from workers.detect.patterns import BUILTIN, Recognizer
from workers.detect.patterns.cookies import COOKIE_HINT, cookie_values
from workers.detect.phone_columns import PHONE_HINT, column_phones
from workers.models import Span, span_unchecked
from workers.taxonomy import Taxonomy

CONTEXT_BOOST = 0.35


class RulesDetector:
    """Runs every built-in and taxonomy-defined recognizer whose entity the taxonomy routes to rules."""

    name = "rules"

    def __init__(
        self,
        taxonomy: Taxonomy,
        recognizers: Sequence[Recognizer] = BUILTIN,
        phone_regions: Sequence[str] | None = None,
    ):
        """`phone_regions`: ISO region codes tried in order for phone numbers written without a
        country code (default validators.DEFAULT_PHONE_REGIONS); ValueError names an unknown one."""
        wanted = {e.name: e for e in taxonomy.rule_entities()}
        # phonenumbers looks its metadata patterns up through re.compile on every use unless its
        # own pattern dict is on (a finite set: its metadata): ~7% of a phone validation.
        phonenumbers.re_util.enable_pattern_cache()
        recs = [r for r in recognizers if r.entity in wanted]
        if phone_regions is not None:
            check = partial(v.phone_valid, regions=v.phone_regions(phone_regions))
            recs = [replace(r, strong_check=check) if r.strong_check is v.phone_valid else r for r in recs]
        for ent in wanted.values():
            for p in ent.patterns:
                recs.append(
                    Recognizer(f"custom_{p.name}", ent.name, p.regex, p.score, group=p.group, ignore_case=p.ignore_case)
                )
        extra_ctx = {n: tuple(w.lower() for w in e.context) for n, e in wanted.items()}
        self.recognizers = [r if not extra_ctx.get(r.entity) else _with_context(r, extra_ctx[r.entity]) for r in recs]
        self.min_score = {n: e.min_score for n, e in wanted.items()}
        # The document-level checks (does a normalised view differ, can a line be a phone
        # column header) ride on the prefilter's hyperscan pass as exact hint patterns.
        self.engine = MatchEngine(
            [r.regex for r in self.recognizers],
            [r.ignore_case for r in self.recognizers],
            [r.prefilter for r in self.recognizers],
            hints=[*VIEW_HINTS, (PHONE_HINT.pattern, True), (COOKIE_HINT.pattern, True)],
        )
        # The types this tier covers, for the LLM router: a type whose only recognizers are partial
        # (titled names, country names) still needs a tier that reads every mention of it.
        self.entity_types = sorted({r.entity for r in self.recognizers if not r.partial})
        self._deferred = {i for i, r in enumerate(self.recognizers) if r.defer}
        # Hyperscan (byte mode) reads \p{L} as ASCII letters only, so it cannot prefilter
        # Unicode-class patterns on non-ASCII text: those always run there. Patterns tagged
        # non_ascii (internationalised e-mail) are skipped on ASCII text, where others cover them.
        self._unicode = {i for i, r in enumerate(self.recognizers) if "\\p{" in r.regex or "non_ascii" in r.tags}
        self._ascii_skip = {i for i, r in enumerate(self.recognizers) if "non_ascii" in r.tags}
        self._context = {id(r): (compile_terms(r.context), compile_terms(r.negative_context)) for r in self.recognizers}
        self._phone_columns = "PHONE_NUMBER" in wanted
        self._cookies = "ACCESS_TOKEN" in wanted
        self._matchers = [self.engine.byte_matcher(i) for i in range(len(self.recognizers))]
        self._labels = [f"rules:{r.name}" for r in self.recognizers]
        # Run order of candidate patterns on ASCII text, as one sort key per pattern: deferred
        # ones after the others, each group in pattern order; None for patterns skipped there.
        n = len(self.recognizers)
        self._ascii_rank: list[int | None] = [
            None if i in self._ascii_skip else i + (n if i in self._deferred else 0) for i in range(n)
        ]

    def detect(self, texts: Sequence[str], prior: Sequence[Sequence[Span]] = ()) -> list[list[Span]]:
        ascii_only = [t.isascii() for t in texts]
        found = self._detect_texts(texts, ascii_only)
        # Each document-level pass over the whole batch before the next (as the patterns above).
        for text, (out, _) in zip(texts, found, strict=True):
            # base64/hex tokens hiding a value: one span over the token (decoded once, see encoded.py)
            for f in encoded_findings(text, self._scan):
                out.append(_span(f.start, f.end, f.type, f.score, f"rules:{f.encoding}"))
        for text, asc, (out, hints) in zip(texts, ascii_only, found, strict=True):
            # On ASCII text the prefilter pass already told whether a view can differ.
            if not asc or hints & _VIEW_HINT_BITS:
                self._add_view(text, out)
        return [out for out, _ in found]

    def detect_one(self, text: str) -> list[Span]:
        """Spans on the text, plus those found on its normalised view (invisible characters
        removed, look-alikes and escapes decoded: see normalize.py) mapped back to the original.
        O(n log n) in len(text); plain ASCII text without escapes builds no view."""
        return self.detect([text])[0]

    def _add_view(self, text: str, out: list[Span]) -> None:
        """Spans found on the normalised view of `text` (if it differs), mapped back, not yet in `out`."""
        view = normalized_view(text)
        if view is None:
            return
        seen = {(h.start, h.end, h.type) for h in out}
        for h in self._detect_text(view.text, view.text.isascii())[0]:
            a, b = view.to_original(h.start, h.end)
            if (a, b, h.type) in seen:
                continue
            seen.add((a, b, h.type))
            if (a, b) != (h.start, h.end):
                h = _span(a, b, h.type, h.score, h.detector)
            out.append(h)

    def _scan(self, text: str) -> list[tuple[int, int, str, float]]:
        return [(h.start, h.end, h.type, h.score) for h in self._detect_text(text, text.isascii())[0]]

    def _detect_text(self, text: str, ascii_only: bool) -> tuple[list[Span], int]:
        return self._detect_texts([text], [ascii_only])[0]

    def _detect_texts(self, texts: Sequence[str], ascii_only: Sequence[bool]) -> list[tuple[list[Span], int]]:
        """(hits, mask of the engine's hints found in the text) per text. Every step O(n log n) in
        len(text): one hyperscan pass, RE2 scans that resume forward (bytes subjects: RE2's str
        API re-encodes the whole text per search call), O(1) work per candidate (validators and
        context windows see bounded slices), O(log n) claim lookups.

        Pattern-major over the batch: all hyperscan passes first, then each candidate pattern over
        every text it may match, in one global order (deferred patterns last, each group in
        pattern order: the order each text's own candidates run in, so every text sees the claims
        it saw when texts ran one by one). One automaton at a time stays in the CPU caches instead
        of ~6 automata and the validators' code taking turns per text.

        RE2 is called through its raw matcher (engine.byte_matcher): a list of group spans per
        match, without the wrapper's generator and match objects, which cost more than the
        matching itself on log-line sized texts."""
        docs = [_Doc(t, a) for t, a in zip(texts, ascii_only, strict=True)]
        scan = self.engine.scan_bytes
        rank = self._ascii_rank
        n = len(rank)
        by_rank: dict[int, list[_Doc]] = {}
        for d in docs:
            pids, d.hints = scan(d.subject)
            if d.offsets is None:
                ranks = [r for r in (rank[p] for p in pids) if r is not None]
            else:
                if self._unicode:
                    pids = sorted(set(pids) | self._unicode)
                ranks = [p + n if p in self._deferred else p for p in pids]
            for r in ranks:
                waiting = by_rank.get(r)
                if waiting is None:
                    by_rank[r] = [d]
                else:
                    waiting.append(d)
        for r in sorted(by_rank):
            pid = r - n if r >= n else r
            for d in by_rank[r]:
                self._run_pattern(pid, d)
        out: list[tuple[list[Span], int]] = []
        for d in docs:
            text, hits, hints = d.text, d.out, d.hints
            # A phone column needs a header word: the hint (exact on ASCII text) rules most texts out.
            if self._phone_columns and (d.offsets is not None or hints & _PHONE_HINT_BIT):
                hits.extend(h for h in column_phones(text) if h.score >= self.min_score[h.type])
            # Cookie headers: the hint (exact on ASCII text) rules most texts out.
            if self._cookies and (d.offsets is not None or hints & _COOKIE_HINT_BIT):
                self._add_cookies(text, hits)
            out.append((hits, hints))
        return out

    def _run_pattern(self, pid: int, d: _Doc) -> None:
        """Every match of pattern `pid` on one text, evaluated; hits appended to d.out."""
        rec, match, label = self.recognizers[pid], self._matchers[pid], self._labels[pid]
        text, subject, nbytes, offsets, ctx, out = d.text, d.subject, d.nbytes, d.offsets, d.ctx, d.out
        # Deferred recognizers skip candidates inside what the others found (rebuilt only
        # when a recognizer before added hits).
        claimed = d.claimed
        if rec.defer and out:
            if claimed is None or claimed.size != len(out):
                claimed = d.claimed = _claims(out)
        else:
            claimed = d.claimed = None
        if not rec.trim_chunks:
            pos = 0
            while True:  # finditer: leftmost matches, resuming at each match's end
                spans = match(subject, pos, nbytes)
                whole = spans[0]
                if whole[0] < 0:
                    break
                if offsets is not None:
                    spans = _char_spans(spans, offsets)
                if claimed is None or not claimed.covers(*spans[0]):
                    hit = self._evaluate(rec, spans, text, ctx)
                    if hit is not None:
                        out.append(_span(hit[0], hit[1], rec.entity, hit[2], label))
                if pos == nbytes:
                    break
                pos = pos + 1 if whole[1] == pos else whole[1]  # an empty match moves on by one
            return
        # Bounded-length numeric patterns: a rejected candidate may have swallowed the start
        # of a real one ("6789 4111 1111 1111 1111"), so resume at its next chunk, not its end.
        # Each restart re-reads at most one match length: still linear in the text.
        # The digit floor, _evaluate's first test, inline when the value is the whole match: most
        # phone candidates are short digit groups (times, versions) it rejects.
        floor = rec.min_digits > 0 and rec.group == 0
        pos = 0
        while pos < len(text):
            spans = match(subject, pos if offsets is None else offsets.byte(pos), nbytes)
            if spans[0][0] < 0:
                break
            if offsets is not None:
                spans = _char_spans(spans, offsets)
            m_start, m_end = spans[0]
            if (claimed is not None and claimed.covers(m_start, m_end)) or (
                floor and _below_floor(rec, text[m_start:m_end])
            ):
                hit = None
            else:
                hit = self._evaluate(rec, spans, text, ctx)
            if hit is not None:
                out.append(_span(hit[0], hit[1], rec.entity, hit[2], label))
                pos = max(hit[1], m_start + 1)
            else:
                nxt = _next_chunk(text, m_start, m_end)
                pos = nxt if nxt is not None else m_end

    def _add_cookies(self, text: str, out: list[Span]) -> None:
        """Session cookie values and random-looking values of other cookies, as ACCESS_TOKEN; a
        value a keyed recognizer already reported (sid=..., token=...) is not added twice."""
        found = cookie_values(text)
        if not found:
            return
        have = {(h.start, h.end) for h in out if h.type == "ACCESS_TOKEN"}
        floor = self.min_score["ACCESS_TOKEN"]
        for start, end, score, session in found:
            if (start, end) not in have and score >= floor:
                label = "rules:session_cookie" if session else "rules:cookie_value"
                out.append(_span(start, end, "ACCESS_TOKEN", score, label))

    def _evaluate(
        self, rec: Recognizer, spans: Sequence[tuple[int, int]], text: str, ctx: Lowered
    ) -> tuple[int, int, float] | None:
        """(start, end, score) of a candidate match given as its groups' character spans."""
        start, end = spans[rec.group]
        if start < 0 or end <= start:
            return None
        # ASCII digits counted in C; other text keeps the full path (Unicode digits count too).
        if rec.min_digits and _below_floor(rec, text[start:end]):
            return None
        if rec.standalone and not rec.checksum and _glued_left(text, start):
            return None  # glued on the left whatever the end becomes: skip the validators
        if rec.strip_trailing:
            while end > start and text[end - 1] in rec.strip_trailing:
                end -= 1
        validated = _validated_end(rec, text, start, end)
        if validated is None:
            return None
        end = validated
        score = rec.score
        if rec.strong_check is not None:
            strong_end = _strong_end(rec, text, start, end, validated=True)
            if strong_end is not None:
                end, score = strong_end, score + rec.strong_bonus
        if rec.standalone and _glued(text, start, end) and not (rec.checksum and _after_word(text, start, end)):
            return None
        m_start = spans[0][0]
        if rec.reject_after and ctx.ends_with(m_start, rec.reject_after):
            return None
        if rec.reject_before and text.startswith(rec.reject_before, end):
            return None
        if rec.context or rec.negative_context:
            # Window around what we keep (a trimmed candidate's dropped tail is not context).
            ms, me = min(m_start, start), end
            pos_terms, neg_terms = self._context[id(rec)]
            if ctx.has_any(ms, me, pos_terms):
                score = max(score + CONTEXT_BOOST, rec.context_score or 0.0)
            elif not rec.checksum and score >= self.min_score[rec.entity] and ctx.has_any(ms, me, neg_terms):
                # (a score already below the threshold cannot rise by lowering it)
                # Only unvalidated guesses are lowered: "order 4111 1111 1111 1111" stays a card.
                score -= CONTEXT_BOOST
        score = min(1.0, max(0.0, score))
        if score < self.min_score[rec.entity]:
            return None
        return start, end, round(score, 3)


_VIEW_HINT_BITS = (1 << len(VIEW_HINTS)) - 1  # hint bits 0..1: normalize.VIEW_HINTS
_PHONE_HINT_BIT = 1 << len(VIEW_HINTS)  # the hint after them: phone_columns.PHONE_HINT
_COOKIE_HINT_BIT = _PHONE_HINT_BIT << 1  # then patterns.cookies.COOKIE_HINT


def _span(start: int, end: int, type_: str, score: float, detector: str) -> Span:
    """A Span (the contract) built without re-validation: scores are clamped to [0, 1] in
    _evaluate; offsets are checked here, failing the document as validation would."""
    if not 0 <= start < end:
        raise ValueError(f"rules produced an empty or negative span at {start}")
    return span_unchecked(start, end, type_, score, detector)


def _char_spans(spans: Sequence[tuple[int, int]], offsets: Utf8Offsets) -> list[tuple[int, int]]:
    """Group spans in UTF-8 byte offsets -> character offsets (unmatched groups stay (-1, -1))."""
    return [(a, b) if a < 0 else (offsets.char(a), offsets.char(b)) for a, b in spans]


class _Doc:
    """One text's state through the pattern pass (the batch runs pattern by pattern)."""

    __slots__ = ("text", "subject", "nbytes", "offsets", "ctx", "out", "claimed", "hints")

    def __init__(self, text: str, ascii_only: bool) -> None:
        self.text = text
        self.subject = text.encode("utf-8", "surrogatepass")
        self.nbytes = len(self.subject)
        self.offsets = None if ascii_only else Utf8Offsets(text)
        self.ctx = Lowered(text)
        self.out: list[Span] = []
        self.claimed: _Claims | None = None
        self.hints = 0


class _Claims:
    """Containment queries over fixed spans in O(log n): sorted starts with the running maximum
    of ends (a span covers [a, b) iff some span starting at or before a ends at or after b)."""

    def __init__(self, spans: Sequence[Span]) -> None:
        self.size = len(spans)
        ordered = sorted([(s.start, s.end) for s in spans])
        self._starts = [a for a, _ in ordered]
        self._max_end: list[int] = []
        add = self._max_end.append
        best = -1
        for _, b in ordered:
            if b > best:
                best = b
            add(best)

    def covers(self, a: int, b: int) -> bool:
        i = bisect_right(self._starts, a) - 1
        return i >= 0 and self._max_end[i] >= b


class _FewClaims(_Claims):
    """The same queries over a handful of spans (a log line's usual count): a linear test over
    (start, end) pairs costs less than sorting them and the prefix maxima."""

    _FEW = 8

    def __init__(self, spans: Sequence[Span]) -> None:  # (none of _Claims.__init__ is used)
        self.size = len(spans)
        self._pairs = [(s.start, s.end) for s in spans]

    def covers(self, a: int, b: int) -> bool:
        for start, end in self._pairs:
            if start <= a and end >= b:
                return True
        return False


def _claims(spans: Sequence[Span]) -> _Claims:
    return _FewClaims(spans) if len(spans) <= _FewClaims._FEW else _Claims(spans)


def _with_context(r: Recognizer, words: tuple[str, ...]) -> Recognizer:
    return replace(r, context=r.context + words)
