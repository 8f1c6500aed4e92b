"""Build a Pipeline from settings: the one place that chooses detectors and operators."""

from __future__ import annotations

from workers.config import ConfigError, PipelineSettings
from workers.detect.base import Detector
from workers.detect.rules import RulesDetector
from workers.pipeline import Pipeline
from workers.redact import RedactionConfigError, Redactor
from workers.taxonomy import Taxonomy, TaxonomyError, load_taxonomy


def build_pipeline(
    settings: PipelineSettings | None = None, llm: Detector | None = None, ner: Detector | None = None
) -> Pipeline:
    """`llm` is the LLM detector to use when settings ask for it (in-process engine, HTTP client,
    or a Ray Serve handle wrapper); when None and "llm" is configured, it is built from LLM settings.
    `ner` likewise (a Serve Encoder handle wrapper); when None it is built from PII_WORKER_NER_*."""
    settings = settings or PipelineSettings()
    try:
        taxonomy = load_taxonomy(settings.taxonomy)
    except TaxonomyError as e:
        raise ConfigError(str(e)) from None
    detectors: list[Detector] = []
    for name in settings.detectors:
        if name == "rules":
            detectors.append(RulesDetector(taxonomy, phone_regions=settings.phone_regions))
        elif name == "ner":
            detectors.append(ner if ner is not None else _default_ner(taxonomy))
        elif name == "llm":
            detectors.append(llm if llm is not None else _default_llm(taxonomy))
    try:
        redactor = Redactor(taxonomy, settings.key_bytes(), settings.operators, settings.default_operator)
    except RedactionConfigError as e:
        raise ConfigError(str(e)) from None
    return Pipeline(
        taxonomy,
        detectors,
        redactor,
        on_detector_error=settings.on_detector_error,
        echo_min_len=settings.echo_min_len,
    )


def _default_ner(taxonomy: Taxonomy) -> Detector:
    from workers.detect.ner import NerModelError, NerSettings, build_ner_detector

    try:
        return build_ner_detector(taxonomy, NerSettings())
    except NerModelError as e:
        raise ConfigError(f"detector 'ner': {e}") from None


def _default_llm(taxonomy):  # noqa: ANN001, ANN202 - imported lazily: vLLM is an optional extra
    try:
        from workers.detect.llm import build_llm_detector
    except ImportError as e:
        raise ConfigError(
            f"detector 'llm' requested but the LLM extractor is unavailable ({e}); "
            "install the cpu or gpu extra (make setup-cpu)"
        ) from None
    return build_llm_detector(taxonomy)
