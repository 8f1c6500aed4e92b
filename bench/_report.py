"""What every benchmark script shares: progress lines, machine facts, CPU accounting and the
rewrite of one `## Section` of docs/benchmarks.md (other sections stay as they are)."""

from __future__ import annotations

import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DOC = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "bench" / "results"


def logger(prefix: str):  # noqa: ANN201 - a plain callable
    def log(msg: str) -> None:
        print(f"[{prefix} {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    return log


def machine() -> dict[str, Any]:
    cpu = "unknown"
    mem_kb = 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def proc_tree_cpu(root_pid: int | None = None) -> float:
    """CPU seconds of a process and all its live descendants (vLLM's engine core and workers are
    still running when we read, so RUSAGE_CHILDREN does not see them)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [root_pid or os.getpid()]
    seen: set[int] = set()
    while pids:
        pid = pids.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            pids.extend(int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
        except (OSError, ValueError, IndexError):
            continue
    return total


def replace_section(section: str, body: str, doc: Path = BENCH_DOC) -> None:
    """Replace the `section` heading line and everything up to the next `## ` heading with `body`."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    lines = text.splitlines()
    try:
        start = next(i for i, ln in enumerate(lines) if ln.strip() == section)
        end = next((j for j in range(start + 1, len(lines)) if lines[j].startswith("## ")), len(lines))
        new = lines[:start] + body.rstrip("\n").splitlines() + ([""] if end < len(lines) else []) + lines[end:]
    except StopIteration:
        new = [*lines, "", *body.rstrip("\n").splitlines()]
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text("\n".join(new).rstrip("\n") + "\n", encoding="utf-8")
