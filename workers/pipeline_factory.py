"""Build a Pipeline from settings: the one place that chooses detectors and operators."""

from __future__ import annotations

import importlib.util

from workers.config import PipelineSettings
from workers.detect.base import Detector
from workers.detect.rules import RulesDetector
from workers.errors import ConfigError
from workers.pipeline import Pipeline
from workers.redact import Redactor
from workers.settings import load_settings
from workers.taxonomy import Taxonomy, load_taxonomy


def build_pipeline(
    settings: PipelineSettings | None = None,
    llm: Detector | None = None,
    ner: Detector | None = None,
    *,
    ner_model: str | None = None,
) -> Pipeline:
    """`llm` is the LLM detector to use when settings ask for it (in-process engine, HTTP client,
    or a Ray Serve handle wrapper); when None and "llm" is configured, it is built from LLM settings.
    `ner` likewise (a Serve Encoder handle wrapper); when None it is built from PII_WORKER_NER_*,
    with `ner_model` (a packaged name, a distilled student's name or a path; the CLI's
    `--ner-model`) over the environment's model.
    Raises ConfigError (TaxonomyError and RedactionConfigError are ones) for bad settings."""
    settings = settings or load_settings(PipelineSettings)
    taxonomy = load_taxonomy(settings.taxonomy)
    # Cheap checks first: a settings mistake fails before the rules compile (seconds) or a model loads.
    redactor = Redactor(taxonomy, settings.key_bytes(), settings.operators, settings.default_operator)
    if "llm" in settings.detectors and llm is None:
        llm = _default_llm(taxonomy)
    if "ner" in settings.detectors and ner is None:
        ner = _default_ner(taxonomy, ner_model)
    built = {"ner": ner, "llm": llm}
    detectors: list[Detector] = []
    for name in settings.detectors:
        if name == "rules":
            detectors.append(RulesDetector(taxonomy, phone_regions=settings.phone_regions))
        else:
            det = built[name]
            assert det is not None
            detectors.append(det)
    return Pipeline(
        taxonomy,
        detectors,
        redactor,
        on_detector_error=settings.on_detector_error,
        echo_min_len=settings.echo_min_len,
    )


def _default_ner(taxonomy: Taxonomy, model: str | None = None) -> Detector:
    from workers.detect.ner import NerModelError, NerSettings, build_ner_detector

    try:
        return build_ner_detector(taxonomy, load_settings(NerSettings, model=model))
    except NerModelError as e:
        raise ConfigError(f"detector 'ner': {e}") from None


def _default_llm(taxonomy: Taxonomy) -> Detector:
    from workers.detect.llm import LLMSettings, build_llm_detector

    settings = load_settings(LLMSettings)
    # vLLM is imported only when the engine starts, deep inside the detector: say which extra
    # is missing here, before anything else is built.
    if settings.backend == "vllm" and not _installed("vllm"):
        raise ConfigError(
            "detector 'llm': vllm is not installed: this needs the cpu or gpu extra (pip install "
            "'pii-workers[cpu]', or make setup-cpu), or an OpenAI-compatible server (PII_WORKER_LLM_BACKEND=openai)"
        )
    return build_llm_detector(taxonomy, settings)


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: a module set to None in sys.modules
        return False
