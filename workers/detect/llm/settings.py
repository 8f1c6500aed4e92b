"""LLM extractor settings (env prefix PII_WORKER_LLM_, e.g. PII_WORKER_LLM_PROMPT_STYLE=json).

`LLMConfig` is the file half (a Serve extractor's `options`); `LLMSettings` adds the environment.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from workers.detect.llm.prompts import OutputFormat, PromptStyle
from workers.detect.llm.route import RouteMode
from workers.settings import Settings

# On CPU vLLM's gpu_memory_utilization is the share of RAM it takes (weights + KV cache): the 1.5B
# model in bf16 needs ~3.3 GiB of weights, so 0.3 of a 16 GiB node leaves no KV cache; 0.4
# leaves ~1.5 GiB. The one default for every in-process engine (detector, demo, bench).
DEFAULT_MEMORY_SHARE = 0.4


class LLMConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A packaged model name (`pii-worker model list`), a local HF-format directory, or a hub id.
    model: str = "qwen2.5-coder-1.5b"
    # Root of converted packaged models; default $PII_WORKER_MODEL_CACHE or ~/.cache/pii-workers/models.
    model_cache: str | None = None
    backend: Literal["vllm", "openai"] = "vllm"

    # OpenAI-compatible backend (remote vLLM server or hosted model).
    base_url: str | None = None  # e.g. http://127.0.0.1:8000/v1
    api_key: SecretStr | None = None
    served_model: str | None = None  # name the server knows the model by; default `model`
    concurrency: int = Field(default=8, ge=1)

    # Prompt: chosen by measurement on the dev set (docs/benchmarks.md, "LLM extraction").
    prompt_style: PromptStyle = "json"
    # Answer shape (json/gollie styles); chosen by measurement like the style.
    output_format: OutputFormat = "list"
    include_examples: bool = True
    # Restrict to a subset of the taxonomy's LLM-handled types (None = all of them).
    types: list[str] | None = None
    max_items: int = Field(default=16, ge=1, le=256)
    max_mention_chars: int = Field(default=96, ge=8)
    max_tokens: int = Field(default=768, ge=16)
    # A request's answer holds at most this many mentions per type it asks about (and at most
    # max_items): on CPU a batch of requests costs about its longest generation, and a request the
    # router narrowed to one type would otherwise be allowed max_items mentions (~700 tokens).
    max_items_per_type: int = Field(default=4, ge=1, le=256)

    # Cascade routing (workers/detect/llm/route.py): which documents and types the LLM is asked
    # about. `uncertain` asks only where no earlier tier covers a type or where one was unsure.
    llm_route: RouteMode = "uncertain"
    # Prior (encoder) spans scoring in [low, high) also count as unsure, on top of those below
    # their type's min_score. None: only those below min_score.
    route_band: tuple[float, float] | None = None
    # Types earlier tiers produce, for an LLM detector running apart from its pipeline (a Serve
    # extractor). None: learnt from the pipeline it runs in (nothing, when it runs alone).
    covered_types: list[str] | None = None

    # Work shaping.
    mask_prior: bool = True
    gate: bool = False
    chunk_chars: int = Field(default=1500, ge=200)
    chunk_overlap: int = Field(default=200, ge=0)
    score: float = Field(default=0.8, ge=0.0, le=1.0)

    # Failure policy: failed/malformed requests are retried this many times (the retry samples
    # at `retry_temperature` so a deterministic bad answer is not just repeated), then the
    # documents are reported failed (DetectorError) and the pipeline degrades or dead-letters.
    retries: int = Field(default=1, ge=0, le=5)
    retry_temperature: float = Field(default=0.3, ge=0.0, le=2.0)
    timeout_s: float = Field(default=120.0, gt=0)

    # In-process vLLM engine.
    max_model_len: int = Field(default=4096, ge=512)
    # On CPU the share of RAM, not of a GPU (DEFAULT_MEMORY_SHARE).
    gpu_memory_utilization: float = Field(default=DEFAULT_MEMORY_SHARE, gt=0.0, le=1.0)
    enable_prefix_caching: bool = True
    dtype: str = "bfloat16"
    # Eager by default: torch.compile adds minutes of start-up on 2 shared CPU cores, and its cache
    # failed to reload here ("Compiling model again due to a load failure"), so every start paid it.
    enforce_eager: bool = True
    max_num_seqs: int = Field(default=16, ge=1)
    tensor_parallel_size: int = Field(default=1, ge=1)
    seed: int = 0

    @model_validator(mode="after")
    def _check(self) -> LLMConfig:
        if self.route_band is not None and not (0.0 <= self.route_band[0] < self.route_band[1] <= 1.0):
            raise ValueError("route_band must be [low, high] with 0 <= low < high <= 1")
        if self.chunk_overlap >= self.chunk_chars:
            raise ValueError("chunk_overlap must be smaller than chunk_chars")
        if self.backend == "openai" and not self.base_url:
            raise ValueError("backend=openai needs base_url (PII_WORKER_LLM_BASE_URL)")
        return self


class LLMSettings(Settings, LLMConfig):
    """LLMConfig + environment (PII_WORKER_LLM_*)."""

    model_config = SettingsConfigDict(env_prefix="PII_WORKER_LLM_")
