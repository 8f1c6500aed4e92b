"""Encoder provisioning with `pip download` faked: sha256 pinning of the wheel, only the listed
files unpacked (also from a zip inside the wheel), idempotence, resolution of names and paths."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from workers import modelcache
from workers.modelcache import MARKER, EncoderModel, ProvisionError


def _wheel_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.fixture
def fake_pip(monkeypatch):
    """`pip download` replaced by writing a prepared wheel; records the command lines."""
    wheels: dict[str, bytes] = {}
    calls: list[list[str]] = []

    def run(cmd, capture_output, text):
        calls.append(cmd)
        assert "--no-deps" in cmd and "download" in cmd and "--only-binary=:all:" in cmd
        dest = Path(cmd[cmd.index("--dest") + 1])
        dist = cmd[-1].split("==")[0]
        (dest / f"{dist.replace('-', '_')}-1.0-py3-none-any.whl").write_bytes(wheels[dist])
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(modelcache.subprocess, "run", run)
    return wheels, calls


def _model(wheel: bytes, **kw) -> EncoderModel:
    base = dict(
        name="fake-enc",
        description="test",
        dist="fake-enc-pkg",
        version="1.0",
        wheel_sha256=hashlib.sha256(wheel).hexdigest(),
        files={"pkg/models/m/config.json": "config.json", "pkg/models/m/onnx/m.onnx": "onnx/model.onnx"},
    )
    base.update(kw)
    return EncoderModel(**base)  # type: ignore[arg-type]


def test_fetch_unpacks_listed_files_only_and_is_idempotent(fake_pip, tmp_path, monkeypatch):
    wheels, calls = fake_pip
    wheel = _wheel_bytes(
        {
            "pkg/__init__.py": b"raise SystemExit('never imported')",
            "pkg/models/m/config.json": b'{"id2label": {"0": "O"}}',
            "pkg/models/m/onnx/m.onnx": b"ONNX" * 10,
            "pkg/models/m/../../../../escape.txt": b"x",
        }
    )
    wheels["fake-enc-pkg"] = wheel
    m = _model(wheel)
    monkeypatch.setitem(modelcache.ENCODERS, m.name, m)
    logs: list[str] = []

    out = modelcache.fetch_encoder(m.name, tmp_path / "cache", log=logs.append)
    assert out == tmp_path / "cache" / "fake-enc"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        MARKER,
        "config.json",
        "onnx/model.onnx",
    ]
    assert (out / "onnx" / "model.onnx").read_bytes() == b"ONNX" * 10
    marker = json.loads((out / MARKER).read_text())
    assert marker["wheel_sha256"] == m.wheel_sha256
    assert marker["files"]["config.json"] == hashlib.sha256(b'{"id2label": {"0": "O"}}').hexdigest()
    assert not list(tmp_path.rglob("escape.txt")) and not list(tmp_path.rglob("__init__.py"))

    assert modelcache.fetch_encoder(m.name, tmp_path / "cache", log=logs.append) == out
    assert len(calls) == 1  # second fetch reuses the cache
    assert modelcache.resolve_encoder(m.name, tmp_path / "cache") == out


def test_inner_zip_and_optional_files(fake_pip, tmp_path, monkeypatch):
    wheels, _ = fake_pip
    inner = _wheel_bytes({"config.json": b"{}", "model.safetensors": b"W" * 5, "vocab.txt": b"a\nb"})
    wheel = _wheel_bytes({"pkg/model.zip": inner})
    wheels["fake-enc-pkg"] = wheel
    m = _model(
        wheel,
        inner_zip="pkg/model.zip",
        files={"config.json": "config.json", "model.safetensors": "model.safetensors"},
        optional={"vocab.txt": "vocab.txt", "tokenizer_config.json": "tokenizer_config.json"},
    )
    monkeypatch.setitem(modelcache.ENCODERS, m.name, m)
    out = modelcache.fetch_encoder(m.name, tmp_path, log=lambda s: None)
    assert (out / "model.safetensors").read_bytes() == b"W" * 5
    assert (out / "vocab.txt").is_file() and not (out / "tokenizer_config.json").exists()


@pytest.mark.parametrize(
    "members, pin, match",
    [
        ({"pkg/models/m/config.json": b"{}", "pkg/models/m/onnx/m.onnx": b"x"}, "0" * 64, "sha256 mismatch"),
        ({"pkg/models/m/config.json": b"{}"}, None, "expected files missing"),
    ],
)
def test_bad_wheels_are_rejected_and_leave_nothing(fake_pip, tmp_path, monkeypatch, members, pin, match):
    wheels, _ = fake_pip
    wheel = _wheel_bytes(members)
    wheels["fake-enc-pkg"] = wheel
    m = _model(wheel, **({"wheel_sha256": pin} if pin else {}))
    monkeypatch.setitem(modelcache.ENCODERS, m.name, m)
    with pytest.raises(ProvisionError, match=match):
        modelcache.fetch_encoder(m.name, tmp_path, log=lambda s: None)
    assert list(tmp_path.iterdir()) == []


def test_resolve_encoder(tmp_path, monkeypatch):
    monkeypatch.setenv("PII_WORKER_MODEL_CACHE", str(tmp_path))
    with pytest.raises(ProvisionError, match="model fetch rampart"):
        modelcache.resolve_encoder("rampart")
    student = tmp_path / "my-student"
    student.mkdir()
    assert modelcache.resolve_encoder("my-student") == student  # a name in the cache
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert modelcache.resolve_encoder(other) == other  # a path
    with pytest.raises(ProvisionError, match="not found"):
        modelcache.resolve_encoder("no-such-model")


def test_packaged_encoders_are_pinned():
    assert modelcache.DEFAULT_ENCODER in modelcache.ENCODERS
    for m in modelcache.ENCODERS.values():
        assert len(m.wheel_sha256) == 64 and int(m.wheel_sha256, 16) >= 0
        assert "config.json" in m.files.values() and m.licence
    assert modelcache.ENCODERS["rampart"].runnable and not modelcache.ENCODERS["minilm-l6-base"].runnable
