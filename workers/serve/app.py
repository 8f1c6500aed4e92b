"""The Serve application builder: one `ServeAppConfig` -> a bound application.

    Ingress (HTTP /redact, /healthz) ──handles──> Encoder (NER, @serve.batch, GPU fraction or CPU)
    Consumer replicas (Kafka group loop) ──handles──> Extractor (LLM, @serve.batch, num_gpus from config)

Rules run inside the ingress and consumer replicas; the two model tiers are deployments of their
own, each batching requests from every caller and scaling on its own signals.

`app_builder` is the Serve config entry point (`import_path: workers.serve.app:app_builder`,
`args:` = a ServeAppConfig as a mapping); `build_app` is used by `pii-worker serve`, the demo and
the tests.
"""

from __future__ import annotations

from typing import Any, cast

from ray.serve import Application, Deployment

from workers.serve.config import (
    CONSUMER,
    ENCODER,
    EXTRACTOR,
    INGRESS,
    ServeAppConfig,
    load_config,
)
from workers.serve.deployment import deployment_options


def build_app(cfg: ServeAppConfig) -> Application:
    from workers.serve.consumer import Consumer
    from workers.serve.encoder import Encoder
    from workers.serve.extractor import Extractor
    from workers.serve.ingress import Ingress

    opts = deployment_options(cfg)
    # The model itself, not a dump: a dump would mask secrets and mark every default as set, so
    # replicas could no longer let their environment fill what the file leaves out.
    conf = cfg
    extractor = None
    if cfg.extractor.enabled:
        ex = cfg.extractor
        extractor = (
            cast(Deployment, Extractor)
            .options(**opts[EXTRACTOR])
            .bind(ex.factory, cfg.extractor_options, ex.max_batch_size, ex.batch_wait_timeout_s, ex.request_timeout_s)
        )
    encoder = None
    if cfg.encoder.enabled:
        en = cfg.encoder
        encoder = (
            cast(Deployment, Encoder)
            .options(**opts[ENCODER])
            .bind(en.factory, cfg.encoder_options, en.max_batch_size, en.batch_wait_timeout_s, en.request_timeout_s)
        )
    consumer = None
    if cfg.consumer.enabled:
        consumer = cast(Deployment, Consumer).options(**opts[CONSUMER]).bind(conf, extractor, encoder)
    # Consumers hang off the ingress so they are part of the application graph (and /healthz
    # reports them); they do their work in their own thread, not through requests.
    return cast(Deployment, Ingress).options(**opts[INGRESS]).bind(conf, extractor, consumer, encoder)


def app_builder(args: dict[str, Any]) -> Application:
    """Serve config entry point: `args` is a ServeAppConfig mapping (or {"config": path}); an
    invalid one fails here, at deploy time, naming the key."""
    if set(args) == {"config"}:
        return build_app(load_config(args["config"]))
    return build_app(load_config(args))
