"""Schema-prompted LLM extraction (vLLM in process or an OpenAI-compatible server).

Heavy imports (vllm, torch, transformers) happen only when an engine is built or a model is
converted, so the package imports cheaply without the `cpu`/`gpu` extra.
"""

from workers.detect.llm.detector import LLMDetector, LLMStats, build_engine
from workers.detect.llm.settings import LLMSettings

__all__ = ["LLMDetector", "LLMSettings", "LLMStats", "build_engine"]
