"""train: a token-classification head (BIO over the taxonomy's types) on the MiniLM-L6 base.

One training loop, `train_loop_per_worker(config)`, runs in process on CPU (torch) or, with
`--ray`, under Ray Train's TorchTrainer on every worker of a cluster (DDP through
`ray.train.torch.prepare_model`, batches sharded by rank, the model handed back as a checkpoint).
Batches are length-bucketed: padding costs CPU time and documents vary from 20 to 250 tokens.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from workers.distill.labels import IGNORE, CharSpan, LabelSet, bio_tags, windows

# Training window: 254 tokens + [CLS] + [SEP]. 95% of generated documents fit in one window.
MAX_TOKENS = 254
OVERLAP = 64


def load_tokenizer(model_dir: Path) -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    # Windows are cut here; the base's tokenizer.json pads and truncates to 128 on its own.
    tok.no_truncation()
    tok.no_padding()
    return tok


def special_ids(tok: Any) -> tuple[int, int]:
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    if cls is None or sep is None:
        raise ValueError("the base tokenizer has no [CLS]/[SEP] tokens (a BERT-style WordPiece tokenizer is expected)")
    return int(cls), int(sep)


def features(
    records: Sequence[dict[str, Any]], tok: Any, labels: LabelSet, max_tokens: int = MAX_TOKENS, overlap: int = OVERLAP
) -> list[tuple[list[int], list[int]]]:
    """Silver records -> (input_ids, label ids) per window, specials included (labelled IGNORE)."""
    cls, sep = special_ids(tok)
    encs = tok.encode_batch([r["text"] for r in records], add_special_tokens=False)
    out: list[tuple[list[int], list[int]]] = []
    for r, enc in zip(records, encs, strict=True):
        spans = [CharSpan(s["type"], s["start"], s["end"]) for s in r["spans"]]
        tags = bio_tags(enc.offsets, spans, labels)
        for w in windows(len(enc.ids), max_tokens, overlap):
            ids = [cls, *enc.ids[w.start : w.end], sep]
            lab = [IGNORE, *tags[w.start : w.end], IGNORE]
            out.append((ids, lab))
    return out


def length_batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar lengths: sort within pools of 50 batches, then shuffle batches."""
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    pool = batch_size * 50
    batches: list[list[int]] = []
    for p in range(0, len(idx), pool):
        chunk = sorted(idx[p : p + pool], key=lambda i: lengths[i])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def train_loop_per_worker(config: dict[str, Any]) -> None:
    """The training loop; `config` is plain data so Ray can ship it to workers.

    Keys: base_dir, out_dir, features [(ids, labels)], id2label, epochs, batch_size, lr,
    warmup, weight_decay, seed, threads, ray (bool), bf16 (bool), freeze_embeddings (bool).
    """
    import torch
    from transformers import AutoModelForTokenClassification, get_linear_schedule_with_warmup
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # "newly initialised classifier" is the point here
    hf_logging.disable_progress_bar()
    use_ray = bool(config.get("ray"))
    rank, world = 0, 1
    if use_ray:
        import ray.train
        import ray.train.torch

        ctx = ray.train.get_context()
        rank, world = ctx.get_world_rank(), ctx.get_world_size()
    if config.get("threads"):
        torch.set_num_threads(int(config["threads"]))
    torch.manual_seed(int(config["seed"]))
    id2label = {int(k): v for k, v in config["id2label"].items()}
    model = AutoModelForTokenClassification.from_pretrained(
        config["base_dir"],
        num_labels=len(id2label),
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )
    if config.get("freeze_embeddings", True):
        # The vocabulary's embeddings are a third of the weights: frozen, the optimizer step is 6x
        # cheaper and a few thousand documents cannot skew them towards their own tokens. Before
        # DDP wraps the model: it registers the parameters that will have gradients.
        model.get_input_embeddings().weight.requires_grad_(False)
    device = torch.device("cpu")
    if use_ray:
        model = ray.train.torch.prepare_model(model)
        device = ray.train.torch.get_device()
    bf16 = bool(config.get("bf16")) and device.type == "cpu"
    feats: list[tuple[list[int], list[int]]] = config["features"]
    lengths = [len(f[0]) for f in feats]
    bs = int(config["batch_size"])
    epochs = int(config["epochs"])
    n_batches = math.ceil(len(feats) / bs)
    # Every rank takes the same number of batches: DDP's all-reduce waits for all of them.
    steps_per_epoch = n_batches // world if world > 1 else n_batches
    if steps_per_epoch == 0:
        raise ValueError(
            f"{len(feats)} training windows make {n_batches} batches of {bs}: fewer than the {world} workers"
        )
    total = steps_per_epoch * epochs
    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decay = [p for n, p in params if not any(k in n for k in ("bias", "LayerNorm"))]
    no_decay = [p for n, p in params if any(k in n for k in ("bias", "LayerNorm"))]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": float(config["weight_decay"])}, {"params": no_decay, "weight_decay": 0.0}],
        lr=float(config["lr"]),
    )
    sched = get_linear_schedule_with_warmup(opt, int(total * float(config["warmup"])), total)
    report: Callable[[str], None] = config.get("log") or (lambda m: print(m, file=sys.stderr, flush=True))
    rng = random.Random(int(config["seed"]))
    model.train()
    t0 = time.perf_counter()
    step = 0
    history: list[dict[str, float]] = []
    for epoch in range(epochs):
        # Same seed on every rank: the same shuffle, so the ranks' slices are disjoint.
        batches = length_batches(lengths, bs, rng)[rank::world][:steps_per_epoch]
        loss_sum, n = 0.0, 0
        for b in batches:
            width = max(lengths[i] for i in b)
            ids = torch.zeros((len(b), width), dtype=torch.long)
            att = torch.zeros((len(b), width), dtype=torch.long)
            lab = torch.full((len(b), width), IGNORE, dtype=torch.long)
            for r, i in enumerate(b):
                L = lengths[i]
                ids[r, :L] = torch.tensor(feats[i][0])
                att[r, :L] = 1
                lab[r, :L] = torch.tensor(feats[i][1])
            # bf16 autocast halves the backward pass on CPUs with AVX512-BF16 (measured 1.0 -> 0.5 s
            # a batch of 16x64 tokens); the weights and the optimizer stay fp32.
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                out = model(input_ids=ids.to(device), attention_mask=att.to(device), labels=lab.to(device))
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            loss_sum += float(out.loss.detach())
            n += 1
            step += 1
            if rank == 0 and (step % 20 == 0 or step == total):
                el = time.perf_counter() - t0
                report(
                    f"distill: train step {step}/{total} epoch {epoch + 1}/{epochs} "
                    f"loss {loss_sum / max(n, 1):.4f} ({el:.0f}s, ETA {el / step * (total - step):.0f}s)"
                )
        history.append({"epoch": epoch + 1, "loss": loss_sum / max(n, 1)})
        if use_ray:
            ray.train.report({"epoch": epoch + 1, "loss": history[-1]["loss"]})
    model.eval()
    plain = model.module if hasattr(model, "module") else model
    if use_ray:
        if rank == 0:
            with tempfile.TemporaryDirectory() as td:
                plain.save_pretrained(td)
                Path(td, "history.json").write_text(json.dumps(history))
                ray.train.report({"done": 1}, checkpoint=ray.train.Checkpoint.from_directory(td))
        else:
            ray.train.report({"done": 1})
        return
    out_dir = Path(config["out_dir"])
    plain.save_pretrained(out_dir)
    (out_dir / "history.json").write_text(json.dumps(history))


def bf16_supported() -> bool:
    """CPU bf16 pays only with native instructions; emulated it is slower than fp32."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def train_local(config: dict[str, Any]) -> None:
    train_loop_per_worker({**config, "ray": False})


def train_ray(config: dict[str, Any], num_workers: int, use_gpu: bool, storage: Path) -> None:
    """The same loop under Ray Train (connects to the cluster RAY_ADDRESS names, or starts one)."""
    import os

    import ray

    started = not ray.is_initialized()
    if started:
        # RAY_ADDRESS (e.g. "auto" on a cluster node) joins a cluster; without it a private local
        # Ray starts, never someone else's instance found on this machine.
        addr = os.environ.get("RAY_ADDRESS")
        if addr:
            ray.init(address=addr)
        else:
            ray.init(address="local", include_dashboard=False, _node_ip_address="127.0.0.1")
    try:
        _fit_ray(config, num_workers, use_gpu, storage)
    finally:
        if started:  # the connection this call opened (a caller's own stays theirs)
            ray.shutdown()


def _fit_ray(config: dict[str, Any], num_workers: int, use_gpu: bool, storage: Path) -> None:
    from ray.train import RunConfig, ScalingConfig
    from ray.train.torch import TorchTrainer

    cfg = {k: v for k, v in config.items() if k != "log"}
    trainer = TorchTrainer(
        train_loop_per_worker,
        train_loop_config={**cfg, "ray": True},
        scaling_config=ScalingConfig(num_workers=num_workers, use_gpu=use_gpu),
        run_config=RunConfig(name="distill", storage_path=str(storage.resolve())),
    )
    result = trainer.fit()
    if result.checkpoint is None:
        raise RuntimeError(f"Ray Train finished without a checkpoint: {result.error}")
    out_dir = Path(config["out_dir"])
    with result.checkpoint.as_directory() as d:
        if out_dir.exists():
            shutil.rmtree(out_dir)
        shutil.copytree(d, out_dir)
