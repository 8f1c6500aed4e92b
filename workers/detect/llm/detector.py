"""`LLMDetector`: the schema-prompted extractor behind the `Detector` protocol (name "llm").

Per batch: mask confident earlier spans -> route (which documents, which types: route.py) ->
(optional gate) -> blank control tokens -> chunk -> render prompts (document fenced as data) -> one
engine call for every request of the batch -> parse (pydantic) -> align mentions to every
occurrence -> map back through chunk and mask offsets -> Spans. A routed-away document gets
`Skipped()` (no spans; the pipeline records the LLM as skipped, not failed). Failed or malformed
requests are retried; a document still failing is answered with a `DetectFailure` (its batch-mates
keep their spans) and the pipeline degrades or dead-letters it.

Counters (`LLMStats`) are plain numbers; the host publishes them (`counters()`): prometheus_client
in a CLI process, ray.serve.metrics in an Extractor replica.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from workers.detect.base import Counter, DetectFailure, Detection, Skipped
from workers.detect.llm.address import join_address_parts
from workers.detect.llm.align import align
from workers.detect.llm.chunking import chunk
from workers.detect.llm.engines import Engine, EngineRequest, EngineResult, OpenAIEngine, VLLMEngine
from workers.detect.llm.gate import has_candidate
from workers.detect.llm.masking import MaskedText
from workers.detect.llm.prompts import PromptBuilder, Query
from workers.detect.llm.route import LLMRouter, covered_types
from workers.detect.llm.sanitize import ControlTokens
from workers.detect.llm.schema import MalformedOutput, Mention
from workers.detect.llm.settings import LLMSettings
from workers.detect.shape import ShapeCheck, uses_capitals
from workers.models import Span

log = logging.getLogger(__name__)


@dataclass
class LLMStats:
    """Cumulative counters; eval and benchmarks read them, hosts publish them (`LLMDetector.counters`)."""

    docs: int = 0
    routed: int = 0  # documents the router sent to the model
    routed_away: int = 0  # documents the router kept from the model (earlier tiers suffice)
    gated: int = 0  # skipped by the cheap gate
    control_tokens: int = 0  # chat-template control tokens blanked in documents
    requests: int = 0
    retried: int = 0
    failed_requests: int = 0
    failed_docs: int = 0
    malformed: int = 0
    mentions: int = 0
    hallucinations: int = 0  # mentions not found in the text: dropped
    rejected: int = 0  # mentions not of their type's shape (mention_pattern, proper_noun): dropped
    normalised: int = 0  # mentions found only after whitespace/case normalisation
    masked_echoes: int = 0  # mentions that only matched a rule placeholder: dropped
    spans: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class _Unit:
    doc: int
    offset: int  # chunk offset in the masked text
    text: str  # chunk text
    query: Query
    prompts: PromptBuilder
    max_tokens: int
    mentions: list[Mention] | None = None
    error: str | None = None


def build_engine(settings: LLMSettings) -> Engine:
    if settings.backend == "openai":
        assert settings.base_url is not None
        return OpenAIEngine(
            settings.base_url,
            settings.served_model or settings.model,
            api_key=settings.api_key.get_secret_value() if settings.api_key else None,
            timeout_s=settings.timeout_s,
            concurrency=settings.concurrency,
        )
    from workers.cpu import configure_threads
    from workers.detect.llm.provision import resolve_model

    configure_threads(ranks=settings.tensor_parallel_size)
    return VLLMEngine(
        resolve_model(settings.model, settings.model_cache),
        max_model_len=settings.max_model_len,
        gpu_memory_utilization=settings.gpu_memory_utilization,
        enable_prefix_caching=settings.enable_prefix_caching,
        dtype=settings.dtype,
        enforce_eager=settings.enforce_eager,
        max_num_seqs=settings.max_num_seqs,
        tensor_parallel_size=settings.tensor_parallel_size,
        seed=settings.seed,
    )


class LLMDetector:
    name = "llm"

    def __init__(self, taxonomy: Any, settings: LLMSettings | None = None, engine: Engine | None = None):
        self.settings = settings or LLMSettings()
        s = self.settings
        entities = list(taxonomy.llm_entities())
        if s.types is not None:
            unknown = set(s.types) - {e.name for e in entities}
            if unknown:
                raise ValueError(f"types not LLM-handled in the taxonomy: {sorted(unknown)}")
            entities = [e for e in entities if e.name in set(s.types)]
        self._entities = entities
        self.prompts = self._builder(tuple(e.name for e in entities))
        self._builders: OrderedDict[tuple[str, ...], PromptBuilder] = OrderedDict()
        self._shape = ShapeCheck(entities)
        self._min_score = {e.name: e.min_score for e in taxonomy.entities}
        self.router = LLMRouter(
            entities, s.llm_route, min_score=self._min_score, band=s.route_band, covered=s.covered_types or ()
        )
        self.engine = engine if engine is not None else build_engine(s)
        self.control = ControlTokens(getattr(self.engine, "control_tokens", ()) or ())
        self.stats = LLMStats()

    @property
    def types(self) -> tuple[str, ...]:
        return self.prompts.types

    def follow(self, earlier: Sequence[Any]) -> None:
        """Called by the Pipeline with the detectors that run before this one: the types they
        produce are covered, so the router asks about them only where they were unsure."""
        if self.settings.covered_types is None:
            self.router.set_covered(covered_types(earlier))

    def _items(self, types: tuple[str, ...]) -> int:
        """Mentions one request may answer: per-type queries ask one type each and keep max_items."""
        s = self.settings
        if s.prompt_style == "per-type":
            return s.max_items
        return min(s.max_items, s.max_items_per_type * len(types))

    def _max_tokens(self, builder: PromptBuilder) -> int:
        """Enough for the longest answer the schema allows, counted in characters (a token is at
        least one): each mention's text, its type name and the JSON around them; so the cap never
        cuts a valid answer. max_tokens above that."""
        items = self._items(builder.types)
        per_item = self.settings.max_mention_chars + max(map(len, builder.types)) + 32
        return min(self.settings.max_tokens, 32 + items * per_item)

    def _builder(self, types: tuple[str, ...]) -> PromptBuilder:
        s = self.settings
        return PromptBuilder(
            [e for e in self._entities if e.name in set(types)],
            s.prompt_style,
            max_items=self._items(types),
            max_chars=s.max_mention_chars,
            include_examples=s.include_examples,
            output=s.output_format,
        )

    def _prompts_for(self, types: tuple[str, ...]) -> PromptBuilder:
        if types == self.prompts.types:
            return self.prompts
        b = self._builders.get(types)
        if b is None:
            b = self._builder(types)
            self._builders[types] = b
            while len(self._builders) > 64:  # a handful of type sets in practice; bound it anyway
                self._builders.popitem(last=False)
        return b

    def counters(self) -> list[tuple[Counter, int]]:
        """The cumulative counters as published series (see `LLM_COUNTERS`)."""
        d = self.stats.as_dict()
        return [(c, value(d)) for c, value in LLM_COUNTERS]

    def close(self) -> None:
        self.engine.close()

    def detect(self, texts: Sequence[str], prior: Sequence[Sequence[Span]]) -> list[Detection]:
        if len(prior) != len(texts):
            raise ValueError("prior must have one entry per text")
        out: list[Detection | None] = [None] * len(texts)
        todo = range(len(texts))  # every document is decided in this call (no reruns, no memo)

        masked: dict[int, MaskedText] = {}
        units: list[_Unit] = []
        for i in todo:
            self.stats.docs += 1
            # Only confident spans are masked: the encoder's low-score hints are what the model
            # should look at again.
            confident = [p for p in prior[i] if self.router.confident(p)] if self.settings.mask_prior else []
            m = MaskedText(texts[i], confident)
            masked[i] = m
            types = self.router.types_for(texts[i], prior[i])
            if not types:
                self.stats.routed_away += 1
                out[i] = Skipped()
                continue
            self.stats.routed += 1
            if self.settings.gate and not has_candidate(m.text):
                self.stats.gated += 1
                out[i] = []
                continue
            # Same-length blanking: offsets into the masked text stay valid.
            clean, n = self.control.neutralise(m.text)
            self.stats.control_tokens += n
            builder = self._prompts_for(types)
            budget = self._max_tokens(builder)
            for off, ctext in chunk(clean, self.settings.chunk_chars, self.settings.chunk_overlap):
                if not ctext.strip():
                    continue
                units.extend(_Unit(i, off, ctext, q, builder, budget) for q in builder.queries(ctext))

        self._run(units)

        failed: dict[int, str] = {}
        found: dict[int, set[Span]] = {i: set() for i in todo}
        cased = {i: uses_capitals(texts[i]) for i in todo}  # once per document, not per query
        for u in units:
            if u.error is not None:
                failed.setdefault(u.doc, u.error)
                continue
            assert u.mentions is not None
            aligned, st = align(u.text, self._shaped(u.mentions, cased[u.doc]))
            self.stats.mentions += st.mentions
            self.stats.hallucinations += st.hallucinations
            self.stats.normalised += st.normalised
            for a in aligned:
                pieces = masked[u.doc].pieces(u.offset + a.start, u.offset + a.end)
                if not pieces:
                    self.stats.masked_echoes += 1
                for ps, pe in pieces:
                    if pe > ps:
                        found[u.doc].add(Span(start=ps, end=pe, type=a.type, score=self.settings.score, detector="llm"))
        for i in todo:
            if out[i] is None and i not in failed:
                spans = join_address_parts(texts[i], list(found[i]))
                self.stats.spans += len(spans)
                out[i] = spans

        if failed:
            self.stats.failed_docs += len(failed)
            n = self.settings.retries
            for i, error in failed.items():
                out[i] = DetectFailure(f"llm failed after {n} retr{'y' if n == 1 else 'ies'}: {error}")
        # Every document has an outcome by now; a gap would be a bug, and a bug fails closed.
        return [o if o is not None else DetectFailure("llm produced no outcome") for o in out]

    def _shaped(self, mentions: list[Mention], cased: bool) -> list[Mention]:
        keep = [m for m in mentions if self._shape.ok(m.type, m.text, cased_text=cased)]
        self.stats.rejected += len(mentions) - len(keep)
        return keep

    # --- engine calls with retry -------------------------------------------------------------

    def _run(self, units: list[_Unit]) -> None:
        pending = list(units)
        for attempt in range(self.settings.retries + 1):
            if not pending:
                return
            if attempt:
                self.stats.retried += len(pending)
            temp = 0.0 if attempt == 0 else self.settings.retry_temperature
            reqs = [
                EngineRequest(
                    messages=u.query.messages,
                    schema=u.query.schema,
                    max_tokens=u.max_tokens,
                    temperature=temp,
                    seed=None if attempt == 0 else self.settings.seed + attempt,
                )
                for u in pending
            ]
            results = self._generate(reqs)
            still: list[_Unit] = []
            for u, r in zip(pending, results, strict=True):
                self._account(r)
                u.error, u.mentions = None, None
                if r.error is not None or r.text is None:
                    u.error = f"engine error: {r.error or 'no text'}"
                else:
                    try:
                        u.mentions = u.prompts.parse(u.query, r.text)
                    except MalformedOutput as e:
                        self.stats.malformed += 1
                        u.error = f"malformed output (finish={r.finish_reason}): {e}"
                if u.error is not None:
                    still.append(u)
            pending = still
        self.stats.failed_requests += len(pending)
        for u in pending:
            log.warning("llm request for document %d failed: %s", u.doc, u.error)

    def _generate(self, reqs: list[EngineRequest]) -> list[EngineResult]:
        try:
            results = self.engine.generate(reqs)
        except Exception as e:  # noqa: BLE001 - an engine crash fails these requests, not the worker
            return [EngineResult(error=f"{type(e).__name__}: {e}") for _ in reqs]
        if len(results) != len(reqs):
            return [EngineResult(error=f"engine returned {len(results)} results for {len(reqs)}") for _ in reqs]
        return results

    def _account(self, r: EngineResult) -> None:
        self.stats.requests += 1
        self.stats.prompt_tokens += r.prompt_tokens
        self.stats.completion_tokens += r.completion_tokens
        self.stats.cached_tokens += r.cached_tokens


# How LLMStats is published: one series per (family, label), the value computed from the cumulative
# counters. Requests: every attempt is ok, retried (failed, tried again) or failed (out of retries).
_REQ = "Engine requests by outcome (ok, retried, failed: still failing after the retries)"
_MEN = (
    "Mentions the model returned, by outcome (aligned; hallucination: not in the text, dropped; "
    "masked_echo: an occurrence that only covered a rule placeholder, dropped; rejected: not of its "
    "type's shape (taxonomy mention_pattern), dropped)"
)
_TOK = "Engine tokens by kind (prompt, completion, cached)"
_ROUTE = "Documents the cascade router sent to the model (llm) or kept from it (away)"
LLM_COUNTERS: tuple[tuple[Counter, Callable[[dict[str, int]], int]], ...] = (
    (
        Counter("pii_worker_llm_requests", _REQ, ("outcome", "ok")),
        lambda d: max(0, d["requests"] - d["retried"] - d["failed_requests"]),
    ),
    (Counter("pii_worker_llm_requests", _REQ, ("outcome", "retried")), lambda d: d["retried"]),
    (Counter("pii_worker_llm_requests", _REQ, ("outcome", "failed")), lambda d: d["failed_requests"]),
    (
        Counter("pii_worker_llm_mentions", _MEN, ("outcome", "aligned")),
        lambda d: max(0, d["mentions"] - d["hallucinations"]),
    ),
    (Counter("pii_worker_llm_mentions", _MEN, ("outcome", "hallucination")), lambda d: d["hallucinations"]),
    (Counter("pii_worker_llm_mentions", _MEN, ("outcome", "masked_echo")), lambda d: d["masked_echoes"]),
    (Counter("pii_worker_llm_mentions", _MEN, ("outcome", "rejected")), lambda d: d["rejected"]),
    (Counter("pii_worker_llm_tokens", _TOK, ("kind", "prompt")), lambda d: d["prompt_tokens"]),
    (Counter("pii_worker_llm_tokens", _TOK, ("kind", "completion")), lambda d: d["completion_tokens"]),
    (Counter("pii_worker_llm_tokens", _TOK, ("kind", "cached")), lambda d: d["cached_tokens"]),
    (Counter("pii_worker_llm_gated_docs", "Documents the cheap gate kept from the model"), lambda d: d["gated"]),
    (Counter("pii_worker_llm_routed_docs", _ROUTE, ("route", "llm")), lambda d: d["routed"]),
    (Counter("pii_worker_llm_routed_docs", _ROUTE, ("route", "away")), lambda d: d["routed_away"]),
    (
        Counter("pii_worker_llm_failed_docs", "Documents the model could not answer after the retries"),
        lambda d: d["failed_docs"],
    ),
)
