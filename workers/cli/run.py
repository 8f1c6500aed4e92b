"""`pii-worker run`: the standalone streaming worker (one process, no Ray).

Every flag has a config-file key and a PII_WORKER_<KEY> environment variable of the same name
(flag > env > file > default). Exit codes: 0 after a clean stop (SIGTERM/SIGINT), 2 on invalid
configuration, 1 on a fatal runtime error.
"""

from __future__ import annotations

import argparse
import logging
import sys

from workers.cli.common import positive_int


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("run", help="run the Kafka streaming worker (consume, redact, publish)")
    p.add_argument("--config", metavar="FILE", help="YAML/JSON settings file (stream and pipeline keys)")
    p.add_argument("--bootstrap-servers", help="Kafka bootstrap servers (default 127.0.0.1:9092)")
    p.add_argument("--input-topic", help="topic to read documents from (required here, in the file or env)")
    p.add_argument("--output-topic", help="redacted documents (default <input>.redacted)")
    p.add_argument("--annotations-topic", help="entity annotations (default <input>.annotations)")
    p.add_argument("--dlq-topic", help="dead letters (default <input>.dlq)")
    p.add_argument("--group-id", help="consumer group (default pii-worker)")
    p.add_argument(
        "--group-instance-id",
        help="static group membership: a restarted worker with the same id resumes its partitions at once",
    )
    p.add_argument("--detectors", help="comma-separated detectors, e.g. rules, rules,ner or rules,ner,llm")
    p.add_argument(
        "--ner-model",
        help="encoder for the ner detector: packaged name, distilled student or model directory (default rampart)",
    )
    p.add_argument(
        "--exactly-once",
        action="store_true",
        default=None,
        help="transactional output + offsets (read_committed readers see each input once)",
    )
    p.add_argument("--transactional-id", help="stable per worker instance (exactly-once); default from group+host")
    p.add_argument(
        "--redact-fields",
        help="structured logs: comma-separated JSON fields holding the text "
        "(user.email); every other string is scanned too",
    )
    p.add_argument("--topic-partitions", type=positive_int, help="partitions for topics created at start (default 4)")
    p.add_argument("--batch-max-records", type=positive_int)
    p.add_argument("--batch-max-bytes", type=positive_int)
    p.add_argument("--batch-max-wait-ms", type=int)
    p.add_argument(
        "--producer-compression",
        choices=["none", "gzip", "snappy", "lz4", "zstd"],
        help="codec of the output batches (default none; input batches of any codec are read)",
    )
    p.add_argument(
        "--batch-chunk-records",
        type=positive_int,
        help="records detected and sent together inside a batch (default 64; offsets still commit per batch)",
    )
    p.add_argument(
        "--max-document-bytes", type=positive_int, help="larger records go to the dead-letter topic (default 4 MiB)"
    )
    p.add_argument("--session-timeout-ms", type=int)
    p.add_argument("--heartbeat-interval-ms", type=int)
    p.add_argument(
        "--max-poll-interval-ms", type=int, help="also the rebalance timeout: how long a join waits for a silent member"
    )
    p.add_argument("--metrics-port", type=int, help="serve Prometheus metrics on 127.0.0.1:PORT (0 = any free port)")
    p.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.set_defaults(func=_run)


_STREAM_FLAGS = (
    "bootstrap_servers",
    "input_topic",
    "output_topic",
    "annotations_topic",
    "dlq_topic",
    "group_id",
    "group_instance_id",
    "exactly_once",
    "transactional_id",
    "redact_fields",
    "topic_partitions",
    "batch_max_records",
    "batch_max_bytes",
    "batch_max_wait_ms",
    "batch_chunk_records",
    "producer_compression",
    "max_document_bytes",
    "session_timeout_ms",
    "heartbeat_interval_ms",
    "max_poll_interval_ms",
    "metrics_port",
    "log_level",
)


def _run(args: argparse.Namespace) -> int:
    import signal
    import threading

    # Catch SIGTERM/SIGINT from the first moment: a stop during start-up is a clean exit too.
    stop = threading.Event()

    def _early(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _early)
    signal.signal(signal.SIGINT, _early)

    from workers.config import ConfigError, PipelineSettings
    from workers.settings import ConfigFile, load_settings
    from workers.stream.config import StreamSettings

    try:
        # One file, read once, shared by both: each takes its own keys; a key neither knows fails.
        file = ConfigFile.read(args.config) if args.config else None
        ss = load_settings(
            StreamSettings, file, shared_with=[PipelineSettings], **{k: getattr(args, k) for k in _STREAM_FLAGS}
        )
        ps = load_settings(
            PipelineSettings,
            file,
            shared_with=[StreamSettings],
            detectors=args.detectors,
            max_document_bytes=args.max_document_bytes,
        )
    except ConfigError as e:
        print(f"pii-worker run: {e}", file=sys.stderr)
        return 2

    logging.basicConfig(
        level=ss.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s pid=%(process)d %(name)s: %(message)s",
    )
    logging.getLogger("kafka").setLevel(max(logging.WARNING, logging.getLevelName(ss.log_level)))
    # The client's IO loop warns whenever our CPU-bound batch holds the GIL; that is expected here.
    logging.getLogger("kafka.net.selector").setLevel(logging.ERROR)
    log = logging.getLogger("workers.cli.run")

    from workers import metrics
    from workers.pipeline_factory import build_pipeline
    from workers.stream.clients import ensure_topics
    from workers.stream.worker import StreamWorker, install_stop_handlers

    try:
        pipeline = build_pipeline(ps, ner_model=args.ner_model)
    except (ConfigError, ValueError) as e:
        print(f"pii-worker run: cannot build the pipeline: {e}", file=sys.stderr)
        return 2

    key = ps.hash_key()

    if ss.create_topics:
        ensure_topics(ss)
    if ss.metrics_port is not None:
        metrics.watch_detectors(pipeline.detectors)
        port = metrics.serve(ss.metrics_port)
        log.info("metrics on http://127.0.0.1:%d/metrics", port)

    install_stop_handlers(stop)
    if stop.is_set():
        log.info("stopped during start-up")
        return 0
    worker = StreamWorker(ss, pipeline, hash_key=key, include_values=ps.include_values, stop_event=stop)
    try:
        worker.run()
    except Exception:
        log.exception("worker failed")
        return 1
    finally:
        pipeline.close()  # an in-process LLM engine's processes
    return 0
