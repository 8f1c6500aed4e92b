"""Denial-of-service benchmark: time per KB of hostile document shapes through the rules path.

Each shape is built at 10 KB, 100 KB and 1 MB and run once through `Pipeline` with
`RulesDetector` (what `pii-worker redact` runs: detect -> resolve -> echoes -> redact). A linear
(or n log n) implementation shows a flat ms/KB column; a quadratic one grows ~10x per row.
Prints a table and writes bench/results/dos.json.

    .venv/bin/python bench/dos_bench.py [--sizes 10,100,1000] [--shapes a,b] [--budget 120]

A shape whose run exceeds --budget seconds is not tried at the next size (reported as skipped).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def _luhn_complete(body: str) -> str:
    total = 0
    for i, c in enumerate(reversed(body + "0")):
        n = int(c)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return body + str((10 - total % 10) % 10)


def _fill(unit: Callable[[random.Random, int], str], size: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    n = i = 0
    while n < size:
        piece = unit(rng, i)
        parts.append(piece)
        n += len(piece)
        i += 1
    return "".join(parts)[:size]


def _ip(rng: random.Random, i: int) -> str:
    return f"src={rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)} "


def _email(rng: random.Random, i: int) -> str:
    return f"user{i}.x{rng.randint(0, 99999)}@mail{i % 97}.example.com, "


def _card(rng: random.Random, i: int) -> str:
    return "card " + _luhn_complete("4" + "".join(str(rng.randint(0, 9)) for _ in range(14))) + "; "


def _phone_distinct(rng: random.Random, i: int) -> str:
    return f"call +1 415-{rng.randint(200, 999)}-{rng.randint(1000, 9999)} "


def _kv(rng: random.Random, i: int) -> str:
    return (f"user=u{i}x password=Pw{rng.getrandbits(40):x}! token={rng.getrandbits(96):024x} "
            f"phone={rng.randint(2000000, 9999999)} ")


def _hex(rng: random.Random, i: int) -> str:
    return f"{rng.getrandbits(64):016x}"


def _spelled(rng: random.Random, i: int) -> str:
    return f"write to jo{i} at host{i % 13} dot com or meet at noon. "


def _zw_email(rng: random.Random, i: int) -> str:
    return f"mail: a\u200bn{i}@ex\u00adample.org and 4111\u200b1111\u200b1111\u200b1111 "


SHAPES: dict[str, Callable[[int], str]] = {
    "distinct_ips": lambda n: _fill(_ip, n),
    "repeated_phone": lambda n: ("call +1 415-555-2671 " * (n // 21 + 1))[:n],
    "distinct_phones": lambda n: _fill(_phone_distinct, n),
    "12-": lambda n: ("12-" * (n // 3 + 1))[:n],
    "many_emails": lambda n: _fill(_email, n),
    "many_cards": lambda n: _fill(_card, n),
    "digit_run": lambda n: ("1234567890" * (n // 10 + 1))[:n],
    "digits_spaced": lambda n: ("1234 " * (n // 5 + 1))[:n],
    "hex_run": lambda n: _fill(_hex, n),
    "key_values": lambda n: _fill(_kv, n),
    "spelled_at_dot": lambda n: _fill(_spelled, n),
    "zero_width_evasion": lambda n: _fill(_zw_email, n),
}


def run_one(pipe, text: str) -> tuple[float, int]:  # noqa: ANN001
    from workers.models import Document, Result

    t0 = time.perf_counter()
    out = pipe.run([Document(id="d", text=text)])[0]
    dt = time.perf_counter() - t0
    if not isinstance(out, Result):
        raise SystemExit(f"pipeline failed on a benchmark shape: {out}")
    return dt, len(out.entities)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,100,1000", help="document sizes in KB")
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--budget", type=float, default=120.0, help="seconds; above it, larger sizes are skipped")
    ap.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "dos.json"))
    a = ap.parse_args()

    from workers.config import PipelineSettings
    from workers.pipeline_factory import build_pipeline

    pipe = build_pipeline(PipelineSettings(detectors=["rules"]))
    run_one(pipe, SHAPES["key_values"](2000))  # warm-up (first-call imports, caches)
    sizes = [int(s) for s in a.sizes.split(",")]
    rows = []
    print(f"{'shape':<20}" + "".join(f"{f'{k} KB ms/KB':>16}" for k in sizes) + f"{'spans @max':>12}")
    for name in a.shapes.split(","):
        make = SHAPES[name]
        row: dict[str, object] = {"shape": name, "ms_per_kb": {}, "spans": {}, "seconds": {}}
        cells = []
        over = False
        for kb in sizes:
            if over:
                cells.append(f"{'skipped':>16}")
                continue
            text = make(kb * 1000)
            dt, nspans = run_one(pipe, text)
            row["ms_per_kb"][str(kb)] = round(dt * 1000 / kb, 3)  # type: ignore[index]
            row["spans"][str(kb)] = nspans  # type: ignore[index]
            row["seconds"][str(kb)] = round(dt, 3)  # type: ignore[index]
            cells.append(f"{dt * 1000 / kb:>16.3f}")
            over = dt > a.budget
        print(f"{name:<20}" + "".join(cells) + f"{nspans:>12}", flush=True)
        rows.append(row)
    result = {
        "command": "python bench/dos_bench.py " + " ".join(sys.argv[1:]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "pipeline": "Pipeline(RulesDetector) via build_pipeline(detectors=['rules']), one document per run",
        "rows": rows,
    }
    os.makedirs(os.path.dirname(a.output), exist_ok=True)
    with open(a.output, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
