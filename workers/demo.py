"""End-to-end demo: embedded broker -> Ray Serve app (consumers, NER encoder, LLM extractor,
HTTP) -> topics.

Starts an embedded Kafka-protocol broker and a local Ray on 127.0.0.1, deploys the Serve app on
CPU with the cascade (rules in the consumers, the NER encoder and the LLM extractor as
deployments), streams the bundled sample logs from an input topic through to the redacted,
annotations and dead-letter topics, prints a before/after view, one `POST /redact` answer,
per-tier counts (documents each tier ran on, spans per tier, share routed to the LLM),
degraded and dead-lettered records, a gold-PII leak check and where the Ray dashboard and
metrics are, then stops everything it started.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request
import uuid
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


def _stop_on_sigterm() -> None:
    """SIGTERM (a timeout, CI, `kill`) unwinds like Ctrl-C, so Serve, Ray and the broker stop."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():

        def _term(signum: int, _frame: Any) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, _term)


def _shield_cleanup() -> None:
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _say(out: TextIO, msg: str = "") -> None:
    print(msg, file=out, flush=True)


def _produce(bootstrap: str, docs: list[dict[str, Any]]) -> None:
    import orjson
    from kafka import KafkaProducer

    p = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all")
    for d in docs:
        p.send(INPUT_TOPIC, key=d["id"].encode(), value=orjson.dumps({"id": d["id"], "text": d["text"]}))
    p.flush(timeout=60)
    p.close()


def _reader(bootstrap: str, topic: str) -> Any:
    from kafka import KafkaConsumer

    return KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"demo-reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=10000,
        heartbeat_interval_ms=1000,
    )


def _drain(consumer: Any, idle_s: float = 2.0, cap_s: float = 30.0) -> list[Any]:
    """Everything currently on the topic (stops after `idle_s` without records)."""
    got: list[Any] = []
    deadline = time.monotonic() + cap_s
    last = time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - last < idle_s:
        batch = consumer.poll(timeout_ms=500)
        for recs in batch.values():
            got.extend(recs)
            last = time.monotonic()
    return got


def _post_redact(port: int, doc: dict[str, Any]) -> dict[str, Any] | None:
    body = json.dumps({"id": doc["id"], "text": doc["text"]}).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/redact", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            answer = json.loads(r.read())
    except Exception:  # noqa: BLE001 - the demo reports, it does not fail on the side show
        return None
    return answer if isinstance(answer, dict) else None


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


def run_demo(opts: DemoOptions, out: TextIO = sys.stdout) -> DemoReport:
    import orjson

    from workers import broker as embedded

    rep = DemoReport()
    t_start = time.monotonic()
    samples = load_samples(opts.input, opts.limit)
    if not samples:
        raise ValueError(f"no documents in {opts.input}")
    by_id = {d["id"]: d for d in samples}
    # --repeat: the same samples again under new ids (`<id>#<k>`) for a longer, steadier run.
    stream_docs = [
        {"id": d["id"] if k == 0 else f"{d['id']}#{k}", "text": d["text"]}
        for k in range(max(1, opts.repeat))
        for d in samples
    ]
    rep.documents = len(stream_docs)

    # vLLM on CPU: every core of this process, none reserved; inherited by Ray's worker processes.
    from workers.cpu import configure_threads

    configure_threads()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("PII_WORKER_HMAC_KEY", "pii-workers-demo-key-not-for-production")

    work = Path(tempfile.mkdtemp(prefix="pii-demo-"))
    broker_dir = work / "broker"
    ray_started = False
    try:
        _say(
            out,
            f"pii-worker demo: {len(stream_docs)} log documents from {opts.input}, "
            f"detectors {' -> '.join(demo_detectors(opts))} on CPU "
            f"(on detector error: {opts.on_detector_error})",
        )
        info = embedded.start(broker_dir, kind="noida-db")
        _say(out, f"  broker      noida-db on {info.bootstrap}")

        from workers.serve.runtime import start_local_ray  # noqa: I001 - before Ray: loopback switch

        from ray import serve  # noqa: I001

        from workers.serve.app import build_app
        from workers.serve.config import load_config
        from workers.stream.clients import ensure_topics

        cfg = load_config(app_config(opts, info.bootstrap))
        ss = cfg.consumer.stream_settings()
        ensure_topics(ss)

        rt = start_local_ray(num_cpus=max(4, os.cpu_count() or 1), dashboard=opts.dashboard)
        ray_started = True
        _stop_on_sigterm()  # after ray.init, which installs its own SIGTERM handler
        _say(out, f"  ray         local cluster on 127.0.0.1 in {rt.started_s:.1f}s")

        t_deploy = time.monotonic()
        serve.run(build_app(cfg), name=cfg.name, route_prefix="/")
        rep.deploy_s = time.monotonic() - t_deploy
        rep.startup_s = time.monotonic() - t_start
        _say(
            out,
            f"  serve       app deployed in {rep.deploy_s:.1f}s "
            f"(Ingress, {opts.consumers} Consumer{'s' if opts.consumers > 1 else ''}"
            f"{', Encoder' if cfg.encoder.enabled else ''}{', Extractor' if cfg.extractor.enabled else ''})",
        )

        # Produce only now, so the drain time is the pipeline's, not the deployment's.
        redacted_reader = _reader(info.bootstrap, ss.output_topic)
        dlq_reader = _reader(info.bootstrap, ss.dlq_topic)
        t_ready = time.monotonic()
        _produce(info.bootstrap, stream_docs)
        _say(
            out,
            f"  streaming   {len(stream_docs)} documents -> '{INPUT_TOPIC}' ({opts.partitions} partitions) "
            f"-> '{ss.output_topic}', '{ss.annotations_topic}', '{ss.dlq_topic}'",
        )
        outputs: dict[str, dict[str, Any]] = {}
        dead: set[tuple[int, int]] = set()  # dead letters by source (partition, offset): they carry no id
        deadline = t_ready + opts.timeout_s
        last_note = t_ready
        t_last = t_ready
        while len(outputs) + len(dead) < len(stream_docs) and time.monotonic() < deadline:
            for recs in redacted_reader.poll(timeout_ms=500).values():
                for r in recs:
                    v = orjson.loads(r.value)
                    outputs[str(v.get("id"))] = v
                    t_last = time.monotonic()
            for recs in dlq_reader.poll(timeout_ms=50).values():
                for r in recs:
                    h = dict(r.headers or ())
                    dead.add(
                        (int(h.get("pii.dlq.source_partition", b"-1")), int(h.get("pii.dlq.source_offset", b"-1")))
                    )
                    t_last = time.monotonic()
            if time.monotonic() - last_note > 15:
                last_note = time.monotonic()
                _say(
                    out,
                    f"  ... {len(outputs)}/{len(stream_docs)} redacted, {len(dead)} dead-lettered "
                    f"after {last_note - t_ready:.0f}s",
                )
        redacted_reader.close()
        dlq_reader.close()
        rep.published = len(outputs)
        rep.drain_s = (t_last - t_ready) if outputs or dead else 0.0
        rep.dead_lettered = len(dead)

        ann_reader = _reader(info.bootstrap, ss.annotations_topic)
        annotations = [orjson.loads(r.value) for r in _drain(ann_reader, idle_s=2.0)]
        ann_reader.close()
        count_outputs(rep, outputs, annotations)

        for doc_id, v in outputs.items():
            src = by_id.get(doc_id.split("#", 1)[0])
            if src is None:
                continue
            for etype, value in gold_values(src):
                rep.gold_values += 1
                if value and value in v.get("text", ""):
                    rep.leaks[etype] += 1

        _print_before_after(out, samples, outputs, opts.show)
        # The HTTP route while the app is up: the same pipeline, the `pii-worker redact` contract.
        probe = max(samples, key=lambda d: len({s["type"] for s in d.get("spans", ())}))
        rep.http_answer = _post_redact(rt.http_port, probe)
        _print_http(out, rt.http_port, probe, rep.http_answer)
        rep.total_s = time.monotonic() - t_start
        _print_summary(out, rep, cfg, rt, opts, rep.http_answer is not None)

        if opts.keep_running:
            _say(out, "\n  running; press Ctrl-C to stop")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
        return rep
    finally:
        _shield_cleanup()  # a second TERM/Ctrl-C must not cut the cleanup short
        try:
            if ray_started:
                from workers.serve.runtime import stop_local_ray

                stop_local_ray()
        finally:
            embedded.stop(broker_dir)
            shutil.rmtree(work, ignore_errors=True)
            _say(out, "pii-worker demo: stopped (Serve, Ray and the broker are down)")


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
    if leaked:
        kinds = ", ".join(f"{t} {n}" for t, n in rep.leaks.most_common())
        note = (
            " (rules only: names, usernames and addresses need the encoder and the LLM)"
            if demo_detectors(opts) == ["rules"]
            else ""
        )
        _say(out, f"  gold check  {leaked} of {rep.gold_values} gold PII values still in the output: {kinds}{note}")
    else:
        _say(out, f"  gold check  none of the {rep.gold_values} gold PII values appear in the redacted output")
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
