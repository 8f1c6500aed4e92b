"""The text report of a `score` result."""

from __future__ import annotations

from typing import Any

from workers.evaluate.scoring import MIN_LEAK_VALUE_LEN


def _f(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "-"
    return f"{100 * x:.1f}%" if pct else f"{x:.3f}"


def format_report(r: dict[str, Any]) -> str:
    lines = [f"documents: {r['docs']}  failures: {r['failures']}"]
    if r.get("detectors"):
        lines[0] += f"  detectors: {','.join(r['detectors'])}"
    lines.append("")
    lines.append(f"{'span match':<18}{'precision':>10}{'recall':>10}{'f1':>10}{'pred':>8}{'gold':>8}")
    for k, name in (
        ("overlap", "overlap (typed)"),
        ("exact", "exact (typed)"),
        ("overlap_untyped", "overlap (any type)"),
    ):
        m = r["span"][k]
        lines.append(
            f"{name:<18}{_f(m['precision']):>10}{_f(m['recall']):>10}{_f(m['f1']):>10}{m['pred']:>8}{m['gold']:>8}"
        )
    lines.append("")
    lines.append(f"{'type':<24}{'gold':>6}{'recall':>8}{'exact':>8}{'pred':>6}{'prec':>8}")
    for t, m in r["per_type"].items():
        lines.append(
            f"{t:<24}{m['gold']:>6}{_f(m['recall']):>8}{_f(m['exact_recall']):>8}{m['pred']:>6}{_f(m['precision']):>8}"
        )
    lines.append("")
    lines.append(
        f"value leak rate:      {_f(r['value_leak_rate'], True)} ({r['values_leaked']}/{r['values_checked']} gold values of >= {MIN_LEAK_VALUE_LEN} chars still in the output)"
    )
    lines.append(f"character leak rate:  {_f(r['char_leak_rate'], True)}")
    lines.append(f"over-redaction rate:  {_f(r['over_redaction_rate'], True)} of non-PII characters")
    if r.get("hallucinations") is not None:
        lines.append(f"hallucinations:       {r['hallucinations']} (LLM mentions not found in the text)")
    if r["untargeted_gold"]:
        lines.append(
            "untargeted gold (excluded from scoring): " + ", ".join(f"{k} {v}" for k, v in r["untargeted_gold"].items())
        )
        lines.append(f"predictions on untargeted gold only (neutral): {r['neutral_predictions']}")
    if r["ignored_predictions"]:
        lines.append(
            "predictions of unscored types (ignored): "
            + ", ".join(f"{k} {v}" for k, v in r["ignored_predictions"].items())
        )
    if r["decoys"]:
        lines.append(
            "look-alikes hit by a prediction: "
            + ", ".join(f"{k} {v['hit']}/{v['total']}" for k, v in r["decoys"].items())
        )
    if r.get("docs_per_s"):
        lines.append(f"throughput: {r['docs_per_s']:.1f} docs/s")
    return "\n".join(lines)
