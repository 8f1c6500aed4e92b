"""The lag autoscaling policies are pure: replica counts from lag, bounds, partition cap.
(Ray 2.60 wraps custom policies with the configured up/downscale delays; the real-Ray
integration test checks the whole loop.)"""

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
    QueueLengthPolicy,
    desired,
    replicas_for,
)


def test_replicas_for_rounds_up_and_zero_load_needs_none():
    assert replicas_for(0, 100) == 0
    assert replicas_for(-5, 100) == 0
    assert replicas_for(1, 100) == 1
    assert replicas_for(100, 100) == 1
    assert replicas_for(101, 100) == 2


@given(load=st.integers(0, 10_000), lo=st.integers(0, 5), span=st.integers(0, 10))
def test_desired_always_within_bounds(load, lo, span):
    hi = lo + span
    assert lo <= desired(load, lo, hi) <= hi


def ctx(*, target, lo=1, hi=8, metrics=None, requests=0.0):
    return SimpleNamespace(
        target_num_replicas=target,
        current_num_replicas=target,
        capacity_adjusted_min_replicas=lo,
        capacity_adjusted_max_replicas=hi,
        aggregated_metrics=metrics,
        policy_state={},
        current_time=0.0,
        total_num_requests=requests,
    )


def test_consumer_policy_reads_group_lag_once_and_caps_at_partitions():
    pol = ConsumerLagPolicy(target_lag_per_replica=1000)
    # Every replica measures the whole group's lag; one may report a slightly older value.
    m = {LAG_METRIC: {"r1": 3700.0, "r2": 3600.0}, PARTITIONS_METRIC: {"r1": 4.0, "r2": 4.0}}
    assert pol(ctx(target=2, metrics=m)) == (4, {})  # ceil(3700/1000), not ceil(7300/1000)
    m[LAG_METRIC] = {"r1": 50_000.0}
    assert pol(ctx(target=2, metrics=m))[0] == 4  # more consumers than partitions would idle
    assert pol(ctx(target=2, hi=3, metrics=m))[0] == 3  # and never above max_replicas


def test_consumer_policy_falls_back_to_min_when_lag_clears_or_no_reports():
    pol = ConsumerLagPolicy(target_lag_per_replica=1000)
    assert pol(ctx(target=4, lo=2, metrics={LAG_METRIC: {"r1": 0.0}}))[0] == 2
    assert pol(ctx(target=1, metrics=None))[0] == 1


def test_consumer_policy_partition_cap_never_goes_below_min():
    pol = ConsumerLagPolicy(target_lag_per_replica=10)
    m = {LAG_METRIC: {"r1": 1000.0}, PARTITIONS_METRIC: {"r1": 1.0}}
    assert pol(ctx(target=3, lo=3, hi=8, metrics=m))[0] == 3


def test_extractor_policy_uses_max_lag_hint_not_sum_and_its_own_queue():
    pol = ExtractorLagPolicy(target_lag_per_replica=100, target_ongoing_per_replica=10)
    # Both extractor replicas saw the same 250 records of lag: 3 replicas, not 5.
    assert pol(ctx(target=1, metrics={LAG_METRIC: {"e1": 250.0, "e2": 250.0}}))[0] == 3
    # No lag hint but a deep queue (e.g. HTTP traffic): the queue decides.
    assert pol(ctx(target=1, metrics={}, requests=55.0))[0] == 6
    assert pol(ctx(target=3, metrics={}, requests=0.0))[0] == 1


def test_extractor_scaled_to_zero_wakes_on_queued_requests():
    pol = ExtractorLagPolicy(target_lag_per_replica=100, target_ongoing_per_replica=10)
    assert pol(ctx(target=0, lo=0, metrics={}, requests=3.0))[0] == 1
    assert pol(ctx(target=1, lo=0, metrics={}, requests=0.0))[0] == 0


@pytest.mark.parametrize(
    ("requests", "lo", "hi", "want"),
    [
        (0.0, 1, 4, 1),  # idle: down to min
        (64.0, 1, 4, 1),  # exactly one replica's worth
        (65.0, 1, 4, 2),
        (1000.0, 1, 4, 4),  # capped at max
        (3.0, 0, 4, 1),  # scaled to zero, woken by queued requests
        (0.0, 0, 4, 0),
    ],
)
def test_encoder_policy_scales_on_its_queue_only(requests, lo, hi, want):
    pol = QueueLengthPolicy(target_ongoing_per_replica=64)
    # Lag hints do not move the encoder: it sees every document whatever the lag.
    m = {LAG_METRIC: {"c1": 1e6}}
    assert pol(ctx(target=1, lo=lo, hi=hi, metrics=m, requests=requests))[0] == want


def test_policies_reject_nonpositive_targets():
    with pytest.raises(ValueError):
        ConsumerLagPolicy(0)
    with pytest.raises(ValueError):
        ExtractorLagPolicy(10, 0)
    with pytest.raises(ValueError):
        QueueLengthPolicy(0)


def test_ray_accepts_the_policies_by_import_path():
    cfg_mod = pytest.importorskip("ray.serve.config")
    for path, kwargs, want in [
        ("workers.serve.autoscaling:ConsumerLagPolicy", {"target_lag_per_replica": 10}, 3),
        (
            "workers.serve.autoscaling:ExtractorLagPolicy",
            {"target_lag_per_replica": 10, "target_ongoing_per_replica": 4},
            4,
        ),
        ("workers.serve.autoscaling:QueueLengthPolicy", {"target_ongoing_per_replica": 10}, 2),
    ]:
        policy = cfg_mod.AutoscalingPolicy(policy_function=path, policy_kwargs=kwargs)
        inst = policy.get_policy()(**kwargs)
        assert inst(ctx(target=1, metrics={LAG_METRIC: {"r": 25.0}}, requests=15.0))[0] == want
