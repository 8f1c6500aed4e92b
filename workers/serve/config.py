"""One pydantic config for the whole Serve application, compiled to Ray deployment options.

This module does not import Ray: the config is validated (and unit-tested) without a cluster,
and `workers.serve.deployment` compiles it to plain dicts that `Deployment.options(**opts)`
accepts and that match the `deployments:` entries of a Serve config file.

Device: the extractor's and the encoder's `num_gpus` come from their settings when
`device == "gpu"` (a whole GPU per LLM replica, a fraction per encoder replica) and are forced to
0 when `device == "cpu"`. `PII_WORKER_SERVE_DEVICE=cpu` overrides the file, so the
production config (GPU) runs unchanged on a laptop with `serve run` (a `num_gpus: 1` replica on a
CPU-only node would stay pending forever).

Every part is typed and rejects unknown keys, including the embedded pipeline (PipelineConfig),
stream (StreamConfig) and the bundled detector factories' `options` (LLMConfig, NerConfig
fields), so a misspelt key fails `pii-worker serve` (or `serve deploy`) at start naming its path
rather than being dropped or failing inside a replica. A custom `factory` takes any `options`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from workers.config import PipelineConfig, PipelineSettings
from workers.detect.llm.settings import LLMConfig
from workers.detect.ner.settings import NerConfig
from workers.errors import ConfigError
from workers.settings import ConfigFile, format_validation_error, load_settings
from workers.stream.config import StreamConfig, StreamSettings

DEVICE_ENV = "PII_WORKER_SERVE_DEVICE"

# Deployment names are part of the metrics labels and the Serve config overrides; keep them fixed.
INGRESS = "Ingress"
EXTRACTOR = "Extractor"
ENCODER = "Encoder"
CONSUMER = "Consumer"

CONSUMER_POLICY = "workers.serve.autoscaling:ConsumerLagPolicy"
EXTRACTOR_POLICY = "workers.serve.autoscaling:ExtractorLagPolicy"
ENCODER_POLICY = "workers.serve.autoscaling:QueueLengthPolicy"

LLM_FACTORY = "workers.serve.extractor:llm_detector"
NER_FACTORY = "workers.serve.encoder:ner_detector"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMOptions(LLMConfig):
    """Keyword arguments of the bundled extractor factory: LLMSettings fields + the taxonomy."""

    taxonomy: str | None = None  # taxonomy YAML; None = the bundled default


class NerOptions(NerConfig):
    """Keyword arguments of the bundled encoder factory: NerSettings fields + the taxonomy."""

    taxonomy: str | None = None


class Replicas(_Strict):
    """Replica bounds. `min == max` means a fixed count (no autoscaling)."""

    min: int = Field(default=1, ge=0)
    max: int = Field(default=1, ge=1)
    initial: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Replicas:
        if self.min > self.max:
            raise ValueError(f"replicas.min ({self.min}) > replicas.max ({self.max})")
        if self.initial is not None and not self.min <= self.initial <= self.max:
            raise ValueError(f"replicas.initial ({self.initial}) outside [{self.min}, {self.max}]")
        return self

    @property
    def fixed(self) -> bool:
        return self.min == self.max


class AutoscalingSettings(_Strict):
    """Lag-driven scaling. Targets are records of consumer-group lag one replica should carry."""

    target_lag_per_consumer: float = Field(default=5000, gt=0)
    target_lag_per_extractor: float = Field(default=500, gt=0)
    # The extractor also scales on its own queue: ongoing requests one replica should carry.
    target_ongoing_per_extractor: float = Field(default=32, gt=0)
    # The encoder scales on its queue alone (it sees every document, so lag adds nothing).
    target_ongoing_per_encoder: float = Field(default=64, gt=0)
    upscale_delay_s: float = Field(default=5.0, ge=0)
    downscale_delay_s: float = Field(default=30.0, ge=0)
    metrics_interval_s: float = Field(default=2.0, gt=0)
    look_back_period_s: float = Field(default=6.0, gt=0)


class BatchedDeploymentSettings(_Strict):
    """A detector behind a batched Serve deployment (the LLM extractor, the NER encoder).

    Timeouts and back-pressure: a caller (consumer, ingress) waits for its answers as long as the
    deployment is alive and working: a slow or saturated tier makes the stream lag, never time
    out into `degraded` records. `request_timeout_s` bounds one engine call and counts from when
    the replica starts the batch holding the request, not from when the caller queued it.
    `queue_timeout_s` (off by default) additionally bounds the whole wait, queueing included.
    """

    enabled: bool = False
    # Import path of a callable returning a `Detector` (workers.detect.base); kwargs from `options`.
    factory: str
    options: dict[str, Any] = Field(default_factory=dict)
    # Merged over `options` when device == "cpu", so one file serves both.
    cpu_options: dict[str, Any] = Field(default_factory=dict)
    num_gpus: float = Field(default=1.0, ge=0)
    num_cpus: float = Field(default=1.0, ge=0)
    max_batch_size: int = Field(default=16, ge=1)
    batch_wait_timeout_s: float = Field(default=0.05, ge=0)
    # Must be >= max_batch_size or it silently caps the batch (Ray 2.60). Default: 2x batch.
    max_ongoing_requests: int | None = Field(default=None, ge=1)
    replicas: Replicas = Field(default_factory=Replicas)
    # Seconds one engine call may run, from the moment the replica starts it.
    request_timeout_s: float = Field(default=300.0, gt=0)
    # Seconds a caller waits for an answer in total (queueing included); None = as long as the
    # deployment is alive (back-pressure).
    queue_timeout_s: float | None = Field(default=None, gt=0)
    # Requests one caller keeps outstanding at a time (the rest of its batch waits its turn).
    max_in_flight: int = Field(default=64, ge=1)

    # The bundled factory and the model its `options` must fit (its keyword arguments).
    bundled_factory: ClassVar[str] = ""
    options_model: ClassVar[type[BaseModel]] = BaseModel

    @field_validator("options", "cpu_options")
    @classmethod
    def _typed_options(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        if info.data.get("factory") == cls.bundled_factory:
            # cpu_options are merged over options on CPU: the merge must be valid as a whole.
            merged = {**info.data.get("options", {}), **v} if info.field_name == "cpu_options" else v
            cls.options_model.model_validate(merged)
        return v

    @model_validator(mode="after")
    def _ongoing_covers_batch(self) -> BatchedDeploymentSettings:
        if self.max_ongoing_requests is not None and self.max_ongoing_requests < self.max_batch_size:
            raise ValueError(
                f"max_ongoing_requests ({self.max_ongoing_requests}) < max_batch_size "
                f"({self.max_batch_size}): Ray would silently cap every batch at the former"
            )
        return self

    @property
    def ongoing(self) -> int:
        return self.max_ongoing_requests or 2 * self.max_batch_size


class ExtractorSettings(BatchedDeploymentSettings):
    """The LLM extractor deployment. Disabled means no LLM anywhere.

    Default factory: the vLLM LLM detector (options = `taxonomy` path + LLMSettings fields, e.g.
    model, prompt_style, max_num_seqs). Tests inject a fake here. On CPU vLLM's
    gpu_memory_utilization is the share of RAM (default DEFAULT_MEMORY_SHARE, 0.4; not a GPU's
    0.9): a file written for GPUs sets its CPU share in `cpu_options`.
    """

    factory: str = LLM_FACTORY
    bundled_factory: ClassVar[str] = LLM_FACTORY
    options_model: ClassVar[type[BaseModel]] = LLMOptions


class EncoderSettings(BatchedDeploymentSettings):
    """The NER encoder deployment (ONNX token classifier). Disabled means no encoder anywhere.

    Default factory: the `ner` detector (options = `taxonomy` path + NerSettings fields, e.g.
    model, threads, batch_size). A small encoder shares a GPU: `num_gpus` is a fraction, so
    several replicas pack onto one device; on CPU (`device: cpu`) it is 0.
    """

    factory: str = NER_FACTORY
    bundled_factory: ClassVar[str] = NER_FACTORY
    options_model: ClassVar[type[BaseModel]] = NerOptions
    num_gpus: float = Field(default=0.25, ge=0)
    max_batch_size: int = Field(default=64, ge=1)
    batch_wait_timeout_s: float = Field(default=0.01, ge=0)
    request_timeout_s: float = Field(default=60.0, gt=0)
    max_in_flight: int = Field(default=256, ge=1)


class ConsumerSettings(_Strict):
    """Kafka consumer replicas: one consumer group, partitions spread over replicas."""

    enabled: bool = True
    # Settings of the streaming loop (workers/stream), e.g. bootstrap_servers, input_topic,
    # output_topic, annotations_topic, dlq_topic, group_id, exactly_once.
    stream: StreamConfig = Field(default_factory=StreamConfig)
    num_cpus: float = Field(default=0.5, ge=0)
    replicas: Replicas = Field(default_factory=lambda: Replicas(min=1, max=4))
    # How often a replica refreshes its partitions' lag (committed vs end offsets).
    lag_refresh_s: float = Field(default=2.0, gt=0)

    def stream_settings(self, **overrides: Any) -> StreamSettings:
        """A replica's StreamSettings: `overrides`, then this config's `stream` keys, then the
        replica's environment (PII_WORKER_*) for what both leave out."""
        return load_settings(StreamSettings, None, **{**self.stream.model_dump(exclude_unset=True), **overrides})


class IngressSettings(_Strict):
    """HTTP ingress: POST /redact and GET /healthz."""

    num_cpus: float = Field(default=0.25, ge=0)
    num_replicas: int = Field(default=1, ge=1)
    max_ongoing_requests: int = Field(default=16, ge=1)
    max_docs_per_request: int = Field(default=1000, ge=1)
    max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)


class ServeAppConfig(_Strict):
    """Everything the Serve application needs, in one file (YAML) or one dict (Serve `args`)."""

    name: str = "pii"
    route_prefix: str = "/"
    device: Literal["gpu", "cpu"] = "gpu"
    # workers.config.PipelineSettings fields (taxonomy, detectors, operators...). The HMAC key
    # comes from the replicas' environment (PII_WORKER_HMAC_KEY), not from this file.
    pipeline: PipelineConfig = Field(default_factory=PipelineConfig)
    ingress: IngressSettings = Field(default_factory=IngressSettings)
    extractor: ExtractorSettings = Field(default_factory=ExtractorSettings)
    encoder: EncoderSettings = Field(default_factory=EncoderSettings)
    consumer: ConsumerSettings = Field(default_factory=ConsumerSettings)
    autoscaling: AutoscalingSettings = Field(default_factory=AutoscalingSettings)

    @model_validator(mode="before")
    @classmethod
    def _device_from_env(cls, data: Any) -> Any:
        dev = os.environ.get(DEVICE_ENV)
        if dev and isinstance(data, dict):
            data = {**data, "device": dev}
        return data

    def pipeline_settings(self) -> PipelineSettings:
        """A replica's PipelineSettings: this config's `pipeline` keys, then the replica's
        environment for what they leave out (e.g. PII_WORKER_HMAC_KEY from a Kubernetes Secret)."""
        return load_settings(PipelineSettings, None, **self.pipeline.model_dump(exclude_unset=True))

    @property
    def extractor_num_gpus(self) -> float:
        return self.extractor.num_gpus if self.device == "gpu" else 0.0

    @property
    def extractor_options(self) -> dict[str, Any]:
        return _device_options(self.extractor, self.device)

    @property
    def encoder_num_gpus(self) -> float:
        return self.encoder.num_gpus if self.device == "gpu" else 0.0

    @property
    def encoder_options(self) -> dict[str, Any]:
        return _device_options(self.encoder, self.device)


def _device_options(d: BatchedDeploymentSettings, device: str) -> dict[str, Any]:
    if device == "cpu":
        return {**d.options, **d.cpu_options}
    return dict(d.options)


def apply_overrides(data: dict[str, Any], pairs: Sequence[str]) -> dict[str, Any]:
    """`a.b.c=VALUE` pairs (`pii-worker serve --set`) applied to a nested mapping, VALUE parsed as
    YAML. ConfigError on a malformed pair or a path through a non-mapping."""
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set expects KEY=VALUE, got {pair!r}")
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            nxt = node.get(part)
            if nxt is None:
                nxt = node[part] = {}
            if not isinstance(nxt, dict):
                raise ConfigError(f"--set {key}: {part} is not a mapping")
            node = nxt
        try:
            node[parts[-1]] = yaml.safe_load(raw)
        except yaml.YAMLError as e:
            raise ConfigError(f"--set {key}: value is not valid YAML: {' '.join(str(e).split())}") from None
    return data


def load_config(
    source: str | Path | Mapping[str, Any] | None,
    overrides: Sequence[str] = (),
    device: Literal["gpu", "cpu"] | None = None,
) -> ServeAppConfig:
    """Load from a YAML file of this model, a Serve config file (its first application's `args`),
    or a mapping; then apply `--set` style `overrides` and the `device` override. The file is read
    once. ConfigError naming the source, the key path and the problem."""
    where: str | Path = "<dict>"
    data: Any
    if source is None:
        data = {}
    elif isinstance(source, Mapping):
        data = source
    else:
        f = ConfigFile.read(source)
        where, data = f.path, f.data
    if isinstance(data, Mapping) and "applications" in data:
        apps = data["applications"] or []
        if not apps:
            raise ConfigError(f"{where}: Serve config has no applications")
        data = apps[0].get("args", {}) or {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: top level must be a mapping")
    data = apply_overrides(_copy(data), overrides)
    if device:
        data["device"] = device
    try:
        return ServeAppConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(format_validation_error(e, "serve config", source=where)) from None


def _copy(data: Mapping[str, Any]) -> dict[str, Any]:
    """Nested mappings copied, so overrides never write into the caller's data."""
    return {k: _copy(v) if isinstance(v, Mapping) else v for k, v in data.items()}
