"""ServeAppConfig validates and compiles to Ray deployment options (no cluster needed)."""

from __future__ import annotations

import pytest

from workers.serve.config import (
    CONSUMER,
    CONSUMER_POLICY,
    DEVICE_ENV,
    ENCODER,
    ENCODER_POLICY,
    EXTRACTOR,
    EXTRACTOR_POLICY,
    INGRESS,
    ConfigError,
    apply_overrides,
    load_config,
)
from workers.serve.deployment import deployment_options


def cfg(**over):
    base = {"extractor": {"enabled": True}, "consumer": {"stream": {"input_topic": "logs"}}}
    for k, v in over.items():
        base[k] = {**base.get(k, {}), **v} if isinstance(v, dict) else v
    return load_config(base)


def test_gpu_config_pins_one_gpu_per_extractor_replica(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    opts = deployment_options(cfg(device="gpu"))
    assert opts[EXTRACTOR]["ray_actor_options"]["num_gpus"] == 1
    assert opts[INGRESS]["ray_actor_options"]["num_gpus"] == 0
    assert opts[CONSUMER]["ray_actor_options"]["num_gpus"] == 0


def test_cpu_device_and_env_override_drop_the_gpu(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    assert deployment_options(cfg(device="cpu"))[EXTRACTOR]["ray_actor_options"]["num_gpus"] == 0
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    c = cfg(
        device="gpu",
        extractor={"options": {"gpu_memory_utilization": 0.9}, "cpu_options": {"gpu_memory_utilization": 0.3}},
    )
    assert c.device == "cpu"
    assert deployment_options(c)[EXTRACTOR]["ray_actor_options"]["num_gpus"] == 0
    assert c.extractor_options["gpu_memory_utilization"] == 0.3


def test_max_ongoing_requests_never_below_batch_size():
    assert deployment_options(cfg(extractor={"max_batch_size": 24}))[EXTRACTOR]["max_ongoing_requests"] == 48
    with pytest.raises(ConfigError, match="max_ongoing_requests"):
        cfg(extractor={"max_batch_size": 32, "max_ongoing_requests": 8})


def test_autoscaling_compiles_to_custom_policies_with_kwargs():
    c = cfg(
        extractor={"replicas": {"min": 1, "max": 3}},
        consumer={"replicas": {"min": 2, "max": 6}},
        autoscaling={"target_lag_per_consumer": 1234, "upscale_delay_s": 3, "downscale_delay_s": 40},
    )
    opts = deployment_options(c)
    a = opts[CONSUMER]["autoscaling_config"]
    assert (a["min_replicas"], a["max_replicas"]) == (2, 6)
    assert a["policy"] == {"policy_function": CONSUMER_POLICY, "policy_kwargs": {"target_lag_per_replica": 1234.0}}
    assert (a["upscale_delay_s"], a["downscale_delay_s"]) == (3, 40)
    assert opts[EXTRACTOR]["autoscaling_config"]["policy"]["policy_function"] == EXTRACTOR_POLICY
    assert "num_replicas" not in opts[CONSUMER]


def test_fixed_replica_counts_compile_to_num_replicas_and_disabled_parts_vanish():
    c = cfg(extractor={"enabled": False}, consumer={"enabled": True, "replicas": {"min": 2, "max": 2}})
    opts = deployment_options(c)
    assert EXTRACTOR not in opts
    assert opts[CONSUMER]["num_replicas"] == 2 and "autoscaling_config" not in opts[CONSUMER]


def test_encoder_takes_a_gpu_fraction_on_gpu_and_none_on_cpu(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    c = cfg(device="gpu", encoder={"enabled": True, "options": {"threads": 4}, "cpu_options": {"threads": 1}})
    opts = deployment_options(c)
    assert 0 < opts[ENCODER]["ray_actor_options"]["num_gpus"] < 1  # several encoders share one GPU
    assert opts[EXTRACTOR]["ray_actor_options"]["num_gpus"] == 1
    assert c.encoder_options == {"threads": 4}
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    c = cfg(device="gpu", encoder={"enabled": True, "options": {"threads": 4}, "cpu_options": {"threads": 1}})
    assert deployment_options(c)[ENCODER]["ray_actor_options"]["num_gpus"] == 0
    assert c.encoder_options == {"threads": 1}


def test_encoder_batches_and_autoscales_on_its_own_queue():
    c = cfg(
        encoder={"enabled": True, "max_batch_size": 48, "replicas": {"min": 1, "max": 3}},
        autoscaling={"target_ongoing_per_encoder": 100},
    )
    e = deployment_options(c)[ENCODER]
    assert e["max_ongoing_requests"] >= 48
    assert e["autoscaling_config"]["policy"] == {
        "policy_function": ENCODER_POLICY,
        "policy_kwargs": {"target_ongoing_per_replica": 100.0},
    }
    assert ENCODER not in deployment_options(cfg())  # off unless enabled
    with pytest.raises(ConfigError, match="max_ongoing_requests"):
        cfg(encoder={"enabled": True, "max_batch_size": 64, "max_ongoing_requests": 8})


def test_back_pressure_is_the_default_wait():
    c = cfg(encoder={"enabled": True})
    # No caller-side deadline by default: a saturated tier makes lag, not timeouts.
    assert c.extractor.queue_timeout_s is None and c.encoder.queue_timeout_s is None
    assert c.extractor.request_timeout_s > 0 and c.extractor.max_in_flight >= 1


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"consumer": {"replicas": {"min": 5, "max": 2}}}, "consumer.replicas"),
        ({"extractor": {"num_gpus": -1}}, "extractor.num_gpus"),
        ({"device": "tpu"}, "device"),
        ({"extractor": {"unknown_knob": 1}}, "extractor.unknown_knob"),
        ({"encoder": {"num_gpus": -0.5}}, "encoder.num_gpus"),
        ({"encoder": {"queue_timeout_s": 0}}, "encoder.queue_timeout_s"),
        ({"extractor": {"max_in_flight": 0}}, "extractor.max_in_flight"),
    ],
)
def test_invalid_configs_name_the_field(over, field, monkeypatch):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    with pytest.raises(ConfigError) as e:
        cfg(**over)
    assert field in str(e.value)


def test_compiled_options_are_valid_ray_deployment_options():
    schema = pytest.importorskip("ray.serve.schema")
    c = cfg(
        extractor={"replicas": {"min": 1, "max": 2}},
        consumer={"replicas": {"min": 1, "max": 4}},
        encoder={"enabled": True, "replicas": {"min": 1, "max": 3}},
    )
    assert ENCODER in deployment_options(c)
    for opts in deployment_options(c).values():
        schema.DeploymentSchema.model_validate(opts)  # what a Serve config `deployments:` entry accepts


def test_cli_set_overrides_and_serve_config_unwrapping(tmp_path, monkeypatch):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    d = apply_overrides(
        {"consumer": {"stream": {"input_topic": "a"}}},
        [
            "consumer.stream.bootstrap_servers=kafka:29092",
            "consumer.replicas={min: 2, max: 3}",
            "extractor.enabled=true",
        ],
    )
    assert d["consumer"]["stream"] == {"input_topic": "a", "bootstrap_servers": "kafka:29092"}
    assert d["consumer"]["replicas"] == {"min": 2, "max": 3} and d["extractor"]["enabled"] is True
    for bad in (["no-equals-sign"], ["consumer.replicas.min.x=1"]):
        with pytest.raises(ConfigError):
            apply_overrides({"consumer": {"replicas": {"min": 1}}}, bad)
    f = tmp_path / "serve.yaml"
    f.write_text(
        "applications:\n  - name: pii\n    import_path: workers.serve.app:app_builder\n"
        "    args: {device: gpu, extractor: {enabled: true}}\n"
    )
    c = load_config(f, ["extractor.max_batch_size=8"], device="cpu")
    assert c.device == "cpu" and c.extractor.max_batch_size == 8
    assert deployment_options(c)[EXTRACTOR]["ray_actor_options"]["num_gpus"] == 0
    src = {"consumer": {"stream": {"input_topic": "a"}}}
    load_config(src, ["consumer.stream.group_id=g"])
    assert src == {"consumer": {"stream": {"input_topic": "a"}}}  # the caller's mapping is not written


# A misspelt key anywhere fails at load naming its full path (it would otherwise be dropped, or
# fail inside a replica after deployment).
MISSPELT = [
    ({"devices": "cpu"}, "devices"),
    ({"pipeline": {"detector": ["rules"]}}, "pipeline.detector"),
    (
        {"pipeline": {"operators": {"EMAIL_ADDRESS": {"kind": "mask", "keep_lst": 2}}}},
        "pipeline.operators.EMAIL_ADDRESS.keep_lst",
    ),
    ({"consumer": {"stream": {"input_topc": "x"}}}, "consumer.stream.input_topc"),
    ({"consumer": {"strem": {}}}, "consumer.strem"),
    ({"extractor": {"options": {"modle": "qwen"}}}, "extractor.options.modle"),
    ({"extractor": {"cpu_options": {"max_num_seq": 4}}}, "extractor.cpu_options.max_num_seq"),
    ({"encoder": {"options": {"thread": 2}}}, "encoder.options.thread"),
    ({"encoder": {"cpu_options": {"devic": "cpu"}}}, "encoder.cpu_options.devic"),
    ({"ingress": {"num_cpu": 1}}, "ingress.num_cpu"),
    ({"autoscaling": {"target_lag_per_consumr": 10}}, "autoscaling.target_lag_per_consumr"),
]


@pytest.mark.parametrize(("over", "path"), MISSPELT, ids=[p for _, p in MISSPELT])
def test_a_misspelt_key_anywhere_fails_naming_its_path(over, path, monkeypatch):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    with pytest.raises(ConfigError) as e:
        cfg(**over)
    assert f"{path}: unknown key" in str(e.value)


# Values the typed sub-models check, at load rather than in a replica.
INVALID_NESTED = [
    ({"pipeline": {"detectors": ["rules", "magic"]}}, "pipeline.detectors.1"),
    ({"pipeline": {"on_detector_error": "ignore"}}, "pipeline.on_detector_error"),
    ({"consumer": {"stream": {"batch_max_records": 0}}}, "consumer.stream.batch_max_records"),
    ({"consumer": {"stream": {"session_timeout_ms": 3000, "heartbeat_interval_ms": 2000}}}, "heartbeat_interval_ms"),
    ({"extractor": {"options": {"prompt_style": "yaml"}}}, "extractor.options.prompt_style"),
    ({"extractor": {"options": {"chunk_chars": 300}, "cpu_options": {"chunk_overlap": 300}}}, "chunk_overlap"),
    ({"encoder": {"options": {"window": 64, "stride": 60}}}, "stride"),
]


@pytest.mark.parametrize(("over", "needle"), INVALID_NESTED, ids=[n for _, n in INVALID_NESTED])
def test_invalid_nested_values_fail_at_load(over, needle, monkeypatch):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    with pytest.raises(ConfigError) as e:
        cfg(**over)
    assert needle in str(e.value)
    assert "\n" not in str(e.value)  # one line


def test_a_custom_factory_takes_any_options():
    c = cfg(extractor={"factory": "workers.serve.fakes:fake_llm_detector", "options": {"delay_s": 0.5}})
    assert c.extractor_options == {"delay_s": 0.5}


def test_replica_settings_take_the_file_keys_then_the_environment(monkeypatch):
    monkeypatch.setenv("PII_WORKER_HMAC_KEY", "a-key-from-a-kubernetes-secret")
    monkeypatch.setenv("PII_WORKER_ON_DETECTOR_ERROR", "degraded")
    monkeypatch.setenv("PII_WORKER_GROUP_ID", "env-group")
    monkeypatch.setenv("PII_WORKER_BATCH_MAX_RECORDS", "7")
    c = cfg(
        pipeline={"detectors": ["rules"], "on_detector_error": "dead_letter"},
        consumer={"stream": {"input_topic": "logs", "group_id": "file-group"}},
    )
    ps = c.pipeline_settings()
    assert ps.key_bytes() == b"a-key-from-a-kubernetes-secret"  # env fills what the file leaves out
    assert ps.on_detector_error == "dead_letter"  # the file's own key wins
    ss = c.consumer.stream_settings(batch_max_wait_ms=5)
    assert (ss.group_id, ss.batch_max_records, ss.batch_max_wait_ms) == ("file-group", 7, 5)
    assert ss.output_topic == "logs.redacted"


def test_pii_worker_serve_rejects_a_misspelt_key_before_starting_ray(tmp_path):
    import subprocess
    import sys

    f = tmp_path / "serve.yaml"
    f.write_text("device: cpu\nconsumer:\n  stream: {input_topic: logs, bootstrap_server: kafka:9092}\n")
    code = "import sys; from workers.cli import main; sys.exit(main(sys.argv[1:]))"
    p = subprocess.run(
        [sys.executable, "-c", code, "serve", "--config", str(f)], capture_output=True, text=True, timeout=120
    )
    assert p.returncode == 2
    assert "consumer.stream.bootstrap_server: unknown key" in p.stderr and str(f) in p.stderr
    assert "Traceback" not in p.stderr and "ray" not in p.stderr.lower()
