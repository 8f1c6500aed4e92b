"""The demo run itself: embedded broker and local Ray up, the Serve app deployed, the samples
streamed through, the report printed (workers.demo), then everything it started stopped."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, TextIO

from workers.demo import (
    INPUT_TOPIC,
    DemoOptions,
    DemoReport,
    _print_before_after,
    _print_http,
    _print_summary,
    _say,
    app_config,
    check_gold,
    count_outputs,
    demo_detectors,
    load_samples,
)


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

        check_gold(rep, outputs, by_id)

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
