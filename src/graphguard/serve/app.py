"""The FastAPI service of ``graphguard serve RUN_DIR``.

Endpoints (schema at ``/openapi.json``, the same schema as a self-contained HTML page at ``/docs``):

* ``POST /v1/predict/nodes``: ``{"ids": [...], "nodes": [new nodes]}`` -> score and label per id;
* ``POST /v1/predict/links``: ``{"head", "relation", "k", "include_known"}`` -> top tails (link runs only);
* ``POST /v1/predict/graphs``: ``{"smiles": [...]}`` -> class and score (graph runs trained on SMILES);
* ``POST /v1/explain/node``: ``{"id", "top"}`` -> why the node scored as it did;
* ``GET /v1/model``: metadata and metrics; ``GET /healthz``: liveness (never needs the key).

``/docs`` is rendered here (``docs_page``) instead of FastAPI's Swagger UI, which loads its script from a CDN and
is blank offline; ``/redoc`` (also CDN) is off.

A run serves the endpoints of its task: the others answer 404 with a ``detail`` that names the
run's task (``/v1/predict/nodes`` on a node regression run returns predicted values).
Bad bodies get 422 with a one-line ``detail`` plus the field errors, unknown ids 404, bodies over
the size limit 413, and, when an API key is set, requests without the right ``X-API-Key`` 401.
The key is compared in constant time and never written to any log.
"""

from __future__ import annotations

import hmac
import json
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import Depends, FastAPI, HTTPException, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field, model_validator

from graphguard.serve.answers import (MODEL_INFO, NODE_ANSWERS, Explanation, Health, ModelInfo,
                                      PredictGraphsResponse, PredictLinksResponse, PredictNodesResponse)
from graphguard.serve.docs_page import render_docs
from graphguard.serve.model import BadNodes, NewNode, ServedModel, UnknownIds
from graphguard.utils.serialization import strict_json

MAX_IDS = 10_000
MAX_NEW_NODES = 1_000
MAX_EDGES_PER_NODE = 10_000
MAX_BODY_BYTES = 4 * 1024 * 1024


class NewNodeIn(BaseModel):
    """A node that is not in the graph yet: its raw properties (or encoded features) and its edges."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=256)
    properties: dict[str, Any] | None = Field(None, description="raw property values, encoded like the training data")
    features: list[float] | None = Field(None, description="an already encoded feature vector")
    edges: list[str] = Field(default_factory=list, max_length=MAX_EDGES_PER_NODE,
                             description="ids of existing nodes (or of other new nodes in this request)")

    @model_validator(mode="after")
    def _one_source(self) -> "NewNodeIn":
        if (self.properties is None) == (self.features is None):
            raise ValueError("give exactly one of 'properties' or 'features'")
        return self


class PredictNodes(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "ids": ["acct-00001", "acct-00002"],
        "nodes": [{"id": "new-1", "properties": {"age": 30}, "edges": ["acct-00001"]}]}]})
    ids: list[str] = Field(default_factory=list, max_length=MAX_IDS, description="node ids as the input data named them")
    nodes: list[NewNodeIn] = Field(default_factory=list, max_length=MAX_NEW_NODES,
                                   description="new nodes to score inductively")

    @model_validator(mode="after")
    def _something(self) -> "PredictNodes":
        if not self.ids and not self.nodes:
            raise ValueError("give at least one id in 'ids' or one new node in 'nodes'")
        return self


def _plain(obj):
    """A numpy number or array as Python's (Starlette's encoder took ``np.float64``, a float; orjson does not).
    Called only for what the encoder cannot write itself, so it costs nothing on plain lists."""
    if isinstance(obj, (np.generic, np.ndarray)):
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def _std_dumps(obj) -> bytes:
    """The standard library's encoder, writing NaN and infinities as ``null`` as orjson does.

    ``json.dumps`` alone writes the bare token ``NaN``, which is not JSON: strict readers refuse the whole answer.
    """
    return strict_json(obj, separators=(",", ":"), default=_plain).encode()


try:  # orjson when present (several times faster on lists of predictions); the standard library otherwise
    import orjson

    def _dumps(obj) -> bytes:
        return orjson.dumps(obj, default=_plain)
except ImportError:  # depends on the environment; tests/serve/test_serve_json_fallback.py forces it
    _dumps = _std_dumps


def _json(obj) -> Response:
    """Serialise directly: skips FastAPI's per-item encoder on the hot path."""
    return Response(_dumps(obj), media_type="application/json")


class NullNaNResponse(JSONResponse):
    """Every other JSON answer, written by ``_dumps`` as ``_json`` writes the node answers: NaN and infinities as
    ``null``. Starlette's ``JSONResponse`` refuses them, so a model scoring NaN (weights gone NaN) answered 500."""

    def render(self, content) -> bytes:
        return _dumps(content)


class PredictLinks(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"head": "aspirin", "relation": "treats", "k": 5}]})
    head: str = Field(min_length=1, max_length=1024, description="the head entity as the data named it")
    relation: str = Field(min_length=1, max_length=1024)
    k: int = Field(10, ge=1, le=1000, description="how many tails to return")
    include_known: bool = Field(False, description="also return tails that already form a known triple")


class PredictGraphs(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"smiles": ["CCO", "c1ccccc1O"]}]})
    smiles: list[str] = Field(min_length=1, max_length=MAX_IDS, description="molecules to classify")


def load_served(run_dir: str | Path):
    """The served model of a run directory, by the run's task."""
    from graphguard.errors import DataError
    from graphguard.serve.run_files import read_run_config

    if not (Path(run_dir) / "config.json").is_file():
        raise DataError(run_dir, "not a graphguard run directory (missing config.json)")
    _, task = read_run_config(run_dir)
    if task == "link_prediction":
        from graphguard.serve.links import ServedLinks

        return ServedLinks(run_dir)
    if task == "graph_classification":
        from graphguard.serve.graphs import ServedGraphs

        return ServedGraphs(run_dir)
    if task == "node_regression":
        from graphguard.serve.regression import ServedRegression

        return ServedRegression(run_dir)
    return ServedModel(run_dir)


ENDPOINT_TASKS = {"nodes": ("node_classification", "node_regression"), "explain": ("node_classification",),
                  "links": ("link_prediction",), "graphs": ("graph_classification",)}


def _require(model, endpoint: str) -> None:
    """404 naming the run's task when this endpoint belongs to another task."""
    if model.task not in ENDPOINT_TASKS[endpoint]:
        hint = {"link_prediction": "use POST /v1/predict/links", "graph_classification": "use POST /v1/predict/graphs",
                "node_classification": "use POST /v1/predict/nodes", "node_regression": "use POST /v1/predict/nodes"}
        need = " or ".join(ENDPOINT_TASKS[endpoint])
        path = "/v1/explain/node" if endpoint == "explain" else f"/v1/predict/{endpoint}"
        raise HTTPException(404, f"this run is a {model.task} run; {path} needs a {need} run ({hint[model.task]})")


class ExplainNode(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"id": "acct-00001", "top": 5}]})
    id: str = Field(min_length=1)
    top: int = Field(10, ge=1, le=100)


class Problem(BaseModel):
    """The body of every error answer (FastAPI's default 422 model, whose ``detail`` is a list, is not used)."""

    detail: str = Field(description="one line naming the problem and what to send instead")
    errors: list[dict[str, Any]] | None = Field(None, description="422 on a bad body: the field errors")
    unknown: list[str] | None = Field(None, description="404 on unknown ids: the first 100 of them")


ERROR_MEANINGS = {401: "missing or wrong X-API-Key (only when the server has a key)",
                  404: "unknown id, entity or relation, or an endpoint of another task than the run's",
                  411: "no Content-Length header", 413: "body over the size limit; split the request",
                  422: "invalid body: a one-line detail plus the field errors"}


def _errors(*statuses: int) -> dict:
    """OpenAPI ``responses`` entries for these error statuses, all answered with a :class:`Problem`."""
    return {status: {"model": Problem, "description": ERROR_MEANINGS[status]} for status in statuses}


BODY_ERRORS = _errors(401, 404, 411, 413, 422)


def _answers(success: type[BaseModel], errors: dict) -> dict:
    """OpenAPI ``responses``: ``success`` documents the 200 answer (not re-validated: the handler's dict is sent)."""
    return {200: {"model": success, "description": "Successful Response"}, **errors}


class BodyLimit:
    """Plain ASGI middleware: refuse bodies over ``limit`` bytes before they are read (413)."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            length = dict(scope["headers"]).get(b"content-length")
            too_big = length is not None and (not length.isdigit() or int(length) > self.limit)
            if too_big:
                await _send_json(send, 413, {"detail": f"request body over {self.limit:,} bytes; split the request"})
                return
            if length is None:
                await _send_json(send, 411, {"detail": "send a Content-Length header"})
                return
        await self.app(scope, receive, send)


async def _send_json(send, status: int, obj: dict) -> None:
    body = json.dumps(obj).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _summarise(errors: list[dict]) -> str:
    parts = []
    for e in errors[:5]:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
        msg = str(e.get("msg", "invalid")).replace("Value error, ", "")
        parts.append(f"{loc}: {msg}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "invalid request: " + "; ".join(parts) + more


def _unreadable(errors: list[dict], content_type: str) -> str | None:
    """A one-line reason when the body could not be read as a JSON object at all (else None)."""
    for e in errors:
        if e.get("type") == "json_invalid":
            reason = (e.get("ctx") or {}).get("error", "JSON decode error")
            return f"invalid request: the body is not valid JSON ({reason} at character {e['loc'][-1]})"
    whole = [e.get("type") for e in errors if tuple(e.get("loc", ())) == ("body",)]
    if "model_attributes_type" in whole and "json" not in content_type:
        return (f"invalid request: send the body as JSON with Content-Type: application/json "
                f"(got {content_type or 'no Content-Type'})")
    if "model_attributes_type" in whole:
        return "invalid request: the body must be a JSON object ({...}), not a list or a single value"
    if "missing" in whole:
        return "invalid request: the body is empty; send a JSON object"
    return None


API_DESCRIPTIONS = {  # the OpenAPI description, per task of the run being served
    "node_classification": "Fraud scores, explanations and inductive scoring of new nodes for one finished run.",
    "node_regression": "Predicted node values, and inductive predictions for new nodes, for one finished run.",
    "link_prediction": "Ranked tails for a head entity and a relation, for one finished link-prediction run.",
    "graph_classification": "Class predictions for whole graphs (molecules as SMILES) for one finished run.",
}


def create_app(run_dir: str | Path | ServedModel, api_key: str | None = None, max_body: int = MAX_BODY_BYTES) -> FastAPI:
    model = run_dir if not isinstance(run_dir, (str, Path)) else load_served(run_dir)
    info = model.info()
    app = FastAPI(title=f"graphguard: {info['name']}", version=info["graphguard_version"] or "0",
                  description=API_DESCRIPTIONS.get(info["task"], "Predictions of one finished graphguard run."),
                  docs_url=None, redoc_url=None,  # both load their script from a CDN; /docs is served below
                  default_response_class=NullNaNResponse)
    app.add_middleware(BodyLimit, limit=max_body)
    header = APIKeyHeader(name="X-API-Key", auto_error=False)

    async def require_key(key: str | None = Security(header)) -> None:
        if api_key and not (key and hmac.compare_digest(key.encode(), api_key.encode())):
            raise HTTPException(401, "missing or wrong API key (send it in the X-API-Key header)")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        detail = _unreadable(exc.errors(), request.headers.get("content-type", "")) or _summarise(errors)
        return JSONResponse(status_code=422, content={"detail": detail, "errors": errors})

    @app.exception_handler(UnknownIds)
    async def _unknown(request: Request, exc: UnknownIds):
        return JSONResponse(status_code=404, content={"detail": str(exc), "unknown": exc.ids[:100]})

    @app.exception_handler(BadNodes)
    async def _bad(request: Request, exc: BadNodes):
        return JSONResponse(status_code=422, content={"detail": f"invalid request: {exc}"})

    from graphguard.serve.graphs import BadSmiles

    @app.exception_handler(BadSmiles)
    async def _bad_smiles(request: Request, exc: BadSmiles):
        return JSONResponse(status_code=422, content={"detail": f"invalid request: {exc}"})

    auth = [Depends(require_key)]

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(render_docs(app.openapi()))

    @app.get("/healthz", tags=["service"], response_model=None, responses=_answers(Health, {}))
    async def healthz() -> dict:
        """Liveness; never needs the API key."""
        return {"status": "ok"}

    @app.get("/v1/model", dependencies=auth, tags=["model"], response_model=None,
             responses=_answers(MODEL_INFO.get(model.task, ModelInfo), _errors(401)))
    async def model_info() -> dict:
        """The run's metadata: task, model, graph size, test metrics and what inductive scoring accepts."""
        return model.info()

    @app.post("/v1/predict/nodes", dependencies=auth, tags=["predict"], response_model=None,
              responses=_answers(NODE_ANSWERS.get(model.task, PredictNodesResponse), BODY_ERRORS))
    async def predict_nodes(req: PredictNodes) -> Response:
        """Score known nodes by id, and new nodes from their properties (or features) and edges.

        A node regression run answers each known id's predicted value instead (no new nodes).
        """
        _require(model, "nodes")
        if model.task == "node_regression":
            if req.nodes:
                raise BadNodes("scoring new nodes is offered by node_classification runs; this is a "
                               "node_regression run (send known 'ids' only)")
            return _json({"target": model.info()["target"], "predictions": model.predict(req.ids)})
        new_ids = {n.id for n in req.nodes}
        known = [i for i in req.ids if i not in new_ids]
        out: dict[str, tuple[float, bool]] = {}
        if known:
            idx = model.lookup(known)
            for i, s in zip(known, model.scores[idx].tolist()):
                out[i] = (s, False)
        if req.nodes:
            nodes = [NewNode(n.id, n.properties, n.features, n.edges) for n in req.nodes]
            scores = await run_in_threadpool(model.score_new, nodes)
            for n, s in zip(nodes, scores.tolist()):
                out[n.id] = (s, True)
        asked = set(req.ids)
        order = list(req.ids) + [n.id for n in req.nodes if n.id not in asked]
        thr = model.threshold
        return _json({"threshold": thr, "predictions": [
            {"id": i, "score": out[i][0], "label": int(out[i][0] >= thr), "new": out[i][1]} for i in order]})

    @app.post("/v1/predict/links", dependencies=auth, tags=["predict"], response_model=None,
              responses=_answers(PredictLinksResponse, BODY_ERRORS))
    async def predict_links(req: PredictLinks) -> dict:
        """The top-k tails for a head and a relation (link runs); known triples are left out unless asked."""
        _require(model, "links")
        tails = await run_in_threadpool(model.predict, req.head, req.relation, req.k, req.include_known)
        return {"head": req.head, "relation": req.relation, "predictions": tails}

    @app.post("/v1/predict/graphs", dependencies=auth, tags=["predict"], response_model=None,
              responses=_answers(PredictGraphsResponse, BODY_ERRORS))
    async def predict_graphs(req: PredictGraphs) -> dict:
        """Class and score for each molecule (graph runs trained on a SMILES CSV)."""
        _require(model, "graphs")
        if not model.molecules:
            raise HTTPException(404, "this graph_classification run was trained on TU graphs, not molecules; "
                                     "only runs on a SMILES CSV classify new SMILES")
        return {"predictions": await run_in_threadpool(model.predict_smiles, req.smiles)}

    @app.post("/v1/explain/node", dependencies=auth, tags=["explain"], response_model=None,
              responses=_answers(Explanation, BODY_ERRORS))
    async def explain_node(req: ExplainNode) -> dict:
        """Why a node scored as it did: its top feature contributions and its most influential neighbours."""
        _require(model, "explain")
        return await run_in_threadpool(model.explain, req.id, req.top)

    return app


def check_port(host: str, port: int) -> None:
    """Fail in one line before the model loads when ``host:port`` cannot be listened on.

    uvicorn would only log the bind error after loading the model and announcing the address.
    """
    import errno
    import socket

    from graphguard.errors import ConfigError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: a closing port is reusable
        try:
            s.bind((host, port))
        except OSError as e:
            hint = ("stop the server that holds it or pick another --port" if e.errno == errno.EADDRINUSE
                    else "check --host and --port")
            raise ConfigError(f"{host}:{port}: cannot listen here ({e.strerror or e}); {hint}") from None


def app_from_env() -> FastAPI:
    """App factory for multi-worker uvicorn: each worker process reads the run and key from the environment."""
    import os

    return create_app(os.environ["GRAPHGUARD_SERVE_RUN_DIR"], api_key=os.environ.get("GRAPHGUARD_API_KEY") or None)
