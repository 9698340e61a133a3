"""The per-type tables layout (``nodes/<type>.*``, ``edges/<src>__<rel>__<dst>.*``) in the workflow:
what ``node train`` and ``graphguard generate --format tables`` read and write, ``graphguard run`` reads too."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graphguard.data.io import load_graph
from graphguard.errors import DataError
from graphguard.workflow.job import DataSpec
from graphguard.workflow.run import run_job
from graphguard.workflow.source import MAX_SHARED_GROUP, read_plain_tables

PER_TYPE_JOB = """\
name: per_type
task: node_classification
data: {path: gen, format: tables}
target: {property: label}
model:
  candidates: [xgbgraph]
  params: {xgbgraph: {n_estimators: 40}}
budget: {trials: 1}
report: {top_k: 10, ego_networks: 1}
"""


def write_per_type(folder: Path) -> Path:
    """Accounts and shops whose ids overlap (ids are unique within a type only): a1 and a3 pay shop 1,
    a2 pays shop 2 alone, and one transfer a1 -> a2."""
    (folder / "nodes").mkdir(parents=True)
    (folder / "edges").mkdir()
    pd.DataFrame({"id": [1, 2, 3, 4], "label": [1, 0, 0, None], "amount": [1.0, 2.0, 3.0, 4.0],
                  "split": ["train", "val", "test", ""]}).to_parquet(folder / "nodes" / "account.parquet")
    (folder / "nodes" / "shop.csv").write_text("id,rating\n1,4.5\n2,3\n")
    (folder / "edges" / "account__pays__shop.csv").write_text("src,dst\n1,1\n3,1\n2,2\n")
    pd.DataFrame({"src": [1], "dst": [2]}).to_parquet(folder / "edges" / "account__sends__account.parquet")
    return folder


def _pairs(edges: np.ndarray, ids) -> set[tuple[str, str]]:
    return {(ids[a], ids[b]) for a, b in edges.T}


def test_per_type_tables_read_the_target_type_and_link_nodes_sharing_another_type(tmp_path):
    table = read_plain_tables(write_per_type(tmp_path / "t"), DataSpec(path="t"), "label")
    assert table.node_type == "account" and list(table.ids) == ["1", "2", "3", "4"]
    assert _pairs(table.edges, table.ids) == {("1", "2"), ("1", "3")}  # the transfer, and shop 1 shared by 1 and 3
    assert any("sharing a neighbour of another type" in n for n in table.notes)
    assert list(table.props.columns) == ["amount"]  # neither split nor the shops' rating is a feature
    assert table.masks["train_mask"].tolist() == [True, False, False, False]
    assert table.labels.isna().tolist() == [False, False, False, True]


def test_per_type_tables_are_the_nodes_node_train_reads(tmp_path):
    folder = write_per_type(tmp_path / "t")
    graph = load_graph(folder, label="label")
    table = read_plain_tables(folder, DataSpec(path="t"), "label")
    target = graph[graph.target_node_type]
    assert table.node_type == graph.target_node_type
    assert list(table.ids) == list(target.node_id)
    assert (table.labels.fillna(-1).astype(int).tolist()) == target.y.tolist()


def test_per_type_tables_named_target_type_and_its_mistakes(tmp_path):
    folder = write_per_type(tmp_path / "t")
    (folder / "nodes" / "shop.csv").write_text("id,label\n1,0\n2,1\n")  # now two types carry the label
    with pytest.raises(DataError, match=r"cannot tell which node type to predict 'label' for \(types with it: "
                                        r"account, shop\); set target.node_type"):
        read_plain_tables(folder, DataSpec(path="t"), "label")
    assert list(read_plain_tables(folder, DataSpec(path="t"), "label", "shop").ids) == ["1", "2"]
    with pytest.raises(DataError, match=r"no table for target.node_type 'device' \(node types: account, shop\)"):
        read_plain_tables(folder, DataSpec(path="t"), "label", "device")
    with pytest.raises(DataError, match=r"none of account, shop has it"):
        read_plain_tables(folder, DataSpec(path="t"), "fraud")


@pytest.mark.parametrize("case, pattern", [
    ("edge", r"account__pays__shop\.csv: line 3: edge points to an unknown node \(account 3 -> shop 9; 1 such edges\)"),
    ("column", r"shop\.csv: no column 'id' \(it has: key, rating\)"),
    ("edges_key", r"data.edges names one edge file, but this folder holds per-type tables"),
])
def test_per_type_tables_mistakes_are_one_line_naming_the_file(tmp_path, case, pattern):
    folder = write_per_type(tmp_path / "t")
    spec = DataSpec(path="t")
    if case == "edge":
        (folder / "edges" / "account__pays__shop.csv").write_text("src,dst\n1,1\n3,9\n")
    elif case == "column":
        (folder / "nodes" / "shop.csv").write_text("key,rating\n1,4.5\n")
    else:
        spec = DataSpec(path="t", edges="edges.csv")
    with pytest.raises(DataError, match=pattern) as e:
        read_plain_tables(folder, spec, "label")
    assert "\n" not in str(e.value)


def test_per_type_tables_skip_a_shared_hub(tmp_path):
    folder = tmp_path / "t"
    (folder / "nodes").mkdir(parents=True)
    (folder / "edges").mkdir()
    n = MAX_SHARED_GROUP + 1
    pd.DataFrame({"id": range(n), "label": [0, 1] * (n // 2) + [0] * (n % 2)}).to_csv(folder / "nodes" / "account.csv",
                                                                                       index=False)
    (folder / "nodes" / "device.csv").write_text("id\nhub\n")
    pd.DataFrame({"src": range(n), "dst": "hub"}).to_csv(folder / "edges" / "account__uses__device.csv", index=False)
    table = read_plain_tables(folder, DataSpec(path="t"), "label")
    assert table.edges.shape[1] == 0 and any("skipped as hubs" in note for note in table.notes)


def test_run_job_on_generated_per_type_tables(tmp_path):
    """``graphguard generate --format tables`` output runs end to end, on its own split."""
    from graphguard.data.generate import generate

    generate(tmp_path / "gen", 500, 2500, seed=1, format="tables", fraud_ratio=0.1, num_features=4)
    (tmp_path / "job.yaml").write_text(PER_TYPE_JOB)
    run = run_job(tmp_path / "job.yaml", tmp_path / "run")
    accounts = pd.read_parquet(tmp_path / "gen" / "nodes" / "account.parquet")
    data = json.loads((run / "config.json").read_text())["data"]
    assert data["node_type"] == "account" and data["nodes"] == len(accounts)
    assert any("sharing a neighbour of another type" in note for note in data["notes"])
    assert data["split"]["test_mask"] == int((accounts["split"] == "test").sum())  # the file's own split
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["detector"] == "xgbgraph" and metrics["test"]["auroc"] > 0.6
    pred = pd.read_csv(run / "predictions.csv", dtype={"id": str})
    assert sorted(pred["id"]) == sorted(accounts["id"].astype(str)) and (run / "report.html").is_file()
