"""`make bench-cascade`: rules / rules+ner / rules+llm / cascade on the same documents, one run each.

Datasets: the dev set (presidio-research sentences, first --dev-limit) and `pii-worker gen` log
lines for several seeds (--gen-n each), the formats the rules were not tuned on reported apart.
Each detector configuration runs in its own child process (one model load, one vLLM engine at a
time); the child times detection only (wall and CPU of its whole process tree, vLLM's engine
processes included) and writes predictions; the parent scores them with workers/evaluate.py and
rewrites the "## Detector tiers" section of docs/benchmarks.md. Raw figures: bench/results/cascade.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _report import RESULTS, logger, machine, proc_tree_cpu, replace_section  # noqa: E402

from workers import evaluate as ev  # noqa: E402

log = logger("cascade-bench")
SECTION = "## Detector tiers"
CONFIGS: dict[str, tuple[list[str], str | None]] = {
    # name: (detectors, llm_route)
    "rules": (["rules"], None),
    "rules+ner": (["rules", "ner"], None),
    "rules+llm": (["rules", "llm"], "all"),
    "cascade": (["rules", "ner", "llm"], "uncertain"),
}
DEV = ROOT.parent / "shared" / "data" / "presidio_synth_dataset_v2.json"


def datasets(a: argparse.Namespace) -> dict[str, list[ev.GoldDoc]]:
    from workers.loggen import generate

    out: dict[str, list[ev.GoldDoc]] = {}
    dev = Path(a.dev)
    if dev.exists():
        out["dev"] = ev.load_gold(dev, a.dev_limit)
    for seed in a.seeds:
        out[f"gen-{seed}"] = generate(a.gen_n, seed=seed)
    return out


def _gold(name: str, n: int, a: argparse.Namespace) -> list[ev.GoldDoc]:
    from workers.loggen import generate

    if name == "dev":
        return ev.load_gold(Path(a.dev), n)
    return generate(n, seed=int(name.removeprefix("gen-")))


# ---------------------------------------------------------------- child: one configuration


def child(a: argparse.Namespace) -> None:
    from workers.config import PipelineSettings
    from workers.pipeline_factory import build_pipeline

    detectors, route = CONFIGS[a.config]
    llm = None
    if "llm" in detectors:
        from workers.detect.llm import LLMSettings, build_llm_detector
        from workers.taxonomy import load_taxonomy

        kw: dict[str, Any] = {}
        if route is not None and "llm_route" in LLMSettings.model_fields:
            kw["llm_route"] = route
        llm = build_llm_detector(load_taxonomy(None), LLMSettings(**kw))
    t0 = time.monotonic()
    pipe = build_pipeline(PipelineSettings.model_validate({"detectors": detectors}), llm=llm)
    startup = time.monotonic() - t0
    out: dict[str, Any] = {
        "config": a.config,
        "detectors": detectors,
        "llm_route": route,
        "startup_s": round(startup, 1),
        "runs": {},
    }
    for name, gold in datasets(a).items():
        if a.config == "rules+llm" and a.llm_all_limit:
            # Every document through the 1.5B model runs at ~0.2 docs/s on 2 cores: a stated prefix
            # of the same documents keeps one run under the lock's ~25 minutes.
            gold = gold[: a.llm_all_limit]
        stats0 = _llm_stats(pipe)
        w0, c0 = time.monotonic(), proc_tree_cpu()
        preds = ev.run_pipeline(pipe, gold, batch_size=a.batch_size)
        wall, cpu = time.monotonic() - w0, proc_tree_cpu() - c0
        stats1 = _llm_stats(pipe)
        delta = {k: v - stats0.get(k, 0) for k, v in stats1.items() if isinstance(v, int | float)}
        path = Path(a.out).with_suffix(f".{name}.jsonl")
        with path.open("w", encoding="utf-8") as f:
            for p in preds:
                f.write(p.model_dump_json() + "\n")
        out["runs"][name] = {
            "docs": len(gold),
            "wall_s": wall,
            "cpu_s": cpu,
            "llm_stats": delta,
            "predictions": str(path.resolve().relative_to(ROOT)) if path.resolve().is_relative_to(ROOT) else str(path),
        }
        log(f"{a.config} on {name}: {len(gold)} docs in {wall:.1f} s ({len(gold) / max(wall, 1e-9):.1f} docs/s)")
    Path(a.out).write_text(json.dumps(out, indent=1) + "\n")


def _llm_stats(pipe: Any) -> dict[str, Any]:
    for d in pipe.detectors:
        stats = getattr(d, "stats", None)
        if stats is not None and hasattr(stats, "as_dict"):
            return dict(stats.as_dict())
    return {}


# ---------------------------------------------------------------- parent: score and report


def score(a: argparse.Namespace, runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    from workers.loggen import HELD_OUT_FORMATS
    from workers.taxonomy import load_taxonomy

    types = ev.TypeMap(scored=frozenset(load_taxonomy(None).names()))
    data: dict[str, list[ev.GoldDoc]] = {}
    most: dict[str, int] = {}
    for res in runs.values():  # a configuration ran these documents or a prefix of them
        for name, r in res["runs"].items():
            most[name] = max(most.get(name, 0), r["docs"])
    for name, n in most.items():
        data[name] = _gold(name, n, a)
    table: dict[str, dict[str, Any]] = {}
    for cfg, res in runs.items():
        for name, r in res["runs"].items():
            gold = data[name][: r["docs"]]
            preds = {
                p.id: p
                for p in (
                    ev.Prediction.model_validate_json(x) for x in (ROOT / r["predictions"]).read_text().splitlines()
                )
            }
            rep = ev.score(gold, ev.align(gold, preds), types, keep_examples=0)
            held = [g for g in gold if getattr(g, "format", None) in HELD_OUT_FORMATS]
            rep_held = ev.score(held, ev.align(held, preds), types, keep_examples=0) if held else None
            st = r["llm_stats"]
            table.setdefault(cfg, {})[name] = {
                "docs": r["docs"],
                "wall_s": r["wall_s"],
                "cpu_s": r["cpu_s"],
                "docs_per_s": r["docs"] / max(r["wall_s"], 1e-9),
                # /proc counts CPU in 10 ms ticks: below 0.5 s the figure is noise
                "docs_per_cpu_s": r["docs"] / r["cpu_s"] if r["cpu_s"] >= 0.5 else None,
                "precision": rep["span"]["overlap"]["precision"],
                "recall": rep["span"]["overlap"]["recall"],
                "f1": rep["span"]["overlap"]["f1"],
                "value_leak": rep["value_leak_rate"],
                "over_redaction": rep["over_redaction_rate"],
                "failed": rep.get("failures"),
                "held_out": None
                if rep_held is None
                else {
                    "docs": len(held),
                    "f1": rep_held["span"]["overlap"]["f1"],
                    "value_leak": rep_held["value_leak_rate"],
                    "over_redaction": rep_held["over_redaction_rate"],
                },
                "llm_docs": st.get("routed", st.get("docs")),  # documents the router sent to the model
                "completion_tokens": st.get("completion_tokens"),
                "llm_stats": st,
            }
    return table


def _f(x: Any, nd: int = 3) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def _p(x: Any) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or not b else f"{a / b:.1f}x"


def _prefix_note(res: dict[str, Any]) -> str:
    """Configurations that ran only the first documents of a dataset (rules+llm with --llm-all-limit)."""
    short = sorted(
        {(cfg, per[n]["docs"]) for cfg, per in res["table"].items() for n in per if per[n]["docs"] < _docs(res, n)}
    )
    return "".join(f", except {cfg}: the first {n} of each" for cfg, n in short)


def _docs(res: dict[str, Any], name: str) -> int:
    return max(per[name]["docs"] for per in res["table"].values() if name in per)


def render(res: dict[str, Any]) -> str:
    m = res["machine"]
    L = [
        SECTION,
        "",
        f"Command: `{res['command']}`  ",
        f"Date: {m['date']}; machine: {m['nproc']} cores ({m['cpu']}), {m['ram_gib']} GiB, Python {m['python']}; "
        f"load average at start {m['loadavg_start']} (shared cores: wall-clock figures are noisy, docs per CPU-second "
        "counts the whole process tree, vLLM's engine processes included).  ",
        f"Documents per dataset: {', '.join(f'{n} {_docs(res, n)}' for n in res['datasets'])} (dev: the first sentences "
        "of the presidio-research set; gen-S: `pii-worker gen` with seed S); the same documents for every "
        f"configuration{_prefix_note(res)}. LLM: the default model of `LLMSettings`; "
        "rules+llm asks the LLM on every document (`llm_route: all`), the cascade only where the encoder is unsure "
        "or a type no cheaper tier covers is cued, or a cue's value slot is open (`llm_route: uncertain`); "
        f"{res['args'].get('batch_size', '?')} documents per pipeline call.",
        "",
    ]
    for name in res["datasets"]:
        L += [
            f"### {name}",
            "",
            "| configuration | docs | precision | recall | F1 | value leak | over-redaction | docs/s | docs per CPU-s | "
            "docs sent to the LLM | completion tokens / doc | held-out formats: F1 / leak / over-red. |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for cfg, per in res["table"].items():
            r = per.get(name)
            if r is None:
                continue
            h = r["held_out"]
            held = (
                "-"
                if h is None
                else f"{_f(h['f1'])} / {_p(h['value_leak'])} / {_p(h['over_redaction'])} ({h['docs']} docs)"
            )
            llm_docs = r["llm_docs"]
            share = "-" if llm_docs is None else f"{llm_docs} ({_p(llm_docs / max(r['docs'], 1))})"
            tok = r["completion_tokens"]
            L.append(
                f"| {cfg} | {r['docs']} | {_f(r['precision'])} | {_f(r['recall'])} | {_f(r['f1'])} | {_p(r['value_leak'])} | "
                f"{_p(r['over_redaction'])} | {_f(r['docs_per_s'], 2)} | {_f(r['docs_per_cpu_s'], 2)} | {share} | "
                f"{'-' if tok is None else _f(tok / max(r['docs'], 1), 1)} | {held} |"
            )
        L.append("")
        cas, base = res["table"].get("cascade", {}).get(name), res["table"].get("rules+llm", {}).get(name)
        if cas and base:
            prefix = "" if base["docs"] == cas["docs"] else f" (rules+llm on the first {base['docs']} of them)"
            L += [
                f"Cascade vs rules+llm on these documents{prefix}: {cas['docs_per_s'] / base['docs_per_s']:.1f}x "
                f"docs/s, {_ratio(cas['docs_per_cpu_s'], base['docs_per_cpu_s'])} docs per CPU-second.",
                "",
            ]
    L += ["Raw figures: `bench/results/cascade.json`.", ""]
    return "\n".join(L)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("phase", nargs="?", default="all", choices=["all", "child", "report"])
    ap.add_argument("--configs", default=",".join(CONFIGS), help=f"comma-separated, of {list(CONFIGS)}")
    ap.add_argument("--config", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--dev", default=str(DEV))
    ap.add_argument("--dev-limit", type=int, default=256)
    ap.add_argument(
        "--seeds",
        type=lambda s: [int(x) for x in s.split(",") if x.strip()],
        default=[7, 11, 13],
        help="generated-log seeds, comma-separated ('' for none)",
    )
    ap.add_argument(
        "--merge",
        action="store_true",
        help="keep the runs already in bench/results/cascade.json (other datasets) and add these",
    )
    ap.add_argument("--gen-n", type=int, default=256)
    # Documents per pipeline call: on CPU an LLM call costs about its longest generation, so the
    # cascade's few routed documents should share as few calls as possible (same size for every
    # configuration).
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument(
        "--llm-all-limit",
        type=int,
        default=32,
        help="rules+llm runs only the first N documents of each dataset (0: all); reported as such",
    )
    ap.add_argument("--doc", default=str(ROOT / "docs" / "benchmarks.md"))
    a = ap.parse_args()
    if a.phase == "child":
        child(a)
        return 0
    raw = RESULTS / "cascade.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    prev = json.loads(raw.read_text()) if raw.exists() else {}
    runs: dict[str, Any] = prev.get("runs", {}) if a.phase == "report" or a.merge else {}
    if a.phase == "all":
        work = RESULTS / "cascade"
        work.mkdir(exist_ok=True)
        for cfg in [c.strip() for c in a.configs.split(",") if c.strip()]:
            out = work / f"{cfg}.json"
            cmd = [
                sys.executable,
                __file__,
                "child",
                "--config",
                cfg,
                "--out",
                str(out),
                "--dev",
                a.dev,
                "--dev-limit",
                str(a.dev_limit),
                "--seeds",
                ",".join(map(str, a.seeds)),
                "--gen-n",
                str(a.gen_n),
                "--batch-size",
                str(a.batch_size),
                "--llm-all-limit",
                str(a.llm_all_limit),
            ]
            log(f"running {cfg}")
            subprocess.run(cmd, check=True)
            new = json.loads(out.read_text())
            if cfg in runs:  # --merge: this run's datasets replace the same ones, others stay
                new["runs"] = {**runs[cfg]["runs"], **new["runs"]}
            runs[cfg] = new
    res = {
        "machine": prev.get("machine") if a.phase == "report" else machine(),
        # `report` re-renders a saved run: its command and arguments are that run's, not the report's.
        "command": prev.get("command") if a.phase == "report" else "make bench-cascade",
        "args": prev.get("args")
        if a.phase == "report"
        else {
            "dev_limit": a.dev_limit,
            "seeds": a.seeds,
            "gen_n": a.gen_n,
            "batch_size": a.batch_size,
            "llm_all_limit": a.llm_all_limit,
        },
        "runs": runs,
        "datasets": sorted({name for r in runs.values() for name in r["runs"]}, key=lambda n: (n != "dev", n)),
    }
    res["table"] = score(a, runs)
    raw.write_text(json.dumps(res, indent=1) + "\n")
    replace_section(SECTION, render(res), Path(a.doc))
    log(f"wrote {raw} and the {SECTION!r} section of {a.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
