"""A flat node table (``nodes.*`` + ``edges.*``) with ``type`` and ``time`` columns in the workflow: read as
``node train`` reads it (docs/data.md) and as the per-type and Neptune layouts are read by ``graphguard run``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from graphguard.errors import ConfigError, DataError
from graphguard.workflow.job import DataSpec
from graphguard.workflow.run import run_job
from graphguard.workflow.source import read_neptune_tables, read_plain_tables

NODES = """\
id,type,label,amount,rating,time,split
a1,account,1,1.0,,100,train
a2,account,0,2.0,,200,val
a3,account,0,3.0,,300,test
a4,account,,4.0,,400,
s1,shop,,,4.5,50,
s2,shop,,,3.0,60,
"""
EDGES = "src,dst\na1,a2\na1,s1\na3,s1\na2,s2\ns1,s2\n"


def write_flat(folder: Path, nodes: str = NODES) -> Path:
    """Accounts and shops in one table: a1 -> a2 is a transfer, a1 and a3 pay shop s1, a2 pays s2 alone."""
    folder.mkdir(parents=True)
    (folder / "nodes.csv").write_text(nodes)
    (folder / "edges.csv").write_text(EDGES)
    return folder


def _pairs(table) -> set[tuple[str, str]]:
    return {(table.ids[a], table.ids[b]) for a, b in table.edges.T}


def test_flat_table_reads_only_the_target_node_type_and_links_nodes_sharing_another_type(tmp_path):
    table = read_plain_tables(write_flat(tmp_path / "t"), DataSpec(path="t"), "label", "account")
    assert table.node_type == "account" and list(table.ids) == ["a1", "a2", "a3", "a4"]
    assert _pairs(table) == {("a1", "a2"), ("a1", "a3")}  # the transfer, and shop s1 shared by a1 and a3
    assert any("sharing a neighbour of another type" in n for n in table.notes)
    assert table.labels.isna().tolist() == [False, False, False, True]
    assert table.masks["test_mask"].tolist() == [False, False, True, False]
    shops = read_plain_tables(tmp_path / "t", DataSpec(path="t"), "label", "shop")
    assert list(shops.ids) == ["s1", "s2"] and _pairs(shops) == {("s1", "s2")}


def test_flat_table_type_and_time_are_not_features(tmp_path):
    table = read_plain_tables(write_flat(tmp_path / "t"), DataSpec(path="t"), "label", "account")
    assert list(table.props.columns) == ["amount"]  # no type, time, split, nor the shops' rating
    one_type = "".join(",".join(c for j, c in enumerate(line.split(",")) if j != 1) + "\n"
                       for line in NODES.splitlines())  # no type column: every row is a target node
    plain = read_plain_tables(write_flat(tmp_path / "u", one_type), DataSpec(path="u"), "label")
    assert plain.node_type is None and list(plain.props.columns) == ["amount", "rating"]


def test_flat_table_picks_the_labelled_type_without_target_node_type(tmp_path):
    table = read_plain_tables(write_flat(tmp_path / "t"), DataSpec(path="t"), "label")
    assert table.node_type == "account" and len(table.ids) == 4


@pytest.mark.parametrize("nodes,node_type,problem", [
    (NODES, "device", r"nodes\.csv: no nodes of target\.node_type 'device' in the node table "
                      r"\(types: account, shop\)$"),
    (NODES.replace("s1,shop,,", "s1,shop,1,"), None,
     r"nodes\.csv: cannot tell which node type to predict 'label' for \(types with it: account, shop\); "
     r"set target\.node_type$"),
    ("id,label,amount\na1,1,1.0\na2,0,2.0\na3,0,3.0\na4,,4.0\ns1,,5.0\ns2,,6.0\n", "account",
     r"nodes\.csv: no nodes of target\.node_type 'account' in the node table \(it has no 'type' column, so "
     r"every node is of type 'node'\)$"),
], ids=["unknown type", "two labelled types", "no type column"])
def test_flat_table_target_type_mistakes_are_one_line(tmp_path, nodes, node_type, problem):
    with pytest.raises(DataError, match=problem):
        read_plain_tables(write_flat(tmp_path / "t", nodes), DataSpec(path="t"), "label", node_type)


def test_time_is_not_a_feature_in_per_type_tables_nor_neptune_exports(tmp_path):
    folder = tmp_path / "p"
    (folder / "nodes").mkdir(parents=True)
    (folder / "edges").mkdir()
    (folder / "nodes" / "account.csv").write_text("id,label,amount,time\n1,1,1.0,10\n2,0,2.0,20\n")
    (folder / "edges" / "account__sends__account.csv").write_text("src,dst\n1,2\n")
    assert list(read_plain_tables(folder, DataSpec(path="p"), "label").props.columns) == ["amount"]
    export = tmp_path / "n"
    export.mkdir()
    (export / "v.csv").write_text("~id,~label,label:Int,amount:Double,time:Date\n"
                                  "a,account,1,1.0,2024-01-01\nb,account,0,2.0,2024-02-01\n")
    (export / "e.csv").write_text("~id,~from,~to,~label\ne,a,b,sends\n")
    table = read_neptune_tables(export, "account", "label")
    assert list(table.props.columns) == ["amount"] and "time" not in table.declared


FLAT_JOB = """\
name: flat
task: node_classification
data: {path: t, format: tables}
target: {node_type: account, property: label}
split: {use_file_masks: false}
model:
  candidates: [xgbgraph]
  params: {xgbgraph: {n_estimators: 10}}
budget: {trials: 1}
"""


def _many_accounts(folder: Path) -> Path:
    """60 accounts (every third one fraud) and 10 shops, in one flat table with type and time columns."""
    rows = [f"a{i},account,{int(i % 3 == 0)},{i % 7},,{1000 + i}" for i in range(60)]
    rows += [f"s{i},shop,,,{i % 4},{i}" for i in range(10)]
    write_flat(folder, "id,type,label,amount,rating,time\n" + "\n".join(rows) + "\n")
    (folder / "edges.csv").write_text("src,dst\n" + "\n".join(f"a{i},s{i % 10}" for i in range(60)) + "\n")
    return folder


def test_run_scores_only_the_target_type_of_a_flat_table(tmp_path):
    _many_accounts(tmp_path / "t")
    (tmp_path / "job.yaml").write_text(FLAT_JOB)
    run = run_job(tmp_path / "job.yaml", tmp_path / "run", report=False)
    data = json.loads((run / "config.json").read_text())["data"]
    assert data["node_type"] == "account" and data["nodes"] == 60
    pred = pd.read_csv(run / "predictions.csv")
    assert sorted(pred["id"]) == sorted(f"a{i}" for i in range(60))
    columns = [c["column"] for c in json.loads((run / "encodings.json").read_text())["columns"]]
    assert columns == ["amount"]


def test_override_of_the_time_column_says_it_is_never_a_feature(tmp_path):
    _many_accounts(tmp_path / "t")
    (tmp_path / "job.yaml").write_text(FLAT_JOB + "features: {overrides: {time: numeric}, exclude: [split]}\n")
    with pytest.raises(ConfigError, match=r"features\.overrides\.time: no node property 'time' \(properties: "
                                          r"amount\); the data's split, timestamp and generated-node marker are "
                                          r"never features"):
        run_job(tmp_path / "job.yaml", tmp_path / "run", report=False)
