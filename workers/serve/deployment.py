"""A ServeAppConfig compiled to Ray deployment options: plain dicts that `Deployment.options(**opts)`
accepts and that match the `deployments:` entries of a Serve config file. No Ray import here."""

from __future__ import annotations

from typing import Any

from workers.serve.config import (
    CONSUMER,
    CONSUMER_POLICY,
    ENCODER,
    ENCODER_POLICY,
    EXTRACTOR,
    EXTRACTOR_POLICY,
    INGRESS,
    BatchedDeploymentSettings,
    Replicas,
    ServeAppConfig,
)


def _autoscaling(cfg: ServeAppConfig, bounds: Replicas, policy: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    a = cfg.autoscaling
    out: dict[str, Any] = {
        "min_replicas": bounds.min,
        "max_replicas": bounds.max,
        "upscale_delay_s": a.upscale_delay_s,
        "downscale_delay_s": a.downscale_delay_s,
        "metrics_interval_s": a.metrics_interval_s,
        "look_back_period_s": a.look_back_period_s,
        "policy": {"policy_function": policy, "policy_kwargs": kwargs},
    }
    if bounds.initial is not None:
        out["initial_replicas"] = bounds.initial
    return out


def _batched_options(
    cfg: ServeAppConfig,
    name: str,
    d: BatchedDeploymentSettings,
    num_gpus: float,
    policy: str,
    policy_kwargs: dict[str, Any],
    health_check_timeout_s: float,
) -> dict[str, Any]:
    opts: dict[str, Any] = {
        "name": name,
        "max_ongoing_requests": d.ongoing,
        "ray_actor_options": {"num_cpus": d.num_cpus, "num_gpus": num_gpus},
        "health_check_timeout_s": health_check_timeout_s,
        "graceful_shutdown_timeout_s": 60.0,
    }
    if d.replicas.fixed:
        opts["num_replicas"] = d.replicas.min
    else:
        opts["autoscaling_config"] = _autoscaling(cfg, d.replicas, policy, policy_kwargs)
    return opts


def deployment_options(cfg: ServeAppConfig) -> dict[str, dict[str, Any]]:
    """Per deployment name, the options for `Deployment.options(**opts)` (also valid as a
    Serve config `deployments:` entry). Only enabled deployments are present."""
    out: dict[str, dict[str, Any]] = {
        INGRESS: {
            "name": INGRESS,
            "num_replicas": cfg.ingress.num_replicas,
            "max_ongoing_requests": cfg.ingress.max_ongoing_requests,
            "ray_actor_options": {"num_cpus": cfg.ingress.num_cpus, "num_gpus": 0},
        }
    }
    a = cfg.autoscaling
    if cfg.extractor.enabled:
        out[EXTRACTOR] = _batched_options(
            cfg,
            EXTRACTOR,
            cfg.extractor,
            cfg.extractor_num_gpus,
            EXTRACTOR_POLICY,
            {
                "target_lag_per_replica": a.target_lag_per_extractor,
                "target_ongoing_per_replica": a.target_ongoing_per_extractor,
            },
            # Engine start (weights, profiling, compile) takes far longer than Ray's default.
            health_check_timeout_s=120.0,
        )
    if cfg.encoder.enabled:
        out[ENCODER] = _batched_options(
            cfg,
            ENCODER,
            cfg.encoder,
            cfg.encoder_num_gpus,
            ENCODER_POLICY,
            {"target_ongoing_per_replica": a.target_ongoing_per_encoder},
            health_check_timeout_s=60.0,
        )
    if cfg.consumer.enabled:
        co = cfg.consumer
        opts: dict[str, Any] = {
            "name": CONSUMER,
            # Consumers take no requests but status/health calls; they do their work in a thread.
            "max_ongoing_requests": 4,
            "ray_actor_options": {"num_cpus": co.num_cpus, "num_gpus": 0},
            # Give the loop time to finish (or abandon) its batch and leave the group cleanly.
            "graceful_shutdown_timeout_s": 30.0,
        }
        if co.replicas.fixed:
            opts["num_replicas"] = co.replicas.min
        else:
            opts["autoscaling_config"] = _autoscaling(
                cfg, co.replicas, CONSUMER_POLICY, {"target_lag_per_replica": a.target_lag_per_consumer}
            )
        out[CONSUMER] = opts
    return out
