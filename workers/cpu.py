"""Thread placement from the machine, in one place, for every entry point.

vLLM on CPU binds its OpenMP workers to the cores named in `VLLM_CPU_OMP_THREADS_BIND` and, unset,
keeps cores in reserve for its front-end: on a 2-core machine its worker then ran pinned to one
core (affinity list `0`). `configure_threads()` names every core this process may run on (its
affinity, which honours taskset/cgroup cpusets, not the machine's total) unless the user set the
variables, and gives the default intra-op thread count for onnxruntime (the ner detector).
Called by every CLI command (workers/cli/__init__.py), the demo and each Serve replica's init.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass

BIND = "VLLM_CPU_OMP_THREADS_BIND"
RESERVED = "VLLM_CPU_NUM_OF_RESERVED_CPU"
INTRA_OP = "PII_WORKER_INTRA_OP_THREADS"  # override of the onnxruntime default


@dataclass(frozen=True)
class ThreadPlan:
    cores: tuple[int, ...]  # the cores this process may use
    bind: str  # VLLM_CPU_OMP_THREADS_BIND in effect
    reserved: str  # VLLM_CPU_NUM_OF_RESERVED_CPU in effect
    intra_op: int  # onnxruntime intra-op threads default
    user_set: bool  # the vLLM variables came from the user, not from here


# Values this module wrote, so a later call with another rank count may replace its own choice
# (never the user's).
_ours: dict[str, str] = {}


def usable_cores() -> tuple[int, ...]:
    try:
        cores = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = list(range(os.cpu_count() or 1))
    return tuple(cores) or (0,)


def cpu_list(cores: Iterable[int]) -> str:
    """`0-3,6,8-9`: the kernel's cpu-list syntax, which vLLM parses."""
    out: list[str] = []
    run: list[int] = []
    for c in sorted(set(cores)):
        if run and c != run[-1] + 1:
            out.append(_span(run))
            run = []
        run.append(c)
    if run:
        out.append(_span(run))
    return ",".join(out)


def _span(run: list[int]) -> str:
    return str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}"


def bind_value(cores: tuple[int, ...], ranks: int = 1) -> str:
    """One cpu list per tensor-parallel rank, `|`-separated; each rank gets a contiguous share."""
    ranks = max(1, min(ranks, len(cores)))
    per, extra = divmod(len(cores), ranks)
    groups, i = [], 0
    for r in range(ranks):
        n = per + (1 if r < extra else 0)
        groups.append(cpu_list(cores[i : i + n]))
        i += n
    return "|".join(groups)


def intra_op_threads(environ: MutableMapping[str, str] | None = None) -> int:
    """Default onnxruntime intra-op threads: PII_WORKER_INTRA_OP_THREADS, else every usable core."""
    env = os.environ if environ is None else environ
    raw = env.get(INTRA_OP, "").strip()
    if raw:
        try:
            n = int(raw)
        except ValueError:
            raise ValueError(f"{INTRA_OP} must be a whole number, got {raw!r}") from None
        if n < 1:
            raise ValueError(f"{INTRA_OP} must be at least 1, got {n}")
        return n
    return len(usable_cores())


def configure_threads(ranks: int = 1, environ: MutableMapping[str, str] | None = None) -> ThreadPlan:
    """Set the vLLM CPU binding from this process's affinity unless the user set it; idempotent."""
    env = os.environ if environ is None else environ
    cores = usable_cores()
    user_set = False
    for key, value in ((BIND, bind_value(cores, ranks)), (RESERVED, "0")):
        cur = env.get(key)
        if cur is None or cur == "" or _ours.get(key) == cur:
            env[key] = value
            _ours[key] = value
        else:
            user_set = True
    return ThreadPlan(cores, env[BIND], env[RESERVED], intra_op_threads(env), user_set)
