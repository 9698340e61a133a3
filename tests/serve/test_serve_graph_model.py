"""``GET /v1/model`` of graph classification runs says the classes the served model predicts, for two model kinds.

``classes`` was read from ``metrics.json`` and typed ``list[int] | None``: null was never sent, and a run whose model
directory held a graph regressor (no classes) was served anyway, its metadata naming classes it could not predict.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest

from live_server import start_server, stop_server
from schema_check import answer_schema, schema_errors

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))
from tasks_data import make_smiles_csv  # noqa: E402


def make_tu_paths(folder: Path, graphs: int = 40) -> Path:
    """A TU folder of path graphs labelled -1/1 by whether their nodes carry label 1 (TU's own -1/1 classes)."""
    rng = np.random.default_rng(0)
    folder.mkdir()
    indicator, edges, node_labels, labels, start = [], [], [], [], 1
    for k in range(graphs):
        size, cls = int(rng.integers(3, 8)), k % 2
        indicator += [k + 1] * size
        edges += [(start + i, start + i + 1) for i in range(size - 1)]
        edges += [(start + i + 1, start + i) for i in range(size - 1)]
        node_labels += [int(v) for v in rng.integers(0, 2, size) * cls]
        labels.append(1 if cls else -1)
        start += size
    for name, rows in (("graph_indicator", indicator), ("A", [f"{a}, {b}" for a, b in edges]),
                       ("node_labels", node_labels), ("graph_labels", labels)):
        (folder / f"X_{name}.txt").write_text("\n".join(map(str, rows)) + "\n")
    return folder


RUNS = {  # model kind -> (data line, its data, the model, the classes its labels are drawn from)
    "wl_on_smiles": ("data: {path: mols.csv, format: smiles}\ntarget: {property: acid}\n",
                     lambda root: make_smiles_csv(root / "mols.csv"), "wl: {n_estimators: 30}", [0, 1]),
    "gin_on_tu": ("data: {path: tu, format: tu}\n", lambda root: make_tu_paths(root / "tu"),
                  "gin: {epochs: 3, hidden: 16, layers: 2}", [-1, 1]),
}


@pytest.fixture(scope="module", params=list(RUNS))
def graph_run(request, tmp_path_factory):
    """``(kind, run_dir)`` of a finished graph classification run of one model kind."""
    from graphguard.workflow.run import run_job

    data, make_data, model, _ = RUNS[request.param]
    root = tmp_path_factory.mktemp(request.param)
    make_data(root)
    (root / "job.yaml").write_text(
        f"name: {request.param}\ntask: graph_classification\n{data}split: {{train: 0.5, val: 0.25, test: 0.25, "
        f"seed: 0}}\nmodel:\n  candidates: [{model.split(':')[0]}]\n  params: {{{model}}}\nbudget: {{trials: 1}}\n")
    return request.param, run_job(root / "job.yaml", root / "run", report=False)


def test_model_info_names_the_classes_the_model_predicts(graph_run, tmp_path):
    kind, run_dir = graph_run
    proc, base = start_server(run_dir, tmp_path / "server.log")
    try:
        schema = httpx.get(f"{base}/openapi.json").json()
        info = httpx.get(f"{base}/v1/model").json()
        graphs = httpx.post(f"{base}/v1/predict/graphs", json={"smiles": ["CCCC(=O)O", "CCCC"]}, timeout=60)
    finally:
        stop_server(proc)
    components = schema["components"]["schemas"]
    declared = answer_schema(schema, "/v1/model", "get")
    assert schema_errors(info, declared, components) == []
    assert info["classes"] == RUNS[kind][3] and info["accepts_smiles"] == (kind == "wl_on_smiles")
    classes = components[declared["$ref"].rsplit("/", 1)[1]]["properties"]["classes"]
    assert schema_errors(None, classes, components), "the schema allows null classes, which are never sent"
    if info["accepts_smiles"]:
        assert {p["label"] for p in graphs.json()["predictions"]} <= set(info["classes"])
    else:
        assert graphs.status_code == 404


def test_a_graph_regressor_in_the_run_is_refused_in_one_line(graph_run, tmp_path):
    from graphguard.data.graphset import load_graph_dataset
    from graphguard.errors import DataError
    from graphguard.serve.graphs import ServedGraphs
    from graphguard.tasks.graph.gnn import GNNGraphRegressor

    kind, run_dir = graph_run
    if kind != "gin_on_tu":
        pytest.skip("one regressor is enough")
    graphs = load_graph_dataset(run_dir.parent / "tu")
    values = np.linspace(0.1, 2.3, len(graphs))
    run = shutil.copytree(run_dir, tmp_path / "run")
    shutil.rmtree(run / "model")
    GNNGraphRegressor(epochs=2, hidden=8, layers=1).fit(graphs, values).save(run / "model")
    with pytest.raises(DataError, match="holds a graph regression model, which has no classes") as e:
        ServedGraphs(run)
    assert "\n" not in str(e.value)
