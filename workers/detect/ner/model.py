"""An encoder model directory: `config.json` (HF style, `id2label`), `tokenizer.json`, one ONNX file
(`model.onnx`, else the first `*.onnx` under `onnx/`), optional `manifest.json`. The same format
`pii-worker model fetch rampart` unpacks and `pii-worker distill` exports.

onnxruntime and tokenizers are imported here only, so the rest of the package imports without them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from workers.detect.ner.labels import LabelScheme, NerModelError


@dataclass(frozen=True)
class ModelFiles:
    root: Path
    onnx: Path
    tokenizer: Path
    config: dict[str, Any]
    manifest: dict[str, Any] | None

    @property
    def name(self) -> str:
        m = self.manifest or {}
        return str(m.get("name") or self.root.name)


def find_files(root: Path) -> ModelFiles:
    if not root.is_dir():
        raise NerModelError(f"ner model directory {root} does not exist")
    cfg_path, tok_path = root / "config.json", root / "tokenizer.json"
    for p in (cfg_path, tok_path):
        if not p.is_file():
            raise NerModelError(f"ner model {root}: {p.name} missing")
    onnx = root / "model.onnx"
    if not onnx.is_file():
        found = sorted((root / "onnx").glob("*.onnx")) if (root / "onnx").is_dir() else []
        if not found:
            raise NerModelError(f"ner model {root}: no model.onnx nor onnx/*.onnx")
        onnx = found[0]
    try:
        config = json.loads(cfg_path.read_text(encoding="utf-8"))
        manifest_path = root / "manifest.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else None
    except (OSError, ValueError) as e:
        raise NerModelError(f"ner model {root}: unreadable config or manifest: {e}") from None
    if not isinstance(config, dict) or not isinstance(config.get("id2label"), dict):
        raise NerModelError(f"ner model {root}: config.json has no id2label (not a token classifier)")
    if manifest is not None and manifest.get("kind", "ner") != "ner":
        raise NerModelError(f"ner model {root}: manifest kind is {manifest.get('kind')!r}, not 'ner'")
    return ModelFiles(root=root, onnx=onnx, tokenizer=tok_path, config=config, manifest=manifest)


class Encoder:
    """Tokenizer + ONNX session. `encode` tokenises whole texts (no special tokens, no truncation);
    `run` scores batches of token-id windows, adding the model's special tokens around each."""

    def __init__(self, files: ModelFiles, *, threads: int, device: str = "cpu"):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.files = files
        self.scheme = LabelScheme.from_id2label(files.config["id2label"], source=f"ner model {files.root}")
        self.max_positions = int(files.config.get("max_position_embeddings", 512))
        tok = Tokenizer.from_file(str(files.tokenizer))
        # Some exports ship fixed padding/truncation (all-MiniLM-L6-v2: 128): windows do that here.
        tok.no_truncation()
        tok.no_padding()
        self.tokenizer = tok
        probe = tok.encode("a", add_special_tokens=True)
        mask = probe.special_tokens_mask
        body = [i for i, m in enumerate(mask) if not m]
        if not body:
            raise NerModelError(f"ner model {files.root}: tokenizer produced only special tokens")
        self.prefix = list(probe.ids[: body[0]])
        self.suffix = list(probe.ids[body[-1] + 1 :])
        pad = tok.token_to_id("[PAD]")
        self.pad_id = int(files.config.get("pad_token_id") or (pad if pad is not None else 0))

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, threads)
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        available = ort.get_available_providers()
        providers = ["CPUExecutionProvider"]
        if device in ("cuda", "auto") and "CUDAExecutionProvider" in available:
            providers.insert(0, "CUDAExecutionProvider")
        elif device == "cuda":
            raise NerModelError(
                "ner device=cuda but onnxruntime has no CUDAExecutionProvider (install onnxruntime-gpu)"
            )
        try:
            self.session = ort.InferenceSession(str(files.onnx), sess_options=opts, providers=providers)
        except Exception as e:  # noqa: BLE001 - onnxruntime raises its own exception types
            raise NerModelError(f"ner model {files.root}: cannot load {files.onnx.name}: {e}") from None
        self.inputs = {i.name for i in self.session.get_inputs()}
        missing = {"input_ids", "attention_mask"} - self.inputs
        if missing:
            raise NerModelError(f"ner model {files.root}: ONNX graph lacks inputs {sorted(missing)}")
        outputs = self.session.get_outputs()
        self.output = next((o.name for o in outputs if o.name == "logits"), outputs[0].name)

    @property
    def specials(self) -> int:
        return len(self.prefix) + len(self.suffix)

    def encode(self, texts: Sequence[str]) -> list[Any]:
        return self.tokenizer.encode_batch(list(texts), add_special_tokens=False)

    def run(self, windows: Sequence[Sequence[int]]) -> list[np.ndarray]:
        """Token-id windows (without special tokens) -> per-token class probabilities, one
        (len(window), classes) array per window."""
        if not windows:
            return []
        width = max(len(w) for w in windows) + self.specials
        ids = np.full((len(windows), width), self.pad_id, dtype=np.int64)
        att = np.zeros((len(windows), width), dtype=np.int64)
        for r, w in enumerate(windows):
            row = [*self.prefix, *w, *self.suffix]
            ids[r, : len(row)] = row
            att[r, : len(row)] = 1
        feeds = {"input_ids": ids, "attention_mask": att}
        if "token_type_ids" in self.inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        logits = self.session.run([self.output], feeds)[0]
        logits = logits - logits.max(axis=-1, keepdims=True)
        probs = np.exp(logits, dtype=np.float32)
        probs /= probs.sum(axis=-1, keepdims=True)
        p = len(self.prefix)
        return [probs[r, p : p + len(w)] for r, w in enumerate(windows)]
