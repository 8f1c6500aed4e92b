"""Settings of the streaming worker: defaults < config file (YAML/JSON) < env PII_WORKER_* < CLI flags.

`StreamConfig` is the file half (the Serve config's `consumer.stream` embeds it); `StreamSettings`
adds the environment, requires the input topic and derives the output topics. A `run` config
file is shared with the pipeline settings (workers.config.PipelineSettings): each takes its own
keys, and a key neither knows is an error (typos).
"""

from __future__ import annotations

import socket
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from workers.records import DEFAULT_MAX_DOCUMENT_BYTES
from workers.settings import Settings

ENV_PREFIX = "PII_WORKER_"


def default_transactional_id(group_id: str, instance: str | None = None) -> str:
    """Stable per worker instance, so a restarted worker fences its dead predecessor's open
    transaction; `instance` defaults to this host's name."""
    return f"pii-worker-{group_id}-{instance or socket.gethostname()}"


class StreamConfig(BaseModel):
    """The streaming loop's settings as a config file gives them (all optional here)."""

    model_config = ConfigDict(extra="forbid")

    # Topics and group
    bootstrap_servers: str = "127.0.0.1:9092"
    input_topic: str | None = Field(default=None, min_length=1)
    output_topic: str | None = None  # default <input>.redacted
    annotations_topic: str | None = None  # default <input>.annotations
    dlq_topic: str | None = None  # default <input>.dlq
    group_id: str = "pii-worker"
    # Static membership (KIP-345): a restarted worker with the same id takes its partitions back
    # at once instead of waiting for the group to expire its dead predecessor. noida-db never
    # expires a crashed dynamic member (measured), so set this for crash-restart deployments.
    group_instance_id: str | None = None
    client_id: str = "pii-worker"
    auto_offset_reset: Literal["earliest", "latest"] = "earliest"
    # read_committed never feeds aborted input to the pipeline. noida-db 0.2.3 can hide committed
    # records from such readers when they resume after an aborted transaction (see
    # tests/integration/conftest.py); read_uncommitted is the escape hatch for non-transactional inputs.
    input_isolation_level: Literal["read_committed", "read_uncommitted"] = "read_committed"
    create_topics: bool = True
    topic_partitions: int = Field(default=4, ge=1)
    replication_factor: int = Field(default=1, ge=1)

    # Delivery
    exactly_once: bool = False
    # Stable per worker instance so a restarted worker fences its dead predecessor's transaction.
    transactional_id: str | None = None
    transaction_timeout_ms: int = Field(default=60_000, ge=1000)
    session_timeout_ms: int = Field(default=10_000, ge=1000)
    heartbeat_interval_ms: int = Field(default=3_000, ge=100)
    max_poll_interval_ms: int = Field(default=300_000, ge=1000)
    producer_linger_ms: int = Field(default=5, ge=0)
    producer_batch_bytes: int = Field(default=256 * 1024, ge=1024)
    # Codec of the batches we produce (reading handles every codec whatever this says). none: the
    # worker is CPU-bound and log lines compress well, so this trades worker CPU for broker bytes.
    producer_compression: Literal["none", "gzip", "snappy", "lz4", "zstd"] = "none"
    commit_retry_backoff_ms: int = Field(default=500, ge=0)

    # Batching and bounds: at most one batch of input is held in memory at a time.
    batch_max_records: int = Field(default=500, ge=1)
    batch_max_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    batch_max_wait_ms: int = Field(default=100, ge=0)
    # At-least-once: a batch is detected and sent this many records at a time, so the first
    # outputs leave while the rest is scanned (a record waits for its chunk, not its batch); the
    # offsets are still committed once per batch. Exactly-once batches are one chunk.
    batch_chunk_records: int = Field(default=64, ge=1)
    # False: a batch also closes once every assigned partition is read up to the end the broker
    # last reported, so a record is processed at once instead of waiting out batch_max_wait_ms;
    # under a backlog the end is ahead and batches still fill (batch size follows the load).
    # True: wait for a full batch or batch_max_wait_ms (fewer checkpoints at low load, more latency).
    batch_wait_for_full: bool = False
    # How long the broker may hold an empty fetch (a real Kafka answers as soon as data arrives).
    # noida-db 0.2.3 answers empty fetches at once whatever this says (measured: 0.5 ms, 50-140
    # fetches/s, 20-35% of a core for an idle kafka-python consumer), so there it changes nothing.
    fetch_max_wait_ms: int = Field(default=50, ge=0, le=10_000)

    # Ingest
    input_format: Literal["auto", "json", "text"] = "auto"
    id_field: str = "id"
    text_field: str = "text"
    # Structured logs: the (dotted) JSON fields holding the text, e.g. ["message", "user.email"];
    # then no text field or id is required. Every other string in the record is scanned too.
    redact_fields: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Larger records go to the dead-letter topic, never partly scanned. The broker's own message
    # size limit (Kafka's default is ~1 MB) applies before this one.
    max_document_bytes: int = Field(default=DEFAULT_MAX_DOCUMENT_BYTES, ge=1)
    # The record's Kafka key and header values (workers.stream.envelope). redact: scanned with the
    # value in the same pipeline call; entities in the key become keyed pseudonyms, in headers they
    # are redacted; non-UTF-8 ones are replaced by their keyed hash. hash: the key is always
    # replaced by its keyed hash (headers as redact). keep: both passed on raw (unsafe; opt-in).
    # The output partition is the one the original key maps to, whatever the policy.
    key_header_policy: Literal["redact", "hash", "keep"] = "redact"

    # Observability
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("redact_fields", mode="before")
    @classmethod
    def _split_fields(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [p.strip() for p in v.split(",") if p.strip()]
        return v

    @field_validator("redact_fields")
    @classmethod
    def _valid_paths(cls, v: list[str]) -> list[str]:
        for path in v:
            if any(not part for part in path.split(".")):
                raise ValueError(f"invalid field path {path!r} (use dotted names like user.email)")
        return v

    @model_validator(mode="after")
    def _heartbeat(self) -> StreamConfig:
        if self.heartbeat_interval_ms * 3 > self.session_timeout_ms:
            raise ValueError("heartbeat_interval_ms must be at most a third of session_timeout_ms")
        return self


_Derived = Annotated[str, BeforeValidator(lambda v: v or "")]


class StreamSettings(Settings, StreamConfig):
    """StreamConfig + environment; the input topic is required and the output topics derived."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX)

    input_topic: str = Field(min_length=1)
    # Always set here: derived from the input topic when not given (empty or null).
    output_topic: _Derived = ""
    annotations_topic: _Derived = ""
    dlq_topic: _Derived = ""

    @model_validator(mode="after")
    def _derive(self) -> StreamSettings:
        self.output_topic = self.output_topic or f"{self.input_topic}.redacted"
        self.annotations_topic = self.annotations_topic or f"{self.input_topic}.annotations"
        self.dlq_topic = self.dlq_topic or f"{self.input_topic}.dlq"
        outs = [self.output_topic, self.annotations_topic, self.dlq_topic]
        if self.input_topic in outs or len(set(outs)) != 3:
            raise ValueError("input, output, annotations and dlq topics must all differ")
        if self.exactly_once and not self.transactional_id:
            self.transactional_id = default_transactional_id(self.group_id, self.group_instance_id)
        return self


__all__ = ["ENV_PREFIX", "StreamConfig", "StreamSettings", "default_transactional_id"]
