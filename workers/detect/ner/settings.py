"""Encoder (ner) detector settings (env prefix PII_WORKER_NER_, e.g. PII_WORKER_NER_THREADS=2).

`NerConfig` is the file half (a Serve encoder's `options`); `NerSettings` adds the environment.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import SettingsConfigDict

from workers.settings import Settings


def machine_threads() -> int:
    """PII_WORKER_INTRA_OP_THREADS, else every core this process may run on (workers/cpu.py: the
    affinity mask, not the host's count, so containers and taskset are honoured)."""
    from workers.cpu import intra_op_threads

    return intra_op_threads()


class NerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A packaged encoder (`pii-worker model list`), a distilled student's name in the model cache,
    # or a directory holding config.json + tokenizer.json + an ONNX file.
    model: str = "rampart"
    # Root of the model cache; default $PII_WORKER_MODEL_CACHE or ~/.cache/pii-workers/models.
    model_cache: str | None = None
    # onnxruntime intra-op threads; default from the machine (PII_WORKER_INTRA_OP_THREADS overrides).
    threads: int = Field(default_factory=machine_threads, ge=1, le=256)
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    # Windows per onnxruntime call (windows of similar length are batched together), and at most
    # this many padded tokens per call: the 4-bit model runs fastest per token on small batches
    # (measured: ~66 docs per CPU-second at ~300 tokens per call, ~38 at 32 log lines per call).
    batch_size: int = Field(default=32, ge=1, le=4096)
    batch_tokens: int = Field(default=512, ge=16)
    # onnxruntime calls in flight at once, each on threads // parallel intra-op threads. Default:
    # one call per core, one thread each (calls on separate cores scale better than one call's
    # threads, which wait for each other on a shared machine).
    parallel: int | None = Field(default=None, ge=1, le=256)
    # Tokens per window including the model's special tokens (capped by the model's positions).
    window: int = Field(default=512, ge=16, le=8192)
    # Tokens consecutive windows share, so an entity near a cut is read with context.
    stride: int = Field(default=128, ge=0)
    # Spans scoring at least this are returned even below their type's min_score: hints for the
    # LLM router (the pipeline drops them before redaction).
    hint_floor: float = Field(default=0.15, ge=0.0, le=1.0)
    # How a mention's score combines its words' probabilities (docs/benchmarks.md measured both).
    score: Literal["mean", "min"] = "mean"

    @model_validator(mode="after")
    def _check(self) -> NerConfig:
        if self.stride * 2 > self.window - 2:
            raise ValueError("stride must be at most half the window (each token is read at most twice)")
        return self


class NerSettings(Settings, NerConfig):
    """NerConfig + environment (PII_WORKER_NER_*)."""

    model_config = SettingsConfigDict(env_prefix="PII_WORKER_NER_")
