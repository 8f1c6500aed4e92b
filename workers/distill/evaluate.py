"""evaluate: the student against its teacher on the held-out split (documents it never saw).

Reference: the gold spans when the input carried them (then the teacher is scored too: 1.0 for
a gold teacher, its real figures for the LLM cascade), else the teacher's own labels (the student
is then scored on how well it imitates). The student's spans below their type's `min_score` are
dropped, as the pipeline drops them. Scoring is workers.evaluate's, the same as `pii-worker eval`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from workers.evaluate import Prediction, PredSpan, TypeMap, score
from workers.loggen import GoldDoc, GoldSpan
from workers.taxonomy import Taxonomy

# What issue 9 asks of a student, relative to its teacher.
RECALL_RATIO_MIN = 0.9
LEAK_POINTS_MAX = 2.0
SPEED_RATIO_MIN = 50.0


def _brief(r: dict[str, Any]) -> dict[str, Any]:
    keep = ("value_leak_rate", "values_checked", "values_leaked", "char_leak_rate", "over_redaction_rate")
    return {
        "span": r["span"]["overlap"],
        "per_type": {t: {k: m[k] for k in ("gold", "recall", "precision", "pred")} for t, m in r["per_type"].items()},
        **{k: r[k] for k in keep},
    }


def evaluate(
    records: Sequence[dict[str, Any]],
    taxonomy: Taxonomy,
    types: Sequence[str],
    predict: Callable[[list[str]], list[list[tuple[Any, float]]]],
    *,
    teacher_docs_per_s: float | None,
    teacher_label: str,
) -> dict[str, Any]:
    """`records`: held-out silver records. `predict`: texts -> per text [(CharSpan, score)]."""
    has_gold = all("gold" in r for r in records)
    ref_key = "gold" if has_gold else "spans"
    gold = [GoldDoc(id=r["id"], text=r["text"], spans=[GoldSpan(**s) for s in r[ref_key]]) for r in records]
    teacher_preds = [
        Prediction(id=r["id"], spans=[PredSpan(type=s["type"], start=s["start"], end=s["end"]) for s in r["spans"]])
        for r in records
    ]
    texts = [r["text"] for r in records]
    if texts:
        predict(texts[:8])  # warm-up: first-run allocations are not throughput
    t0 = time.perf_counter()
    found = predict(texts)
    dt = time.perf_counter() - t0
    min_score = {t: taxonomy.by_name[t].min_score for t in types if t in taxonomy.by_name}
    student_preds = [
        Prediction(
            id=r["id"],
            spans=[
                PredSpan(type=s.type, start=s.start, end=s.end) for s, p in spans if p >= min_score.get(s.type, 0.5)
            ],
        )
        for r, spans in zip(records, found, strict=True)
    ]
    tm = TypeMap(scored=frozenset(types), aliases={})
    t_rep = _brief(score(gold, teacher_preds, tm, keep_examples=0))
    s_rep = _brief(score(gold, student_preds, tm, keep_examples=0))
    student_dps = len(texts) / dt if dt > 0 else None
    t_rep["docs_per_s"] = teacher_docs_per_s
    s_rep["docs_per_s"] = round(student_dps, 2) if student_dps else None

    ratios: dict[str, Any] = {"recall_ratio": {}}
    ok = True
    for t in types:
        tr = t_rep["per_type"].get(t, {}).get("recall")
        sr = s_rep["per_type"].get(t, {}).get("recall")
        ratio = (sr / tr) if (tr and sr is not None) else None
        ratios["recall_ratio"][t] = ratio
        ok &= ratio is None or ratio >= RECALL_RATIO_MIN
    tl, sl = t_rep["value_leak_rate"], s_rep["value_leak_rate"]
    ratios["leak_points_over_teacher"] = 100 * (sl - tl) if tl is not None and sl is not None else None
    if ratios["leak_points_over_teacher"] is not None:
        ok &= ratios["leak_points_over_teacher"] <= LEAK_POINTS_MAX
    speed = student_dps / teacher_docs_per_s if student_dps and teacher_docs_per_s else None
    ratios["speed_ratio"] = speed
    return {
        "heldout_docs": len(records),
        "reference": "gold" if has_gold else "teacher",
        "teacher": teacher_label,
        "teacher_scores": t_rep,
        "student_scores": s_rep,
        "ratios": ratios,
        "meets_quality_targets": ok,
        "meets_speed_target": None if speed is None else speed >= SPEED_RATIO_MIN,
    }


def format_eval(e: dict[str, Any]) -> str:
    def f(x: float | None, pct: bool = False) -> str:
        return "-" if x is None else (f"{100 * x:.1f}%" if pct else f"{x:.3f}")

    t, s, r = e["teacher_scores"], e["student_scores"], e["ratios"]
    lines = [
        f"held-out documents: {e['heldout_docs']} (reference: {e['reference']}; teacher: {e['teacher']})",
        f"{'type':<24}{'teacher R':>10}{'P':>7}{'student R':>11}{'P':>7}{'R ratio':>9}{'gold':>6}",
    ]
    for ty in sorted(set(t["per_type"]) | set(s["per_type"])):
        a, b = t["per_type"].get(ty, {}), s["per_type"].get(ty, {})
        lines.append(
            f"{ty:<24}{f(a.get('recall')):>10}{f(a.get('precision')):>7}{f(b.get('recall')):>11}"
            f"{f(b.get('precision')):>7}{f(r['recall_ratio'].get(ty)):>9}{a.get('gold', b.get('gold', 0)):>6}"
        )
    lines.append(
        f"value leak: teacher {f(t['value_leak_rate'], True)}, student {f(s['value_leak_rate'], True)}"
        f" ({s['values_leaked']}/{s['values_checked']})"
    )
    lines.append(
        f"over-redaction: teacher {f(t['over_redaction_rate'], True)}, student {f(s['over_redaction_rate'], True)}"
    )
    td = t.get("docs_per_s")
    lines.append(
        f"docs/s: teacher {'-' if td is None else f'{td:.2f}'}, student {s.get('docs_per_s')}"
        + (f" ({r['speed_ratio']:.0f}x)" if r.get("speed_ratio") else "")
    )
    return "\n".join(lines)
