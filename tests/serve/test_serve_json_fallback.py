"""Without orjson the node answers are written by the standard library, with NaN and infinities as null as orjson
writes them: ``json.dumps`` wrote the bare token ``NaN``, which is not JSON and which strict readers refuse."""

from __future__ import annotations

import importlib
import json
import sys

import numpy as np
import pytest
from fastapi.testclient import TestClient

import graphguard.serve.app as served_app


def _strict(text: str):
    def refuse(token):
        raise ValueError(f"bare {token} in the answer")

    return json.loads(text, parse_constant=refuse)


def _answer(module, run_dir) -> bytes:
    """``/v1/predict/nodes`` of three nodes whose first two scores are NaN and inf, from ``module``'s app."""
    from graphguard.serve.model import ServedModel

    model = ServedModel(run_dir)
    model.scores[:2] = [np.nan, np.inf]
    with TestClient(module.create_app(model)) as c:
        r = c.post("/v1/predict/nodes", json={"ids": model.ids[:3].tolist()})
    assert r.status_code == 200, r.text
    return r.content


def _without_orjson(run_dir, ask=_answer) -> bytes:
    """``ask`` (:func:`_answer`) from the serve app module as imported where orjson is missing (the real one again after)."""
    with pytest.MonkeyPatch.context() as m:
        m.setitem(sys.modules, "orjson", None)  # makes ``import orjson`` raise ImportError
        try:
            fallback = importlib.reload(served_app)
            assert "orjson" not in fallback._dumps.__code__.co_names  # the fallback is the one serving
            return ask(fallback, run_dir)
        finally:
            m.undo()
            importlib.reload(served_app)


def test_the_fallback_writes_nan_as_null_like_orjson(run_dir):
    fallback = _without_orjson(run_dir)
    scores = [p["score"] for p in _strict(fallback.decode())["predictions"]]
    assert scores[:2] == [None, None] and isinstance(scores[2], float)
    pytest.importorskip("orjson")
    assert "orjson" in served_app._dumps.__code__.co_names
    assert fallback == _answer(served_app, run_dir)  # byte for byte the orjson answer


def _model_answer(module, run_dir) -> bytes:
    """``/v1/model`` of a run whose metrics are numpy floats, one NaN, from ``module``'s app (FastAPI's encoder
    passes ``np.float64`` on as a float; orjson writes it only through ``_plain``)."""
    from graphguard.serve.model import ServedModel

    model = ServedModel(run_dir)
    info = model.info()
    model.info = lambda: {**info, "metrics": {"test": {"auc": np.float64("nan"), "f1": np.float64(0.5)}}}
    with TestClient(module.create_app(model)) as c:
        r = c.get("/v1/model")
    assert r.status_code == 200, r.text
    return r.content


def test_plain_dict_answers_write_nan_as_null_and_numpy_floats_with_either_encoder(run_dir):
    """Before: FastAPI's JSONResponse refused the NaN (a 500); the plain-dict answers now share the node encoder."""
    fallback = _without_orjson(run_dir, _model_answer)
    assert _strict(fallback.decode())["metrics"] == {"test": {"auc": None, "f1": 0.5}}
    pytest.importorskip("orjson")
    assert fallback == _model_answer(served_app, run_dir)
