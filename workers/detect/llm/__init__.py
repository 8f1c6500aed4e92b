"""Schema-prompted LLM extraction (vLLM in process or an OpenAI-compatible server).

Heavy imports (vllm, torch, transformers) happen only when an engine is built or a model is
converted, so the package imports cheaply without the `cpu`/`gpu` extra.
"""

from workers.detect.llm.detector import LLMDetector, LLMStats, build_engine
from workers.detect.llm.settings import LLMSettings


def build_llm_detector(taxonomy, settings: LLMSettings | None = None) -> LLMDetector:  # noqa: ANN001
    """The LLM detector for `taxonomy`, configured from PII_WORKER_LLM_* (or `settings`)."""
    return LLMDetector(taxonomy, settings or LLMSettings())


__all__ = ["LLMDetector", "LLMSettings", "LLMStats", "build_engine", "build_llm_detector"]
