"""Stream settings: defaults < file < env < flags; invalid config fails with a readable message."""

from __future__ import annotations

import subprocess
import sys

import pytest

from workers.config import ConfigError, PipelineSettings
from workers.settings import ConfigFile, load_settings
from workers.stream.clients import consumer_config, producer_config
from workers.stream.config import StreamSettings, default_transactional_id


def test_precedence_file_env_flags(tmp_path, monkeypatch):
    cfg = tmp_path / "w.yaml"
    cfg.write_text("input_topic: from-file\ngroup_id: file-group\nbatch_max_records: 7\nredact_fields: [message]\n")
    monkeypatch.setenv("PII_WORKER_GROUP_ID", "env-group")
    monkeypatch.setenv("PII_WORKER_REDACT_FIELDS", "message,user.email")
    s = StreamSettings.load(cfg, batch_max_records=9)
    assert s.input_topic == "from-file"  # file
    assert s.group_id == "env-group"  # env beats file
    assert s.batch_max_records == 9  # flag beats everything
    assert s.redact_fields == ["message", "user.email"]
    assert (s.output_topic, s.annotations_topic, s.dlq_topic) == (
        "from-file.redacted",
        "from-file.annotations",
        "from-file.dlq",
    )


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({}, "input_topic"),
        ({"input_topic": "a", "batch_max_records": 0}, "batch_max_records"),
        ({"input_topic": "a", "output_topic": "a"}, "must all differ"),
        ({"input_topic": "a", "session_timeout_ms": 3000, "heartbeat_interval_ms": 2000}, "heartbeat_interval_ms"),
        ({"input_topic": "a", "redact_fields": "user..email"}, "invalid field path"),
        ({"input_topic": "a", "input_format": "xml"}, "input_format"),
        ({"input_topic": "a", "key_header_policy": "drop"}, "key_header_policy"),
    ],
)
def test_invalid_settings_raise_readable_errors(overrides, needle, monkeypatch):
    monkeypatch.delenv("PII_WORKER_INPUT_TOPIC", raising=False)
    with pytest.raises(ConfigError) as e:
        StreamSettings.load(None, **overrides)
    assert needle in str(e.value)
    assert "Traceback" not in str(e.value)


@pytest.mark.parametrize(("env", "want"), [(None, "redact"), ("hash", "hash"), ("keep", "keep")])
def test_key_header_policy_defaults_to_redact_and_the_environment_overrides(env, want, monkeypatch):
    monkeypatch.delenv("PII_WORKER_KEY_HEADER_POLICY", raising=False)
    if env is not None:
        monkeypatch.setenv("PII_WORKER_KEY_HEADER_POLICY", env)
    assert StreamSettings.load(input_topic="a").key_header_policy == want


@pytest.mark.parametrize("shared", [False, True])
def test_unknown_keys_in_the_file_are_rejected(tmp_path, shared):
    cfg = tmp_path / "w.yaml"
    cfg.write_text("input_topic: a\ndetectors: rules\nbatch_max_recods: 5\n")
    with pytest.raises(ConfigError) as e:
        load_settings(StreamSettings, cfg, shared_with=[PipelineSettings] if shared else [])
    assert str(cfg) in str(e.value) and "batch_max_recods" in str(e.value)
    # `detectors` is a pipeline key: unknown to the stream settings alone, fine in a shared file
    assert ("detectors" in str(e.value)) is not shared


def test_one_file_read_once_feeds_both_settings(tmp_path, monkeypatch):
    monkeypatch.delenv("PII_WORKER_DETECTORS", raising=False)
    cfg = tmp_path / "w.yaml"
    cfg.write_text("input_topic: t\ndetectors: [rules]\nmax_document_bytes: 2048\n")
    f = ConfigFile.read(cfg)
    cfg.unlink()  # nothing reads the file again
    ss = load_settings(StreamSettings, f, shared_with=[PipelineSettings])
    ps = load_settings(PipelineSettings, f, shared_with=[StreamSettings], max_document_bytes=4096)
    assert (ss.input_topic, ss.max_document_bytes) == ("t", 2048)
    assert (ps.detectors, ps.max_document_bytes) == (["rules"], 4096)


def test_exactly_once_client_settings():
    s = StreamSettings.load(input_topic="in", exactly_once=True, group_instance_id="w1")
    assert s.transactional_id == "pii-worker-pii-worker-w1" == default_transactional_id("pii-worker", "w1")
    assert StreamSettings.load(input_topic="in", exactly_once=True, transactional_id="mine").transactional_id == "mine"
    p = producer_config(s)
    assert p["transactional_id"] == s.transactional_id and p["acks"] == "all" and p["enable_idempotence"]
    c = consumer_config(s)
    assert c["enable_auto_commit"] is False and c["isolation_level"] == "read_committed"
    assert c["group_instance_id"] == "w1"
    assert "transactional_id" not in producer_config(StreamSettings.load(input_topic="in"))


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4", "zstd"])
def test_producer_compression_reaches_the_client_and_its_codec_is_installed(codec):
    from kafka import codec as codecs

    s = StreamSettings.load(input_topic="in", producer_compression=codec)
    cfg = producer_config(s)
    assert cfg["compression_type"] == codec
    # The codec libraries are dependencies: the client checks for them when it is built.
    assert getattr(codecs, f"has_{codec}")()
    assert "compression_type" not in producer_config(StreamSettings.load(input_topic="in"))


def test_run_exits_2_with_a_readable_message_on_bad_config(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("input_topic: in\nbatch_max_records: -1\n")
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from workers.cli import main; sys.exit(main())",
            "run",
            "--config",
            str(cfg),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "batch_max_records" in out.stderr and "Traceback" not in out.stderr


def test_every_run_flag_reaches_a_stream_setting():
    import argparse

    from workers.cli import run as run_cli

    parser = argparse.ArgumentParser()
    run_cli.register(parser.add_subparsers())
    args = parser.parse_args(["run", "--input-topic", "in", "--batch-chunk-records", "8"])
    assert set(run_cli._STREAM_FLAGS) <= set(vars(args)) & set(StreamSettings.model_fields)
    s = StreamSettings.load(None, **{k: getattr(args, k) for k in run_cli._STREAM_FLAGS})
    assert s.batch_chunk_records == 8 and s.input_topic == "in"
    with pytest.raises(SystemExit):
        parser.parse_args(["run", "--batch-chunk-records", "0"])
