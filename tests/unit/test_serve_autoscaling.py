"""The lag autoscaling policy is pure: decisions, delays, bounds, and the Serve-context adapters."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.serve.autoscaling import (
    LAG_METRIC,
    PARTITIONS_METRIC,
    ConsumerLagPolicy,
    ExtractorLagPolicy,
    decide,
    replicas_for,
)


def step(current, desired, now, state, lo=1, hi=8, up=10.0, down=30.0):
    return decide(
        current=current, desired=desired, lo=lo, hi=hi, now=now, state=state,
        upscale_delay_s=up, downscale_delay_s=down,
    )


def test_replicas_for_rounds_up_and_zero_load_needs_none():
    assert replicas_for(0, 100) == 0
    assert replicas_for(1, 100) == 1
    assert replicas_for(100, 100) == 1
    assert replicas_for(101, 100) == 2


def test_scale_up_waits_for_upscale_delay_then_applies():
    n, s = step(1, 4, now=0.0, state={})
    assert (n, s) == (1, {"up_since": 0.0})
    n, s = step(1, 4, now=9.0, state=s)
    assert n == 1
    n, s = step(1, 4, now=10.0, state=s)
    assert (n, s) == (4, {})


def test_scale_down_waits_longer_and_a_blip_restarts_the_clock():
    n, s = step(4, 1, now=0.0, state={})
    assert n == 4
    n, s = step(4, 1, now=20.0, state=s)
    assert n == 4
    n, s = step(4, 4, now=25.0, state=s)  # lag came back: the pending scale-down is forgotten
    assert (n, s) == (4, {})
    n, s = step(4, 1, now=26.0, state=s)
    n, s = step(4, 1, now=50.0, state=s)
    assert n == 4
    n, s = step(4, 1, now=56.0, state=s)
    assert n == 1


def test_desired_is_clamped_to_bounds_and_out_of_bounds_current_is_fixed_at_once():
    n, _ = step(2, 100, now=0.0, state={}, up=0.0, hi=5)
    assert n == 5
    n, _ = step(2, 0, now=0.0, state={}, down=0.0, lo=1)
    assert n == 1
    n, _ = step(9, 9, now=0.0, state={}, hi=5)
    assert n == 5


@given(
    current=st.integers(0, 20),
    desired=st.integers(0, 50),
    lo=st.integers(0, 5),
    span=st.integers(0, 10),
    now=st.floats(0, 1e6),
    up=st.floats(0, 100),
    down=st.floats(0, 100),
)
def test_decision_always_within_bounds(current, desired, lo, span, now, up, down):
    hi = lo + span
    n, state = decide(current=current, desired=desired, lo=lo, hi=hi, now=now, state={},
                      upscale_delay_s=up, downscale_delay_s=down)
    assert lo <= n <= hi
    assert set(state) <= {"up_since", "down_since"}


def ctx(*, target, lo=1, hi=8, metrics=None, now=0.0, state=None, up=0.0, down=0.0, requests=0.0):
    return SimpleNamespace(
        target_num_replicas=target,
        current_num_replicas=target,
        capacity_adjusted_min_replicas=lo,
        capacity_adjusted_max_replicas=hi,
        aggregated_metrics=metrics or {},
        policy_state=state or {},
        current_time=now,
        total_num_requests=requests,
        config=SimpleNamespace(upscale_delay_s=up, downscale_delay_s=down),
    )


def test_consumer_policy_reads_group_lag_once_and_caps_at_partitions():
    pol = ConsumerLagPolicy(target_lag_per_replica=1000)
    # Every replica measures the whole group's lag; a stale replica may lag behind in reporting.
    m = {LAG_METRIC: {"r1": 3700.0, "r2": 3600.0}, PARTITIONS_METRIC: {"r1": 4.0, "r2": 4.0}}
    n, _ = pol(ctx(target=2, metrics=m))
    assert n == 4  # ceil(3700 / 1000) = 4, not ceil(7300 / 1000); 4 partitions allow it
    m[LAG_METRIC] = {"r1": 50_000.0}
    n, _ = pol(ctx(target=2, metrics=m))
    assert n == 4  # more consumers than partitions would idle


def test_consumer_policy_falls_back_to_min_when_lag_clears():
    pol = ConsumerLagPolicy(target_lag_per_replica=1000)
    n, s = pol(ctx(target=4, metrics={LAG_METRIC: {"r1": 0.0}}, down=30.0, now=100.0))
    assert n == 4 and s == {"down_since": 100.0}
    n, s = pol(ctx(target=4, metrics={LAG_METRIC: {"r1": 0.0}}, down=30.0, now=131.0, state=s))
    assert n == 1


def test_consumer_policy_without_reports_holds_min():
    n, _ = ConsumerLagPolicy()(ctx(target=1, metrics=None))
    assert n == 1


def test_extractor_policy_uses_max_lag_hint_not_sum_and_its_own_queue():
    pol = ExtractorLagPolicy(target_lag_per_replica=100, target_ongoing_per_replica=10)
    # Both extractor replicas saw the same 250 records of lag: 3 replicas, not 5.
    n, _ = pol(ctx(target=1, metrics={LAG_METRIC: {"e1": 250.0, "e2": 250.0}}))
    assert n == 3
    # No lag hint but a deep queue (e.g. HTTP traffic): queue decides.
    n, _ = pol(ctx(target=1, metrics={}, requests=55.0))
    assert n == 6


def test_extractor_scaled_to_zero_wakes_on_queued_requests():
    pol = ExtractorLagPolicy(target_lag_per_replica=100, target_ongoing_per_replica=10)
    n, _ = pol(ctx(target=0, lo=0, metrics={}, requests=3.0))
    assert n == 1


def test_policies_reject_nonpositive_targets():
    with pytest.raises(ValueError):
        ConsumerLagPolicy(0)
    with pytest.raises(ValueError):
        ExtractorLagPolicy(10, 0)
