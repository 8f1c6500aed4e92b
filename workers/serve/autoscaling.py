"""Lag-driven autoscaling: pure replica-count functions plus the two Ray Serve policy classes.

Serve calls a policy every control-loop tick with an `AutoscalingContext` (Ray 2.60) and expects
`(desired_replicas, policy_state)`. Ray wraps custom policies (`_apply_autoscaling_config`) with
its own `upscale_delay_s` / `downscale_delay_s` (a wish must persist that long), scaling factors
and min/max bounds, so the policies here only answer "how many replicas would this load need",
clamped to the bounds; hysteresis is configured through the delays in ServeAppConfig.autoscaling.

Signals (reported by replicas through `record_autoscaling_stats`):
- Consumer replicas report `consumer_lag` (the whole group's lag on the input topic: committed
  offset vs log end, summed over partitions; every replica measures the same thing, so the policy
  takes the max) and `topic_partitions`. Consumers scale to ceil(lag / target per replica), never
  above the partition count (extra consumers in a group would sit idle).
- Extractor replicas report `consumer_lag` as seen from the lag hints consumers attach to their
  calls; the extractor scales on that lag and on its own queue (ongoing requests), whichever asks
  for more. The queue term also wakes an extractor scaled to zero: queued requests count.
- The encoder scales on its queue alone (ongoing requests, queued ones included): it sees every
  document, so its queue rises with the stream's rate and a lag term would add nothing.

No Ray import here: the context is read by attribute, so tests pass simple objects.
"""

from __future__ import annotations

import logging
import math
from typing import Any

# Runs inside the Serve controller: its log is logs/serve/controller_*.log.
log = logging.getLogger("ray.serve")

LAG_METRIC = "consumer_lag"
PARTITIONS_METRIC = "topic_partitions"


def clamp(n: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, n))


def replicas_for(load: float, per_replica: float) -> int:
    """Replicas needed so each carries at most `per_replica` of `load` (0 for no load)."""
    if load <= 0:
        return 0
    return math.ceil(load / per_replica)


def desired(load_replicas: int, lo: int, hi: int) -> int:
    """The replica count a load needs, within [lo, hi] (hi wins if the bounds cross)."""
    return clamp(load_replicas, lo, max(lo, hi))


def _metric(ctx: Any, name: str) -> dict[Any, float]:
    metrics = getattr(ctx, "aggregated_metrics", None) or {}
    return dict(metrics.get(name, {}) or {})


class ConsumerLagPolicy:
    """Serve deployment policy for the Consumer deployment (class form, so Serve passes the
    config's `policy_kwargs` to the constructor and keeps one instance)."""

    def __init__(self, target_lag_per_replica: float = 5000.0):
        if target_lag_per_replica <= 0:
            raise ValueError("target_lag_per_replica must be > 0")
        self.target = float(target_lag_per_replica)

    def __call__(self, ctx: Any) -> tuple[int, dict[str, Any]]:
        lag = max(_metric(ctx, LAG_METRIC).values(), default=0.0)
        partitions = int(max(_metric(ctx, PARTITIONS_METRIC).values(), default=0))
        lo = int(ctx.capacity_adjusted_min_replicas)
        hi = int(ctx.capacity_adjusted_max_replicas)
        if partitions > 0:
            hi = min(hi, partitions)
        n = desired(replicas_for(lag, self.target), lo, hi)
        if n != ctx.target_num_replicas:
            log.debug("ConsumerLagPolicy: lag %.0f -> wants %d replicas (now %d)", lag, n, ctx.target_num_replicas)
        return n, {}


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
        n = desired(
            max(replicas_for(lag, self.target_lag), replicas_for(ongoing, self.target_ongoing)),
            int(ctx.capacity_adjusted_min_replicas),
            int(ctx.capacity_adjusted_max_replicas),
        )
        return n, {}


class QueueLengthPolicy:
    """Serve deployment policy for the Encoder deployment: replicas = ongoing requests (queued
    at callers included) / target per replica."""

    def __init__(self, target_ongoing_per_replica: float = 64.0):
        if target_ongoing_per_replica <= 0:
            raise ValueError("target_ongoing_per_replica must be > 0")
        self.target = float(target_ongoing_per_replica)

    def __call__(self, ctx: Any) -> tuple[int, dict[str, Any]]:
        ongoing = float(getattr(ctx, "total_num_requests", 0.0) or 0.0)
        n = desired(
            replicas_for(ongoing, self.target),
            int(ctx.capacity_adjusted_min_replicas),
            int(ctx.capacity_adjusted_max_replicas),
        )
        return n, {}
