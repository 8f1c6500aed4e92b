"""Lag-driven autoscaling: a pure decision function plus the two Ray Serve policy classes.

Serve calls a policy every control-loop tick with an `AutoscalingContext` (Ray 2.60) and expects
`(target_replicas, policy_state)`. Both policies reduce their context to plain numbers and call
`decide()`, which is pure and unit-tested: it holds a scale-up until the wish has persisted for
`upscale_delay_s` and a scale-down for `downscale_delay_s`, and always stays within bounds.

Signals (reported by replicas through `record_autoscaling_stats`):
- Consumer replicas report `consumer_lag` (the whole group's lag on the input topic: committed
  offset vs log end, summed over partitions; every replica measures the same thing, so the policy
  takes the max) and `topic_partitions`. Consumers scale to ceil(lag / target per replica), never
  above the partition count (extra consumers in a group would sit idle).
- Extractor replicas report `consumer_lag` as seen from the lag hints consumers attach to their
  calls; the extractor scales on that lag and on its own queue (ongoing requests), whichever asks
  for more. The queue term also wakes an extractor scaled to zero: queued requests count.

No Ray import here: the context is read by attribute, so tests pass simple objects.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

LAG_METRIC = "consumer_lag"
PARTITIONS_METRIC = "topic_partitions"


def clamp(n: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, n))


def replicas_for(load: float, per_replica: float) -> int:
    """Replicas needed so each carries at most `per_replica` of `load` (0 for no load)."""
    if load <= 0:
        return 0
    return math.ceil(load / per_replica)


def decide(
    *,
    current: int,
    desired: int,
    lo: int,
    hi: int,
    now: float,
    state: Mapping[str, Any] | None,
    upscale_delay_s: float,
    downscale_delay_s: float,
) -> tuple[int, dict[str, Any]]:
    """Next replica target. `state` is what the previous call returned (Serve keeps it).

    A change is applied only after the same direction has been wished for continuously for the
    direction's delay; a wish in the other direction (or none) restarts the clock. A current
    count outside the bounds is corrected at once.
    """
    state = dict(state or {})
    if current < lo or current > hi:
        return clamp(current, lo, hi), {}
    target = clamp(desired, lo, hi)
    if target > current:
        since = state.get("up_since")
        since = now if since is None else float(since)
        if now - since >= upscale_delay_s:
            return target, {}
        return current, {"up_since": since}
    if target < current:
        since = state.get("down_since")
        since = now if since is None else float(since)
        if now - since >= downscale_delay_s:
            return target, {}
        return current, {"down_since": since}
    return current, {}


def _metric(ctx: Any, name: str) -> dict[Any, float]:
    metrics = getattr(ctx, "aggregated_metrics", None) or {}
    return dict(metrics.get(name, {}) or {})


def _config_delays(ctx: Any) -> tuple[float, float]:
    cfg = getattr(ctx, "config", None)
    up = float(getattr(cfg, "upscale_delay_s", 0.0) or 0.0)
    down = float(getattr(cfg, "downscale_delay_s", 0.0) or 0.0)
    return up, down


def _now(ctx: Any) -> float:
    t = getattr(ctx, "current_time", None)
    if t is None:
        import time

        t = time.time()
    return float(t)


def _user_state(ctx: Any) -> dict[str, Any]:
    # Serve may add its own keys to the state dict; ours are the two timestamps.
    st = getattr(ctx, "policy_state", None) or {}
    return {k: st[k] for k in ("up_since", "down_since") if k in st}


class ConsumerLagPolicy:
    """Serve deployment policy for the Consumer deployment (class form, so Serve passes the
    config's `policy_kwargs` to the constructor and keeps one instance)."""

    def __init__(self, target_lag_per_replica: float = 5000.0):
        if target_lag_per_replica <= 0:
            raise ValueError("target_lag_per_replica must be > 0")
        self.target = float(target_lag_per_replica)

    def __call__(self, ctx: Any) -> tuple[int, dict[str, Any]]:
        lag = max(_metric(ctx, LAG_METRIC).values(), default=0.0)
        partitions = max(_metric(ctx, PARTITIONS_METRIC).values(), default=0)
        lo = int(ctx.capacity_adjusted_min_replicas)
        hi = int(ctx.capacity_adjusted_max_replicas)
        if partitions > 0:
            hi = max(lo, min(hi, int(partitions)))
        up, down = _config_delays(ctx)
        return decide(
            current=int(ctx.target_num_replicas),
            desired=replicas_for(lag, self.target),
            lo=lo,
            hi=hi,
            now=_now(ctx),
            state=_user_state(ctx),
            upscale_delay_s=up,
            downscale_delay_s=down,
        )


class ExtractorLagPolicy:
    """Serve deployment policy for the Extractor deployment."""

    def __init__(self, target_lag_per_replica: float = 500.0, target_ongoing_per_replica: float = 32.0):
        if target_lag_per_replica <= 0 or target_ongoing_per_replica <= 0:
            raise ValueError("targets must be > 0")
        self.target_lag = float(target_lag_per_replica)
        self.target_ongoing = float(target_ongoing_per_replica)

    def __call__(self, ctx: Any) -> tuple[int, dict[str, Any]]:
        # Every extractor replica sees (roughly) every consumer's hint: take the freshest max,
        # not the sum, or the lag would count once per extractor replica.
        lag = max(_metric(ctx, LAG_METRIC).values(), default=0.0)
        ongoing = float(getattr(ctx, "total_num_requests", 0.0) or 0.0)
        desired = max(replicas_for(lag, self.target_lag), replicas_for(ongoing, self.target_ongoing))
        up, down = _config_delays(ctx)
        return decide(
            current=int(ctx.target_num_replicas),
            desired=desired,
            lo=int(ctx.capacity_adjusted_min_replicas),
            hi=int(ctx.capacity_adjusted_max_replicas),
            now=_now(ctx),
            state=_user_state(ctx),
            upscale_delay_s=up,
            downscale_delay_s=down,
        )
