"""Run an exported student (ONNX + tokenizer.json + config.json id2label) over texts, for the
evaluate phase and the end-to-end test. Windows over long texts, length-bucketed batches.

The production path is the `ner` detector (workers/detect/ner/); this runner exists so a student
is measured exactly as exported, before any detector settings (thresholds, shape checks) apply.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workers.distill.labels import CharSpan, LabelSet, Window, best_window, decode, windows
from workers.distill.train import MAX_TOKENS, OVERLAP, load_tokenizer, special_ids


def labelset_from_config(id2label: dict[str, str]) -> tuple[LabelSet, list[int]]:
    """The label set in the model's order of types, and model id -> LabelSet id."""
    names = [id2label[k] for k in sorted(id2label, key=int)]
    types: list[str] = []
    for n in names:
        if n != "O" and n[2:] not in types:
            if n[:2] not in ("B-", "I-"):
                raise ValueError(f"label {n!r} is neither O nor B-/I-")
            types.append(n[2:])
    ls = LabelSet(tuple(types))
    return ls, [ls.label2id[n] for n in names]


class Student:
    def __init__(
        self,
        model_dir: Path,
        threads: int = 0,
        batch_size: int = 32,
        max_tokens: int = MAX_TOKENS,
        overlap: int = OVERLAP,
    ):
        import onnxruntime as ort

        cfg = json.loads((model_dir / "config.json").read_text())
        self.labels, self.remap = labelset_from_config(cfg["id2label"])
        self.tok = load_tokenizer(model_dir)
        self.cls, self.sep = special_ids(self.tok)
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_dir / "model.onnx"), opts, providers=["CPUExecutionProvider"])
        self.batch_size, self.max_tokens, self.overlap = batch_size, max_tokens, overlap

    def predict(self, texts: Sequence[str]) -> list[list[tuple[CharSpan, float]]]:
        import numpy as np

        encs = self.tok.encode_batch(list(texts), add_special_tokens=False)
        items: list[tuple[int, int, list[int]]] = []  # (doc, window index, ids with specials)
        wins: list[list[Window]] = []
        for d, enc in enumerate(encs):
            ws = windows(len(enc.ids), self.max_tokens, self.overlap)
            wins.append(ws)
            for wi, w in enumerate(ws):
                items.append((d, wi, [self.cls, *enc.ids[w.start : w.end], self.sep]))
        order = sorted(range(len(items)), key=lambda i: len(items[i][2]))
        out_pred: dict[tuple[int, int], Any] = {}
        for b0 in range(0, len(order), self.batch_size):
            batch = [items[i] for i in order[b0 : b0 + self.batch_size]]
            width = max(len(x[2]) for x in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            att = np.zeros((len(batch), width), dtype=np.int64)
            for r, (_, _, x) in enumerate(batch):
                ids[r, : len(x)] = x
                att[r, : len(x)] = 1
            logits = self.session.run(None, {"input_ids": ids, "attention_mask": att})[0]
            z = logits - logits.max(axis=-1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=-1, keepdims=True)
            for r, (d, wi, x) in enumerate(batch):
                pr = p[r, 1 : len(x) - 1]  # drop [CLS]/[SEP]
                out_pred[(d, wi)] = (pr.argmax(axis=-1), pr.max(axis=-1))
        results: list[list[tuple[CharSpan, float]]] = []
        for d, enc in enumerate(encs):
            n = len(enc.ids)
            pred, prob = [0] * n, [0.0] * n
            for t, (wi, pos) in enumerate(best_window(wins[d], n)):
                lab, pr = out_pred[(d, wi)]
                pred[t], prob[t] = self.remap[int(lab[pos])], float(pr[pos])
            results.append(decode(enc.offsets, enc.word_ids, pred, prob, self.labels))
        return results
