"""End-to-end demo: embedded broker -> Ray Serve app (consumers, NER encoder, LLM extractor,
HTTP) -> topics.

Starts an embedded Kafka-protocol broker and a local Ray on 127.0.0.1, deploys the Serve app on
CPU with the cascade (rules in the consumers, the NER encoder and the LLM extractor as
deployments), streams the bundled sample logs from an input topic through to the redacted,
annotations and dead-letter topics, prints a before/after view, one `POST /redact` answer,
per-tier counts (documents each tier ran on, spans per tier, share routed to the LLM),
degraded and dead-lettered records, a gold-PII leak check and where the Ray dashboard and
metrics are, then stops everything it started.

This module holds the options, the Serve app config and the report; workers.demo_run runs it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

INPUT_TOPIC = "demo.logs"
GROUP = "pii-demo"


CASCADE = ("rules", "ner", "llm")


@dataclass
class DemoOptions:
    input: Path
    rules_only: bool = False
    detectors: tuple[str, ...] = CASCADE
    model: str | None = None  # default: the LLM settings' default packaged model
    ner_model: str | None = None  # default: the NER settings' default (rampart)
    # dead_letter (default): a record a detector failed on goes to the DLQ. degraded: published
    # with the spans of the detectors that did run and `degraded: true` (counted in the summary).
    on_detector_error: str = "dead_letter"
    limit: int | None = None
    repeat: int = 1
    show: int = 4
    partitions: int = 4
    consumers: int = 1
    dashboard: bool = True
    keep_running: bool = False
    timeout_s: float = 1800.0


@dataclass
class DemoReport:
    documents: int = 0
    published: int = 0
    dead_lettered: int = 0
    degraded: int = 0
    # Per tier: documents it ran on (from each record's `_pii.detectors`) and spans it found
    # (from the annotations' `detector`).
    tier_documents: Counter = field(default_factory=Counter)
    tier_spans: Counter = field(default_factory=Counter)
    http_answer: dict[str, Any] | None = None
    entities: Counter = field(default_factory=Counter)
    leaks: Counter = field(default_factory=Counter)
    # Values not left whole but with one of their words still in the output (a surname beside a
    # redacted given name): the whole-value check alone would call them redacted.
    partial_leaks: Counter = field(default_factory=Counter)
    gold_values: int = 0
    startup_s: float = 0.0
    deploy_s: float = 0.0
    drain_s: float = 0.0
    total_s: float = 0.0

    @property
    def docs_per_s(self) -> float:
        return self.published / self.drain_s if self.drain_s > 0 else 0.0


def load_samples(path: Path, limit: int | None) -> list[dict[str, Any]]:
    docs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                docs.append(json.loads(line))
            if limit is not None and len(docs) >= limit:
                break
    return docs


def gold_values(doc: dict[str, Any]) -> list[tuple[str, str]]:
    text = doc["text"]
    return [(s["type"], text[s["start"] : s["end"]]) for s in doc.get("spans", ())]


# Words of a gold value that identify on their own: letters only, 3 or more (not "de", not the
# last digits a masked card keeps on purpose), capitalised (below).
_WORD = re.compile(r"[^\W\d_]{3,}")


def check_gold(rep: DemoReport, outputs: dict[str, dict[str, Any]], sources: dict[str, dict[str, Any]]) -> None:
    """Count the gold values of each published document (`<id>#<k>` repeats count again) that
    are still in its redacted text: whole (`leaks`) or by one of their words (`partial_leaks`,
    case-sensitive, whole words, so a `[PERSON]` placeholder is not a left "Person")."""
    for doc_id, v in outputs.items():
        src = sources.get(doc_id.split("#", 1)[0])
        if src is None:
            continue
        text = str(v.get("text", ""))
        words: set[str] | None = None  # the output's words, split once per document when needed
        for etype, value in gold_values(src):
            rep.gold_values += 1
            if value and value in text:
                rep.leaks[etype] += 1
                continue
            parts = _WORD.findall(value)
            # Capitalised words only: a name's or a place's, not an e-mail's "com" that the text
            # may hold elsewhere.
            named = [w for w in parts if w[0].isupper()]
            if len(parts) < 2 or not named:
                continue
            if words is None:
                words = set(_WORD.findall(text))
            if any(w in words for w in named):
                rep.partial_leaks[etype] += 1


def demo_detectors(opts: DemoOptions) -> list[str]:
    return ["rules"] if opts.rules_only else [d for d in CASCADE if d in opts.detectors]


def app_config(opts: DemoOptions, bootstrap: str) -> dict[str, Any]:
    detectors = demo_detectors(opts)
    # No gpu_memory_utilization: on CPU it is the share of RAM, and the LLM settings' default
    # (workers.detect.llm.settings.DEFAULT_MEMORY_SHARE) is the one sized for the 1.5B model.
    llm_options: dict[str, Any] = {"max_num_seqs": 16}
    if opts.model:
        llm_options["model"] = opts.model
    ner_options: dict[str, Any] = {}
    if opts.ner_model:
        ner_options["model"] = opts.ner_model
    return {
        "name": "pii",
        "device": "cpu",
        "pipeline": {"detectors": detectors, "on_detector_error": opts.on_detector_error},
        "ingress": {"num_cpus": 0.1},
        "encoder": {
            "enabled": "ner" in detectors,
            "options": ner_options,
            "num_cpus": 0.5,
            "max_batch_size": 64,
            "batch_wait_timeout_s": 0.01,
        },
        "extractor": {
            "enabled": "llm" in detectors,
            "options": llm_options,
            "num_cpus": 1,
            "max_batch_size": 16,
            "batch_wait_timeout_s": 0.1,
            # One batch of 16 on 2 shared CPU cores can take minutes; this bounds a hung engine,
            # not a slow one (queueing never counts: callers wait, back-pressure).
            "request_timeout_s": 1800,
        },
        "consumer": {
            "stream": {
                "bootstrap_servers": bootstrap,
                "input_topic": INPUT_TOPIC,
                "group_id": GROUP,
                "topic_partitions": opts.partitions,
                "batch_max_records": 64,
                "batch_max_wait_ms": 100,
                "session_timeout_ms": 10000,
                "heartbeat_interval_ms": 1000,
            },
            "num_cpus": 0.5,
            "replicas": {"min": opts.consumers, "max": opts.consumers},
            "lag_refresh_s": 1.0,
        },
    }


def _say(out: TextIO, msg: str = "") -> None:
    print(msg, file=out, flush=True)


def tier_of(detector: str) -> str:
    """`rules:email` -> `rules`."""
    return detector.split(":", 1)[0]


def count_outputs(rep: DemoReport, outputs: dict[str, dict[str, Any]], annotations: list[dict[str, Any]]) -> None:
    """Per-tier documents and degraded records from the redacted topic, spans per tier and per
    type from the annotations topic."""
    for v in outputs.values():
        meta = v.get("_pii") or {}
        rep.degraded += bool(meta.get("degraded"))
        for tier in {tier_of(d) for d in meta.get("detectors", ())}:
            rep.tier_documents[tier] += 1
    for a in annotations:
        for e in a.get("entities", ()):
            rep.entities[e["type"]] += 1
            rep.tier_spans[tier_of(str(e.get("detector", "")))] += 1


def _print_before_after(out: TextIO, samples: list[dict[str, Any]], outputs: dict[str, dict[str, Any]], n: int) -> None:
    # Show the documents with the most distinct gold types: the interesting ones.
    ranked = sorted(samples, key=lambda d: -len({s["type"] for s in d.get("spans", ())}))
    shown = 0
    _say(out, "\nBefore / after")
    for d in ranked:
        if shown >= n:
            break
        v = outputs.get(d["id"])
        if v is None:
            continue
        shown += 1
        _say(out, f"  [{d['id']}]")
        _say(out, f"    before: {d['text']}")
        _say(out, f"    after:  {v['text']}")


def _print_http(out: TextIO, port: int, doc: dict[str, Any], answer: dict[str, Any] | None) -> None:
    _say(out, f"\nPOST http://127.0.0.1:{port}/redact  (Content-Type: application/json)")
    _say(out, f"  request:  {json.dumps({'id': doc['id'], 'text': doc['text']}, ensure_ascii=False)}")
    if answer is None:
        _say(out, "  answer:   (no answer)")
        return
    _say(out, f"  answer:   {json.dumps(answer, ensure_ascii=False)}")


def _print_summary(out: TextIO, rep: DemoReport, cfg: Any, rt: Any, opts: DemoOptions, http_ok: bool) -> None:
    _say(out, "\nSummary")
    _say(
        out,
        f"  documents   {rep.documents} in, {rep.published} redacted ({rep.degraded} degraded), "
        f"{rep.dead_lettered} dead-lettered",
    )
    if rep.degraded:
        _say(
            out,
            f"  degraded    {rep.degraded} records were published without every detector "
            f"(on_detector_error=degraded); they say `_pii.degraded: true`",
        )
    tiers = demo_detectors(opts)
    per_tier = ", ".join(f"{t} {rep.tier_documents.get(t, 0)} docs / {rep.tier_spans.get(t, 0)} spans" for t in tiers)
    _say(out, f"  tiers       {per_tier}")
    if "llm" in tiers and rep.published:
        share = rep.tier_documents.get("llm", 0) / rep.published
        _say(
            out,
            f"  llm routing {share:.0%} of the redacted documents went to the LLM "
            f"({rep.tier_documents.get('llm', 0)} of {rep.published}); the rest were settled by cheaper tiers",
        )
    _say(
        out,
        f"  throughput  {rep.docs_per_s:.2f} docs/s end to end ({rep.published} docs from first produce to "
        f"last redacted record in {rep.drain_s:.1f}s)",
    )
    _say(
        out,
        f"  start-up    {rep.startup_s:.1f}s to a deployed app (of which Serve deploy {rep.deploy_s:.1f}s); "
        f"total {rep.total_s:.1f}s",
    )
    top = ", ".join(f"{t} {n}" for t, n in rep.entities.most_common(8))
    _say(out, f"  entities    {sum(rep.entities.values())} ({top})")
    leaked = sum(rep.leaks.values())
    partly = sum(rep.partial_leaks.values())
    if partly:
        kinds = ", ".join(f"{t} {n}" for t, n in rep.partial_leaks.most_common())
        partly_note = f"; {partly} more partly left (a word of the value still there: {kinds})"
    else:
        partly_note = "; none partly left"
    if leaked:
        kinds = ", ".join(f"{t} {n}" for t, n in rep.leaks.most_common())
        note = (
            " (rules only: names, usernames and addresses need the encoder and the LLM)"
            if demo_detectors(opts) == ["rules"]
            else ""
        )
        _say(
            out,
            f"  gold check  {leaked} of {rep.gold_values} gold PII values still in the output: {kinds}{note}"
            f"{partly_note}",
        )
    else:
        _say(
            out,
            f"  gold check  none of the {rep.gold_values} gold PII values appear in the redacted output{partly_note}",
        )
    _say(
        out,
        f"  http        POST http://127.0.0.1:{rt.http_port}/redact {'answered' if http_ok else 'did not answer'}"
        f" (same JSON contract as `pii-worker redact`; answer printed above)",
    )
    if rt.dashboard_url:
        _say(out, f"  dashboard   {rt.dashboard_url}  (Serve tab: replicas; Metrics tab needs Prometheus+Grafana)")
    if rt.metrics_url:
        _say(
            out,
            f"  metrics     {rt.metrics_url}  (ray_pii_worker_* series; scrape config: deploy/prometheus.yml, "
            f"dashboard: deploy/grafana-dashboard.json)",
        )
