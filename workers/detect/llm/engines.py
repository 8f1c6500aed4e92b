"""Engines turn chat requests into constrained JSON text. The detector does not care which.

- `VLLMEngine`: vLLM in process; the whole batch goes to one `generate` call so vLLM's
  continuous batching and prefix caching do the work. Structured outputs constrain decoding
  to the JSON schema.
- `OpenAIEngine`: any OpenAI-compatible chat-completions server (a remote `vllm serve`, a hosted
  model), concurrent requests, `response_format: json_schema`, per-request timeout.

Both report per-request failures instead of raising, so one bad request fails one document.
`close()` releases what an engine holds (vLLM's engine-core process and workers); the detector's
host calls it once when it stops, and requests after it fail.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, cast

from workers.detect.llm.settings import DEFAULT_MEMORY_SHARE

Message = dict[str, str]


@dataclass(frozen=True)
class EngineRequest:
    messages: list[Message]
    schema: dict[str, Any]
    max_tokens: int = 512
    temperature: float = 0.0
    seed: int | None = None


@dataclass
class EngineResult:
    text: str | None = None
    error: str | None = None  # set when the request itself failed (transport, engine)
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0


class Engine(Protocol):
    name: str

    def generate(self, requests: Sequence[EngineRequest]) -> list[EngineResult]: ...

    def close(self) -> None:
        """Release the engine's processes and connections. Idempotent."""
        ...


class VLLMEngine:
    """In-process vLLM. Construct inside an `if __name__ == "__main__":` guard (vLLM spawns)."""

    name = "vllm"

    def __init__(
        self,
        model: str,
        *,
        max_model_len: int = 4096,
        gpu_memory_utilization: float = DEFAULT_MEMORY_SHARE,
        enable_prefix_caching: bool = True,
        dtype: str = "bfloat16",
        enforce_eager: bool = False,
        max_num_seqs: int = 16,
        tensor_parallel_size: int = 1,
        seed: int = 0,
    ):
        # vLLM logs to stdout by default, which would interleave with the JSONL that `redact` and
        # `eval --json` write there; its engine subprocesses inherit the setting.
        os.environ.setdefault("VLLM_LOGGING_STREAM", "ext://sys.stderr")
        from vllm import LLM

        self.llm = LLM(
            model=model,
            max_model_len=max_model_len,
            gpu_memory_utilization=gpu_memory_utilization,
            enable_prefix_caching=enable_prefix_caching,
            dtype=cast(Any, dtype),  # vLLM types it as a Literal of names; settings validate a str
            enforce_eager=enforce_eager,
            max_num_seqs=max_num_seqs,
            tensor_parallel_size=tensor_parallel_size,
            seed=seed,
            structured_outputs_config={"backend": "xgrammar"},
        )
        self.tokenizer = self.llm.get_tokenizer()
        from workers.detect.llm.sanitize import tokenizer_control_tokens

        # The detector blanks these in documents: the tokenizer would read them as control tokens.
        self.control_tokens = tokenizer_control_tokens(self.tokenizer)
        self._grammars: dict[str, Any] = {}
        self._closed = False

    def close(self) -> None:
        """Stop vLLM's engine-core process and its workers: they are separate processes and would
        outlive a Serve replica's actor. `LLM` has no shutdown of its own in vLLM 0.32; its engine
        core client's `shutdown()` is what vLLM itself calls on exit."""
        if self._closed:
            return
        self._closed = True
        core = getattr(getattr(self.llm, "llm_engine", None), "engine_core", None)
        if core is not None:
            core.shutdown()

    def _constraint(self, schema: dict[str, Any]) -> Any:
        """JSON-schema grammar with fixed `", "` / `": "` separators and no free whitespace.

        vLLM's default JSON grammar allows any whitespace (a looping small model then burns its
        token budget on newlines), and its compact mode forbids the spaces these models put
        after `:` and `,`, which measurably pushed Qwen2.5-Coder to answer `{"entities":[]}`.
        So the grammar is built here with xgrammar's standard separators and passed as EBNF."""
        from vllm.sampling_params import StructuredOutputsParams

        key = json.dumps(schema)  # property order matters: the grammar follows it
        if key not in self._grammars:
            try:
                import xgrammar

                ebnf = str(xgrammar.Grammar.from_json_schema(key, any_whitespace=False))
                self._grammars[key] = StructuredOutputsParams(grammar=ebnf)
            except ImportError:  # pragma: no cover - xgrammar ships with vllm
                self._grammars[key] = StructuredOutputsParams(json=schema)
        return self._grammars[key]

    def render(self, messages: list[Message]) -> str:
        # tokenize=False: the template's text (vLLM types the result as text or token ids).
        return str(self.tokenizer.apply_chat_template(cast(Any, messages), tokenize=False, add_generation_prompt=True))

    def generate(self, requests: Sequence[EngineRequest]) -> list[EngineResult]:
        from vllm import SamplingParams

        if not requests:
            return []
        if self._closed:
            return [EngineResult(error="engine closed") for _ in requests]
        prompts = [self.render(r.messages) for r in requests]
        params = [
            SamplingParams(
                temperature=r.temperature,
                max_tokens=r.max_tokens,
                seed=r.seed,
                structured_outputs=self._constraint(r.schema),
            )
            for r in requests
        ]
        try:
            outs = self.llm.generate(prompts, params, use_tqdm=False)
        except Exception as e:  # noqa: BLE001 - the batch failed; report it per request
            msg = f"{type(e).__name__}: {e}"
            return [EngineResult(error=msg) for _ in requests]
        results = []
        for o in outs:
            c = o.outputs[0] if o.outputs else None
            r = EngineResult(
                text=c.text if c else None,
                error=None if c else "no output",
                finish_reason=c.finish_reason if c else None,
                prompt_tokens=len(o.prompt_token_ids or ()),
                completion_tokens=len(c.token_ids) if c else 0,
                cached_tokens=int(getattr(o, "num_cached_tokens", 0) or 0),
            )
            results.append(r)
        return results


class OpenAIEngine:
    """OpenAI-compatible `/v1/chat/completions` over HTTP (stdlib only, no SDK needed)."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        concurrency: int = 8,
    ):
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.concurrency = max(1, concurrency)
        self._closed = False

    def close(self) -> None:
        # Nothing to release (a connection and a thread pool per call); later requests fail.
        self._closed = True

    def generate(self, requests: Sequence[EngineRequest]) -> list[EngineResult]:
        if not requests:
            return []
        if self._closed:
            return [EngineResult(error="engine closed") for _ in requests]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(requests))) as pool:
            return list(pool.map(self._one, requests))

    def _one(self, r: EngineRequest) -> EngineResult:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": r.messages,
            "temperature": r.temperature,
            "max_tokens": r.max_tokens,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "pii_entities", "schema": _portable(r.schema), "strict": True},
            },
        }
        if r.seed is not None:
            body["seed"] = r.seed
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(self.url, data=json.dumps(body).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                payload = json.loads(resp.read())
        except urllib.error.HTTPError as e:
            detail = e.read()[:300].decode("utf-8", "replace")
            return EngineResult(error=f"HTTP {e.code}: {detail}")
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as e:
            return EngineResult(error=f"{type(e).__name__}: {e}")
        try:
            choice = payload["choices"][0]
            usage = payload.get("usage") or {}
            details = usage.get("prompt_tokens_details") or {}
            return EngineResult(
                text=choice["message"]["content"],
                finish_reason=choice.get("finish_reason"),
                prompt_tokens=int(usage.get("prompt_tokens") or 0),
                completion_tokens=int(usage.get("completion_tokens") or 0),
                cached_tokens=int(details.get("cached_tokens") or 0),
            )
        except (KeyError, IndexError, TypeError) as e:
            return EngineResult(error=f"unexpected response shape: {type(e).__name__}: {e}")


def _portable(schema: Any) -> Any:
    """The schema without string `pattern`s: servers' grammar backends (xgrammar behind vLLM's
    OpenAI API) reject some regex features. Patterns only narrow mentions; alignment drops any
    mention that is not in the original text anyway."""
    if isinstance(schema, dict):
        return {k: _portable(v) for k, v in schema.items() if k != "pattern"}
    if isinstance(schema, list):
        return [_portable(v) for v in schema]
    return schema
