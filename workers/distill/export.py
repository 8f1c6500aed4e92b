"""export: the trained student -> ONNX -> int8 dynamic quantisation -> a model directory in the
`ner` detector's format (config.json with id2label, tokenizer.json, model.onnx, manifest.json),
installed into the model cache under the student's name (marker written last, like every
packaged model, so a crash never leaves a half model that looks ready).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from workers.distill.manifest import MANIFEST


def export_onnx(train_dir: Path, out: Path, opset: int = 17) -> None:
    """fp32 ONNX of the token classifier: inputs input_ids, attention_mask (int64, dynamic batch
    and sequence); output logits [batch, seq, labels]."""
    import torch
    from transformers import AutoModelForTokenClassification
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = AutoModelForTokenClassification.from_pretrained(train_dir)
    model.eval()

    class Logits(torch.nn.Module):
        def __init__(self, m: torch.nn.Module):
            super().__init__()
            self.m = m

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.m(input_ids=input_ids, attention_mask=attention_mask).logits

    ids = torch.ones((2, 16), dtype=torch.long)
    att = torch.ones((2, 16), dtype=torch.long)
    # The TorchScript exporter needs only the onnx package (the dynamo one also wants onnxscript).
    torch.onnx.export(
        Logits(model),
        (ids, att),
        str(out),
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "seq"},
            "attention_mask": {0: "batch", 1: "seq"},
            "logits": {0: "batch", 1: "seq"},
        },
        opset_version=opset,
        dynamo=False,
    )


def quantize(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)


def export_student(
    train_dir: Path, base_dir: Path, dest: Path, manifest: dict[str, Any], *, int8: bool = True
) -> dict[str, Any]:
    """Build the model directory beside `dest` and swap it in. Returns file sizes (bytes)."""
    from workers.distill.train import load_tokenizer
    from workers.modelcache import install_dir

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        with tempfile.TemporaryDirectory(prefix="distill-onnx-") as td:
            fp32 = Path(td) / "model_fp32.onnx"
            export_onnx(train_dir, fp32)
            if int8:
                quantize(fp32, tmp / "model.onnx")
            else:
                shutil.copyfile(fp32, tmp / "model.onnx")
            sizes = {"fp32_bytes": fp32.stat().st_size, "onnx_bytes": (tmp / "model.onnx").stat().st_size}
        cfg = json.loads((train_dir / "config.json").read_text())
        (tmp / "config.json").write_text(json.dumps(cfg, indent=1))
        # Same vocabulary as the base; truncation and padding off: the detector windows the text.
        load_tokenizer(base_dir).save(str(tmp / "tokenizer.json"))
        (tmp / MANIFEST).write_text(json.dumps({**manifest, "files": sizes}, indent=1))
        install_dir(
            tmp, dest, {"name": dest.name, "kind": "encoder", "distilled": True, "taxonomy": manifest.get("taxonomy")}
        )
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return sizes


def update_manifest(model_dir: Path, extra: dict[str, Any]) -> None:
    p = model_dir / MANIFEST
    data = json.loads(p.read_text())
    data.update(extra)
    tmp = p.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(p)
