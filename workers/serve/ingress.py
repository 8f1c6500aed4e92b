"""HTTP ingress: `POST /redact` (the `pii-worker redact` contract) and `GET /healthz`.

The pipeline runs in a worker thread: it is CPU-bound, and its NER and LLM detectors block on the
Encoder's and the Extractor's DeploymentHandles, which must not happen on the replica's event loop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from ray import serve
from starlette.requests import Request
from starlette.responses import Response

from workers.serve.config import ServeAppConfig
from workers.serve.http_codec import BadRequest, check_lines, framing_for, redact_json, redact_lines
from workers.serve.pipelines import MeteredPipeline, build_serve_pipeline
from workers.serve.telemetry import ServeMetrics

log = logging.getLogger(__name__)

JSON = "application/json"
JSONL = "application/x-ndjson"


def _json(obj: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(obj), status_code=status, media_type=JSON)


@serve.deployment
class Ingress:
    def __init__(
        self, config: ServeAppConfig | dict[str, Any], extractor: Any = None, consumer: Any = None, encoder: Any = None
    ):
        from workers.cpu import configure_threads

        configure_threads()  # this replica's own cores (vLLM binding, onnxruntime threads)
        self.cfg = ServeAppConfig.model_validate(config)
        self.metrics = ServeMetrics()
        self.pipeline = MeteredPipeline(
            build_serve_pipeline(self.cfg, extractor, encoder_handle=encoder), self.metrics, "http"
        )
        self.consumer = consumer
        prefix = self.cfg.route_prefix.rstrip("/")
        self._prefix = prefix

    def _route(self, request: Request) -> str:
        path = request.url.path
        if self._prefix and path.startswith(self._prefix):
            path = path[len(self._prefix) :] or "/"
        return path.rstrip("/") or "/"

    async def __call__(self, request: Request) -> Response:
        route = self._route(request)
        if route == "/healthz":
            if request.method not in ("GET", "HEAD"):
                return _json({"error": "use GET /healthz"}, 405)
            return await self._healthz()
        if route == "/redact":
            if request.method != "POST":
                return _json({"error": "use POST /redact with JSONL or JSON documents"}, 405)
            return await self._redact(request)
        return _json({"error": f"no route {route!r}; try POST /redact or GET /healthz"}, 404)

    async def _redact(self, request: Request) -> Response:
        limit = self.cfg.ingress.max_body_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            return _json({"error": f"body over {limit} bytes"}, 413)
        body = await request.body()
        if len(body) > limit:
            return _json({"error": f"body over {limit} bytes"}, 413)
        framing = framing_for(request.headers.get("content-type", ""))
        max_docs = self.cfg.ingress.max_docs_per_request
        try:
            if framing == "json":
                out = await asyncio.to_thread(redact_json, self.pipeline, body, max_docs)
                return Response(out, media_type=JSON)
            check_lines(body, framing, max_docs)
        except BadRequest as e:
            return _json({"error": str(e)}, e.status)
        out = await asyncio.to_thread(redact_lines, self.pipeline, body, framing)
        return Response(out, media_type=JSONL if framing == "jsonl" else "text/plain; charset=utf-8")

    async def _healthz(self) -> Response:
        body: dict[str, Any] = {
            "status": "ok",
            "app": self.cfg.name,
            "detectors": self.pipeline.detector_names,
            "device": self.cfg.device,
        }
        if self.consumer is not None:
            try:
                body["consumers"] = await asyncio.wait_for(self._consumer_status(), timeout=5.0)
            except Exception as e:  # noqa: BLE001 - report, don't fail the probe on a busy consumer
                body["consumers"] = {"error": f"{type(e).__name__}: {e}"}
        return _json(body)

    async def _consumer_status(self) -> dict[str, Any]:
        # One replica answers per call (power-of-two routing); that is enough for a liveness view.
        return await self.consumer.status.remote()
