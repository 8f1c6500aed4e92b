import pytest
from pydantic import ValidationError

from workers.cli import main
from workers.detect.llm import LLMSettings


def test_env_prefix(monkeypatch):
    monkeypatch.setenv("PII_WORKER_LLM_PROMPT_STYLE", "gollie")
    monkeypatch.setenv("PII_WORKER_LLM_GATE", "true")
    monkeypatch.setenv("PII_WORKER_LLM_TYPES", '["PERSON"]')
    s = LLMSettings()
    assert s.prompt_style == "gollie" and s.gate and s.types == ["PERSON"]


def test_invalid_settings_rejected():
    with pytest.raises(ValidationError):
        LLMSettings(backend="openai")  # needs base_url
    with pytest.raises(ValidationError):
        LLMSettings(chunk_chars=300, chunk_overlap=300)
    with pytest.raises(ValidationError):
        LLMSettings(prompt_style="yaml")


def test_model_list_cli(tmp_path, capsys):
    assert main(["model", "list", "--cache-dir", str(tmp_path), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"qwen2.5-coder-1.5b"' in out and '"ready": false' in out
