"""HTTP ingress: `POST /redact` (the `pii-worker redact` contract) and `GET /healthz`.

The pipeline runs in a worker thread: it is CPU-bound, and its LLM detector blocks on the
Extractor's DeploymentHandle, which must not happen on the replica's event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import orjson
from ray import serve
from starlette.requests import Request
from starlette.responses import Response

from workers.serve.config import ServeAppConfig
from workers.serve.pipelines import build_serve_pipeline
from workers.serve.telemetry import ServeMetrics
from workers.serve.wire import BadRequest, dump_jsonl, parse_json, parse_jsonl, result_json

log = logging.getLogger(__name__)

JSON = "application/json"
JSONL = "application/x-ndjson"


def _json(obj: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(obj), status_code=status, media_type=JSON)


@serve.deployment
class Ingress:
    def __init__(self, config: dict[str, Any], extractor: Any = None, consumer: Any = None):
        self.cfg = ServeAppConfig.model_validate(config)
        self.pipeline = build_serve_pipeline(self.cfg, extractor)
        self.consumer = consumer
        self.metrics = ServeMetrics()
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
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        max_docs = self.cfg.ingress.max_docs_per_request
        try:
            if ctype == JSON:
                docs, as_array = parse_json(body, max_docs)
                framing = "array" if as_array else "object"
            else:  # JSONL is the CLI's format and the default
                docs = parse_jsonl(body, max_docs)
                framing = "jsonl"
        except BadRequest as e:
            return _json({"error": str(e)}, e.status)
        except UnicodeDecodeError as e:
            return _json({"error": f"body is not UTF-8: {e}"}, 400)

        t0 = time.monotonic()
        results = await asyncio.to_thread(self.pipeline.run, docs)
        self.metrics.observe_batch("http", len(docs), time.monotonic() - t0)
        self.metrics.observe_results("http", results)
        if framing == "jsonl":
            return Response(dump_jsonl(results), media_type=JSONL)
        if framing == "array":
            return _json([result_json(r) for r in results])
        return _json(result_json(results[0]))

    async def _healthz(self) -> Response:
        body: dict[str, Any] = {
            "status": "ok",
            "app": self.cfg.name,
            "detectors": self.pipeline.detector_names,
            "device": self.cfg.device,
        }
        if self.consumer is not None:
            try:
                body["consumers"] = await asyncio.wait_for(self.consumer.status.remote(), timeout=5.0)
            except Exception as e:  # noqa: BLE001 - report, don't fail the probe on a busy consumer
                body["consumers"] = {"error": f"{type(e).__name__}: {e}"}
        return _json(body)
