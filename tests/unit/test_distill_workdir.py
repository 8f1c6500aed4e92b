"""Resume logic: phases skip when their inputs are unchanged, rerun (with what follows) otherwise.

The heavy parts (training, ONNX export, the ONNX student) are replaced by fakes that write the
files the real ones write; the orchestration, keys and markers are the real ones.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

import workers.distill.export as export_mod
import workers.distill.student as student_mod
import workers.distill.train as train_mod
from workers.distill import run as run_mod
from workers.distill.workdir import WorkDir, make_key

TAXONOMY = Path(__file__).resolve().parents[2] / "samples" / "taxonomy-custom.yaml"


def test_workdir_marker_needs_same_key_and_outputs(tmp_path: Path) -> None:
    wd = WorkDir(tmp_path / "w")
    out = wd.path("a.txt")
    assert not wd.is_done("teach", "k1", [out])
    out.write_text("x")
    wd.mark("teach", "k1", {"docs": 3})
    assert wd.is_done("teach", "k1", [out])
    assert not wd.is_done("teach", "k2", [out])
    assert wd.record("teach") == {"key": "k1", "docs": 3}
    out.unlink()
    assert not wd.is_done("teach", "k1", [out])
    wd.forget("teach")
    assert wd.record("teach") is None


def test_corrupt_marker_means_not_done(tmp_path: Path) -> None:
    wd = WorkDir(tmp_path)
    (tmp_path / ".train.done.json").write_text("{not json")
    assert wd.record("train") is None and not wd.is_done("train", "k", [])


def test_make_key_is_order_independent_and_sensitive() -> None:
    assert make_key({"a": 1, "b": [1, 2]}) == make_key({"b": [1, 2], "a": 1})
    assert make_key({"a": 1}) != make_key({"a": 2})


@pytest.fixture
def fakes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    calls: Counter[str] = Counter()
    base = tmp_path / "base"
    base.mkdir()
    for f in ("config.json", "tokenizer.json"):
        (base / f).write_text("{}")
    (base / "model.safetensors").write_bytes(b"w")
    monkeypatch.setattr(run_mod, "_resolve_base", lambda ref, cache: base)
    monkeypatch.setenv("PII_WORKER_MODEL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(train_mod, "load_tokenizer", lambda d: None)
    monkeypatch.setattr(train_mod, "features", lambda recs, tok, labels: [([1], [0]) for _ in recs])

    def fake_train(cfg: dict[str, Any]) -> None:
        calls["train"] += 1
        out = Path(cfg["out_dir"])
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.json").write_text("{}")
        # Weights depend on the training data, as real ones do.
        (out / "model.safetensors").write_bytes(str(len(cfg["features"])).encode())
        (out / "history.json").write_text(json.dumps([{"epoch": 1, "loss": 0.5}]))

    def fake_export(
        train_dir: Path, base_dir: Path, dest: Path, manifest: dict[str, Any], *, int8: bool = True
    ) -> dict[str, int]:
        from workers.modelcache import MARKER

        calls["export"] += 1
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "model.onnx").write_bytes((train_dir / "model.safetensors").read_bytes())
        (dest / "manifest.json").write_text(json.dumps(manifest))
        (dest / MARKER).write_text("{}")
        return {"fp32_bytes": 1, "onnx_bytes": 1}

    class FakeStudent:
        def __init__(self, model_dir: Path, threads: int = 0):
            calls["student"] += 1

        def predict(self, texts: list[str]) -> list[list[Any]]:
            return [[] for _ in texts]

    monkeypatch.setattr(train_mod, "train_local", fake_train)
    monkeypatch.setattr(export_mod, "export_student", fake_export)
    monkeypatch.setattr(student_mod, "Student", FakeStudent)
    return calls


def _docs(path: Path, n: int) -> Path:
    with path.open("wb") as f:
        for i in range(n):
            text = f"badge holder=E{100000 + i} door=LAB-3"
            f.write(
                orjson.dumps({"id": f"d{i}", "text": text, "spans": [{"type": "EMPLOYEE_ID", "start": 13, "end": 20}]})
                + b"\n"
            )
    return path


def _opts(tmp_path: Path, inp: Path, **kw: Any) -> run_mod.Options:
    kw.setdefault("log", [].append)
    return run_mod.Options(
        taxonomy=TAXONOMY,
        input=inp,
        out="stu",
        teacher="gold",
        work_dir=tmp_path / "wd",
        heldout=0.3,
        **kw,
    )


def test_rerun_skips_every_finished_phase(tmp_path: Path, fakes: Counter[str]) -> None:
    inp = _docs(tmp_path / "docs.jsonl", 30)
    first = run_mod.run(_opts(tmp_path, inp))
    assert fakes == Counter(train=1, export=1, student=1)
    second = run_mod.run(_opts(tmp_path, inp))
    assert fakes == Counter(train=1, export=1, student=1)
    assert first["evaluation"] == second["evaluation"]
    assert json.loads((Path(first["model_dir"]) / "manifest.json").read_text())["evaluation"]["heldout_docs"] > 0


def test_edited_silver_labels_retrain_without_reteaching(tmp_path: Path, fakes: Counter[str]) -> None:
    inp = _docs(tmp_path / "docs.jsonl", 30)
    run_mod.run(_opts(tmp_path, inp))
    silver = tmp_path / "wd" / "silver.jsonl"
    lines = silver.read_bytes().splitlines()
    rec = orjson.loads(lines[0])
    rec["spans"] = []  # a reviewer removes a label
    edited = b"\n".join([orjson.dumps(rec), *lines[1:]]) + b"\n"
    silver.write_bytes(edited)
    run_mod.run(_opts(tmp_path, inp))
    assert silver.read_bytes() == edited  # teach did not run again over the edit
    assert fakes["train"] == 2


def test_changed_input_reruns_from_teach_and_a_changed_hyperparameter_from_train(
    tmp_path: Path, fakes: Counter[str]
) -> None:
    inp = _docs(tmp_path / "docs.jsonl", 30)
    run_mod.run(_opts(tmp_path, inp))
    run_mod.run(_opts(tmp_path, inp, epochs=5))
    # Retrained; the manifest records the training, so the export and its evaluation follow.
    assert fakes == Counter(train=2, export=2, student=2)
    _docs(inp, 40)
    run_mod.run(_opts(tmp_path, inp, epochs=5))
    assert fakes == Counter(train=3, export=3, student=3)
    assert len((tmp_path / "wd" / "silver.jsonl").read_bytes().splitlines()) == 40
    run_mod.run(_opts(tmp_path, inp, epochs=5))
    assert fakes == Counter(train=3, export=3, student=3)


def test_a_crash_mid_phase_leaves_no_marker(
    tmp_path: Path, fakes: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inp = _docs(tmp_path / "docs.jsonl", 30)

    def boom(cfg: dict[str, Any]) -> None:
        raise RuntimeError("killed")

    monkeypatch.setattr(train_mod, "train_local", boom)
    with pytest.raises(RuntimeError):
        run_mod.run(_opts(tmp_path, inp))
    wd = WorkDir(tmp_path / "wd")
    assert wd.record("teach") is not None and wd.record("train") is None


def test_default_epochs_come_from_the_data_and_a_tiny_set_is_warned_about(
    tmp_path: Path, fakes: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []
    real_train = train_mod.train_local
    monkeypatch.setattr(train_mod, "train_local", lambda cfg: (seen.append(cfg), real_train(cfg)))
    inp = _docs(tmp_path / "docs.jsonl", 30)
    logs: list[str] = []
    out = run_mod.run(_opts(tmp_path, inp, log=logs.append))
    n_train = out["training"]["steps"] // out["training"]["epochs"]  # steps per epoch (1 window a doc here)
    # ~27 training documents in batches of 16: 2 steps an epoch, so the ceiling holds it at 40.
    assert (seen[0]["epochs"], n_train, out["training"]["auto_epochs"]) == (40, 2, True)
    assert any("40 epochs x 2 steps = 80 optimizer steps (auto:" in m for m in logs)
    warnings = [m for m in logs if m.startswith("distill: WARNING:")]
    assert any("training documents (fewer than" in m for m in warnings)
    assert any("PERSON (0)" in m for m in warnings)  # these documents hold EMPLOYEE_IDs only
    assert not any("optimizer steps (fewer than" in m for m in warnings)  # 80 are enough
    man = json.loads((Path(out["model_dir"]) / "manifest.json").read_text())
    assert man["training"]["epochs"] == 40 and man["training"]["steps"] == 80
    assert man["training"]["warnings"] == out["training"]["warnings"] != []
    # A rerun trains nothing but says again what was wrong with that training.
    logs.clear()
    run_mod.run(_opts(tmp_path, inp, log=logs.append))
    assert fakes["train"] == 1
    assert any(m.startswith("distill: WARNING (when it was trained):") for m in logs)
