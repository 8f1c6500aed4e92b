"""The four phases over a work folder: teach -> train -> export -> evaluate, each skipped on a rerun
when its inputs have not changed (workdir.py)."""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from workers.distill.budget import MAX_EPOCHS, MIN_EPOCHS, TARGET_STEPS, plan_epochs, training_warnings
from workers.distill.labels import LabelSet
from workers.distill.teach import Teacher, open_input, pipeline_labeller, read_docs, teach
from workers.distill.workdir import WorkDir, file_digest, make_key
from workers.taxonomy import Taxonomy, load_taxonomy

PHASES = ("teach", "train", "export", "evaluate")


class DistillError(RuntimeError):
    pass


@dataclass
class Options:
    taxonomy: Path
    input: Path
    out: str
    teacher: Teacher = "auto"
    work_dir: Path | None = None
    cache_dir: str | None = None
    base: str = "minilm-l6-base"
    types: list[str] | None = None
    teacher_detectors: list[str] = field(default_factory=lambda: ["rules", "llm"])
    limit: int | None = None
    heldout: float = 0.1
    # None: chosen from the data size for about TARGET_STEPS optimizer steps (budget.py); 2,000
    # documents at batch 16 get 2 epochs, ~2/3 of the 20-minute budget on 2 idle cores.
    epochs: int | None = None
    batch_size: int = 16
    lr: float = 2e-4
    warmup: float = 0.1
    weight_decay: float = 0.01
    seed: int = 0
    threads: int = 0
    int8: bool = True
    bf16: bool | None = None  # None: where the CPU has native bf16
    ray: bool = False
    num_workers: int = 2
    gpu: bool = False
    teacher_speed_docs: int = 0  # >0: time the cascade on this many held-out docs (gold teacher)
    log: Callable[[str], None] = field(default=lambda m: print(m, file=sys.stderr, flush=True))


def distill_types(taxonomy: Taxonomy, explicit: list[str] | None) -> list[str]:
    """The types the student learns: explicit ones, else those whose detectors list `ner`, else all."""
    if explicit:
        unknown = [t for t in explicit if t not in taxonomy.by_name]
        if unknown:
            raise DistillError(f"--types {', '.join(unknown)}: not in taxonomy {taxonomy.name!r}")
        return list(explicit)
    ner = [e.name for e in taxonomy.entities if "ner" in e.detectors]
    return ner or taxonomy.names()


def _resolve_base(ref: str, cache_dir: str | None) -> Path:
    from workers.modelcache import ProvisionError, resolve_encoder

    try:
        d = resolve_encoder(ref, cache_dir)
    except ProvisionError as e:
        raise DistillError(str(e)) from None
    for f in ("model.safetensors", "config.json", "tokenizer.json"):
        if not (d / f).is_file():
            raise DistillError(f"base model {d} has no {f} (expected the minilm-l6-base layout)")
    return d


def _load_silver(path: Path) -> list[dict[str, Any]]:
    out = []
    for ln, line in enumerate(path.read_bytes().splitlines(), 1):
        if line.strip():
            try:
                out.append(orjson.loads(line))
            except orjson.JSONDecodeError as e:
                raise DistillError(f"{path}:{ln}: invalid JSON ({e.msg}) - was it edited?") from None
    return out


def _count_lines(path: Path, limit: int | None) -> int:
    with open_input(path) as f:
        n = sum(1 for line in f if line.strip())
    return min(n, limit) if limit is not None else n


def run(opt: Options) -> dict[str, Any]:
    from workers.evaluate import Progress
    from workers.modelcache import model_dir

    taxonomy = load_taxonomy(opt.taxonomy)
    types = distill_types(taxonomy, opt.types)
    labels = LabelSet(tuple(types))
    wd = WorkDir(opt.work_dir or Path(f"distill-{opt.out}"))
    base = _resolve_base(opt.base, opt.cache_dir)
    dest = model_dir(opt.out, opt.cache_dir)
    silver = wd.path("silver.jsonl")
    train_dir = wd.path("train")
    eval_path = wd.path("eval.json")
    from workers.distill.manifest import taxonomy_ref

    def phase(i: int, name: str, key: str, outputs: list[Path]) -> bool:
        if wd.is_done(name, key, outputs):
            opt.log(f"distill: [{i}/4] {name}: up to date, skipped (work folder {wd.root})")
            return False
        opt.log(f"distill: [{i}/4] {name} ...")
        return True

    # ---- teach
    if not opt.input.is_file():
        raise DistillError(f"{opt.input}: input file not found")
    k_teach = make_key(
        {
            "input": file_digest(opt.input),
            "teacher": opt.teacher,
            "tax": taxonomy.fingerprint,
            "types": types,
            "heldout": opt.heldout,
            "limit": opt.limit,
            "detectors": opt.teacher_detectors if opt.teacher != "gold" else None,
        }
    )
    if phase(1, "teach", k_teach, [silver]):
        t0 = time.perf_counter()
        total = _count_lines(opt.input, opt.limit)
        tmp = silver.with_suffix(".tmp")
        with tmp.open("wb") as f:
            stats = teach(
                read_docs(opt.input, opt.limit),
                f,
                types=types,
                teacher=opt.teacher,
                heldout=opt.heldout,
                labeller=lambda: pipeline_labeller(opt.taxonomy, opt.teacher_detectors),
                progress=Progress(total, "distill: teach"),
            )
        os.replace(tmp, silver)
        wd.mark("teach", k_teach, {**stats.summary(), "seconds": round(time.perf_counter() - t0, 2)})
        opt.log(
            f"distill: teach: {stats.docs} documents labelled ({dict(stats.by_teacher)}), "
            f"{stats.teacher_failed} left out (teacher failed) -> {silver}"
        )
        for reason, n in stats.failures.most_common(3):
            opt.log(f"distill: teach: {n} failed with: {reason}")
    teach_rec = wd.record("teach") or {}

    # ---- train
    records = _load_silver(silver)
    train_recs = [r for r in records if r.get("split") != "heldout"]
    held = [r for r in records if r.get("split") == "heldout"]
    if not train_recs:
        raise DistillError(f"{silver}: no training documents")
    world = opt.num_workers if opt.ray else 1
    span_counts = Counter(s["type"] for r in train_recs for s in r["spans"])
    hp: dict[str, Any] = {
        "epochs": opt.epochs,  # None: from the data (the rule and the worker count are in the key)
        "batch_size": opt.batch_size,
        "lr": opt.lr,
        "warmup": opt.warmup,
        "weight_decay": opt.weight_decay,
        "seed": opt.seed,
    }
    k_train = make_key(
        {
            "silver": file_digest(silver),
            "labels": labels.labels,
            "base": file_digest(base / "config.json"),
            "base_weights": (base / "model.safetensors").stat().st_size,
            **hp,
            "epoch_rule": [TARGET_STEPS, MIN_EPOCHS, MAX_EPOCHS, world] if opt.epochs is None else None,
        }
    )
    trained = phase(2, "train", k_train, [train_dir / "config.json", train_dir / "model.safetensors"])
    if trained:
        from workers.distill.train import (
            MAX_TOKENS,
            bf16_supported,
            features,
            load_tokenizer,
            train_local,
            train_ray,
        )

        t0, c0 = time.perf_counter(), time.process_time()
        feats = features(train_recs, load_tokenizer(base), labels)
        plan = plan_epochs(len(feats), opt.batch_size, world, opt.epochs)
        warnings = training_warnings(plan, len(train_recs), span_counts, types)
        opt.log(
            f"distill: train: {len(train_recs)} documents -> {len(feats)} windows, {len(labels.labels)} labels, "
            f"{plan.describe()} on {'Ray Train' if opt.ray else 'local CPU'}"
        )
        for w in warnings:  # before the training time is spent, so it can be stopped
            opt.log(f"distill: WARNING: {w}")
        cfg: dict[str, Any] = {
            "base_dir": str(base),
            "out_dir": str(train_dir),
            "features": feats,
            "id2label": labels.id2label,
            "threads": opt.threads,
            "log": opt.log,
            "bf16": opt.bf16 if opt.bf16 is not None else bf16_supported(),
            **hp,
            "epochs": plan.epochs,
        }
        if opt.ray:
            train_ray(cfg, opt.num_workers, opt.gpu, wd.path("ray"))
        else:
            train_local(cfg)
        history = json.loads((train_dir / "history.json").read_text())
        wd.mark(
            "train",
            k_train,
            {
                "docs": len(train_recs),
                "windows": len(feats),
                "max_tokens": MAX_TOKENS + 2,
                "seconds": round(time.perf_counter() - t0, 1),
                # CPU time of this process (all its threads): the fair figure on shared cores.
                "cpu_seconds": round(time.process_time() - c0, 1),
                "history": history,
                "ray": opt.ray,
                **hp,
                "epochs": plan.epochs,
                "auto_epochs": plan.auto,
                "steps": plan.steps,
                "warnings": warnings,
            },
        )
    train_rec = wd.record("train") or {}
    if not trained:
        for w in train_rec.get("warnings", []):
            opt.log(f"distill: WARNING (when it was trained): {w}")

    # ---- export
    manifest = {
        "kind": "ner",
        "name": opt.out,
        "taxonomy": taxonomy_ref(taxonomy),
        "labels": types,
        "id2label": {str(k): v for k, v in labels.id2label.items()},
        "base": {"name": opt.base, "config_sha256": file_digest(base / "config.json")},
        "max_tokens": train_rec.get("max_tokens"),
        "training": {
            "teacher": opt.teacher,
            "teacher_counts": teach_rec.get("by_teacher"),
            "docs": len(train_recs),
            "heldout_docs": len(held),
            "spans": dict(sorted(span_counts.items())),
            "windows": train_rec.get("windows"),
            "seconds": train_rec.get("seconds"),
            "cpu_seconds": train_rec.get("cpu_seconds"),
            "epochs": train_rec.get("epochs", opt.epochs),
            "steps": train_rec.get("steps"),
            "warnings": train_rec.get("warnings", []),
            "loss": [h["loss"] for h in train_rec.get("history", [])],
            "ray": train_rec.get("ray"),
        },
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    from workers.modelcache import MARKER

    k_export = make_key(
        {
            "weights": file_digest(train_dir / "model.safetensors"),
            "int8": opt.int8,
            "manifest": {k: v for k, v in manifest.items() if k != "created"},
            "dest": str(dest),
        }
    )
    if phase(3, "export", k_export, [dest / "model.onnx", dest / MARKER]):
        from workers.distill.export import export_student

        t0 = time.perf_counter()
        sizes = export_student(train_dir, base, dest, manifest, int8=opt.int8)
        wd.mark("export", k_export, {"dest": str(dest), **sizes, "seconds": round(time.perf_counter() - t0, 1)})
        opt.log(
            f"distill: export: {dest} (model.onnx {sizes['onnx_bytes'] / 1e6:.1f} MB"
            f"{', int8' if opt.int8 else ''}; fp32 {sizes['fp32_bytes'] / 1e6:.1f} MB)"
        )

    # ---- evaluate
    # The export key too: a re-export writes a fresh manifest, which must get the evaluation again.
    k_eval = make_key(
        {
            "export": k_export,
            "onnx": file_digest(dest / "model.onnx"),
            "silver": file_digest(silver),
            "speed": opt.teacher_speed_docs,
            "tax": taxonomy.fingerprint,
        }
    )
    if phase(4, "evaluate", k_eval, [eval_path]):
        from workers.distill.evaluate import evaluate
        from workers.distill.export import update_manifest
        from workers.distill.student import Student

        if not held:
            raise DistillError("no held-out documents to evaluate on (raise --heldout or give more documents)")
        teacher_dps, teacher_label = _teacher_speed(opt, teach_rec, held)
        student = Student(dest, threads=opt.threads)
        result = evaluate(
            held, taxonomy, types, student.predict, teacher_docs_per_s=teacher_dps, teacher_label=teacher_label
        )
        eval_path.write_text(json.dumps(result, indent=1))
        update_manifest(dest, {"evaluation": result})
        wd.mark("evaluate", k_eval, {"heldout_docs": len(held)})
    result = json.loads(eval_path.read_text())
    return {
        "model_dir": str(dest),
        "work_dir": str(wd.root),
        "types": types,
        "training": {k: train_rec.get(k) for k in ("epochs", "steps", "auto_epochs", "warnings")},
        "evaluation": result,
    }


def _teacher_speed(opt: Options, teach_rec: dict[str, Any], held: list[dict[str, Any]]) -> tuple[float | None, str]:
    """docs/s of the teacher: measured while teaching when the cascade taught; else, on request,
    timed on a sample of held-out documents (the cascade the student replaces)."""
    dets = ",".join(opt.teacher_detectors)
    llm_dps = teach_rec.get("llm_docs_per_s")
    by = teach_rec.get("by_teacher") or {}
    if llm_dps and not by.get("gold"):
        return float(llm_dps), f"cascade ({dets})"
    label = "gold spans" if not by.get("llm") else f"gold + cascade ({dets})"
    if opt.teacher_speed_docs <= 0:
        return (float(llm_dps) if llm_dps else None), label
    from workers.distill.teach import InputDoc

    sample = [InputDoc(id=r["id"], text=r["text"], spans=None) for r in held[: opt.teacher_speed_docs]]
    labeller = pipeline_labeller(opt.taxonomy, opt.teacher_detectors)
    labeller(sample[:2])  # engine warm-up is start-up cost, not throughput
    t0 = time.perf_counter()
    out = labeller(sample)
    dt = time.perf_counter() - t0
    # A failed document may cost more (or less) than a labelled one: say how many failed.
    failed = sum(isinstance(x, str) for x in out)
    return (len(sample) / dt if dt > 0 else None), (
        f"{label}; speed of the cascade ({dets}) on {len(sample)} held-out docs, {failed} of them failed"
    )
