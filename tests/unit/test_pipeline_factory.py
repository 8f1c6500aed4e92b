"""build_pipeline: every way the settings can be wrong is one ConfigError, raised before any
model is loaded."""

from __future__ import annotations

import sys

import pytest

from workers.config import PipelineSettings
from workers.errors import ConfigError, PiiWorkerError
from workers.pipeline_factory import build_pipeline
from workers.redact import RedactionConfigError
from workers.taxonomy import TaxonomyError


def test_llm_without_vllm_is_a_config_error_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PII_WORKER_LLM_BACKEND", raising=False)
    monkeypatch.setitem(sys.modules, "vllm", None)  # as if the extra were not installed
    with pytest.raises(ConfigError, match="vllm is not installed.*extra"):
        build_pipeline(PipelineSettings(detectors=["rules", "llm"]))


def test_bad_llm_environment_is_a_config_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PII_WORKER_LLM_PROMPT_STYLE", "yaml")
    with pytest.raises(ConfigError, match="PII_WORKER_LLM_PROMPT_STYLE"):
        build_pipeline(PipelineSettings(detectors=["rules", "llm"]))


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"taxonomy": "/nonexistent/tax.yaml"}, TaxonomyError),
        ({"operators": {"NOT_A_TYPE": {"kind": "mask"}}}, RedactionConfigError),
        ({"operators": {"EMAIL_ADDRESS": {"kind": "pseudonym"}}}, RedactionConfigError),  # no key
    ],
)
def test_settings_mistakes_are_config_errors(
    settings: dict, error: type[Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PII_WORKER_HMAC_KEY", raising=False)
    with pytest.raises(error) as e:
        build_pipeline(PipelineSettings(**settings))
    assert isinstance(e.value, ConfigError) and isinstance(e.value, ValueError)


def test_every_package_error_has_the_one_root() -> None:
    from workers.broker import BrokerError
    from workers.detect.base import DetectorError
    from workers.detect.engine import PatternError
    from workers.detect.llm.schema import MalformedOutput
    from workers.detect.ner import NerModelError
    from workers.modelcache import ProvisionError
    from workers.records import RecordError
    from workers.stream.checkpoint import CommitError, DeliveryError

    for cls in (
        BrokerError,
        DetectorError,
        PatternError,
        MalformedOutput,
        NerModelError,
        ProvisionError,
        RecordError,
        CommitError,
        DeliveryError,
        TaxonomyError,
        RedactionConfigError,
    ):
        assert issubclass(cls, PiiWorkerError), cls
    # one ConfigError: every module that raises one raises this class
    import workers.config
    import workers.serve.config
    import workers.stream.config  # noqa: F401 - no ConfigError of its own

    assert workers.config.ConfigError is workers.serve.config.ConfigError is ConfigError
    assert not hasattr(workers.stream.config, "ConfigError") or workers.stream.config.ConfigError is ConfigError
